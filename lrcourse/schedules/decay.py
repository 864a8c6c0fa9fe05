"""Decay laws from the lectures that torch does not ship as schedulers.

Continuous exponential, inverse-time (hyperbolic), inverse power and inverse square root decay, the
Transformer (Noam) schedule, and the batch-size-coupled rule that keeps the noise scale fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, param, user_values
from .shapes import inverse_power

__all__ = [
    "ConstantSchedule",
    "ExponentialDecay",
    "InverseTimeDecay",
    "InversePowerDecay",
    "InverseSqrtDecay",
    "NoamLR",
    "BatchSizeScaledLR",
]


@dataclass(frozen=True)
class ConstantSchedule(Schedule):
    r"""A fixed learning rate, :math:`\eta_t = \eta_0` (the baseline every schedule is compared with)."""

    lr: float = param(check.positive)

    def _evaluate(self, t):
        return np.full_like(t, self.lr)

    def _tail(self):
        return Tail("power", 0.0)


@dataclass(frozen=True)
class ExponentialDecay(Schedule):
    r"""Continuous exponential decay, :math:`\eta_t = \eta_0\, e^{-\lambda t}`.

    Parameters
    ----------
    lr : float
        :math:`\eta_0 > 0`.
    lam : float
        Decay rate :math:`\lambda \ge 0` per step; :class:`~lrcourse.ExponentialLR` with
        ``gamma = exp(-lam)`` is the same curve at integer steps.
    """

    lr: float = param(check.positive)
    lam: float = param(check.nonnegative)

    def _evaluate(self, t):
        return self.lr * np.exp(-self.lam * t)

    def _tail(self):
        return Tail("power", 0.0) if self.lam == 0 else Tail("geometric", float(np.exp(-self.lam)))


@dataclass(frozen=True)
class InverseTimeDecay(Schedule):
    r"""Hyperbolic (inverse-time) decay, :math:`\eta_t = \eta_0 / (1 + \beta t)`.

    Satisfies the Robbins-Monro conditions for any :math:`\beta > 0`; the diffusion lecture derives
    the exact variance of SGD under it.

    Parameters
    ----------
    lr : float
        :math:`\eta_0 > 0`.
    beta : float
        :math:`\beta \ge 0`.
    """

    lr: float = param(check.positive)
    beta: float = param(check.nonnegative)

    def _evaluate(self, t):
        return self.lr / (1.0 + self.beta * t)

    def _tail(self):
        return Tail("power", 1.0 if self.beta > 0 else 0.0)


@dataclass(frozen=True)
class InversePowerDecay(Schedule):
    r"""Polynomial (inverse power) decay, :math:`\eta_t = \eta_0 / (t + 1)^{p}`.

    Robbins-Monro holds exactly for :math:`1/2 < p \le 1`.

    Parameters
    ----------
    lr : float
        :math:`\eta_0 > 0`.
    power : float
        :math:`p \ge 0`.
    """

    lr: float = param(check.positive)
    power: float = param(check.nonnegative)

    def _evaluate(self, t):
        return inverse_power(self.lr, self.power, t)

    def _tail(self):
        return Tail("power", self.power)


def InverseSqrtDecay(lr: float) -> InversePowerDecay:
    r"""Inverse square-root decay, :math:`\eta_t = \eta_0 / \sqrt{t + 1}` (``InversePowerDecay`` with ``p = 1/2``)."""
    return InversePowerDecay(lr=lr, power=0.5)


@dataclass(frozen=True)
class NoamLR(Schedule):
    r"""The Transformer schedule (Vaswani et al. 2017): linear warm-up, then inverse square root.

    With :math:`s = t + 1` (the paper counts steps from 1),

    .. math:: \eta_t = c\, d_{model}^{-1/2} \min\bigl(s^{-1/2},\; s\, W^{-3/2}\bigr)

    which peaks at :math:`s = W` with :math:`c / \sqrt{d_{model} W}`.

    Parameters
    ----------
    d_model : int
        Model width :math:`d_{model} \ge 1`.
    warmup_steps : int
        :math:`W \ge 1`.
    factor : float, default 1.0
        Overall scale :math:`c > 0`.
    """

    d_model: int = param(check.integer, minimum=1)
    warmup_steps: int = param(check.integer, minimum=1)
    factor: float = param(check.positive, default=1.0)

    @property
    def peak_lr(self) -> float:
        r"""The largest rate, :math:`c / \sqrt{d_{model} W}`, reached at step ``W - 1``."""
        return self.factor / np.sqrt(self.d_model * self.warmup_steps)

    def _evaluate(self, t):
        s = t + 1.0
        return self.factor * self.d_model**-0.5 * np.minimum(s**-0.5, s * self.warmup_steps**-1.5)

    def _tail(self):
        return Tail("power", 0.5)


def _batch_size_table(name: str, value):
    """A callable of the step, or whole batch sizes >= 1 (stored as a tuple of ints)."""
    if callable(value):
        return value
    sizes = check.array(name, value, ndim=1, min_size=1)
    if np.any(sizes < 1) or np.any(sizes != np.round(sizes)):
        raise ValueError(f"{name} must contain whole numbers >= 1")
    return tuple(int(b) for b in sizes)


@dataclass(frozen=True)
class BatchSizeScaledLR(Schedule):
    r"""Learning rate proportional to the batch size: :math:`\eta_t = g\, B_t`.

    Keeps the SGD noise scale :math:`\eta_t / B_t = g` constant while the batch size changes (the
    linear scaling rule). ``batch_size`` is a schedule-like callable of the step, or an array of
    batch sizes per step (the last one is kept afterwards).

    Parameters
    ----------
    noise_scale : float
        :math:`g > 0`.
    batch_size : callable or array of int
        :math:`B_t \ge 1`.
    """

    noise_scale: float = param(check.positive)
    batch_size: object = param(_batch_size_table)

    def batch_sizes(self, t) -> np.ndarray:
        """:math:`B_t` at the given step(s), as a float array of the shape of ``t``."""
        arr, _ = check.steps(t)
        return self._batch_sizes(arr)

    def _batch_sizes(self, t):
        if callable(self.batch_size):
            sizes = user_values(self.batch_size, t, "batch_size", vectorized=True)
            if np.any(sizes < 1):
                raise ValueError(f"batch_size must be >= 1 at every step, got {sizes.min():g}")
            return sizes
        table = np.asarray(self.batch_size, dtype=np.float64)
        return table[np.minimum(np.floor(t), len(table) - 1).astype(np.int64)]

    def _evaluate(self, t):
        return self.noise_scale * self._batch_sizes(t)

"""PyTorch's epoch-wise schedules as closed forms: same class names, parameter names and numbers.

``Sched(lr=..., ...)(t)`` equals ``optimizer.param_groups[0]["lr"]`` after ``t`` calls of
``scheduler.step()`` on the matching ``torch.optim.lr_scheduler`` class built on an optimizer whose
learning rate is ``lr`` (``t = 0`` is the value right after construction), for every ``t >= 0``.
The warm restarts and cyclic schedules live in :mod:`lrcourse.schedules.restarts` and :mod:`lrcourse.schedules.cyclic`,
the combinators in :mod:`lrcourse.schedules.compose`, the metric-driven one in :mod:`lrcourse.schedules.plateau`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, _set

__all__ = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "PolynomialLR",
    "LinearLR",
    "ConstantLR",
    "LambdaLR",
    "MultiplicativeLR",
]


class _Multiplicative(Schedule):
    """A schedule of the form ``lr * factor(t)`` whose factor does not depend on ``lr``.

    Only such schedules compose exactly under :class:`~lrcourse.ChainedScheduler`, as in torch.
    """

    def _factor(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _evaluate(self, t):
        return self.lr * self._factor(t)

    @property
    def initial_lr(self) -> float:
        return self.lr


def _growth_tail(rate: float, per: float = 1.0) -> Tail:
    if rate == 0:
        return Tail("zero", 0.0)
    if rate < 1:
        return Tail("geometric", rate ** (1.0 / per))
    return Tail("power", 0.0 if rate == 1 else -1.0)


@dataclass(frozen=True)
class StepLR(_Multiplicative):
    r"""Step decay: multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    step_size : int
        Steps between two drops, :math:`s \ge 1`.
    gamma : float, default 0.1
        Multiplicative factor per drop, :math:`\gamma \ge 0`.

    Examples
    --------
    >>> StepLR(lr=0.1, step_size=30, gamma=0.1)(np.array([0, 29, 30, 60]))
    array([0.1  , 0.1  , 0.01 , 0.001])
    """

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "step_size", check.integer("step_size", self.step_size, minimum=1))
        _set(self, "gamma", check.nonnegative("gamma", self.gamma))

    def _factor(self, t):
        return self.gamma ** np.floor(t / self.step_size)

    def _tail(self):
        return _growth_tail(self.gamma, self.step_size)


@dataclass(frozen=True)
class MultiStepLR(_Multiplicative):
    r"""Multiply the rate by ``gamma`` at each milestone.

    .. math:: \eta_t = \eta_0\,\gamma^{\#\{m_i \le t\}}

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    milestones : sequence of int
        Strictly increasing, non-negative steps at which the rate drops.
    gamma : float, default 0.1
        Factor applied at each milestone, :math:`\gamma \ge 0`.

    Examples
    --------
    >>> MultiStepLR(lr=1.0, milestones=[30, 80], gamma=0.5)(np.array([29, 30, 80]))
    array([1.  , 0.5 , 0.25])
    """

    lr: float
    milestones: tuple
    gamma: float = 0.1

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "milestones", check.increasing_integers("milestones", self.milestones))
        _set(self, "gamma", check.nonnegative("gamma", self.gamma))

    def _factor(self, t):
        drops = np.searchsorted(np.asarray(self.milestones, dtype=np.float64), t, side="right")
        return self.gamma ** drops.astype(np.float64)

    def _tail(self):
        if self.milestones and self.gamma == 0:
            return Tail("zero", 0.0)
        return Tail("power", 0.0)


@dataclass(frozen=True)
class ExponentialLR(_Multiplicative):
    r"""Exponential decay per step: :math:`\eta_t = \eta_0\,\gamma^{t}`.

    For the continuous-rate form :math:`\eta_0 e^{-\lambda t}` see
    :class:`~lrcourse.ExponentialDecay` (the two agree when :math:`\gamma = e^{-\lambda}`).

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    gamma : float
        Factor per step, :math:`\gamma > 0` (``gamma > 1`` grows, as in an LR range test).
    """

    lr: float
    gamma: float

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "gamma", check.positive("gamma", self.gamma))

    def _factor(self, t):
        return self.gamma**t

    def _tail(self):
        return _growth_tail(self.gamma)


@dataclass(frozen=True)
class CosineAnnealingLR(Schedule):
    r"""Cosine annealing from ``lr`` down to ``eta_min`` over ``T_max`` steps.

    .. math:: \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\bigl(1 + \cos(\pi t / T_{\max})\bigr)

    As in PyTorch the formula keeps going after ``T_max``: the rate climbs back to ``lr`` at
    ``2 T_max`` (a cosine with period ``2 T_max``). Use :class:`~lrcourse.SequentialLR` or
    :class:`~lrcourse.CosineAnnealingWarmRestarts` for other behaviour past the horizon.

    Parameters
    ----------
    lr : float
        Initial (maximum) learning rate :math:`\eta_0 > 0`.
    T_max : int
        Half period, in steps, :math:`T_{\max} \ge 1`.
    eta_min : float, default 0.0
        Floor :math:`\eta_{\min} \ge 0`.

    Examples
    --------
    >>> CosineAnnealingLR(lr=0.1, T_max=100)(50)
    0.05000000000000001
    """

    lr: float
    T_max: int
    eta_min: float = 0.0

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "T_max", check.integer("T_max", self.T_max, minimum=1))
        _set(self, "eta_min", check.nonnegative("eta_min", self.eta_min))

    def _evaluate(self, t):
        return self.eta_min + (self.lr - self.eta_min) * (1 + np.cos(np.pi * t / self.T_max)) / 2

    def _factor(self, t):
        # Multiplicative (chainable in torch) only when the floor is zero.
        return (1 + np.cos(np.pi * t / self.T_max)) / 2

    @property
    def _multiplicative(self) -> bool:
        return self.eta_min == 0

    def _tail(self):
        return Tail("power", 0.0)


@dataclass(frozen=True)
class PolynomialLR(_Multiplicative):
    r"""Polynomial decay to zero over ``total_iters`` steps, then zero.

    .. math:: \eta_t = \eta_0\,\bigl(1 - \min(t, T)/T\bigr)^{p}

    ``power=1`` is linear decay. For the lecture form with a floor, compose with
    :class:`~lrcourse.SequentialLR` or use :class:`~lrcourse.WarmupStableDecay`.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    total_iters : int, default 5
        Steps to reach zero, :math:`T \ge 1`.
    power : float, default 1.0
        Exponent :math:`p > 0`.
    """

    lr: float
    total_iters: int = 5
    power: float = 1.0

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "total_iters", check.integer("total_iters", self.total_iters, minimum=1))
        _set(self, "power", check.positive("power", self.power))

    def _factor(self, t):
        return (1.0 - np.minimum(t, self.total_iters) / self.total_iters) ** self.power

    def _tail(self):
        return Tail("zero", 0.0)


@dataclass(frozen=True)
class LinearLR(_Multiplicative):
    r"""Linear change of the multiplicative factor from ``start_factor`` to ``end_factor``.

    .. math:: \eta_t = \eta_0\Bigl(s + (e - s)\,\frac{\min(t, T)}{T}\Bigr)

    With ``start_factor < end_factor = 1`` this is the usual linear warm-up.

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    start_factor : float, default 1/3
        :math:`s \in (0, 1]`.
    end_factor : float, default 1.0
        :math:`e \in [0, 1]`.
    total_iters : int, default 5
        Steps of the ramp, :math:`T \ge 1`.
    """

    lr: float
    start_factor: float = 1.0 / 3
    end_factor: float = 1.0
    total_iters: int = 5

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "start_factor", check.in_range("start_factor", self.start_factor, 0.0, 1.0, low_open=True))
        _set(self, "end_factor", check.in_range("end_factor", self.end_factor, 0.0, 1.0))
        _set(self, "total_iters", check.integer("total_iters", self.total_iters, minimum=1))

    def _factor(self, t):
        frac = np.minimum(t, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * frac

    def _tail(self):
        return Tail("zero", 0.0) if self.end_factor == 0 else Tail("power", 0.0)


@dataclass(frozen=True)
class ConstantLR(_Multiplicative):
    r"""Scale the rate by ``factor`` for the first ``total_iters`` steps, then use ``lr``.

    .. math:: \eta_t = \eta_0 \cdot \begin{cases} f & t < T \\ 1 & t \ge T \end{cases}

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    factor : float, default 1/3
        :math:`f \in (0, 1]` (torch accepts 0 but then fails at step ``T``).
    total_iters : int, default 5
        :math:`T \ge 1`.
    """

    lr: float
    factor: float = 1.0 / 3
    total_iters: int = 5

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "factor", check.in_range("factor", self.factor, 0.0, 1.0, low_open=True))
        _set(self, "total_iters", check.integer("total_iters", self.total_iters, minimum=1))

    def _factor(self, t):
        return np.where(t >= self.total_iters, 1.0, self.factor)

    def _tail(self):
        return Tail("power", 0.0)


def _call_per_step(fn: Callable, steps: np.ndarray, name: str) -> np.ndarray:
    """Call a user function once per distinct step (ints stay ints, as torch passes them)."""
    out = np.empty(steps.shape, dtype=np.float64)
    for value in np.unique(steps):
        arg = int(value) if float(value).is_integer() else float(value)
        try:
            result = float(fn(arg))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}({arg!r}) did not return a number: {exc}") from None
        if not np.isfinite(result):
            raise ValueError(f"{name}({arg!r}) returned a non-finite value {result!r}")
        out[steps == value] = result
    return out


@dataclass(frozen=True)
class LambdaLR(Schedule):
    r"""A user factor of the step: :math:`\eta_t = \eta_0 \cdot f(t)`.

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    lr_lambda : callable
        ``f(t) -> float``, called with a Python int (a float for fractional steps).
    """

    lr: float
    lr_lambda: Callable

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        check.function("lr_lambda", self.lr_lambda)

    def _evaluate(self, t):
        return self.lr * _call_per_step(self.lr_lambda, t, "lr_lambda")


@dataclass(frozen=True)
class MultiplicativeLR(_Multiplicative):
    r"""Multiply the rate by a user factor at every step.

    .. math:: \eta_t = \eta_0 \prod_{s=1}^{\lfloor t \rfloor} f(s)

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    lr_lambda : callable
        ``f(s) -> float``, called with the Python int ``s = 1, 2, ...``.
    """

    lr: float
    lr_lambda: Callable

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        check.function("lr_lambda", self.lr_lambda)

    def _factor(self, t):
        n = int(np.floor(t.max())) if t.size else 0
        factors = _call_per_step(self.lr_lambda, np.arange(1, n + 1, dtype=np.float64), "lr_lambda")
        cumulative = np.concatenate(([1.0], np.cumprod(factors)))
        return cumulative[np.floor(t).astype(np.int64)]

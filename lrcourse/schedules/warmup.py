"""Warm-up in front of any schedule, and warm-up-stable-decay (WSD)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, _set

__all__ = ["Warmup", "WarmupStableDecay", "warmup_ramp"]

_MODES = ("linear", "exponential", "cosine")


def warmup_ramp(progress, mode: str = "linear", start_factor: float = 0.0):
    r"""The warm-up multiplier :math:`w(u)` for progress :math:`u = t / W \in [0, 1]`.

    .. math::

        w_{lin}(u) = s + (1 - s)\,u, \qquad
        w_{exp}(u) = s^{\,1 - u}, \qquad
        w_{cos}(u) = s + (1 - s)\,\tfrac12\bigl(1 - \cos \pi u\bigr)

    where :math:`s` is ``start_factor`` (must be > 0 for the exponential ramp).
    """
    check.choice("mode", mode, _MODES)
    s = check.in_range("start_factor", start_factor, 0.0, 1.0)
    u = np.clip(np.asarray(progress, dtype=np.float64), 0.0, 1.0)
    if mode == "linear":
        return s + (1 - s) * u
    if mode == "exponential":
        if s <= 0:
            raise ValueError("start_factor must be > 0 for an exponential warm-up (it ramps geometrically)")
        return s ** (1 - u)
    return s + (1 - s) * (1 - np.cos(np.pi * u)) / 2


@dataclass(frozen=True)
class Warmup(Schedule):
    r"""Prepend a warm-up of ``warmup_steps`` steps to any schedule.

    .. math::

        \eta_t = \begin{cases}
            \eta^{S}_0 \; w(t / W) & t < W \\
            S(t - W) & t \ge W
        \end{cases}

    The ramp climbs to the wrapped schedule's first value :math:`\eta^S_0` and the wrapped schedule
    then starts its own clock, so ``Warmup(CosineAnnealingLR(lr, T - W), W)`` is linear warm-up
    followed by a cosine that reaches its floor at step ``T``. With the default linear mode and
    ``start_factor=0`` the ramp is :math:`\eta^S_0\, t / W`.

    Parameters
    ----------
    schedule : Schedule
        The schedule after warm-up.
    warmup_steps : int
        :math:`W \ge 1`.
    mode : {"linear", "exponential", "cosine"}, default "linear"
        Shape :math:`w` of the ramp (see :func:`warmup_ramp`).
    start_factor : float, default 0.0
        :math:`w(0)`, as a fraction of :math:`\eta^S_0`; the exponential ramp needs it > 0.
    """

    schedule: Schedule
    warmup_steps: int
    mode: str = "linear"
    start_factor: float = 0.0

    def __post_init__(self):
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"schedule must be an lrcourse Schedule, got {type(self.schedule).__name__}")
        _set(self, "warmup_steps", check.integer("warmup_steps", self.warmup_steps, minimum=1))
        check.choice("mode", self.mode, _MODES)
        _set(self, "start_factor", check.in_range("start_factor", self.start_factor, 0.0, 1.0))
        if self.mode == "exponential" and self.start_factor <= 0:
            raise ValueError("start_factor must be > 0 for an exponential warm-up (it ramps geometrically)")

    def _evaluate(self, t):
        W = self.warmup_steps
        out = np.empty_like(t)
        ramp = t < W
        out[ramp] = self.schedule.initial_lr * warmup_ramp(t[ramp] / W, self.mode, self.start_factor)
        out[~ramp] = self.schedule(t[~ramp] - W)
        return out

    def _tail(self):
        return self.schedule._tail()


@dataclass(frozen=True)
class WarmupStableDecay(Schedule):
    r"""Warm-up, a long constant stage, then a short decay (the "WSD" or trapezoid schedule).

    .. math::

        \eta_t = \begin{cases}
            \eta_0\, t / W & t < W \\
            \eta_0 & W \le t < W + S \\
            \eta_{\min} + (\eta_0 - \eta_{\min})\, d\!\left(\frac{t - W - S}{D}\right) & W + S \le t < W + S + D \\
            \eta_{\min} & \text{afterwards}
        \end{cases}

    with :math:`d(u) = 1 - u` (``"linear"``), :math:`\tfrac12(1 + \cos \pi u)` (``"cosine"``) or
    :math:`1 - \sqrt{u}` (``"sqrt"``).

    Parameters
    ----------
    lr : float
        Plateau rate :math:`\eta_0 > 0`.
    warmup_steps, stable_steps, decay_steps : int
        :math:`W \ge 0`, :math:`S \ge 0`, :math:`D \ge 1`.
    min_lr : float, default 0.0
        Final rate :math:`\eta_{\min} \in [0, \eta_0]`.
    decay : {"linear", "cosine", "sqrt"}, default "linear"
    """

    lr: float
    warmup_steps: int
    stable_steps: int
    decay_steps: int
    min_lr: float = 0.0
    decay: str = "linear"

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "warmup_steps", check.integer("warmup_steps", self.warmup_steps, minimum=0))
        _set(self, "stable_steps", check.integer("stable_steps", self.stable_steps, minimum=0))
        _set(self, "decay_steps", check.integer("decay_steps", self.decay_steps, minimum=1))
        _set(self, "min_lr", check.in_range("min_lr", self.min_lr, 0.0, self.lr))
        check.choice("decay", self.decay, ("linear", "cosine", "sqrt"))

    def _evaluate(self, t):
        W, S, D = self.warmup_steps, self.stable_steps, self.decay_steps
        u = np.clip((t - W - S) / D, 0.0, 1.0)
        if self.decay == "linear":
            d = 1 - u
        elif self.decay == "cosine":
            d = (1 + np.cos(np.pi * u)) / 2
        else:
            d = 1 - np.sqrt(u)
        out = self.min_lr + (self.lr - self.min_lr) * d
        if W:
            out = np.where(t < W, self.lr * t / W, out)
        return out

    def _tail(self):
        return Tail("zero", 0.0) if self.min_lr == 0 else Tail("power", 0.0)

"""Warm-up in front of any schedule, and warm-up-stable-decay (WSD)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, param
from .shapes import cosine_interp, linear_interp

__all__ = ["Warmup", "WarmupStableDecay", "warmup_ramp"]

_MODES = ("linear", "exponential", "cosine")


def warmup_ramp(progress, mode: str = "linear", start_factor: float = 0.0):
    r"""The warm-up multiplier :math:`w(u)` for progress :math:`u = t / W \in [0, 1]`.

    .. math::

        w_{lin}(u) = s + (1 - s)\,u, \qquad
        w_{exp}(u) = s^{\,1 - u}, \qquad
        w_{cos}(u) = s + (1 - s)\,\tfrac12\bigl(1 - \cos \pi u\bigr)

    where :math:`s` is ``start_factor`` (must be > 0 for the exponential ramp). Progress outside
    ``[0, 1]`` is clipped.

    Examples
    --------
    >>> warmup_ramp(np.array([0.0, 0.5, 1.0]), "linear", 0.2)
    array([0.2, 0.6, 1. ])
    >>> warmup_ramp(np.array([0.0, 0.5, 1.0]), "exponential", 0.01)
    array([0.01, 0.1 , 1.  ])
    """
    check.choice("mode", mode, _MODES)
    s = check.in_range("start_factor", start_factor, 0.0, 1.0)
    u = np.clip(check.array("progress", progress), 0.0, 1.0)
    if mode == "linear":
        return linear_interp(s, 1.0, u)
    if mode == "exponential":
        _exponential_needs_a_start(s)
        return s ** (1 - u)
    return cosine_interp(1.0, s, 1 - u)  # the cosine from 1 down to s, read backwards: exact s at u = 0


def _exponential_needs_a_start(start_factor: float) -> None:
    if start_factor <= 0:
        raise ValueError("start_factor must be > 0 for an exponential warm-up (it ramps geometrically)")


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

    schedule: Schedule = param(check.instance, Schedule, "an lrcourse Schedule")
    warmup_steps: int = param(check.integer, minimum=1)
    mode: str = param(check.choice, _MODES, default="linear")
    start_factor: float = param(check.in_range, 0.0, 1.0, default=0.0)

    def __post_init__(self):
        super().__post_init__()
        if self.mode == "exponential":
            _exponential_needs_a_start(self.start_factor)

    def _evaluate(self, t):
        W = self.warmup_steps
        out = np.empty_like(t)
        ramp = t < W
        out[ramp] = self.schedule.initial_lr * warmup_ramp(t[ramp] / W, self.mode, self.start_factor)
        out[~ramp] = self.schedule(t[~ramp] - W)
        return out

    def _tail(self):
        return self.schedule.tail()


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

    lr: float = param(check.positive)
    warmup_steps: int = param(check.integer, minimum=0)
    stable_steps: int = param(check.integer, minimum=0)
    decay_steps: int = param(check.integer, minimum=1)
    min_lr: float = param(check.nonnegative, default=0.0)
    decay: str = param(check.choice, ("linear", "cosine", "sqrt"), default="linear")

    def __post_init__(self):
        super().__post_init__()
        check.in_range("min_lr", self.min_lr, 0.0, self.lr)

    def _evaluate(self, t):
        W, S, D = self.warmup_steps, self.stable_steps, self.decay_steps
        u = np.clip((t - W - S) / D, 0.0, 1.0)
        if self.decay == "cosine":
            out = cosine_interp(self.lr, self.min_lr, u)
        else:  # d(u) = 1 - u or 1 - sqrt(u), exact min_lr at the end
            out = linear_interp(self.min_lr, self.lr, 1 - (u if self.decay == "linear" else np.sqrt(u)))
        if W:
            out = np.where(t < W, self.lr * t / W, out)
        return out

    def _tail(self):
        return Tail("zero", 0.0) if self.min_lr == 0 else Tail("power", 0.0)

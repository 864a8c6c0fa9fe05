"""Cyclical schedules stepped per mini-batch: CyclicLR (Smith 2017) and the one-cycle policy (Smith 2018).

Both also cycle the momentum in the opposite direction to the learning rate; ``sched.momentum(t)``
returns it (torch writes it into the optimizer's ``momentum`` or ``betas[0]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, param, user_values
from .shapes import cosine_interp, linear_interp

__all__ = ["CyclicLR", "OneCycleLR", "three_phase_one_cycle"]


@dataclass(frozen=True)
class CyclicLR(Schedule):
    r"""Cycle the rate between ``base_lr`` and ``max_lr`` with a triangular wave.

    With :math:`S = s_{up} + s_{down}`, the cycle :math:`c = \lfloor 1 + t/S \rfloor`, the position
    in the cycle :math:`x = 1 + t/S - c` and :math:`r = s_{up}/S`,

    .. math::

        h(x) = \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r \end{cases},\qquad
        \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\,h(x)\,\phi

    where the amplitude scale :math:`\phi` is ``1`` (``"triangular"``), :math:`2^{-(c-1)}`
    (``"triangular2"``), :math:`\gamma^t` (``"exp_range"``) or ``scale_fn`` of the cycle or step.

    Parameters
    ----------
    base_lr, max_lr : float
        Lower and upper bounds, ``0 < base_lr``, ``max_lr >= base_lr``.
    step_size_up : int, default 2000
        Steps of the rising half.
    step_size_down : int, optional
        Steps of the falling half (default: ``step_size_up``).
    mode : {"triangular", "triangular2", "exp_range"}
        Built-in amplitude policy, ignored when ``scale_fn`` is given.
    gamma : float, default 1.0
        Base of ``"exp_range"``, in ``(0, 1]``.
    scale_fn : callable, optional
        Custom amplitude ``phi(x)``, with ``x`` the cycle number or the step (``scale_mode``),
        called once per distinct value; it must return finite numbers ``>= 0``.
    scale_mode : {"cycle", "iterations"}
        Argument of ``scale_fn``.
    cycle_momentum : bool, default True
        Whether :meth:`momentum` cycles between ``max_momentum`` and ``base_momentum``.
    base_momentum, max_momentum : float
        Momentum bounds (momentum is high when the rate is low).
    """

    base_lr: float = param(check.positive)
    max_lr: float = param(check.positive)
    step_size_up: int = param(check.integer, minimum=1, default=2000)
    step_size_down: int | None = param(check.integer, minimum=1, optional=True, default=None)
    mode: str = "triangular"
    gamma: float = param(check.in_range, 0.0, 1.0, low_open=True, default=1.0)
    scale_fn: Callable | None = param(check.function, optional=True, default=None)
    scale_mode: str = "cycle"
    cycle_momentum: bool = param(check.flag, default=True)
    base_momentum: float = param(check.in_range, 0.0, 1.0, default=0.8)
    max_momentum: float = param(check.in_range, 0.0, 1.0, default=0.9)

    def __post_init__(self):
        super().__post_init__()
        if self.max_lr < self.base_lr:
            raise ValueError(f"max_lr must be >= base_lr, got max_lr={self.max_lr} < base_lr={self.base_lr}")
        if self.scale_fn is None:
            check.choice("mode", self.mode, ("triangular", "triangular2", "exp_range"))
        else:
            check.choice("scale_mode", self.scale_mode, ("cycle", "iterations"))
        if self.cycle_momentum and self.max_momentum < self.base_momentum:
            raise ValueError("max_momentum must be >= base_momentum")

    def _shape(self, t):
        """Return ``(h, phi)``: the triangular position and the amplitude scale at each step."""
        up = float(self.step_size_up)
        down = float(self.step_size_down) if self.step_size_down is not None else up
        total = up + down
        ratio = up / total
        cycle = np.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        h = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        if self.scale_fn is not None:
            arg = cycle if self.scale_mode == "cycle" else t
            phi = user_values(self.scale_fn, arg, "scale_fn")
        elif self.mode == "triangular":
            phi = np.ones_like(t)
        elif self.mode == "triangular2":
            phi = 1 / 2.0 ** (cycle - 1)
        else:
            phi = self.gamma**t
        return h, phi

    def _evaluate(self, t):
        h, phi = self._shape(t)
        return linear_interp(self.base_lr, self.max_lr, h * phi)

    def _momentum(self, t):
        h, phi = self._shape(t)
        return linear_interp(self.max_momentum, self.base_momentum, h * phi)

    def momentum(self, t):
        r"""Cycled momentum :math:`\mu_t = \mu_{max} - (\mu_{max} - \mu_{base})\,h(x)\,\phi`."""
        if not self.cycle_momentum:
            raise ValueError("cycle_momentum is False: this schedule leaves the momentum alone")
        return self.evaluate_checked(self._momentum, t, "momentum")

    def _tail(self):
        if self.scale_fn is None and self.mode == "triangular":
            return Tail("power", 0.0)
        return None


@dataclass(frozen=True)
class OneCycleLR(Schedule):
    r"""The one-cycle policy: warm up to ``max_lr``, then anneal far below the start.

    With :math:`\eta_{init} = \eta_{max}/d` and :math:`\eta_{min} = \eta_{init}/d_f`, two phases
    (default) go :math:`\eta_{init} \to \eta_{max}` over the first ``pct_start`` of ``total_steps``
    and :math:`\eta_{max} \to \eta_{min}` over the rest. With ``three_phase=True``:
    :math:`\eta_{init} \to \eta_{max} \to \eta_{init}` (each ``pct_start``), then
    :math:`\eta_{init} \to \eta_{min}`. Inside phase :math:`k` from step :math:`a_k` to :math:`b_k`,
    with :math:`p = (t - a_k)/(b_k - a_k)`, the cosine strategy interpolates
    :math:`\eta = e + \tfrac12 (s - e)(1 + \cos \pi p)` and the linear one :math:`s + (e - s) p`.
    Phase ends are :math:`b_1 = \text{pct\_start}\cdot T - 1`, :math:`b_2 = 2\,\text{pct\_start}\cdot T - 2`
    (three phases) and :math:`T - 1` (last phase), exactly as in torch.

    Stepping past ``total_steps`` raises ``ValueError``, as torch does. The cycle ends at step
    ``total_steps - 1``; at ``t = total_steps`` (torch allows that one last step) the last phase is
    extrapolated one step beyond its end, exactly as torch does. With ``anneal_strategy="linear"`` that
    step can fall below zero when the last phase is short; torch would then return a negative rate,
    lrcourse raises ``ValueError`` naming ``t`` instead.

    Parameters
    ----------
    max_lr : float
        Peak learning rate.
    total_steps : int, optional
        Length of the cycle; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        ``total_steps = epochs * steps_per_epoch``.
    pct_start : float, default 0.3
        Fraction of the cycle spent rising.
    anneal_strategy : {"cos", "linear"}
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float, default 0.85, 0.95
    div_factor : float, default 25
        :math:`d`, so that the start is ``max_lr / div_factor``.
    final_div_factor : float, default 1e4
        :math:`d_f`, so that the end is ``max_lr / (div_factor * final_div_factor)``.
    three_phase : bool, default False
    """

    max_lr: float = param(check.positive)
    total_steps: int | None = param(check.integer, minimum=1, optional=True, default=None)
    epochs: int | None = param(check.integer, minimum=1, optional=True, default=None)
    steps_per_epoch: int | None = param(check.integer, minimum=1, optional=True, default=None)
    pct_start: float = param(check.in_range, 0.0, 1.0, default=0.3)
    anneal_strategy: str = param(check.choice, ("cos", "linear"), default="cos")
    cycle_momentum: bool = param(check.flag, default=True)
    base_momentum: float = param(check.in_range, 0.0, 1.0, default=0.85)
    max_momentum: float = param(check.in_range, 0.0, 1.0, default=0.95)
    div_factor: float = param(check.positive, default=25.0)
    final_div_factor: float = param(check.positive, default=1e4)
    three_phase: bool = param(check.flag, default=False)

    def __post_init__(self):
        super().__post_init__()
        if self.total_steps is None:
            if self.epochs is None or self.steps_per_epoch is None:
                raise ValueError("give either total_steps or both epochs and steps_per_epoch")
            total = check.integer("epochs * steps_per_epoch", self.epochs * self.steps_per_epoch)
            object.__setattr__(self, "total_steps", total)
        ends = [end for end, *_ in self._phases()]
        starts = [0.0] + ends[:-1]
        for k, (a, b) in enumerate(zip(starts, ends), start=1):
            if b <= a:
                raise ValueError(
                    f"pct_start={self.pct_start} with total_steps={self.total_steps} leaves phase {k} "
                    f"of the cycle empty (it would run from step {a:g} to {b:g}); "
                    "use more total_steps or another pct_start"
                )

    @property
    def initial_lr(self) -> float:
        """The rate at step 0, ``max_lr / div_factor``."""
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        """The final rate, ``max_lr / (div_factor * final_div_factor)``."""
        return self.initial_lr / self.final_div_factor

    def _phases(self):
        """``(end_step, start_lr, end_lr, start_momentum, end_momentum)`` for each phase."""
        T, p = self.total_steps, self.pct_start
        init, peak, low = self.max_lr / self.div_factor, self.max_lr, self.max_lr / self.div_factor / self.final_div_factor
        lo_m, hi_m = self.base_momentum, self.max_momentum
        if self.three_phase:
            return [
                (float(p * T) - 1, init, peak, hi_m, lo_m),
                (float(2 * p * T) - 2, peak, init, lo_m, hi_m),
                (T - 1, init, low, hi_m, hi_m),
            ]
        return [(float(p * T) - 1, init, peak, hi_m, lo_m), (T - 1, peak, low, lo_m, hi_m)]

    def _interpolate(self, t, use_momentum: bool):
        if t.size and t.max() > self.total_steps:
            raise ValueError(
                f"t={t.max():g} is past total_steps={self.total_steps}: the one-cycle policy is over "
                "(torch raises here too)"
            )
        out = np.empty_like(t)
        done = np.zeros(t.shape, dtype=bool)
        start = 0.0
        phases = self._phases()
        for k, (end, s_lr, e_lr, s_m, e_m) in enumerate(phases):
            here = ~done if k == len(phases) - 1 else (~done & (t <= end))
            pct = (t[here] - start) / (end - start)  # > 1 only at t = total_steps, extrapolated as torch does
            s, e = (s_m, e_m) if use_momentum else (s_lr, e_lr)
            out[here] = (cosine_interp if self.anneal_strategy == "cos" else linear_interp)(s, e, pct)
            done |= here
            start = end
        return out

    def _evaluate(self, t):
        return self._interpolate(t, use_momentum=False)

    def momentum(self, t):
        """Momentum cycled inversely to the rate, from ``max_momentum`` down to ``base_momentum`` and back."""
        if not self.cycle_momentum:
            raise ValueError("cycle_momentum is False: this schedule leaves the momentum alone")
        return self.evaluate_checked(lambda arr: self._interpolate(arr, use_momentum=True), t, "momentum")

    def _tail(self):
        return Tail("zero", 0.0)  # undefined past total_steps; a finite budget


def three_phase_one_cycle(max_lr: float, total_steps: int) -> OneCycleLR:
    r"""The lecture's 45/45/10 one-cycle policy.

    Linear rise from :math:`\eta_{max}/10` to :math:`\eta_{max}` over 45 % of the steps, linear fall
    back over the next 45 %, then a linear fall to :math:`\eta_{max}/100` over the last 10 %.
    It is :class:`OneCycleLR` with ``pct_start=0.45, anneal_strategy="linear", div_factor=10,
    final_div_factor=10, three_phase=True``.
    """
    return OneCycleLR(
        max_lr=max_lr,
        total_steps=total_steps,
        pct_start=0.45,
        anneal_strategy="linear",
        div_factor=10.0,
        final_div_factor=10.0,
        three_phase=True,
    )

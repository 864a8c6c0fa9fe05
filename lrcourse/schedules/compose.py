"""Combining schedules: run them one after another, or multiply their factors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import FactorSchedule, Schedule, param

__all__ = ["SequentialLR", "ChainedScheduler"]


def _schedule_tuple(name: str, schedules) -> tuple:
    if isinstance(schedules, Schedule) or not hasattr(schedules, "__iter__"):
        raise TypeError(f"{name} must be a sequence of schedules, got {type(schedules).__name__}")
    out = tuple(schedules)
    if not out:
        raise ValueError(f"{name} must contain at least one schedule")
    for i, s in enumerate(out):
        if not isinstance(s, Schedule):
            raise TypeError(f"{name}[{i}] must be an lrcourse Schedule, got {type(s).__name__}")
    return out


@dataclass(frozen=True)
class SequentialLR(Schedule):
    r"""Run ``schedulers[i]`` from ``milestones[i-1]`` on, restarting its clock at each milestone.

    .. math:: \eta_t = S_i(t - m_{i-1}) \quad\text{for } m_{i-1} \le t < m_i \qquad (m_{-1} = 0)

    This is torch's ``SequentialLR`` (each scheduler re-entered at its step 0). The usual warm-up
    then cosine is ``SequentialLR([LinearLR(lr, 0.01, 1.0, W), CosineAnnealingLR(lr, T - W)], [W])``.

    Parameters
    ----------
    schedulers : sequence of Schedule
        One more schedule than milestones.
    milestones : sequence of int
        Strictly increasing switch points, each ``>= 1``.
    """

    schedulers: tuple = param(_schedule_tuple)
    milestones: tuple = param(check.increasing_integers, minimum=1)

    def __post_init__(self):
        super().__post_init__()
        if len(self.milestones) != len(self.schedulers) - 1:
            raise ValueError(
                f"milestones must have one entry fewer than schedulers: got {len(self.milestones)} "
                f"milestones for {len(self.schedulers)} schedulers"
            )

    def _evaluate(self, t):
        edges = np.asarray((0,) + self.milestones, dtype=np.float64)
        which = np.searchsorted(edges, t, side="right") - 1
        out = np.empty_like(t)
        for i, sched in enumerate(self.schedulers):
            here = which == i
            if np.any(here):
                out[here] = sched(t[here] - edges[i])
        return out

    def _tail(self):
        return self.schedulers[-1].tail()


@dataclass(frozen=True)
class ChainedScheduler(Schedule):
    r"""Apply several multiplicative schedules at once: their factors multiply.

    .. math:: \eta_t = \eta_0 \prod_k \frac{S_k(t)}{S_k(0)}

    As in torch, this is exact for schedules that rescale the current rate by a factor that does
    not depend on it: StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR,
    MultiplicativeLR and CosineAnnealingLR with ``eta_min=0``. Other schedules are refused, and all
    must start from the same ``lr`` (torch shares one optimizer).

    Parameters
    ----------
    schedulers : sequence of Schedule
    """

    schedulers: tuple = param(_schedule_tuple)

    def __post_init__(self):
        super().__post_init__()
        for i, s in enumerate(self.schedulers):
            if not (isinstance(s, FactorSchedule) and s.chainable):
                raise ValueError(
                    f"schedulers[{i}] ({type(s).__name__}) is not multiplicative, so chaining it is not "
                    "well defined; use SequentialLR or a FunctionSchedule instead"
                )
        lrs = {s.lr for s in self.schedulers}
        if len(lrs) != 1:
            raise ValueError(f"all chained schedulers must share one lr, got {sorted(lrs)}")

    @property
    def lr(self) -> float:
        """The rate at step 0, shared by every chained schedule."""
        return self.schedulers[0].lr

    def _evaluate(self, t):
        out = np.full_like(t, self.lr)
        for s in self.schedulers:
            out = out * s.multiplier(t)
        return out

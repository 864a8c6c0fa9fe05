"""Numbers that describe a schedule: its total variation ("flatness"), a smoother, Robbins-Monro."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail

__all__ = ["total_variation", "moving_average", "RobbinsMonro", "robbins_monro"]


def total_variation(lrs) -> float | np.ndarray:
    r"""Total variation of a learning-rate sequence, the lecture's schedule "flatness" measure.

    .. math:: F(\{\eta_t\}) = \sum_{t=1}^{T-1} |\eta_t - \eta_{t-1}|

    A step schedule with big drops scores high; a smooth cosine over the same range scores
    :math:`\eta_{\max} - \eta_{\min}` (the least any monotone path can).

    Parameters
    ----------
    lrs : array_like
        Rates along the last axis (1-D for one schedule, 2-D for a batch of them).

    Returns
    -------
    float or ndarray
        One value per sequence.
    """
    arr = check.array("lrs", lrs, min_size=1)
    if arr.ndim == 0:
        raise ValueError("lrs must be a sequence of learning rates, got a scalar")
    out = np.abs(np.diff(arr, axis=-1)).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def moving_average(lrs, window: int) -> np.ndarray:
    r"""Trailing moving average that keeps the length: :math:`\bar\eta_t = \frac{1}{|W_t|}\sum_{s \in W_t} \eta_s`.

    with :math:`W_t = \{\max(0, t - w + 1), \dots, t\}` (shorter windows at the start). Smoothing
    a step schedule lowers its total variation only where the window straddles a drop, and never
    raises it.

    Parameters
    ----------
    lrs : array_like, 1-D
    window : int
        :math:`w \ge 1`.
    """
    arr = check.array("lrs", lrs, ndim=1, min_size=1)
    window = check.integer("window", window, minimum=1)
    csum = np.concatenate(([0.0], np.cumsum(arr)))
    idx = np.arange(1, arr.size + 1)
    lo = np.maximum(idx - window, 0)
    return (csum[idx] - csum[lo]) / (idx - lo)


@dataclass(frozen=True)
class RobbinsMonro:
    r"""Verdict on the Robbins-Monro conditions :math:`\sum_t \eta_t = \infty` and :math:`\sum_t \eta_t^2 < \infty`."""

    sum_diverges: bool
    sum_squares_converges: bool
    method: str  # "analytic" or "numerical"
    reason: str

    @property
    def satisfied(self) -> bool:
        """Both conditions hold: the schedule is a Robbins-Monro step-size sequence."""
        return self.sum_diverges and self.sum_squares_converges


def _verdict_from_tail(tail: Tail, method: str) -> RobbinsMonro:
    if tail.kind == "zero":
        return RobbinsMonro(False, True, method, "the rate is zero after finitely many steps, so both sums are finite")
    if tail.kind == "geometric":
        return RobbinsMonro(False, True, method,
                            f"geometric decay (ratio {tail.rate:.4g} < 1): both sums converge like geometric series")
    p = tail.rate
    if p <= 0:
        what = "a positive constant or periodic level" if p == 0 else "a growing rate"
        return RobbinsMonro(True, False, method, f"the rate tends to {what}, so even the sum of squares diverges")
    return RobbinsMonro(
        p <= 1, 2 * p > 1, method,
        f"eta_t ~ t^(-{p:.4g}): sum diverges iff p <= 1, sum of squares converges iff p > 1/2",
    )


def robbins_monro(sched: Schedule) -> RobbinsMonro:
    r"""Classify a schedule family by the Robbins-Monro conditions.

    Known families are classified analytically from their asymptotic form (:math:`\eta_t \sim c
    t^{-p}` with the p-series test, geometric decay, or a rate that reaches zero). Others (custom
    and lambda schedules) are probed numerically: the log-log slope of :math:`\eta_t` between
    :math:`t = 10^5` and :math:`10^6` estimates :math:`p`; the verdict then says ``"numerical"``.

    Examples
    --------
    >>> from lrcourse import CosineAnnealingLR, InverseTimeDecay
    >>> robbins_monro(InverseTimeDecay(lr=0.1, beta=0.01)).satisfied
    True
    >>> verdict = robbins_monro(CosineAnnealingLR(lr=0.1, T_max=100))
    >>> verdict.satisfied, verdict.method
    (False, 'analytic')
    >>> verdict.reason
    'the rate tends to a positive constant or periodic level, so even the sum of squares diverges'
    """
    if not isinstance(sched, Schedule):
        raise TypeError(f"sched must be an lrcourse Schedule, got {type(sched).__name__}")
    tail = sched.tail()
    if tail is not None:
        return _verdict_from_tail(tail, "analytic")
    t = np.array([1e5, 3e5, 1e6])
    lr = sched(t)
    if np.all(lr[1:] == 0):
        return _verdict_from_tail(Tail("zero", 0.0), "numerical")
    if np.any(lr <= 0):
        return _verdict_from_tail(Tail("zero", 0.0), "numerical")
    slopes = -np.diff(np.log(lr)) / np.diff(np.log(t))
    if slopes[-1] > 4 and slopes[-1] > 1.5 * slopes[0]:
        return _verdict_from_tail(Tail("geometric", float(lr[-1] / lr[-2])), "numerical")
    return _verdict_from_tail(Tail("power", float(np.round(slopes[-1], 3))), "numerical")

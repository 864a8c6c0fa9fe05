"""Warm restarts whose timing follows a validation metric (SGDR with adaptive periods)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as check

__all__ = ["RestartEvent", "ValidationRestarts"]


@dataclass(frozen=True)
class RestartEvent:
    """One restart decided by :class:`ValidationRestarts`.

    Attributes
    ----------
    epoch : int
        Number of epochs completed when the restart happened (the next epoch runs at the peak).
    reason : str
        ``"stalled"`` (the metric stopped improving inside the cycle) or ``"completed"`` (the cycle
        ran its planned length).
    period : int
        Planned length, in epochs, of the cycle that starts now.
    """

    epoch: int
    reason: str
    period: int


class ValidationRestarts:
    r"""Cosine cycles with warm restarts, where a validation metric decides when to restart.

    Inside a cycle of planned length :math:`T_i` epochs, after :math:`T_{cur}` of its epochs, the rate is

    .. math::

        \eta = \eta_{\min} + \frac{\eta_{\max} - \eta_{\min}}{2}\Bigl(1 + \cos\frac{\pi T_{cur}}{T_i}\Bigr).

    Call :meth:`step` once per epoch with the metric (lower is better); it returns the rate for the
    next epoch. A value :math:`m` improves on a best value :math:`b` when :math:`m < b\,(1 - \tau)`
    (or :math:`m < b - \tau` with ``threshold_mode="abs"``). Two rules act when validation stops
    improving:

    * **restart early**: in the second half of a cycle (:math:`T_{cur} \ge T_i/2`, where the rate is
      below the middle of its range), an epoch that does not improve on the cycle's best counts as
      bad; after more than ``patience`` bad epochs the cycle ends (``"stalled"``). The first half is
      never cut short: right after a restart the metric is expected to get worse. A cycle that runs
      its planned length ends as ``"completed"``.
    * **lengthen**: when a cycle ends, its best value is compared with the best of all earlier
      cycles. If it does not improve on it, restarting at this period has stopped paying off, and
      the next period is :math:`T_{i+1} = m\,T_i` (``T_mult``); otherwise :math:`T_{i+1} = T_i`.

    With a patience of at least ``T_0`` and ``T_mult=1`` this is plain SGDR with period ``T_0``.
    The object is stateful, like :class:`lrcourse.ReduceLROnPlateau`.

    Parameters
    ----------
    lr : float
        Peak rate :math:`\eta_{\max} > 0`, used for the first epoch of every cycle.
    T_0 : int
        First period, in epochs, :math:`\ge 1`.
    T_mult : int, default 2
        Factor :math:`m \ge 1` applied to the period after a cycle that brought no improvement.
    eta_min : float, default 0.0
        Floor :math:`\eta_{\min}`, in ``[0, lr)``.
    patience : int, default 3
        Bad epochs tolerated in the second half of a cycle.
    threshold : float, default 1e-4
        :math:`\tau \ge 0`.
    threshold_mode : {"rel", "abs"}, default "rel"

    Attributes
    ----------
    lr : float
        Rate for the next epoch.
    period, epoch_in_cycle : int
        :math:`T_i` and :math:`T_{cur}`.
    best : float
        Best metric over all finished cycles.
    restarts : list of RestartEvent
        Every restart so far, in order.

    Examples
    --------
    >>> sched = ValidationRestarts(lr=0.1, T_0=4, patience=0)
    >>> [round(sched.step(m), 4) for m in [5.0, 4.0, 4.5, 4.2, 4.1]]
    [0.0854, 0.05, 0.1, 0.0854, 0.05]
    >>> sched.restarts
    [RestartEvent(epoch=3, reason='stalled', period=4)]
    """

    def __init__(self, lr, T_0, T_mult=2, eta_min=0.0, patience=3, threshold=1e-4, threshold_mode="rel"):
        self.max_lr = check.positive("lr", lr)
        self.T_0 = check.integer("T_0", T_0, minimum=1)
        self.T_mult = check.integer("T_mult", T_mult, minimum=1)
        self.eta_min = check.nonnegative("eta_min", eta_min)
        if self.eta_min >= self.max_lr:
            raise ValueError(f"eta_min must be < lr, got eta_min={self.eta_min} >= lr={self.max_lr}")
        self.patience = check.integer("patience", patience, minimum=0)
        self.threshold = check.nonnegative("threshold", threshold)
        self.threshold_mode = check.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.reset()

    def reset(self) -> None:
        """Forget every metric seen: back to the start of the first cycle."""
        self.lr = self.max_lr
        self.period = self.T_0
        self.epoch_in_cycle = 0
        self.cycle_best = math.inf
        self.best = math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self.restarts: list[RestartEvent] = []

    def _improves(self, value: float, best: float) -> bool:
        if self.threshold_mode == "rel":
            return value < best * (1.0 - self.threshold)
        return value < best - self.threshold

    def _restart(self, reason: str) -> None:
        if self._improves(self.cycle_best, self.best):
            self.best = self.cycle_best
        else:
            self.period *= self.T_mult
        self.epoch_in_cycle = 0
        self.cycle_best = math.inf
        self.num_bad_epochs = 0
        self.restarts.append(RestartEvent(self.last_epoch, reason, self.period))

    def step(self, metric) -> float:
        """Record one epoch's metric and return the learning rate for the next epoch."""
        value = check.real("metric", metric, allow_inf=True)
        self.last_epoch += 1
        self.epoch_in_cycle += 1
        if self._improves(value, self.cycle_best):
            self.cycle_best = value
            self.num_bad_epochs = 0
        elif 2 * self.epoch_in_cycle >= self.period:
            self.num_bad_epochs += 1
        if self.num_bad_epochs > self.patience:
            self._restart("stalled")
        elif self.epoch_in_cycle >= self.period:
            self._restart("completed")
        progress = self.epoch_in_cycle / self.period
        self.lr = self.eta_min + (self.max_lr - self.eta_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
        return self.lr

    def trace(self, metrics) -> np.ndarray:
        """Rates after each metric of a sequence, replayed on a fresh copy (this object is untouched)."""
        values = check.array("metrics", metrics, ndim=1, finite=False)
        replay = ValidationRestarts(self.max_lr, self.T_0, self.T_mult, self.eta_min, self.patience,
                                    self.threshold, self.threshold_mode)
        return np.array([replay.step(float(v)) for v in values], dtype=np.float64)

    def __repr__(self):
        return (f"ValidationRestarts(lr={self.max_lr}, T_0={self.T_0}, T_mult={self.T_mult}, "
                f"eta_min={self.eta_min}, patience={self.patience}, threshold={self.threshold}, "
                f"threshold_mode={self.threshold_mode!r})")

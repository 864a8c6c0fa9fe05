"""ReduceLROnPlateau: the one schedule that reacts to a metric, so it keeps state."""

from __future__ import annotations

import math

import numpy as np

from .. import _validate as check
from .stateful import MetricRule

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MetricRule):
    r"""Cut the rate by ``factor`` when the monitored metric stops improving, exactly as torch does.

    A metric value :math:`m` improves on the best so far :math:`b` when (mode ``"min"``)
    :math:`m < b(1 - \tau)` (``threshold_mode="rel"``) or :math:`m < b - \tau` (``"abs"``); for
    mode ``"max"`` the inequalities flip (:math:`m > b(1 + \tau)`, :math:`m > b + \tau`). After more
    than ``patience`` epochs without improvement the rate becomes
    :math:`\max(\eta\,f, \eta_{\min})` (skipped if that changes it by no more than ``eps``) and
    ``cooldown`` epochs are ignored.

    Unlike the other schedules this object is stateful: call :meth:`step` once per epoch with the
    metric; it returns the learning rate for the next epoch. :meth:`trace` replays a whole
    sequence of metrics without touching this object's state.

    Parameters
    ----------
    lr : float
        Initial learning rate.
    mode : {"min", "max"}, default "min"
    factor : float, default 0.1
        Multiplier in ``(0, 1)``.
    patience : int, default 10
        Epochs without improvement tolerated before a cut.
    threshold : float, default 1e-4
        :math:`\tau \ge 0`.
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
        Epochs to wait after a cut before counting bad epochs again.
    min_lr : float, default 0
        Floor :math:`\eta_{\min}`.
    eps : float, default 1e-8
        Smallest change worth making.

    Examples
    --------
    >>> plateau = ReduceLROnPlateau(lr=0.1, patience=1)
    >>> plateau.trace([1.0, 1.0, 1.0, 0.5])
    array([0.1 , 0.1 , 0.01, 0.01])
    """

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        self.initial_lr = check.positive("lr", lr)
        self.mode = check.choice("mode", mode, ("min", "max"))
        self.factor = check.in_range("factor", factor, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = check.integer("patience", patience, minimum=0)
        self.threshold = check.nonnegative("threshold", threshold)
        self.threshold_mode = check.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = check.integer("cooldown", cooldown, minimum=0)
        self.min_lr = check.nonnegative("min_lr", min_lr)
        self.eps = check.nonnegative("eps", eps)
        self.reset()

    def reset(self) -> None:
        """Forget all metrics seen: back to the initial rate."""
        self.lr = self.initial_lr
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0

    def _is_better(self, value: float) -> bool:
        best, tau = self.best, self.threshold
        if self.mode == "min":
            return value < (best * (1.0 - tau) if self.threshold_mode == "rel" else best - tau)
        return value > (best * (tau + 1.0) if self.threshold_mode == "rel" else best + tau)

    def step(self, metric) -> float:
        """Record one epoch's metric and return the learning rate for the next epoch."""
        value = check.real("metric", metric, allow_inf=True)
        self.last_epoch += 1
        if self._is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr

    def trace(self, metrics) -> np.ndarray:
        """Learning rates after each metric of a sequence, from a fresh start (this object is untouched)."""
        return self.replay("metrics", metrics)

    def __repr__(self):
        return (f"ReduceLROnPlateau(lr={self.initial_lr}, mode={self.mode!r}, factor={self.factor}, "
                f"patience={self.patience}, threshold={self.threshold}, threshold_mode={self.threshold_mode!r}, "
                f"cooldown={self.cooldown}, min_lr={self.min_lr}, eps={self.eps})")

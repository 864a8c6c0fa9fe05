"""scikit-learn's SGD step-size rules (``SGDClassifier``/``SGDRegressor`` ``learning_rate=``).

scikit-learn counts one step per *sample* and starts its counter at 1; here ``t = 0`` is the first
update, so the formulas below use ``t + 1`` where scikit-learn writes ``t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, param
from .shapes import inverse_power
from .stateful import MetricRule

__all__ = ["SklearnOptimalLR", "SklearnInvScalingLR", "SklearnAdaptiveLR"]


@dataclass(frozen=True)
class SklearnOptimalLR(Schedule):
    r"""scikit-learn's ``"optimal"`` rule (Bottou's heuristic): :math:`\eta_t = 1 / (\alpha (t_0 + t))`.

    The offset :math:`t_0 = 1/(\alpha\,\eta_{init})` comes from a typical weight size
    :math:`w = \alpha^{-1/4}`: scikit-learn sets :math:`\eta_{init} = w / \max(1, \ell'(y{=}1, p{=}-w))`,
    and for every loss it offers (hinge, log, squared, modified Huber...) that derivative is negative,
    so :math:`\eta_{init} = w` and :math:`t_0 = \alpha^{-3/4}`.

    Parameters
    ----------
    alpha : float, default 1e-4
        The L2 regularisation strength :math:`\alpha > 0`.
    """

    alpha: float = param(check.positive, default=1e-4)

    @property
    def t0(self) -> float:
        r"""The offset :math:`t_0 = \alpha^{-3/4}` of Bottou's heuristic."""
        typw = math.sqrt(1.0 / math.sqrt(self.alpha))
        return 1.0 / (typw * self.alpha)

    def _evaluate(self, t):
        return 1.0 / (self.alpha * (self.t0 + t))

    def _tail(self):
        return Tail("power", 1.0)


@dataclass(frozen=True)
class SklearnInvScalingLR(Schedule):
    r"""scikit-learn's ``"invscaling"`` rule: :math:`\eta_t = \eta_0 / (t + 1)^{p}`.

    The curve of :class:`~lrcourse.InversePowerDecay` under scikit-learn's parameter names:
    ``SklearnInvScalingLR(eta0, power_t)`` equals ``InversePowerDecay(lr=eta0, power=power_t)``
    (both evaluate :func:`lrcourse.schedules.shapes.inverse_power`).

    Parameters
    ----------
    eta0 : float, default 0.01
        :math:`\eta_0 > 0`.
    power_t : float, default 0.25
        :math:`p \ge 0` (scikit-learn's default for ``SGDRegressor``; ``SGDClassifier`` uses 0.5).

    Examples
    --------
    >>> SklearnInvScalingLR(eta0=0.1, power_t=0.5)(np.array([0, 3, 99]))
    array([0.1 , 0.05, 0.01])
    """

    eta0: float = param(check.positive, default=0.01)
    power_t: float = param(check.nonnegative, default=0.25)

    def _evaluate(self, t):
        return inverse_power(self.eta0, self.power_t, t)

    def _tail(self):
        return Tail("power", self.power_t)


class SklearnAdaptiveLR(MetricRule):
    r"""scikit-learn's ``"adaptive"`` rule: keep :math:`\eta_0` while the epoch loss improves.

    After ``n_iter_no_change`` consecutive epochs whose loss is not below the best loss minus
    ``tol``, the rate is divided by 5 (as long as it is above ``1e-6``) and the count restarts.
    Like :class:`~lrcourse.ReduceLROnPlateau` it reacts to a metric, so it keeps state:
    :meth:`step` takes one epoch's loss and returns the rate for the next epoch.

    Parameters
    ----------
    eta0 : float, default 0.01
    tol : float, default 1e-3
    n_iter_no_change : int, default 5
    """

    def __init__(self, eta0=0.01, tol=1e-3, n_iter_no_change=5):
        self.eta0 = check.positive("eta0", eta0)
        self.tol = check.real("tol", tol)
        self.n_iter_no_change = check.integer("n_iter_no_change", n_iter_no_change, minimum=1)
        self.reset()

    def reset(self) -> None:
        """Forget every loss seen: back to ``eta0``."""
        self.lr = self.eta0
        self.best = math.inf
        self.no_improvement = 0

    def step(self, loss) -> float:
        """Record one epoch's loss and return the rate for the next epoch."""
        value = check.real("loss", loss, allow_inf=True)
        if value > self.best - self.tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        self.best = min(self.best, value)
        if self.no_improvement >= self.n_iter_no_change and self.lr > 1e-6:
            self.lr /= 5
            self.no_improvement = 0
        return self.lr

    def trace(self, losses) -> np.ndarray:
        """Rates after each epoch loss, from a fresh start (this object is untouched)."""
        return self.replay("losses", losses)

    def __repr__(self):
        return f"SklearnAdaptiveLR(eta0={self.eta0}, tol={self.tol}, n_iter_no_change={self.n_iter_no_change})"

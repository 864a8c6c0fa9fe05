r"""Nesterov momentum on a quadratic: stability region and the critically damped joint schedule.

Nesterov's method (Sutskever's form) with learning rate :math:`\eta` and momentum :math:`\mu`,

.. math::

    v_{t+1} = \mu v_t - \eta\nabla f(\theta_t + \mu v_t), \qquad \theta_{t+1} = \theta_t + v_{t+1},

applied to :math:`f(\theta) = \tfrac\lambda2\theta^2` and written with :math:`h = \eta\lambda` is the
linear recursion

.. math::

    \begin{pmatrix}\theta_{t+1}\\ \theta_t\end{pmatrix} =
    \underbrace{\begin{pmatrix}(1-h)(1+\mu) & -(1-h)\mu\\ 1 & 0\end{pmatrix}}_{M}
    \begin{pmatrix}\theta_t\\ \theta_{t-1}\end{pmatrix},
    \qquad r^2 - (1-h)(1+\mu)\,r + (1-h)\mu = 0 .

**Stability** (spectral radius :math:`\rho(M) < 1`). The Jury conditions for :math:`r^2 + a_1 r + a_0`
(:math:`1 + a_1 + a_0 > 0`, :math:`1 - a_1 + a_0 > 0`, :math:`|a_0| < 1`) give, for
:math:`0 \le \mu < 1`,

.. math::

    0 < \eta\lambda < \frac{2(1+\mu)}{1+2\mu}.

**Critical damping** (a double root: the fastest decay without oscillation) requires the
discriminant :math:`(1-h)^2(1+\mu)^2 - 4(1-h)\mu` to vanish, i.e. :math:`1 - h = 4\mu/(1+\mu)^2`:

.. math::

    \eta = \frac1\lambda\Bigl(\frac{1-\mu}{1+\mu}\Bigr)^2 .

Given a momentum schedule :math:`\mu_t`, this is the learning-rate schedule that keeps every step
critically damped (:func:`critically_damped_schedule`).
"""

from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..schedules.base import FunctionSchedule

__all__ = [
    "nesterov_iteration_matrix",
    "nesterov_spectral_radius",
    "nesterov_max_lr",
    "nesterov_stable",
    "critical_damping_lr",
    "critically_damped_schedule",
]


def _mu(momentum):
    return check.in_range_array("momentum", momentum, 0.0, 1.0, high_open=True)


def _lr(lr):
    return check.in_range_array("lr", lr, 0.0)


@check.finite_result("lr and curvature")
def nesterov_iteration_matrix(lr, momentum, curvature: float) -> np.ndarray:
    r"""The 2x2 matrix :math:`M` above; broadcasts, returning shape ``(..., 2, 2)``.

    Examples
    --------
    >>> nesterov_iteration_matrix(0.5, 0.5, curvature=1.0)
    array([[ 0.75, -0.25],
           [ 1.  ,  0.  ]])
    """
    h = _lr(lr) * check.positive("curvature", curvature)
    mu = _mu(momentum)
    h, mu = np.broadcast_arrays(h, mu)
    M = np.zeros(h.shape + (2, 2))
    M[..., 0, 0] = (1 - h) * (1 + mu)
    M[..., 0, 1] = -(1 - h) * mu
    M[..., 1, 0] = 1.0
    return M


@check.finite_result("lr and curvature")
def nesterov_spectral_radius(lr, momentum, curvature: float):
    r""":math:`\rho(M)`, the asymptotic contraction factor per step (from the characteristic roots).

    Examples
    --------
    >>> nesterov_spectral_radius(0.25, 0.0, curvature=2.0)  # plain gradient descent: |1 - lr * curvature|
    0.5
    """
    h = _lr(lr) * check.positive("curvature", curvature)
    mu = _mu(momentum)
    b = (1 - h) * (1 + mu)
    c = (1 - h) * mu
    disc = np.sqrt((b * b - 4 * c).astype(complex))
    return np.maximum(np.abs((b + disc) / 2), np.abs((b - disc) / 2))


@check.finite_result("curvature")
def nesterov_max_lr(momentum, curvature: float):
    r"""Largest stable step :math:`\frac{2(1+\mu)}{\lambda(1+2\mu)}` (exclusive).

    Examples
    --------
    >>> nesterov_max_lr(0.0, curvature=1.0)  # gradient descent's 2 / lambda
    2.0
    """
    mu = _mu(momentum)
    return 2 * (1 + mu) / ((1 + 2 * mu) * check.positive("curvature", curvature))


def nesterov_stable(lr, momentum, curvature: float):
    r"""Whether :math:`0 < \eta\lambda < 2(1+\mu)/(1+2\mu)` (element-wise)."""
    e = _lr(lr)
    out = (e > 0) & (e < nesterov_max_lr(momentum, curvature))
    return bool(out) if np.ndim(out) == 0 else out


@check.finite_result("curvature")
def critical_damping_lr(momentum, curvature: float):
    r"""Critically damped step :math:`\eta = \frac1\lambda\bigl(\frac{1-\mu}{1+\mu}\bigr)^2` (element-wise).

    Examples
    --------
    >>> critical_damping_lr(0.0, curvature=4.0)  # no momentum: the Newton step 1 / lambda
    0.25
    """
    mu = _mu(momentum)
    return ((1 - mu) / (1 + mu)) ** 2 / check.positive("curvature", curvature)


def critically_damped_schedule(momentum, curvature: float) -> FunctionSchedule:
    r"""The learning-rate schedule :math:`\eta_t = \frac1\lambda\bigl(\frac{1-\mu_t}{1+\mu_t}\bigr)^2`.

    Parameters
    ----------
    momentum : Schedule or callable
        :math:`\mu_t` in [0, 1), evaluated on arrays of steps (for example
        ``OneCycleLR(...).momentum`` or a ``FunctionSchedule``).
    curvature : float
        :math:`\lambda > 0`.
    """
    check.function("momentum", momentum)
    lam = check.positive("curvature", curvature)

    def lr(t):
        return critical_damping_lr(np.asarray(momentum(t), dtype=np.float64), lam)

    return FunctionSchedule(lr, name=f"critically damped (lambda={lam:g})")

r"""The PAC-Bayes learning rate without the small-step approximation.

:func:`lrcourse.pac_bayes_optimal_lr` matches the Gaussian model of the SGD iterates,
:math:`Q = N(w, s^2)`, to the prior :math:`P = N(0, \tau^2)` with the *small-step* stationary variance
:math:`s^2 \approx \eta\sigma^2/(2\lambda)`, which gives :math:`\eta^\star = 2\lambda\tau^2/\sigma^2`. That
rate grows without bound with the curvature :math:`\lambda` and soon exceeds the stability limit
:math:`2/\lambda` of SGD, where the approximation it rests on (:math:`\eta\lambda \ll 1`) is void.

Constant-rate SGD on :math:`\tfrac\lambda2\theta^2` with gradient noise of standard deviation
:math:`\sigma` has the exact stationary variance

.. math:: s^2(\eta) = \frac{\eta\,\sigma^2}{\lambda\,(2 - \eta\lambda)}, \qquad 0 < \eta < 2/\lambda,

which increases from 0 to :math:`+\infty` on that interval. The KL divergence is smallest at
:math:`s^2 = \tau^2`; solving :math:`s^2(\eta) = \tau^2` gives

.. math:: \eta_{\mathrm{stable}} = \frac{2\lambda\tau^2}{\sigma^2 + \lambda^2\tau^2} < \frac2\lambda .

It equals :math:`2\lambda\tau^2/\sigma^2` to first order when :math:`\lambda\tau \ll \sigma`, is largest at
:math:`\lambda = \sigma/\tau` (value :math:`\tau/\sigma`) and then *falls* like :math:`2/\lambda`: the best
rate grows with the curvature only on flat enough minima.
"""

from __future__ import annotations

from . import _validate as check

__all__ = ["pac_bayes_stable_lr"]


def pac_bayes_stable_lr(curvature: float, sigma: float, tau: float) -> float:
    r"""Constant rate whose exact stationary SGD variance equals the prior variance :math:`\tau^2`.

    .. math:: \eta = \frac{2\lambda\tau^2}{\sigma^2 + \lambda^2\tau^2}

    Parameters
    ----------
    curvature : float > 0
        :math:`\lambda`, the curvature of the basin.
    sigma : float > 0
        :math:`\sigma`, standard deviation of the gradient noise.
    tau : float > 0
        :math:`\tau`, standard deviation of the prior.

    Returns
    -------
    float
        A rate in :math:`(0, 2/\lambda)`, so SGD with it is stable.

    Examples
    --------
    >>> round(pac_bayes_stable_lr(10.0, 1.0, 1.0), 4)     # the small-step formula says 20
    0.198
    """
    lam = check.positive("curvature", curvature)
    sigma = check.positive("sigma", sigma)
    tau = check.positive("tau", tau)
    return 2 * lam * tau**2 / (sigma**2 + (lam * tau) ** 2)

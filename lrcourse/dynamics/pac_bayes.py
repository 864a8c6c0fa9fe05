r"""A PAC-Bayes view of the learning rate: the step that makes the SGD posterior match the prior.

Model the SGD iterates near a minimum of curvature :math:`\lambda` with gradient-noise variance
:math:`\sigma^2` as a Gaussian posterior :math:`Q = N(w, s^2)` whose variance is the stationary
variance of SGD, :math:`s^2 \approx \eta\sigma^2 / (2\lambda)` (small-step limit of
:math:`\eta\sigma^2/(\lambda(2 - \eta\lambda))`). Against a prior :math:`P = N(0, \tau^2)`,

.. math::

    \mathrm{KL}(Q\,\|\,P) = \frac12\Bigl(\frac{s^2 + w^2}{\tau^2} - 1 - \ln\frac{s^2}{\tau^2}\Bigr),

which is smallest in :math:`s^2` at :math:`s^2 = \tau^2`, that is

.. math::

    \eta^\star = \frac{2\lambda\tau^2}{\sigma^2} .

Smaller for noisier gradients, larger for a wider prior. It is NOT "larger for sharper curvature"
without limit: it rests on the small-step variance, valid only for :math:`\eta\lambda \ll 1`, and soon
exceeds the stability limit :math:`2/\lambda` (:math:`\lambda = 10`, :math:`\tau = \sigma = 1`:
:math:`\eta^\star = 20` against a limit of 0.2). With the exact stationary variance
:math:`s^2(\eta) = \eta\sigma^2/(\lambda(2 - \eta\lambda))`, solving :math:`s^2 = \tau^2` gives

.. math:: \eta_{\mathrm{stable}} = \frac{2\lambda\tau^2}{\sigma^2 + \lambda^2\tau^2} < \frac2\lambda

(:func:`pac_bayes_stable_lr`): equal to :math:`\eta^\star` to first order when :math:`\lambda\tau \ll \sigma`,
largest at :math:`\lambda = \sigma/\tau` (value :math:`\tau/\sigma`), then falling like :math:`2/\lambda`: the
best rate grows with the curvature only on flat enough minima.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as check

__all__ = ["pac_bayes_optimal_lr", "pac_bayes_stable_lr", "pac_bayes_kl", "sgd_posterior_variance"]


@check.finite_result("curvature, sigma and tau")
def pac_bayes_optimal_lr(curvature: float, sigma: float, tau: float) -> float:
    r""":math:`\eta^\star = 2\lambda\tau^2/\sigma^2` (curvature :math:`\lambda`, noise sd :math:`\sigma`, prior sd :math:`\tau`).

    Examples
    --------
    >>> pac_bayes_optimal_lr(curvature=2.0, sigma=1.0, tau=0.5)
    1.0
    """
    lam = check.positive("curvature", curvature)
    sigma = check.positive("sigma", sigma)
    tau = check.positive("tau", tau)
    return 2 * lam * (tau / sigma) ** 2


@check.finite_result("curvature, sigma and tau")
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


@check.finite_result("lr, curvature and sigma")
def sgd_posterior_variance(lr, curvature: float, sigma: float):
    r"""Posterior variance :math:`s^2 = \eta\sigma^2/(2\lambda)` of the Gaussian SGD model.

    Examples
    --------
    >>> sgd_posterior_variance(np.array([0.5, 1.0]), curvature=2.0, sigma=2.0)
    array([0.5, 1. ])
    """
    e = check.in_range_array("lr", lr, 0.0)
    return e * check.positive("sigma", sigma) ** 2 / (2 * check.positive("curvature", curvature))


@check.finite_result("lr, curvature, sigma, tau and mean")
def pac_bayes_kl(lr, *, curvature: float, sigma: float, tau: float, mean: float = 0.0):
    r""":math:`\mathrm{KL}(N(w, s^2)\,\|\,N(0, \tau^2))` with :math:`s^2 = \eta\sigma^2/(2\lambda)` (element-wise in ``lr``).

    The KL divergence is smallest, zero for ``mean = 0``, at the step of :func:`pac_bayes_optimal_lr`:

    >>> lr = pac_bayes_optimal_lr(curvature=2.0, sigma=1.0, tau=0.5)
    >>> pac_bayes_kl(lr, curvature=2.0, sigma=1.0, tau=0.5)
    0.0
    """
    e = check.in_range_array("lr", lr, 0.0, low_open=True)
    tau = check.positive("tau", tau)
    w = check.real("mean", mean)
    s2 = sgd_posterior_variance(e, curvature, sigma)
    return 0.5 * ((s2 + w * w) / tau**2 - 1 - np.log(s2 / tau**2))

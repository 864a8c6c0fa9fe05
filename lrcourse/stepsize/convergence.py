r"""Reading a descent run: how fast it converges and how its path turns.

A method converges *linearly* when the optimality gap shrinks by a roughly constant factor per
iteration, :math:`f_k - f^\star \approx C\,c^k` with :math:`0 < c < 1`; on a log scale the gap is a
straight line of slope :math:`\ln c`. This module measures that factor from a history of function
values, counts the iterations a run needs to reach a tolerance, compares the measured factor with
the classical bound of steepest descent with exact line search, and measures the angle between
successive steps (exact line search turns by exactly 90 degrees at every iteration: the zig-zag).

All functions take plain arrays, such as the ``x`` and ``f`` histories of a
:class:`~lrcourse.stepsize.linesearch.DescentResult`.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as check

__all__ = ["step_angles", "linear_convergence_rate", "iterations_to_tolerance", "exact_line_search_rate_bound"]


def step_angles(x) -> np.ndarray:
    r"""Angle, in degrees, between each step of a path and the next one.

    With the steps :math:`d_k = x_{k+1} - x_k`,

    .. math:: \varphi_k = \arccos \frac{d_k \cdot d_{k+1}}{\|d_k\|\,\|d_{k+1}\|}, \qquad k = 0, \dots, K-2 .

    0 means the path goes straight on, 90 a right-angle turn, 180 a reversal. The cosine is clipped to
    :math:`[-1, 1]` first: for (almost) parallel steps rounding can push it just past 1.

    Parameters
    ----------
    x : array_like, shape (K+1, d) or (K+1,)
        The iterates :math:`x_0, \dots, x_K` (a 1-D array is a path on the real line), ``K >= 2``.

    Returns
    -------
    ndarray, shape (K-1,)

    Raises
    ------
    ValueError
        Fewer than three iterates, non-finite values, or a step of length zero (its direction is
        undefined; the message names the step).
    """
    x = check.array("x", x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"x must have shape (K+1, d) or (K+1,), got {x.shape}")
    if x.shape[0] < 3:
        raise ValueError(f"x must hold at least 3 iterates (2 steps) to measure an angle, got {x.shape[0]}")
    d = np.diff(x, axis=0)
    length = np.linalg.norm(d, axis=1)
    if np.any(length == 0):
        raise ValueError(f"x: step {int(np.flatnonzero(length == 0)[0])} has length 0, its direction is undefined")
    cos = np.einsum("ki,ki->k", d[:-1], d[1:]) / (length[:-1] * length[1:])
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _gaps(f, f_star) -> np.ndarray:
    f = check.array("f", f, ndim=1, min_size=1)
    return f - check.real("f_star", f_star)


def linear_convergence_rate(f, f_star) -> float:
    r"""The factor :math:`c` of a linearly converging run, fitted by least squares on a log scale.

    .. math::

        \ln(f_k - f^\star) \approx a + k \ln c, \quad k = 0, \dots, K
        \qquad\Longrightarrow\qquad
        \ln c = \frac{\sum_k (k - \bar k)\,(\ell_k - \bar \ell)}{\sum_k (k - \bar k)^2},
        \quad \ell_k = \ln(f_k - f^\star) .

    The fit uses every value, so it is less sensitive to the first and last iterations than the
    endpoint ratio :math:`((f_K - f^\star)/(f_0 - f^\star))^{1/K}`. Pass the part of the run that is
    above the round-off floor: a gap of 0 has no logarithm.

    Parameters
    ----------
    f : array_like, shape (K+1,)
        Function values :math:`f_0, \dots, f_K`, ``K >= 1``.
    f_star : float
        The minimum value :math:`f^\star`; every ``f_k`` must be above it.

    Returns
    -------
    float
        :math:`c = e^{\text{slope}}` (below 1 for a converging run).
    """
    gaps = _gaps(f, f_star)
    if gaps.size < 2:
        raise ValueError(f"f must hold at least 2 values to fit a rate, got {gaps.size}")
    if np.any(gaps <= 0):
        k = int(np.flatnonzero(gaps <= 0)[0])
        raise ValueError(f"f[{k}] = {float(gaps[k]) + float(f_star)!r} is not above f_star={float(f_star)!r}: "
                         f"the gap f - f_star must be > 0 for its logarithm")
    k = np.arange(gaps.size, dtype=np.float64)
    logs = np.log(gaps)
    slope = np.sum((k - k.mean()) * (logs - logs.mean())) / np.sum((k - k.mean()) ** 2)
    return float(np.exp(slope))


def iterations_to_tolerance(f, f_star, tol):
    r"""The first iteration :math:`k` with :math:`f_k - f^\star \le` ``tol``, or ``None`` if the run never gets there.

    Parameters
    ----------
    f : array_like, shape (K+1,)
        Function values, ``f[0]`` at the start (so the answer counts iterations, not evaluations).
    f_star : float
    tol : float > 0

    Returns
    -------
    int or None
    """
    gaps = _gaps(f, f_star)
    tol = check.positive("tol", tol)
    reached = np.flatnonzero(gaps <= tol)
    return int(reached[0]) if reached.size else None


def exact_line_search_rate_bound(hessian) -> float:
    r"""Worst-case factor per iteration of steepest descent with exact line search on a quadratic.

    .. math:: \frac{f_{k+1} - f^\star}{f_k - f^\star} \le \Bigl(\frac{\kappa - 1}{\kappa + 1}\Bigr)^2,
              \qquad \kappa = \frac{\lambda_{\max}(H)}{\lambda_{\min}(H)}

    (Kantorovich's inequality). Near a minimum a smooth function is close to its quadratic model, so
    the Hessian at the minimizer gives the bound for the late iterations. A well-conditioned problem
    (:math:`\kappa = 1`) is solved in one step; the factor tends to 1 as :math:`\kappa` grows.

    Parameters
    ----------
    hessian : array_like, shape (d, d)
        Symmetric positive definite.

    Returns
    -------
    float in [0, 1)
    """
    h = check.array("hessian", hessian, ndim=2, min_size=1)
    if h.shape[0] != h.shape[1]:
        raise ValueError(f"hessian must be square, got shape {h.shape}")
    if not np.allclose(h, h.T, rtol=1e-10, atol=1e-12 * np.abs(h).max()):
        raise ValueError("hessian must be symmetric")
    eig = np.linalg.eigvalsh(0.5 * (h + h.T))
    if eig[0] <= 0:
        raise ValueError(f"hessian must be positive definite, its smallest eigenvalue is {float(eig[0])!r}")
    kappa = eig[-1] / eig[0]
    return float(((kappa - 1.0) / (kappa + 1.0)) ** 2)

r"""Implicit bias: gradient descent on separable data drifts towards the max-margin direction.

For linearly separable data the logistic loss

.. math::

    f(w) = \frac1n \sum_i \log\bigl(1 + e^{-y_i x_i^\top w}\bigr)

has no minimizer: it tends to 0 only as :math:`\|w\| \to \infty`. Gradient descent with a schedule
satisfying :math:`\sum_t \eta_t = \infty` (e.g. :math:`\eta_t \propto t^{-p}`, :math:`p \le 1`) keeps
growing :math:`\|w_t\|`, and the *direction* :math:`w_t/\|w_t\|` converges, slowly (like
:math:`1/\log t`, and not always monotonically), to the hard-margin SVM direction

.. math::

    \hat w = \arg\min \|w\|^2 \quad\text{s.t.}\quad y_i x_i^\top w \ge 1 .

Both sides are homogeneous (no intercept): append a column of ones to ``X`` for an intercept, and the
same column is then used by the SVM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .problems import LogisticLoss, labels_pm1
from .simulate import simulate_sgd

__all__ = ["separable_data", "max_margin_direction", "angle_between", "ImplicitBiasPath", "implicit_bias_path"]


def separable_data(n: int, dim: int = 2, *, rng, margin: float = 0.2, scale: float = 1.0):
    r"""Linearly separable points through the origin: :math:`y_i = \mathrm{sign}(u^\top x_i)`, :math:`|u^\top x_i| \ge` margin.

    Points are drawn from :math:`N(0, \text{scale}^2 I)`; those closer than ``margin`` to the
    hyperplane of a random unit normal :math:`u` are redrawn.

    Returns
    -------
    X : ndarray, shape (n, dim)
    y : ndarray, shape (n,), labels in {-1, +1} (both classes present)
    u : ndarray, shape (dim,), the generating unit normal (not the max-margin direction in general)
    """
    n = check.integer("n", n, minimum=2)
    dim = check.integer("dim", dim, minimum=1)
    check.memory("n and dim", 3 * 8.0 * n * dim, f"{n:,} points in {dim} dimensions")
    check.generator("rng", rng)
    margin = check.nonnegative("margin", margin)
    scale = check.in_range("scale", check.positive("scale", scale), 0.0, 1e150)  # room for squares
    if margin >= 3 * scale:
        raise ValueError("margin must be smaller than 3 * scale (otherwise almost every point is rejected)")
    u = rng.standard_normal(dim)
    u /= np.linalg.norm(u)
    X = np.empty((0, dim))
    while X.shape[0] < n:
        cand = scale * rng.standard_normal((2 * n, dim))
        X = np.vstack([X, cand[np.abs(cand @ u) >= margin]])
    X = X[:n]
    y = np.sign(X @ u)
    if np.all(y == y[0]):  # make sure both classes appear
        X[0] = -X[0]
        y[0] = -y[0]
    return X, y, u


def max_margin_direction(X, y, *, C: float = 1e5) -> np.ndarray:
    r"""Unit hard-margin SVM direction without intercept, from scikit-learn's ``LinearSVC`` with a large ``C``.

    Raises ``ValueError`` if the fitted separator misclassifies a point (data not separable).
    """
    from sklearn.svm import LinearSVC

    X = check.array("X", X, ndim=2, min_size=1)
    y = labels_pm1(y, X.shape[0])
    C = check.positive("C", C)
    svc = LinearSVC(C=C, loss="hinge", fit_intercept=False, dual=True, tol=1e-10, max_iter=1_000_000)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svc.fit(X, y)
    w = svc.coef_.ravel()
    if np.any(y * (X @ w) <= 0):
        raise ValueError("the data are not linearly separable through the origin")
    return w / np.linalg.norm(w)


def angle_between(w, ref, *, degrees: bool = False):
    r"""Angle :math:`\arccos\bigl(w^\top r / (\|w\|\|r\|)\bigr)` for one vector or each row of ``w``."""
    w = check.array("w", w)
    ref = check.array("ref", ref, ndim=1)
    if w.ndim not in (1, 2):
        raise ValueError(f"w must be one vector or a stack of vectors (1-D or 2-D), got shape {w.shape}")
    if w.shape[-1] != ref.shape[0]:
        raise ValueError(f"w and ref must have the same length, got {w.shape} and {ref.shape}")
    nw = np.linalg.norm(w, axis=-1)
    if np.any(nw == 0) or np.linalg.norm(ref) == 0:
        raise ValueError("the angle of a zero vector is undefined")
    cos = np.clip((w @ ref) / (nw * np.linalg.norm(ref)), -1.0, 1.0)
    out = np.arccos(cos)
    if degrees:
        out = np.degrees(out)
    return float(out) if out.ndim == 0 else out


@dataclass
class ImplicitBiasPath:
    """Output of :func:`implicit_bias_path` (arrays indexed by the recorded steps)."""

    steps: np.ndarray
    w: np.ndarray
    angle: np.ndarray
    norm: np.ndarray
    loss: np.ndarray
    margin: np.ndarray
    svm_direction: np.ndarray
    svm_margin: float


def implicit_bias_path(X, y, schedule, steps: int, *, w0=None, record_every: int = 10, C: float = 1e5,
                       progress: bool = False) -> ImplicitBiasPath:
    r"""Full-batch gradient descent on the logistic loss, tracking the angle to the SVM direction.

    Parameters
    ----------
    X, y : arrays
        Separable data (see :func:`separable_data`).
    schedule : Schedule, callable, float or array
        :math:`\eta_t`.
    steps : int
    w0 : array, optional
        Start (a small vector along the first axis by default, so the angle is defined).
    record_every : int
    C : float
        ``LinearSVC`` regularization for the reference direction.

    Returns
    -------
    ImplicitBiasPath
        ``angle`` (radians), ``norm`` :math:`\|w_t\|`, ``loss``, and ``margin``
        :math:`\min_i y_i x_i^\top w_t / \|w_t\|` next to the SVM's ``svm_margin``.
    """
    problem = LogisticLoss(X, y)
    ref = max_margin_direction(problem.X, problem.y, C=C)
    start = np.zeros(problem.dim) if w0 is None else check.array("w0", w0, ndim=1)
    if w0 is None:
        start[0] = 1e-3
    res = simulate_sgd(problem, schedule, steps, theta0=start, record_every=record_every, progress=progress)
    w = res.theta[0]
    norm = np.linalg.norm(w, axis=1)
    safe = np.where(norm > 0, norm, 1.0)
    margin = np.min(problem.margins(w) / safe[:, None], axis=1)
    with np.errstate(invalid="ignore"):
        ang = np.where(norm > 0, np.arccos(np.clip((w @ ref) / safe, -1, 1)), np.nan)
    return ImplicitBiasPath(steps=res.steps, w=w, angle=ang, norm=norm, loss=res.loss[0], margin=margin,
                            svm_direction=ref, svm_margin=float(np.min(problem.margins(ref))))

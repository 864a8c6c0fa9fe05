r"""Test problems for the optimizer simulations: losses with a NumPy gradient, vectorized over runs.

Every problem evaluates many parameter vectors at once. The parameters of ``R`` independent runs are
stacked along a leading *runs* axis: ``theta`` has shape ``(R, dim)``, or ``(R,)`` for a scalar
problem (``dim is None``). ``loss(theta)`` returns shape ``(R,)`` and ``grad(theta)`` the shape of
``theta``.

- :func:`exercise_quadratic` -- the exercises' :math:`J(\theta) = (\theta - 3)^2`.
- :class:`ScalarQuadratic` -- :math:`\tfrac{a}{2}(\theta - \theta^\star)^2` in one dimension.
- :class:`Quadratic` -- :math:`\tfrac12 \theta^\top A \theta - b^\top \theta`, from ``A`` or from a
  condition number (:meth:`Quadratic.from_condition_number`).
- :class:`LogisticLoss` -- mean logistic loss on a dataset, optional L2 penalty.
- :class:`FunctionProblem` -- any loss with a NumPy gradient.
- :class:`SampledQuadratic` -- a finite sum whose mini-batch gradients have variance :math:`\propto 1/B`.

Finite-sum problems (``n_samples`` is not ``None``) also provide ``batch_grad(theta, idx)``: the mean
gradient over the samples ``idx`` (shape ``(R, B)``, one mini-batch per run), which the SGD engine
uses for mini-batch noise (``simulate_sgd(..., batch_size=B)``).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _validate as check

__all__ = [
    "Problem",
    "ScalarQuadratic",
    "exercise_quadratic",
    "Quadratic",
    "LogisticLoss",
    "FunctionProblem",
    "SampledQuadratic",
    "as_runs",
]


class Problem:
    """Base class: a differentiable loss evaluated on a stack of parameter vectors.

    Attributes
    ----------
    dim : int or None
        Number of parameters; ``None`` for a scalar problem whose runs have shape ``(R,)``.
    minimizer : ndarray, float or None
        :math:`\\theta^\\star` when known.
    min_loss : float or None
        :math:`f(\\theta^\\star)` when known.
    n_samples : int or None
        Size of the finite sum, for problems that support mini-batch sampling.
    """

    dim: int | None = None
    minimizer = None
    min_loss: float | None = None
    n_samples: int | None = None

    @property
    def param_shape(self) -> tuple[int, ...]:
        """Shape of one parameter vector: ``()`` for a scalar problem, else ``(dim,)``."""
        return () if self.dim is None else (self.dim,)

    def loss(self, theta) -> np.ndarray:  # pragma: no cover - abstract
        """The loss of each run of the stack ``theta``, shape ``(R,)``."""
        raise NotImplementedError

    def grad(self, theta) -> np.ndarray:  # pragma: no cover - abstract
        """The gradient of each run, the shape of ``theta``."""
        raise NotImplementedError

    def batch_grad(self, theta, idx) -> np.ndarray:
        """Mean gradient over the samples ``idx`` (shape ``(R, B)``) of each run."""
        raise TypeError(f"{type(self).__name__} is not a finite sum: it cannot sample mini-batches")

    def loss_unchecked(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`loss` of a stack the caller has already validated (float64, shape ``(R, *param_shape)``).

        The simulation engine calls this at every recorded step; a problem whose :meth:`loss` spends
        time checking its input overrides it with the bare formula.
        """
        return self.loss(theta)

    def grad_unchecked(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`grad` of an already validated stack, the engine's fast path (see :meth:`loss_unchecked`)."""
        return self.grad(theta)

    def default_theta0(self) -> np.ndarray:
        """Where a simulation starts when ``theta0`` is not given: the origin."""
        return np.zeros(self.param_shape)

    def _theta(self, theta) -> np.ndarray:
        return as_runs(theta, self.param_shape)


def as_runs(theta, param_shape: tuple[int, ...], name: str = "theta") -> np.ndarray:
    """Validate ``theta`` as a stack of parameter vectors, shape ``(R, *param_shape)``.

    A single parameter vector (shape ``param_shape``) is promoted to one run.
    """
    arr = check.array(name, theta, finite=False)
    if arr.shape == param_shape:
        arr = arr[None]
    if arr.ndim != len(param_shape) + 1 or arr.shape[1:] != param_shape:
        want = "(runs,)" if not param_shape else f"(runs, {param_shape[0]})"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return arr


class ScalarQuadratic(Problem):
    r"""One-dimensional quadratic :math:`f(\theta) = \tfrac{a}{2}(\theta - \theta^\star)^2`.

    Gradient :math:`a(\theta - \theta^\star)`, minimum 0 at :math:`\theta^\star`; ``theta`` has shape
    ``(R,)``. ``ScalarQuadratic(2, 3)`` is the exercises' :math:`(\theta - 3)^2`.

    Parameters
    ----------
    curvature : float
        :math:`a > 0`.
    center : float
        :math:`\theta^\star`.
    """

    def __init__(self, curvature: float = 2.0, center: float = 3.0):
        self.curvature = check.positive("curvature", curvature)
        self.center = check.real("center", center)
        self.minimizer = self.center
        self.min_loss = 0.0

    def loss(self, theta):
        return self.loss_unchecked(self._theta(theta))

    def grad(self, theta):
        return self.grad_unchecked(self._theta(theta))

    def loss_unchecked(self, theta):
        d = theta - self.center
        return 0.5 * self.curvature * d * d

    def grad_unchecked(self, theta):
        return self.curvature * (theta - self.center)

    def __repr__(self):
        return f"ScalarQuadratic(curvature={self.curvature!r}, center={self.center!r})"


def exercise_quadratic() -> ScalarQuadratic:
    r"""The exercises' loss :math:`J(\theta) = (\theta - 3)^2`, gradient :math:`2(\theta - 3)`."""
    return ScalarQuadratic(curvature=2.0, center=3.0)


class Quadratic(Problem):
    r"""Strongly convex quadratic :math:`f(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta`.

    .. math::

        \nabla f(\theta) = A\theta - b, \qquad \theta^\star = A^{-1} b, \qquad
        f(\theta^\star) = -\tfrac12 b^\top A^{-1} b .

    Parameters
    ----------
    A : array, shape (dim, dim)
        Symmetric positive definite.
    b : array, shape (dim,), optional
        Linear term; zeros by default.
    """

    def __init__(self, A, b=None):
        A = check.array("A", A, ndim=2, min_size=1)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square, got shape {A.shape}")
        if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.abs(A).max()):
            raise ValueError("A must be symmetric")
        try:
            np.linalg.cholesky(A)
        except np.linalg.LinAlgError:
            raise ValueError("A must be positive definite (strongly convex quadratic)") from None
        dim = A.shape[0]
        b = np.zeros(dim) if b is None else check.array("b", b, ndim=1)
        if b.shape != (dim,):
            raise ValueError(f"b must have shape ({dim},) to match A, got {b.shape}")
        self.A = 0.5 * (A + A.T)
        self.b = b
        self.dim = dim
        self.eigenvalues = np.linalg.eigvalsh(self.A)
        self.minimizer = np.linalg.solve(self.A, b)
        self.min_loss = float(-0.5 * b @ self.minimizer)

    @property
    def condition_number(self) -> float:
        r""":math:`\kappa = \lambda_{\max} / \lambda_{\min}`."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @classmethod
    def from_condition_number(cls, condition_number: float, dim: int, *, rng=None, smallest: float = 1.0,
                              spacing: str = "geometric", minimizer=None) -> "Quadratic":
        r"""A quadratic with a prescribed spectrum :math:`\lambda_{\min} = m, \lambda_{\max} = \kappa m`.

        The eigenvalues are spaced geometrically (or linearly) between ``smallest`` and
        ``smallest * condition_number``. With ``rng`` the eigenbasis is a uniformly random rotation
        :math:`A = Q\,\mathrm{diag}(\lambda)\,Q^\top`; without it ``A`` is diagonal.

        Parameters
        ----------
        condition_number : float
            :math:`\kappa \ge 1`.
        dim : int
            Dimension, >= 1.
        rng : numpy.random.Generator, optional
            Draws the random rotation.
        smallest : float, default 1.0
            :math:`\lambda_{\min} > 0`.
        spacing : {"geometric", "linear"}
        minimizer : array, shape (dim,), optional
            :math:`\theta^\star`; ones by default (so ``b = A 1``).
        """
        kappa = check.real("condition_number", condition_number)
        if kappa < 1:
            raise ValueError(f"condition_number must be >= 1, got {kappa!r}")
        dim = check.integer("dim", dim, minimum=1)
        check.memory("dim", 3 * 8.0 * dim * dim, f"a {dim} x {dim} matrix (and its rotation)")
        m = check.positive("smallest", smallest)
        if not math.isfinite(m * kappa):
            raise ValueError(f"smallest * condition_number must be finite, got {m!r} * {kappa!r}")
        check.choice("spacing", spacing, ("geometric", "linear"))
        if spacing == "geometric":
            lam = np.geomspace(m, m * kappa, dim)
        else:
            lam = np.linspace(m, m * kappa, dim)
        if rng is None:
            A = np.diag(lam)
        else:
            check.generator("rng", rng)
            Q, R = np.linalg.qr(rng.standard_normal((dim, dim)))
            Q = Q * np.sign(np.diag(R))  # Haar-distributed rotation
            A = (Q * lam) @ Q.T
        star = np.ones(dim) if minimizer is None else check.array("minimizer", minimizer, ndim=1)
        if star.shape != (dim,):
            raise ValueError(f"minimizer must have shape ({dim},), got {star.shape}")
        return cls(A, A @ star)

    def loss(self, theta):
        return self.loss_unchecked(self._theta(theta))

    def grad(self, theta):
        return self.grad_unchecked(self._theta(theta))

    def loss_unchecked(self, theta):
        return 0.5 * np.einsum("ri,ri->r", theta, theta @ self.A) - theta @ self.b

    def grad_unchecked(self, theta):
        return theta @ self.A - self.b

    def __repr__(self):
        return f"Quadratic(dim={self.dim}, condition_number={self.condition_number:.3g})"


def labels_pm1(y, n: int) -> np.ndarray:
    """Binary labels ``y`` (one per row of an ``n``-row ``X``, in ``{0, 1}`` or ``{-1, +1}``) as ``-1.0/+1.0``."""
    y = check.array("y", y, ndim=1)
    if y.shape != (n,):
        raise ValueError(f"y must have one label per row of X ({n}), got shape {y.shape}")
    values = set(np.unique(y).tolist())
    if values <= {0.0, 1.0}:
        return 2.0 * y - 1.0
    if values <= {-1.0, 1.0}:
        return y.copy()
    raise ValueError(f"y must contain labels in {{0, 1}} or {{-1, +1}}, got {sorted(values)[:5]}")


class LogisticLoss(Problem):
    r"""Mean logistic loss of a linear classifier, optionally with an L2 penalty.

    With labels :math:`y_i \in \{-1, +1\}` (``{0, 1}`` is converted):

    .. math::

        f(w) = \frac1n \sum_{i=1}^n \log\bigl(1 + e^{-y_i\, x_i^\top w}\bigr) + \frac{\lambda}{2}\|w\|^2,
        \qquad
        \nabla f(w) = -\frac1n \sum_i \sigma(-y_i x_i^\top w)\, y_i x_i + \lambda w .

    There is no intercept; append a column of ones to ``X`` for one. A finite sum: mini-batch
    gradients average the per-sample terms.

    Parameters
    ----------
    X : array, shape (n, dim)
    y : array, shape (n,)
    l2 : float, default 0
        :math:`\lambda \ge 0`.
    """

    def __init__(self, X, y, l2: float = 0.0):
        X = check.array("X", X, ndim=2, min_size=1)
        self.X = X
        self.y = labels_pm1(y, X.shape[0])
        self.l2 = check.nonnegative("l2", l2)
        self.dim = X.shape[1]
        self.n_samples = X.shape[0]
        self._Xy = X * self.y[:, None]

    def loss(self, theta):
        w = self._theta(theta)
        margins = w @ self._Xy.T
        return np.logaddexp(0.0, -margins).mean(axis=1) + 0.5 * self.l2 * np.einsum("ri,ri->r", w, w)

    def grad(self, theta):
        w = self._theta(theta)
        weights = _sigmoid(-(w @ self._Xy.T))  # (R, n)
        return -(weights @ self._Xy) / self.n_samples + self.l2 * w

    def margins(self, theta) -> np.ndarray:
        r"""Signed margins :math:`y_i\, x_i^\top w` of every sample for each run, shape ``(R, n)``."""
        return self._theta(theta) @ self._Xy.T

    def batch_grad(self, theta, idx):
        w = self._theta(theta)
        Xy = self._Xy[idx]  # (R, B, dim)
        weights = _sigmoid(-np.einsum("rbi,ri->rb", Xy, w))
        return -np.einsum("rb,rbi->ri", weights, Xy) / idx.shape[1] + self.l2 * w

    def __repr__(self):
        return f"LogisticLoss(n_samples={self.n_samples}, dim={self.dim}, l2={self.l2!r})"


def _sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


class FunctionProblem(Problem):
    r"""Any differentiable loss given as NumPy functions (the hook for your own problems).

    Parameters
    ----------
    loss : callable
        ``loss(theta) -> float`` for one parameter vector, or, with ``vectorized=True``,
        ``loss(thetas) -> (R,)`` for a stack of shape ``(R, dim)`` (``(R,)`` when ``dim is None``).
    grad : callable
        Its gradient, same convention, returning the shape of ``theta``.
    dim : int or None
        Number of parameters; ``None`` for a scalar problem.
    vectorized : bool, default False
        Whether the functions accept a stack of runs; otherwise they are called once per run.
    minimizer, min_loss : optional
        Known solution, if any.

    Examples
    --------
    >>> p = FunctionProblem(lambda x: x**4, lambda x: 4 * x**3, dim=None, vectorized=True)
    >>> p.grad(np.array([1.0, 2.0]))
    array([ 4., 32.])
    """

    def __init__(self, loss, grad, dim: int | None = None, *, vectorized: bool = False, minimizer=None,
                 min_loss: float | None = None):
        self._loss = check.function("loss", loss)
        self._grad = check.function("grad", grad)
        self.dim = None if dim is None else check.integer("dim", dim, minimum=1)
        self.vectorized = check.flag("vectorized", vectorized)
        self.minimizer = minimizer
        self.min_loss = None if min_loss is None else check.real("min_loss", min_loss)

    def loss(self, theta):
        theta = self._theta(theta)
        if self.vectorized:
            out = np.asarray(self._loss(theta), dtype=np.float64)
        else:
            out = np.array([float(self._loss(t)) for t in theta])
        if out.shape != theta.shape[:1]:
            raise ValueError(f"loss must return one value per run, shape {theta.shape[:1]}, got {out.shape}")
        return out

    def grad(self, theta):
        theta = self._theta(theta)
        if self.vectorized:
            out = np.asarray(self._grad(theta), dtype=np.float64)
        else:
            out = np.array([np.asarray(self._grad(t), dtype=np.float64) for t in theta]).reshape(len(theta), -1)
            out = out.reshape(theta.shape)
        if out.shape != theta.shape:
            raise ValueError(f"grad must return the shape of theta, {theta.shape}, got {out.shape}")
        return out


class SampledQuadratic(ScalarQuadratic):
    r"""A finite sum of 1-D quadratics, the mini-batch model of gradient noise.

    .. math::

        f(\theta) = \frac1n \sum_{i=1}^n \tfrac{a}{2}(\theta - c_i)^2
        = \tfrac{a}{2}(\theta - \bar c)^2 + \tfrac{a}{2} s^2,
        \qquad s^2 = \frac1n \sum_i (c_i - \bar c)^2 .

    A mini-batch :math:`\mathcal B` of size :math:`B` gives the gradient
    :math:`a(\theta - \bar c_{\mathcal B})`: unbiased, with noise variance independent of
    :math:`\theta`,

    .. math::

        \operatorname{Var} = \frac{a^2 s^2}{B}\cdot\frac{n - B}{n - 1}
        \ \text{(without replacement)}, \qquad
        \frac{a^2 s^2}{B}\ \text{(with replacement)} .

    ``loss`` reports :math:`f(\theta) - \min f = \tfrac a2(\theta - \bar c)^2`, so the minimum is 0.

    Parameters
    ----------
    centers : array, shape (n,)
        The sample optima :math:`c_i` (at least 2).
    curvature : float, default 2.0
        :math:`a > 0`.
    """

    def __init__(self, centers, curvature: float = 2.0):
        c = check.array("centers", centers, ndim=1, min_size=2)
        with np.errstate(over="ignore", invalid="ignore"):
            mean, spread = float(c.mean()), float(c.std())
        if not (math.isfinite(mean) and math.isfinite(spread)):
            raise ValueError("centers are too large: their mean or spread overflows the float range")
        super().__init__(curvature=curvature, center=mean)
        self.centers = c
        self.n_samples = c.size
        self.spread = spread

    @classmethod
    def random(cls, n: int, *, rng, center: float = 3.0, spread: float = 1.0, curvature: float = 2.0):
        """``n`` centers drawn from :math:`N(0,1)`, standardized to mean ``center`` and std ``spread`` exactly."""
        n = check.integer("n", n, minimum=2)
        check.memory("n", 8.0 * n, f"{n:,} centers")
        check.generator("rng", rng)
        center, spread = check.real("center", center), check.nonnegative("spread", spread)
        z = rng.standard_normal(n)
        z = (z - z.mean()) / z.std()
        with np.errstate(over="ignore"):
            centers = center + spread * z
        if not np.all(np.isfinite(centers)):
            raise ValueError(f"center={center:g} and spread={spread:g} give centers beyond the float range")
        return cls(centers, curvature=curvature)

    def batch_noise_variance(self, batch_size: int, *, replace: bool = False) -> float:
        """Exact variance of the mini-batch gradient noise for batch size ``B`` (see the class formula)."""
        B = check.integer("batch_size", batch_size, minimum=1)
        n = self.n_samples
        base = (self.curvature * self.spread) ** 2 / B
        if replace:
            return base
        if B > n:
            raise ValueError(f"batch_size must be <= n_samples ({n}) without replacement, got {B}")
        return base * (n - B) / (n - 1)

    def batch_grad(self, theta, idx):
        return self.curvature * (np.asarray(theta) - self.centers[idx].mean(axis=1))

    def __repr__(self):
        return f"SampledQuadratic(n={self.n_samples}, curvature={self.curvature!r}, spread={self.spread:.3g})"

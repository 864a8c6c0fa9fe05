r"""Step sizes chosen by optimization itself: line search, Newton's step and diagonal preconditioning.

Before learning-rate *schedules*, classical optimization picked the step :math:`\lambda_k` of

.. math:: x_{k+1} = x_k - \lambda_k \nabla f(x_k)

anew at every iteration:

- **backtracking (Armijo)**: start from ``t0`` and shrink by ``beta`` until the sufficient-decrease
  condition :math:`f(x - t g) \le f(x) - \alpha t \|g\|^2` holds;
- **exact line search**: :math:`\lambda_k = \arg\min_{t > 0} f(x_k - t g_k)`, a 1-D minimization
  (here with :func:`scipy.optimize.minimize_scalar`);
- **Newton**: in 1-D the ideal step is :math:`1/f''(x)`; in n-D the step is :math:`-H^{-1} g`;
- **diagonal preconditioning**: one step size per coordinate, :math:`\lambda_i = \eta / H_{ii}`.

The course's test function (Boyd & Vandenberghe, Sec. 9.3) is

.. math:: f(x) = \exp(x_1 + 3x_2 - 0.1) + \exp(x_1 - 3x_2 - 0.1) + \exp(-x_1 - 0.1).

By symmetry in :math:`x_2` the minimizer has :math:`x_2 = 0`; then :math:`2e^{x_1} = e^{-x_1}` gives
:math:`x_1^* = -\tfrac12 \ln 2` and :math:`f^* = 2\sqrt 2\, e^{-0.1} \approx 2.5593`.

Every method returns a :class:`DescentResult` with the iterate, step-size and function-value
histories. They work for any ``f``/``grad`` (and ``hess`` where needed) on vectors or scalars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .. import _validate as check

__all__ = [
    "DescentResult",
    "boyd_function",
    "boyd_gradient",
    "boyd_hessian",
    "BOYD_MINIMIZER",
    "BOYD_MINIMUM",
    "armijo_holds",
    "backtracking_descent",
    "exact_line_search_descent",
    "newton_1d",
    "newton_descent",
    "diagonal_preconditioned_descent",
]

BOYD_MINIMIZER = np.array([-0.5 * math.log(2.0), 0.0])
BOYD_MINIMUM = 2.0 * math.sqrt(2.0) * math.exp(-0.1)


def boyd_function(x):
    r"""The test function :math:`\exp(x_1+3x_2-0.1) + \exp(x_1-3x_2-0.1) + \exp(-x_1-0.1)`.

    ``x`` has a last axis of length 2; any leading axes are evaluated at once (handy for contours).
    """
    x = np.asarray(x, dtype=np.float64)
    x1, x2 = x[..., 0], x[..., 1]
    return np.exp(x1 + 3 * x2 - 0.1) + np.exp(x1 - 3 * x2 - 0.1) + np.exp(-x1 - 0.1)


def boyd_gradient(x):
    r"""Gradient :math:`(a + b - c,\; 3a - 3b)` with :math:`a, b, c` the three exponentials."""
    x = np.asarray(x, dtype=np.float64)
    a = np.exp(x[..., 0] + 3 * x[..., 1] - 0.1)
    b = np.exp(x[..., 0] - 3 * x[..., 1] - 0.1)
    c = np.exp(-x[..., 0] - 0.1)
    return np.stack([a + b - c, 3 * (a - b)], axis=-1)


def boyd_hessian(x):
    r"""Hessian :math:`\begin{pmatrix} a+b+c & 3(a-b) \\ 3(a-b) & 9(a+b) \end{pmatrix}`."""
    x = np.asarray(x, dtype=np.float64)
    a = np.exp(x[..., 0] + 3 * x[..., 1] - 0.1)
    b = np.exp(x[..., 0] - 3 * x[..., 1] - 0.1)
    c = np.exp(-x[..., 0] - 0.1)
    row1 = np.stack([a + b + c, 3 * (a - b)], axis=-1)
    row2 = np.stack([3 * (a - b), 9 * (a + b)], axis=-1)
    return np.stack([row1, row2], axis=-2)


@dataclass(frozen=True)
class DescentResult:
    """Histories of one descent run.

    Attributes
    ----------
    x : ndarray, shape (k+1, d) or (k+1,) for scalar problems
        Iterates, ``x[0]`` is the start.
    steps : ndarray, shape (k,) or (k, d)
        Step size used at each iteration (per coordinate for preconditioned methods).
    f : ndarray, shape (k+1,)
        Function values at the iterates.
    converged : bool
        Whether the gradient norm fell below ``tol``.
    diverged : bool
        Whether a non-finite value stopped the run (the last finite iterate is kept).
    n_evals : int
        Number of function evaluations (line searches use many).
    method : str
    """

    x: np.ndarray
    steps: np.ndarray
    f: np.ndarray
    converged: bool
    diverged: bool
    n_evals: int
    method: str

    @property
    def x_final(self):
        return self.x[-1]

    @property
    def f_final(self) -> float:
        return float(self.f[-1])

    @property
    def n_iter(self) -> int:
        return len(self.steps)


def armijo_holds(f_new, f_old, step, grad_norm_sq, alpha) -> bool:
    r"""The sufficient-decrease test :math:`f(x - t g) \le f(x) - \alpha t \|g\|^2`."""
    return bool(f_new <= f_old - alpha * step * grad_norm_sq)


class _Problem:
    """Wrap user functions so the algorithms always see 1-D float vectors."""

    def __init__(self, f, grad, x0, hess=None):
        self.f_user = check.function("f", f)
        self.grad_user = check.function("grad", grad)
        self.hess_user = None if hess is None else check.function("hess", hess)
        self.scalar = np.ndim(x0) == 0
        self.x0 = check.array("x0", np.atleast_1d(x0), ndim=1, min_size=1)
        self.n_evals = 0

    def _arg(self, x):
        return float(x[0]) if self.scalar else x

    def f(self, x) -> float:
        self.n_evals += 1
        return float(np.asarray(self.f_user(self._arg(x)), dtype=np.float64))

    def grad(self, x) -> np.ndarray:
        g = np.atleast_1d(np.asarray(self.grad_user(self._arg(x)), dtype=np.float64))
        if g.shape != self.x0.shape:
            raise ValueError(f"grad must return shape {self.x0.shape}, got {g.shape}")
        return g

    def hess(self, x) -> np.ndarray:
        h = np.asarray(self.hess_user(self._arg(x)), dtype=np.float64).reshape(self.x0.size, self.x0.size)
        return h

    def result(self, xs, steps, fs, converged, diverged, method) -> DescentResult:
        xs = np.array(xs)
        steps = np.array(steps, dtype=np.float64)
        if self.scalar:
            xs = xs[:, 0]
        return DescentResult(xs, steps, np.array(fs), converged, diverged, self.n_evals, method)


def _common(max_iter, tol):
    return check.integer("max_iter", max_iter, minimum=1), check.nonnegative("tol", tol)


def backtracking_descent(f, grad, x0, *, alpha=0.3, beta=0.8, t0=1.0, max_iter=500, tol=1e-6,
                         max_backtracks=60) -> DescentResult:
    r"""Gradient descent with a backtracking (Armijo) line search.

    At each iterate, try :math:`t = t_0, \beta t_0, \beta^2 t_0, \dots` until

    .. math:: f(x - t g) \le f(x) - \alpha\, t\, \|g\|^2 ,

    then move to :math:`x - t g`.

    Parameters
    ----------
    f, grad : callable
        Objective and its gradient (vector or scalar argument, like ``x0``).
    x0 : float or array_like
    alpha : float in (0, 0.5), default 0.3
        Fraction of the linear decrease demanded.
    beta : float in (0, 1), default 0.8
        Shrink factor.
    t0 : float > 0, default 1
        First trial step at every iteration.
    max_iter : int, default 500
    tol : float, default 1e-6
        Stop when :math:`\|g\| \le` ``tol``. The run also ends when a step no longer changes
        ``f`` (round-off floor, about :math:`\sqrt{\epsilon_{mach}}` in the gradient norm).
    max_backtracks : int, default 60
        A search that needs more halvings raises ``RuntimeError`` (``grad`` is probably wrong).
    """
    alpha = check.in_range("alpha", alpha, 0.0, 0.5, low_open=True, high_open=True)
    beta = check.in_range("beta", beta, 0.0, 1.0, low_open=True, high_open=True)
    t0 = check.positive("t0", t0)
    max_iter, tol = _common(max_iter, tol)
    max_backtracks = check.integer("max_backtracks", max_backtracks, minimum=1)
    p = _Problem(f, grad, x0)
    x = p.x0.copy()
    fx = p.f(x)
    xs, fs, steps = [x.copy()], [fx], []
    converged = False
    for _ in range(max_iter):
        g = p.grad(x)
        gg = float(g @ g)
        if math.sqrt(gg) <= tol:
            converged = True
            break
        t = t0
        for _ in range(max_backtracks):
            f_new = p.f(x - t * g)
            if np.isfinite(f_new) and armijo_holds(f_new, fx, t, gg, alpha):
                break
            t *= beta
        else:
            raise RuntimeError("backtracking found no step with sufficient decrease; is grad correct?")
        if f_new >= fx:  # round-off floor: the decrease is below the resolution of f
            break
        x = x - t * g
        fx = f_new
        xs.append(x.copy())
        fs.append(fx)
        steps.append(t)
    else:
        converged = float(np.linalg.norm(p.grad(x))) <= tol
    return p.result(xs, steps, fs, converged, False, "armijo")


def exact_line_search_descent(f, grad, x0, *, max_step=None, max_iter=200, tol=1e-6,
                              xtol=1e-10) -> DescentResult:
    r"""Gradient descent with an exact line search.

    .. math:: \lambda_k = \arg\min_{0 < t \le t_{max}} f(x_k - t\, \nabla f(x_k))

    solved with :func:`scipy.optimize.minimize_scalar`: Brent's method when ``max_step`` is ``None``
    (the minimizer is bracketed from ``(0, 1)``), the bounded method on ``[0, max_step]`` otherwise.

    Parameters
    ----------
    f, grad : callable
    x0 : float or array_like
    max_step : float > 0, optional
        Upper bound of the search interval.
    max_iter : int, default 200
    tol : float, default 1e-6
        Stop when the gradient norm is below ``tol``. The 1-D solver locates :math:`t` only to
        about :math:`\sqrt{\epsilon_{mach}}` relative accuracy, so much smaller values stall; a step
        that no longer lowers ``f`` ends the run.
    xtol : float, default 1e-10
        Tolerance of the 1-D solver.
    """
    max_iter, tol = _common(max_iter, tol)
    if max_step is not None:
        max_step = check.positive("max_step", max_step)
    xtol = check.positive("xtol", xtol)
    p = _Problem(f, grad, x0)
    x = p.x0.copy()
    fx = p.f(x)
    xs, fs, steps = [x.copy()], [fx], []
    converged = diverged = False
    for _ in range(max_iter):
        g = p.grad(x)
        if float(np.linalg.norm(g)) <= tol:
            converged = True
            break

        def phi(t, x=x, g=g):
            value = p.f(x - t * g)
            return value if np.isfinite(value) else np.inf

        # a trial step far out overflows: it counts as +inf, and the solver's inf - inf is harmless
        with np.errstate(over="ignore", invalid="ignore"):
            if max_step is None:
                res = minimize_scalar(phi, bracket=(0.0, 1.0), method="brent", options={"xtol": xtol})
            else:
                res = minimize_scalar(phi, bounds=(0.0, max_step), method="bounded", options={"xatol": xtol})
        t = float(res.x)
        f_new = p.f(x - t * g)
        if not np.isfinite(f_new) or t <= 0 or f_new >= fx:
            # t <= 0, no decrease or overflow: no more progress possible along -g
            diverged = not np.isfinite(f_new)
            break
        x = x - t * g
        fx = f_new
        xs.append(x.copy())
        fs.append(fx)
        steps.append(t)
    else:
        converged = float(np.linalg.norm(p.grad(x))) <= tol
    return p.result(xs, steps, fs, converged, diverged, "exact")


def newton_1d(f, df, d2f, x0, *, max_iter=50, tol=1e-10) -> DescentResult:
    r"""1-D gradient descent with the "optimal" learning rate :math:`\lambda_k = 1/f''(x_k)`.

    .. math:: x_{k+1} = x_k - \frac{1}{f''(x_k)} f'(x_k)

    This is Newton's method written as gradient descent: the step size is the inverse curvature. On
    a quadratic it lands on the minimum in one step. Requires :math:`f''(x_k) > 0` (else
    ``ValueError``: the step would go uphill).
    """
    check.real("x0", x0)
    max_iter, tol = _common(max_iter, tol)
    p = _Problem(f, df, float(x0), hess=d2f)
    x = p.x0.copy()
    xs, fs, steps = [x.copy()], [p.f(x)], []
    converged = diverged = False
    for _ in range(max_iter):
        g = p.grad(x)
        if abs(g[0]) <= tol:
            converged = True
            break
        h = float(p.hess(x)[0, 0])
        if not h > 0:
            raise ValueError(f"d2f must be > 0 along the path for a Newton step, got {h!r} at x={x[0]!r}")
        x = x - g / h
        fx = p.f(x)
        if not np.isfinite(fx):
            diverged = True
            break
        xs.append(x.copy())
        fs.append(fx)
        steps.append(1.0 / h)
    else:
        converged = abs(p.grad(x)[0]) <= tol
    return p.result(xs, steps, fs, converged, diverged, "newton-1d")


def newton_descent(f, grad, hess, x0, *, damped=False, alpha=0.25, beta=0.5, max_iter=50,
                   tol=1e-10) -> DescentResult:
    r"""Newton's method :math:`x_{k+1} = x_k - t_k H_k^{-1} g_k`.

    With ``damped=False`` the full step :math:`t_k = 1` is taken; with ``damped=True`` :math:`t_k`
    backtracks from 1 until :math:`f(x + t d) \le f(x) + \alpha t\, g^\top d` with
    :math:`d = -H^{-1} g`. The recorded step size is :math:`t_k` (1 for pure Newton); the
    Newton direction itself carries the curvature.
    """
    max_iter, tol = _common(max_iter, tol)
    alpha = check.in_range("alpha", alpha, 0.0, 0.5, low_open=True, high_open=True)
    beta = check.in_range("beta", beta, 0.0, 1.0, low_open=True, high_open=True)
    p = _Problem(f, grad, x0, hess=hess)
    x = p.x0.copy()
    fx = p.f(x)
    xs, fs, steps = [x.copy()], [fx], []
    converged = diverged = False
    for _ in range(max_iter):
        g = p.grad(x)
        if float(np.linalg.norm(g)) <= tol:
            converged = True
            break
        d = -np.linalg.solve(p.hess(x), g)
        t = 1.0
        if damped:
            while p.f(x + t * d) > fx + alpha * t * float(g @ d) and t > 1e-12:
                t *= beta
        x_new = x + t * d
        f_new = p.f(x_new)
        if not np.isfinite(f_new):
            diverged = True
            break
        x, fx = x_new, f_new
        xs.append(x.copy())
        fs.append(fx)
        steps.append(t)
    else:
        converged = float(np.linalg.norm(p.grad(x))) <= tol
    return p.result(xs, steps, fs, converged, diverged, "newton")


def diagonal_preconditioned_descent(f, grad, hess_diag, x0, *, lr=1.0, min_curvature=1e-12, max_iter=500,
                                    tol=1e-8) -> DescentResult:
    r"""Per-coordinate step sizes from the Hessian diagonal.

    .. math:: x_{k+1, i} = x_{k, i} - \frac{\eta}{H_{ii}(x_k)}\, \partial_i f(x_k)

    ``hess_diag(x)`` returns the diagonal :math:`(H_{11}, \dots, H_{dd})` (a full matrix is also
    accepted; its diagonal is used). Curvatures below ``min_curvature`` are clipped to it. The
    recorded ``steps`` has shape ``(k, d)``: the per-coordinate learning rates
    :math:`\eta / H_{ii}`. A run that produces non-finite values stops with ``diverged=True``.
    """
    lr = check.positive("lr", lr)
    min_curvature = check.positive("min_curvature", min_curvature)
    max_iter, tol = _common(max_iter, tol)
    check.function("hess_diag", hess_diag)
    p = _Problem(f, grad, x0)
    d = p.x0.size

    def diag(x):
        h = np.asarray(hess_diag(p._arg(x)), dtype=np.float64)
        if h.ndim == 2:
            h = np.diag(h)
        return np.maximum(np.atleast_1d(h).reshape(d), min_curvature)

    x = p.x0.copy()
    xs, fs, steps = [x.copy()], [p.f(x)], []
    converged = diverged = False
    for _ in range(max_iter):
        g = p.grad(x)
        if float(np.linalg.norm(g)) <= tol:
            converged = True
            break
        rates = lr / diag(x)
        x = x - rates * g
        fx = p.f(x)
        if not (np.isfinite(fx) and np.all(np.isfinite(x))):
            diverged = True
            break
        xs.append(x.copy())
        fs.append(fx)
        steps.append(rates)
    else:
        converged = float(np.linalg.norm(p.grad(x))) <= tol
    result = p.result(xs, steps, fs, converged, diverged, "diagonal")
    if not steps:
        result = DescentResult(result.x, np.empty((0, d)), result.f, converged, diverged, result.n_evals,
                               result.method)
    return result

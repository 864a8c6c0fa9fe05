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

from .. import _validate as check
from .oracle import Oracle

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


def _boyd_terms(x):
    """The three exponentials :math:`a, b, c` of the test function at ``x`` (last axis of length 2).

    A point far out gives ``inf`` (the line searches read that as "too far"), without a warning.
    """
    x = check.array("x", x, finite=False)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"x must have a last axis of length 2 (x1, x2), got shape {x.shape}")
    x1, x2 = x[..., 0], x[..., 1]
    with np.errstate(over="ignore"):
        return np.exp(x1 + 3 * x2 - 0.1), np.exp(x1 - 3 * x2 - 0.1), np.exp(-x1 - 0.1)


def boyd_function(x):
    r"""The test function :math:`\exp(x_1+3x_2-0.1) + \exp(x_1-3x_2-0.1) + \exp(-x_1-0.1)`.

    ``x`` has a last axis of length 2; any leading axes are evaluated at once (handy for contours).

    Examples
    --------
    >>> bool(np.isclose(boyd_function(BOYD_MINIMIZER), BOYD_MINIMUM))
    True
    """
    a, b, c = _boyd_terms(x)
    return a + b + c


def boyd_gradient(x):
    r"""Gradient :math:`(a + b - c,\; 3a - 3b)` with :math:`a, b, c` the three exponentials."""
    a, b, c = _boyd_terms(x)
    return np.stack([a + b - c, 3 * (a - b)], axis=-1)


def boyd_hessian(x):
    r"""Hessian :math:`\begin{pmatrix} a+b+c & 3(a-b) \\ 3(a-b) & 9(a+b) \end{pmatrix}`."""
    a, b, c = _boyd_terms(x)
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
        """The last iterate."""
        return self.x[-1]

    @property
    def f_final(self) -> float:
        """``f`` at the last iterate."""
        return float(self.f[-1])

    @property
    def n_iter(self) -> int:
        """Number of steps taken."""
        return len(self.steps)


def armijo_holds(f_new, f_old, step, grad_norm_sq, alpha) -> bool:
    r"""The sufficient-decrease test :math:`f(x - t g) \le f(x) - \alpha t \|g\|^2`.

    ``f_new`` may be ``inf`` (a trial point too far out never passes).

    Examples
    --------
    >>> armijo_holds(f_new=0.5, f_old=1.0, step=1.0, grad_norm_sq=1.0, alpha=0.3)
    True
    """
    f_new = check.real("f_new", f_new, allow_inf=True)
    f_old = check.real("f_old", f_old)
    step = check.nonnegative("step", step)
    grad_norm_sq = check.nonnegative("grad_norm_sq", grad_norm_sq)
    alpha = check.real("alpha", alpha)
    return bool(f_new <= f_old - alpha * step * grad_norm_sq)


def _common(max_iter, tol):
    return check.integer("max_iter", max_iter, minimum=1), check.nonnegative("tol", tol)


def _descend(p: Oracle, method: str, max_iter: int, tol: float, propose, *, stop_without_decrease: bool,
             coordinates: bool = False) -> DescentResult:
    """The loop every descent method shares; ``propose(x, fx, g)`` is the method's own step.

    ``propose`` returns ``(x_new, f_new, step)``, or ``None`` when the method can make no progress.
    The run stops when the gradient norm is at most ``tol`` (converged), on a non-finite ``f_new``
    or ``x_new`` (diverged: the last finite iterate is kept; NumPy's overflow warnings are silenced
    for that reason), on ``None``, and, with ``stop_without_decrease``, when ``f`` no longer
    decreases (round-off floor). ``coordinates``: the recorded step is one value per coordinate.
    """
    x = p.x0.copy()
    fx = p.f(x)
    xs, fs, steps = [x.copy()], [fx], []
    converged = diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            g = p.grad(x)
            if float(np.linalg.norm(g)) <= tol:
                converged = True
                break
            move = propose(x, fx, g)
            if move is None:
                break
            x_new, f_new, step = move
            if not (np.isfinite(f_new) and np.all(np.isfinite(x_new))):
                diverged = True
                break
            if stop_without_decrease and f_new >= fx:
                break
            x, fx = x_new, f_new
            xs.append(x.copy())
            fs.append(fx)
            steps.append(step)
        else:
            converged = float(np.linalg.norm(p.grad(x))) <= tol
    xs = np.array(xs)
    width = (p.x0.size,) if coordinates else ()
    steps = np.array(steps, dtype=np.float64).reshape(len(steps), *width)
    return DescentResult(xs[:, 0] if p.scalar else xs, steps, np.array(fs), converged, diverged, p.n_evals, method)


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
    p = Oracle(grad, x0, f=f)

    def armijo_step(x, fx, g):
        gg = float(g @ g)
        t = t0
        for _ in range(max_backtracks):
            f_new = p.f(x - t * g)
            if np.isfinite(f_new) and armijo_holds(f_new, fx, t, gg, alpha):
                return x - t * g, f_new, t
            t *= beta
        raise RuntimeError(f"backtracking found no step with sufficient decrease in max_backtracks="
                           f"{max_backtracks} shrinks from t0={t0:g}; is grad correct (or t0 far too large)?")

    return _descend(p, "armijo", max_iter, tol, armijo_step, stop_without_decrease=True)


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
    from scipy.optimize import minimize_scalar

    max_iter, tol = _common(max_iter, tol)
    if max_step is not None:
        max_step = check.positive("max_step", max_step)
    xtol = check.positive("xtol", xtol)
    p = Oracle(grad, x0, f=f)

    def exact_step(x, fx, g):
        def phi(t):
            value = p.f(x - t * g)
            return value if np.isfinite(value) else np.inf

        # a trial step far out overflows: it counts as +inf, and the solver's inf - inf is harmless
        with np.errstate(over="ignore", invalid="ignore"):
            if max_step is None:
                res = minimize_scalar(phi, bracket=(0.0, 1.0), method="brent", options={"xtol": xtol})
            else:
                res = minimize_scalar(phi, bounds=(0.0, max_step), method="bounded", options={"xatol": xtol})
        t = float(res.x)
        if t <= 0:  # no progress possible along -g
            return None
        return x - t * g, p.f(x - t * g), t

    return _descend(p, "exact", max_iter, tol, exact_step, stop_without_decrease=True)


def newton_1d(f, df, d2f, x0, *, max_iter=50, tol=1e-10) -> DescentResult:
    r"""1-D gradient descent with the "optimal" learning rate :math:`\lambda_k = 1/f''(x_k)`.

    .. math:: x_{k+1} = x_k - \frac{1}{f''(x_k)} f'(x_k)

    This is Newton's method written as gradient descent: the step size is the inverse curvature. On
    a quadratic it lands on the minimum in one step. Requires :math:`f''(x_k) > 0` (else
    ``ValueError``: the step would go uphill).
    """
    check.real("x0", x0)
    max_iter, tol = _common(max_iter, tol)
    p = Oracle(df, float(x0), f=f, hess=d2f)

    def newton_step(x, fx, g):
        h = float(p.hess(x)[0, 0])
        if not h > 0:
            raise ValueError(f"d2f must be > 0 along the path for a Newton step, got {h!r} at x={x[0]!r}")
        x_new = x - g / h
        return x_new, p.f(x_new), 1.0 / h

    return _descend(p, "newton-1d", max_iter, tol, newton_step, stop_without_decrease=False)


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
    damped = check.flag("damped", damped)
    p = Oracle(grad, x0, f=f, hess=hess)

    def newton_step(x, fx, g):
        H = p.hess(x)
        if not np.all(np.isfinite(H)):
            raise ValueError(f"hess returned a non-finite value at x={x!r}")
        try:
            d = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            raise ValueError(f"hess is singular at x={x!r}: the Newton step is undefined") from None
        t = 1.0
        if damped:
            while p.f(x + t * d) > fx + alpha * t * float(g @ d) and t > 1e-12:
                t *= beta
        return x + t * d, p.f(x + t * d), t

    return _descend(p, "newton", max_iter, tol, newton_step, stop_without_decrease=False)


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
    p = Oracle(grad, x0, f=f, hess=check.function("hess_diag", hess_diag))

    def preconditioned_step(x, fx, g):
        rates = lr / np.maximum(p.hess(x, diagonal=True), min_curvature)
        x_new = x - rates * g
        return x_new, p.f(x_new), rates

    return _descend(p, "diagonal", max_iter, tol, preconditioned_step, stop_without_decrease=False,
                    coordinates=True)

r"""The diffusion view of SGD: an Ornstein-Uhlenbeck model next to its simulation.

On the quadratic :math:`f(\theta) = \tfrac a2(\theta - \theta^\star)^2`, SGD with schedule
:math:`\eta(t)` is modelled by the stochastic differential equation

.. math::

    \mathrm{d}\theta_t = -a\,\eta(t)\,(\theta_t - \theta^\star)\,\mathrm{d}t + \sigma\,\eta(t)^{1/2}\,\mathrm{d}W_t .

The schedule scales the pull towards the minimum by :math:`\eta` but the random kicks only by
:math:`\sqrt\eta`; decaying :math:`\eta` therefore lowers the "temperature". The variance obeys the
linear ODE

.. math::

    \frac{dV}{dt} = -2a\,\eta(t)\,V + \sigma^2\,\eta(t)
    \quad\Longrightarrow\quad
    V(t) = \frac{\sigma^2}{2a} + \Bigl(V_0 - \frac{\sigma^2}{2a}\Bigr)\exp\Bigl(-2a\int_0^t \eta(s)\,ds\Bigr),

and for the hyperbolic decay :math:`\eta(t) = \eta_0/(1+\beta t)` the integral is
:math:`(\eta_0/\beta)\ln(1+\beta t)`, giving

.. math::

    \operatorname{Var}[\theta_T] = \Bigl(V_0 - \frac{\sigma^2}{2a}\Bigr)(1+\beta T)^{-2a\eta_0/\beta}
    + \frac{\sigma^2}{2a}.

In this model any schedule with :math:`\int_0^\infty \eta = \infty` relaxes to the same
:math:`\sigma^2/(2a)`; a decaying schedule differs in *how* it gets there. The cooling of discrete
SGD with a fixed gradient-noise level comes from the :math:`\eta_t^2 s^2` kick of each step, see
:func:`sgd_variance`, whose stationary value :math:`\eta s^2/(a(2 - a\eta))` (:func:`sgd_stationary_variance`)
falls with :math:`\eta`.

The module also holds the noise scale :math:`g = \eta/B` of mini-batch SGD and the linear scaling rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from ..schedules.base import user_number, user_values
from .problems import ScalarQuadratic
from .simulate import lr_array, simulate_sgd

__all__ = [
    "ou_variance_hyperbolic",
    "ou_variance",
    "stationary_variance",
    "sgd_variance",
    "sgd_stationary_variance",
    "VarianceCheck",
    "monte_carlo_variance",
    "noise_scale",
    "linear_scaling_rule",
    "constant_noise_lr",
]


@check.finite_result("a and sigma")
def stationary_variance(a: float, sigma: float) -> float:
    r"""Limit :math:`\sigma^2 / (2a)` of the OU variance under a schedule with :math:`\int\eta = \infty`."""
    return check.nonnegative("sigma", sigma) ** 2 / (2 * check.positive("a", a))


@check.finite_result("a, sigma, lr0, beta and v0")
def ou_variance_hyperbolic(T, *, a: float, sigma: float, lr0: float, beta: float, v0: float = 0.0):
    r"""Exact OU variance at time ``T`` under :math:`\eta(t) = \eta_0/(1+\beta t)`.

    .. math::

        V(T) = \Bigl(V_0 - \frac{\sigma^2}{2a}\Bigr)(1+\beta T)^{-2a\eta_0/\beta} + \frac{\sigma^2}{2a}

    (``beta = 0`` is the constant rate, :math:`e^{-2a\eta_0 T}` in place of the power).

    Parameters
    ----------
    T : float or array
        Time(s) >= 0.
    a : float
        Curvature > 0.
    sigma : float
        Noise scale >= 0.
    lr0 : float
        :math:`\eta_0 > 0`.
    beta : float
        :math:`\beta \ge 0`.
    v0 : float
        Initial variance >= 0.
    """
    t, scalar = check.steps(T, "T")
    a = check.positive("a", a)
    lr0 = check.positive("lr0", lr0)
    beta = check.nonnegative("beta", beta)
    v0 = check.nonnegative("v0", v0)
    s_inf = stationary_variance(a, sigma)
    if beta == 0:
        factor = np.exp(-2 * a * lr0 * t)
    else:
        factor = (1 + beta * t) ** (-2 * a * lr0 / beta)
    out = (v0 - s_inf) * factor + s_inf
    return out[()] if scalar else out


@check.finite_result("a, sigma, v0 and the schedule")
def ou_variance(schedule, T, *, a: float, sigma: float, v0: float = 0.0, method: str = "exact"):
    r"""OU variance at time(s) ``T`` for any schedule :math:`\eta(t)` of continuous time.

    ``method="exact"`` integrates :math:`\int_0^T \eta` with adaptive quadrature and uses the closed
    solution of the variance ODE; ``method="ode"`` integrates :math:`dV/dt = \eta(t)(\sigma^2 - 2aV)`
    numerically (scipy's ``solve_ivp``). The two agree to the solver tolerance.

    Parameters
    ----------
    schedule : Schedule or callable
        :math:`\eta(t)` evaluated at float times.
    T : float or array of times >= 0
    a, sigma, v0 : float
        Curvature, noise scale, initial variance.
    method : {"exact", "ode"}
    """
    from scipy.integrate import quad, solve_ivp

    check.function("schedule", schedule)
    t, scalar = check.steps(T, "T")
    a = check.positive("a", a)
    sigma = check.nonnegative("sigma", sigma)
    v0 = check.nonnegative("v0", v0)
    check.choice("method", method, ("exact", "ode"))
    def eta(s):  # a checked scalar view for scipy
        return user_number(schedule, s, "schedule")

    flat = t.ravel()
    if method == "exact":
        s_inf = sigma**2 / (2 * a)
        order = np.argsort(flat)
        integral = np.empty_like(flat)
        acc, prev = 0.0, 0.0
        for i in order:  # accumulate piece by piece so each quad call is short
            acc += quad(eta, prev, flat[i], limit=200)[0]
            prev = flat[i]
            integral[i] = acc
        out = s_inf + (v0 - s_inf) * np.exp(-2 * a * integral)
    else:
        t_end = float(flat.max()) if flat.size else 0.0
        if t_end == 0:
            out = np.full_like(flat, v0)
        else:
            sol = solve_ivp(lambda s, V: eta(s) * (sigma**2 - 2 * a * V), (0.0, t_end), [v0],
                            t_eval=np.sort(np.unique(flat)), rtol=1e-10, atol=1e-13)
            out = np.interp(flat, sol.t, sol.y[0])
    out = out.reshape(t.shape)
    return out[()] if scalar else out


@check.finite_result("the schedule, a, noise_sd and v0 (the recursion diverges)")
def sgd_variance(schedule, steps: int, *, a: float, noise_sd, v0: float = 0.0) -> np.ndarray:
    r"""Exact variance of discrete SGD with Gaussian gradient noise on :math:`\tfrac a2(\theta-\theta^\star)^2`.

    With :math:`\theta_{t+1} = \theta_t - \eta_t\,(a(\theta_t - \theta^\star) + s_t\xi_t)`:

    .. math::

        V_{t+1} = (1 - a\eta_t)^2\,V_t + \eta_t^2 s_t^2 .

    Parameters
    ----------
    schedule : Schedule, callable or array of shape (steps,)
    steps : int
    a : float
    noise_sd : float or array of shape (steps,)
        :math:`s_t`.
    v0 : float

    Returns
    -------
    ndarray, shape (steps + 1,)
        :math:`V_0, \dots, V_T`.
    """
    lr = lr_array(schedule, steps)
    a = check.positive("a", a)
    v0 = check.nonnegative("v0", v0)
    sd = check.per_step("noise_sd", noise_sd, steps)
    out = np.empty(steps + 1)
    out[0] = v0
    contraction = (1 - a * lr) ** 2
    kick = (lr * sd) ** 2
    for t in range(steps):
        out[t + 1] = contraction[t] * out[t] + kick[t]
    return out


def sgd_stationary_variance(lr, *, a: float, noise_sd: float):
    r"""The noise floor of constant-rate SGD: the fixed point of :func:`sgd_variance`'s recursion.

    Setting :math:`V_{t+1} = V_t = V` in :math:`V_{t+1} = (1 - a\eta)^2 V_t + \eta^2 s^2` gives

    .. math::

        V_\infty(\eta) = \frac{\eta^2 s^2}{1 - (1 - a\eta)^2} = \frac{\eta\, s^2}{a\,(2 - a\eta)},

    which tends to the small-step (Ornstein-Uhlenbeck) value :math:`\eta s^2 / (2a)` as
    :math:`a\eta \to 0` and grows without bound as :math:`a\eta \to 2`, the stability limit.

    Parameters
    ----------
    lr : float or array of floats
        Constant learning rate(s) :math:`\eta`, each in :math:`(0, 2/a)`.
    a : float
        Curvature > 0.
    noise_sd : float
        Gradient-noise standard deviation :math:`s \ge 0`.

    Returns
    -------
    float or ndarray
        :math:`V_\infty` for each rate (a float for a scalar ``lr``).

    Raises
    ------
    ValueError
        A rate is not positive or not below ``2/a`` (no stationary variance exists there).
    """
    a = check.positive("a", a)
    s = check.nonnegative("noise_sd", noise_sd)
    eta = check.array("lr", lr)
    if np.any(eta <= 0):
        raise ValueError(f"lr must be > 0, got {eta[eta <= 0].ravel()[0]!r}")
    if np.any(a * eta >= 2):
        raise ValueError(f"lr must be below the stability limit 2/a = {2 / a:.6g} for a stationary variance "
                         f"to exist, got {eta[a * eta >= 2].ravel()[0]!r}")
    out = eta * s**2 / (a * (2 - a * eta))
    return float(out) if out.ndim == 0 else out


@dataclass
class VarianceCheck:
    """Monte-Carlo variance next to the theory (see :func:`monte_carlo_variance`).

    Attributes
    ----------
    times : ndarray
        Continuous times :math:`t_k = k\\,dt` of the recorded iterates.
    variance : ndarray
        Sample variance over runs at each time.
    stderr : ndarray
        Its standard error, :math:`V\\sqrt{2/(R-1)}` (the iterates are Gaussian).
    discrete : ndarray
        Exact variance of the simulated Euler-Maruyama recursion (what the sample estimates).
    continuous : ndarray
        Exact variance of the SDE (what the recursion tends to as ``dt -> 0``).
    """

    times: np.ndarray
    variance: np.ndarray
    stderr: np.ndarray
    discrete: np.ndarray
    continuous: np.ndarray

    def max_z(self) -> float:
        """Largest ``|variance - discrete| / stderr``: about 4 or more signals a real mismatch."""
        return float(np.max(np.abs(self.variance - self.discrete) / np.maximum(self.stderr, 1e-300)))


def monte_carlo_variance(schedule, T: float, *, a: float, sigma: float, v0: float = 0.0, dt: float = 0.01,
                         runs: int = 2000, rng, theta_star: float = 0.0, record_every: int = 1) -> VarianceCheck:
    r"""Simulate the OU model with :func:`~lrcourse.dynamics.simulate.simulate_sgd` and compare with theory.

    Euler-Maruyama with step ``dt`` is SGD with learning rate :math:`\eta(t_k)\,dt` and gradient noise
    of standard deviation :math:`\sigma/\sqrt{\eta(t_k)\,dt}`: the update noise is then
    :math:`\sigma\sqrt{\eta(t_k)\,dt}\,\xi_k`, the SDE's diffusion over one step. Initial values are
    drawn from :math:`N(\theta^\star, V_0)`.

    Parameters
    ----------
    schedule : Schedule or callable
        :math:`\eta(t) > 0` at float times.
    T : float
        Horizon; ``round(T / dt)`` steps are simulated.
    a, sigma, v0 : float
        Curvature, noise scale, initial variance.
    dt : float
        Time step.
    runs : int
        Independent paths.
    rng : numpy.random.Generator
    theta_star : float
        Minimizer.
    record_every : int
        Keep every k-th step.
    """
    check.generator("rng", rng)
    T = check.positive("T", T)
    dt = check.positive("dt", dt)
    a = check.positive("a", a)
    sigma = check.nonnegative("sigma", sigma)
    v0 = check.nonnegative("v0", v0)
    runs = check.integer("runs", runs, minimum=2)
    check.loop_length("T / dt", T / dt, "simulation steps")
    steps = max(1, round(T / dt))
    times = np.arange(steps) * dt
    check.function("schedule", schedule)
    eta = user_values(schedule, times, "schedule", vectorized=None)
    if np.any(eta <= 0):
        raise ValueError("schedule must give a positive learning rate at every time")
    lr = eta * dt
    with np.errstate(over="ignore"):
        sd = sigma / np.sqrt(lr)
    if not np.all(np.isfinite(sd)):
        raise ValueError("sigma / sqrt(eta(t) dt) overflows: sigma is too large for this schedule and dt")
    problem = ScalarQuadratic(curvature=a, center=theta_star)
    theta0 = theta_star + np.sqrt(v0) * rng.standard_normal(runs)
    res = simulate_sgd(problem, lr, steps, runs=runs, theta0=theta0, noise_sd=sd, rng=rng,
                       record_every=record_every)
    var = res.theta.var(axis=0, ddof=1)
    discrete = sgd_variance(lr, steps, a=a, noise_sd=sd, v0=v0)[res.steps]
    rec_times = res.steps * dt
    continuous = ou_variance(schedule, rec_times, a=a, sigma=sigma, v0=v0)
    return VarianceCheck(times=rec_times, variance=var, stderr=var * np.sqrt(2.0 / (runs - 1)),
                         discrete=discrete, continuous=np.asarray(continuous))


@check.finite_result("lr")
def noise_scale(lr, batch_size):
    r"""The SGD noise scale :math:`g = \eta / B` (works element-wise on arrays).

    The update's variance grows like :math:`\eta^2/B`; at fixed :math:`g` the dynamics look alike.

    Examples
    --------
    >>> noise_scale(0.1, 32) == noise_scale(0.2, 64)
    True
    """
    lr_arr = check.in_range_array("lr", lr, 0.0)
    b = _batch_sizes("batch_size", batch_size)
    return lr_arr / b


@check.finite_result("lr and new_batch_size")
def linear_scaling_rule(lr: float, batch_size: int, new_batch_size: int) -> float:
    r"""Learning rate for a new batch size that keeps :math:`\eta/B` fixed: :math:`\eta' = \eta\,B'/B`."""
    lr = check.positive("lr", lr)
    B = check.integer("batch_size", batch_size, minimum=1)
    B2 = check.integer("new_batch_size", new_batch_size, minimum=1)
    return lr * B2 / B


@check.finite_result("g and batch_sizes")
def constant_noise_lr(g: float, batch_sizes) -> np.ndarray:
    r"""Learning-rate schedule :math:`\eta_t = g\,B_t` that holds the noise scale at ``g`` while the batch grows.

    Examples
    --------
    >>> constant_noise_lr(0.001, [32, 64, 128])
    array([0.032, 0.064, 0.128])
    """
    g = check.positive("g", g)
    return g * _batch_sizes("batch_sizes", batch_sizes, ndim=1)


def _batch_sizes(name: str, values, ndim: int | None = None) -> np.ndarray:
    b = check.array(name, values, ndim=ndim, min_size=1)
    if np.any(b < 1) or np.any(b != np.round(b)):
        raise ValueError(f"{name} must be positive integers")
    return b

r"""The mechanical view: momentum SGD as a damped particle, and when a step injects energy.

The heavy-ball method in velocity form, with momentum :math:`\mu` (the keyword ``momentum``),

.. math::

    v_{t+1} = \mu v_t - \eta_t \nabla f(\theta_t), \qquad \theta_{t+1} = \theta_t + v_{t+1},

discretizes :math:`\ddot\theta + \gamma\dot\theta + \nabla f(\theta) = 0` with
:math:`\mu = 1 - \gamma\sqrt{\eta}` (time step :math:`\sqrt\eta`). This is the library's momentum
convention (ARCHITECTURE.md); at a constant rate it is PyTorch's ``SGD(momentum=mu)`` with
:math:`v = -\eta b` for torch's buffer :math:`b`. The keyword was ``beta`` before version 0.2 and
is still accepted, with a ``DeprecationWarning``. Its mechanical energy is

.. math::

    V(\theta, v) = f(\theta) + \tfrac12 \|v\|^2 .

**Energy injection.** Take the quadratic basin :math:`f(\theta) = \tfrac\lambda2\|\theta - \theta^\star\|^2`
and a step taken from rest, :math:`v_t = 0` (the first step, or the first step after a restart that
resets the velocity; the value of :math:`\mu` then plays no role). With :math:`x = \theta_t - \theta^\star`:
:math:`v_{t+1} = -\eta\lambda x`, :math:`x_{t+1} = (1 - \eta\lambda)x`, hence

.. math::

    \Delta V = \tfrac\lambda2\|x\|^2\bigl[(1-\eta\lambda)^2 - 1\bigr] + \tfrac12\eta^2\lambda^2\|x\|^2
    = \tfrac12\,\eta\lambda^2\|x\|^2\,\bigl(\eta(\lambda+1) - 2\bigr),

which is positive exactly when :math:`\eta > 2/(\lambda+1)`. The threshold lies below the
divergence limit :math:`2/\lambda` of gradient descent: a large (restarted) learning rate can kick the
particle up the walls of the basin while the loss still decreases on average. With a nonzero
velocity the sign also depends on :math:`\mu` and :math:`v_t`; :func:`energy_change` computes the
general one-step change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .problems import Problem, as_runs
from .simulate import lr_array

__all__ = [
    "energy",
    "energy_change",
    "energy_change_from_rest",
    "energy_injection_threshold",
    "HeavyBallPath",
    "heavy_ball",
    "momentum_from_damping",
    "damping_from_momentum",
]


@check.finite_result("theta and v")
def energy(problem: Problem, theta, v) -> np.ndarray:
    r"""Mechanical energy :math:`f(\theta) + \tfrac12\|v\|^2` of each run (stacks of shape ``(R[, dim])``)."""
    check.instance("problem", problem, Problem, "an lrcourse Problem")
    theta = as_runs(theta, problem.param_shape, "theta")
    v = as_runs(v, problem.param_shape, "v")
    if v.shape != theta.shape:
        raise ValueError(f"v must have the shape of theta {theta.shape}, got {v.shape}")
    kinetic = 0.5 * (v * v).reshape(len(v), -1).sum(axis=1)
    return problem.loss(theta) + kinetic


@check.finite_result("curvature")
def energy_injection_threshold(curvature: float) -> float:
    r"""Step size :math:`2/(\lambda+1)` above which a step from rest raises the energy on a quadratic basin."""
    lam = check.positive("curvature", curvature)
    return 2.0 / (lam + 1.0)


@check.renamed_keywords(beta="momentum")
@check.finite_result("x, v, lr and curvature")
def energy_change(x, v, *, lr: float, momentum: float, curvature: float):
    r"""One-step energy change of heavy ball on :math:`f = \tfrac\lambda2 x^2` (element-wise on arrays).

    .. math::

        v' = \mu v - \eta\lambda x,\quad x' = x + v',\quad
        \Delta V = \tfrac\lambda2(x'^2 - x^2) + \tfrac12(v'^2 - v^2).

    ``x`` is the displacement :math:`\theta - \theta^\star` along one eigen-direction (sum over
    coordinates for a vector), ``momentum`` is :math:`\mu \in [0, 1]`.

    Examples
    --------
    >>> energy_injection_threshold(curvature=1.0)  # 2 / (lambda + 1)
    1.0
    >>> energy_change(1.0, 0.0, lr=0.5, momentum=0.9, curvature=1.0)  # below it the step loses energy
    -0.25
    >>> energy_change(1.0, 0.0, lr=1.5, momentum=0.9, curvature=1.0)  # above it the step injects energy
    0.75
    """
    x = check.array("x", x)
    v = check.array("v", v)
    lr = check.nonnegative("lr", lr)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    lam = check.positive("curvature", curvature)
    v_new = momentum * v - lr * lam * x
    x_new = x + v_new
    return 0.5 * lam * (x_new**2 - x**2) + 0.5 * (v_new**2 - v**2)


@check.finite_result("x, lr and curvature")
def energy_change_from_rest(x, *, lr, curvature: float):
    r"""Closed form :math:`\tfrac12\eta\lambda^2 x^2(\eta(\lambda+1) - 2)` of the step from rest (``v = 0``)."""
    x = check.array("x", x)
    lr_arr = check.in_range_array("lr", lr, 0.0)
    lam = check.positive("curvature", curvature)
    return 0.5 * lr_arr * lam * lam * x**2 * (lr_arr * (lam + 1) - 2)


@dataclass
class HeavyBallPath:
    """Trajectory of :func:`heavy_ball`: arrays with a leading runs axis and ``steps + 1`` entries."""

    theta: np.ndarray
    v: np.ndarray
    energy: np.ndarray
    lr: np.ndarray

    @property
    def energy_change(self) -> np.ndarray:
        """Per-step change :math:`V_{t+1} - V_t`, shape ``(runs, steps)``."""
        return np.diff(self.energy, axis=1)


@check.renamed_keywords(beta="momentum")
def heavy_ball(problem: Problem, schedule, steps: int, *, momentum: float, theta0, v0=None) -> HeavyBallPath:
    r"""Deterministic heavy ball in velocity form, recording the energy at every step.

    .. math:: v_{t+1} = \mu v_t - \eta_t \nabla f(\theta_t), \qquad \theta_{t+1} = \theta_t + v_{t+1}

    Parameters
    ----------
    problem : Problem
    schedule : Schedule, callable, float or array of shape (steps,)
        :math:`\eta_t`.
    steps : int
    momentum : float in [0, 1]
        :math:`\mu` (formerly ``beta``, still accepted with a ``DeprecationWarning``).
    theta0 : array, shape (runs[, dim]) or one parameter vector
    v0 : array, optional
        Initial velocity (zero by default: a start from rest).
    """
    check.instance("problem", problem, Problem, "an lrcourse Problem")
    lr = lr_array(schedule, steps)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    theta = as_runs(check.array("theta0", theta0), problem.param_shape, "theta0").copy()
    v = np.zeros_like(theta) if v0 is None else as_runs(check.array("v0", v0), problem.param_shape, "v0").copy()
    if v.shape != theta.shape:
        v = np.broadcast_to(v, theta.shape).copy()
    R = theta.shape[0]
    check.memory("steps and theta0 (runs)", 2 * 8.0 * R * (steps + 1) * math.prod(problem.param_shape),
                 "the recorded positions and velocities")
    thetas = np.empty((R, steps + 1, *problem.param_shape))
    vs = np.empty_like(thetas)
    thetas[:, 0], vs[:, 0] = theta, v
    with np.errstate(all="ignore"):  # a diverging path is reported below, with its step
        for t in range(steps):
            v = momentum * v - lr[t] * problem.grad(theta)
            theta = theta + v
            if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(v))):
                raise ValueError(f"heavy_ball: the iterates leave the float range at step {t} (the schedule's "
                                 "rates are too large for this problem and momentum)")
            thetas[:, t + 1], vs[:, t + 1] = theta, v
        flat_t = thetas.reshape(R * (steps + 1), *problem.param_shape)
        kinetic = 0.5 * (vs * vs).reshape(R, steps + 1, -1).sum(axis=2)
        energies = problem.loss(flat_t).reshape(R, steps + 1) + kinetic
    if not np.all(np.isfinite(energies)):
        raise ValueError("heavy_ball: the energy leaves the float range (theta0 or v0 too large for this problem)")
    return HeavyBallPath(theta=thetas, v=vs, energy=energies, lr=lr)


@check.finite_result("gamma and lr")
def momentum_from_damping(gamma, lr):
    r"""Momentum :math:`\mu = 1 - \gamma\sqrt{\eta}` matching friction :math:`\gamma` at learning rate :math:`\eta`.

    Examples
    --------
    >>> momentum_from_damping(2.0, 0.04)
    0.6
    """
    g = check.in_range_array("gamma", gamma, 0.0)
    e = check.in_range_array("lr", lr, 0.0)
    out = 1.0 - g * np.sqrt(e)
    if np.any(out < 0):
        raise ValueError("gamma * sqrt(lr) must be <= 1 for a momentum in [0, 1]")
    return out


@check.renamed_keywords(beta="momentum")
@check.finite_result("momentum and lr")
def damping_from_momentum(momentum, lr):
    r"""Friction :math:`\gamma = (1 - \mu)/\sqrt{\eta}` implied by momentum :math:`\mu` at learning rate :math:`\eta`.

    ``momentum`` was called ``beta`` before version 0.2 (still accepted, with a ``DeprecationWarning``).

    Examples
    --------
    >>> damping_from_momentum(0.6, 0.04)
    2.0
    """
    m = check.in_range_array("momentum", momentum, 0.0, 1.0)
    e = check.in_range_array("lr", lr, 0.0, low_open=True)
    return (1.0 - m) / np.sqrt(e)

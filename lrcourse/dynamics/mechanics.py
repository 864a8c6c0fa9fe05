r"""The mechanical view: momentum SGD as a damped particle, and when a step injects energy.

The heavy-ball method in velocity form,

.. math::

    v_{t+1} = \beta v_t - \eta_t \nabla f(\theta_t), \qquad \theta_{t+1} = \theta_t + v_{t+1},

discretizes :math:`\ddot\theta + \gamma\dot\theta + \nabla f(\theta) = 0` with
:math:`\beta = 1 - \gamma\sqrt{\eta}` (time step :math:`\sqrt\eta`). Its mechanical energy is

.. math::

    V(\theta, v) = f(\theta) + \tfrac12 \|v\|^2 .

**Energy injection.** Take the quadratic basin :math:`f(\theta) = \tfrac\lambda2\|\theta - \theta^\star\|^2`
and a step taken from rest, :math:`v_t = 0` (the first step, or the first step after a restart that
resets the velocity; the value of :math:`\beta` then plays no role). With :math:`x = \theta_t - \theta^\star`:
:math:`v_{t+1} = -\eta\lambda x`, :math:`x_{t+1} = (1 - \eta\lambda)x`, hence

.. math::

    \Delta V = \tfrac\lambda2\|x\|^2\bigl[(1-\eta\lambda)^2 - 1\bigr] + \tfrac12\eta^2\lambda^2\|x\|^2
    = \tfrac12\,\eta\lambda^2\|x\|^2\,\bigl(\eta(\lambda+1) - 2\bigr),

which is positive exactly when :math:`\eta > 2/(\lambda+1)`. The threshold lies below the
divergence limit :math:`2/\lambda` of gradient descent: a large (restarted) learning rate can kick the
particle up the walls of the basin while the loss still decreases on average. With a nonzero
velocity the sign also depends on :math:`\beta` and :math:`v_t`; :func:`energy_change` computes the
general one-step change.
"""

from __future__ import annotations

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


def energy(problem: Problem, theta, v) -> np.ndarray:
    r"""Mechanical energy :math:`f(\theta) + \tfrac12\|v\|^2` of each run (stacks of shape ``(R[, dim])``)."""
    theta = as_runs(theta, problem.param_shape, "theta")
    v = as_runs(v, problem.param_shape, "v")
    if v.shape != theta.shape:
        raise ValueError(f"v must have the shape of theta {theta.shape}, got {v.shape}")
    kinetic = 0.5 * (v * v).reshape(len(v), -1).sum(axis=1)
    return problem.loss(theta) + kinetic


def energy_injection_threshold(curvature: float) -> float:
    r"""Step size :math:`2/(\lambda+1)` above which a step from rest raises the energy on a quadratic basin."""
    lam = check.positive("curvature", curvature)
    return 2.0 / (lam + 1.0)


def energy_change(x, v, *, lr: float, beta: float, curvature: float):
    r"""One-step energy change of heavy ball on :math:`f = \tfrac\lambda2 x^2` (element-wise on arrays).

    .. math::

        v' = \beta v - \eta\lambda x,\quad x' = x + v',\quad
        \Delta V = \tfrac\lambda2(x'^2 - x^2) + \tfrac12(v'^2 - v^2).

    ``x`` is the displacement :math:`\theta - \theta^\star` along one eigen-direction (sum over
    coordinates for a vector).
    """
    x = check.array("x", x)
    v = check.array("v", v)
    lr = check.nonnegative("lr", lr)
    beta = check.in_range("beta", beta, 0.0, 1.0)
    lam = check.positive("curvature", curvature)
    v_new = beta * v - lr * lam * x
    x_new = x + v_new
    out = 0.5 * lam * (x_new**2 - x**2) + 0.5 * (v_new**2 - v**2)
    return float(out) if out.ndim == 0 else out


def energy_change_from_rest(x, *, lr, curvature: float):
    r"""Closed form :math:`\tfrac12\eta\lambda^2 x^2(\eta(\lambda+1) - 2)` of the step from rest (``v = 0``)."""
    x = check.array("x", x)
    lr_arr = check.array("lr", lr)
    if np.any(lr_arr < 0):
        raise ValueError("lr must be >= 0")
    lam = check.positive("curvature", curvature)
    out = 0.5 * lr_arr * lam**2 * x**2 * (lr_arr * (lam + 1) - 2)
    return float(out) if out.ndim == 0 else out


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


def heavy_ball(problem: Problem, schedule, steps: int, *, beta: float, theta0, v0=None) -> HeavyBallPath:
    r"""Deterministic heavy ball in velocity form, recording the energy at every step.

    Parameters
    ----------
    problem : Problem
    schedule : Schedule, callable, float or array of shape (steps,)
        :math:`\eta_t`.
    steps : int
    beta : float in [0, 1]
        Momentum :math:`\beta`.
    theta0 : array, shape (runs[, dim]) or one parameter vector
    v0 : array, optional
        Initial velocity (zero by default: a start from rest).
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be an lrcourse Problem, got {type(problem).__name__}")
    lr = lr_array(schedule, steps)
    beta = check.in_range("beta", beta, 0.0, 1.0)
    theta = as_runs(check.array("theta0", theta0), problem.param_shape, "theta0").copy()
    v = np.zeros_like(theta) if v0 is None else as_runs(check.array("v0", v0), problem.param_shape, "v0").copy()
    if v.shape != theta.shape:
        v = np.broadcast_to(v, theta.shape).copy()
    R = theta.shape[0]
    thetas = np.empty((R, steps + 1, *problem.param_shape))
    vs = np.empty_like(thetas)
    thetas[:, 0], vs[:, 0] = theta, v
    for t in range(steps):
        v = beta * v - lr[t] * problem.grad(theta)
        theta = theta + v
        thetas[:, t + 1], vs[:, t + 1] = theta, v
    flat_t = thetas.reshape(R * (steps + 1), *problem.param_shape)
    kinetic = 0.5 * (vs * vs).reshape(R, steps + 1, -1).sum(axis=2)
    energies = problem.loss(flat_t).reshape(R, steps + 1) + kinetic
    return HeavyBallPath(theta=thetas, v=vs, energy=energies, lr=lr)


def momentum_from_damping(gamma, lr):
    r"""Momentum :math:`\beta = 1 - \gamma\sqrt{\eta}` matching friction :math:`\gamma` at learning rate :math:`\eta`."""
    g = check.array("gamma", gamma)
    e = check.array("lr", lr)
    if np.any(g < 0) or np.any(e < 0):
        raise ValueError("gamma and lr must be >= 0")
    out = 1.0 - g * np.sqrt(e)
    if np.any(out < 0):
        raise ValueError("gamma * sqrt(lr) must be <= 1 for a momentum in [0, 1]")
    return float(out) if out.ndim == 0 else out


def damping_from_momentum(beta, lr):
    r"""Friction :math:`\gamma = (1 - \beta)/\sqrt{\eta}` implied by momentum :math:`\beta` at learning rate :math:`\eta`."""
    b = check.array("beta", beta)
    e = check.array("lr", lr)
    if np.any((b < 0) | (b > 1)):
        raise ValueError("beta must be in [0, 1]")
    if np.any(e <= 0):
        raise ValueError("lr must be > 0")
    out = (1.0 - b) / np.sqrt(e)
    return float(out) if out.ndim == 0 else out

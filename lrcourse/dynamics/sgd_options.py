"""The settings of one SGD simulation, validated once: :class:`SimulationOptions`.

:func:`~lrcourse.simulate_sgd` and :func:`~lrcourse.compare_schedules` take the same keyword
arguments (see :func:`~lrcourse.simulate_sgd` for their meaning). Each builds one
:class:`SimulationOptions` from them with :meth:`SimulationOptions.from_call`; the engine
(:mod:`lrcourse.dynamics.sgd_engine`) then reads only validated, normalised values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .problems import Problem

__all__: list[str] = []  # used by simulate_sgd and compare_schedules; not itself a public name

#: Keyword arguments shared by simulate_sgd and compare_schedules, in the order of their signatures.
KEYWORDS = ("runs", "theta0", "noise_sd", "batch_size", "replace", "rng", "noise", "momentum", "nesterov",
            "weight_decay", "decoupled", "record_every", "keep_theta", "max_abs", "progress")


@dataclass(frozen=True)
class SimulationOptions:
    """Validated settings of a simulation of ``n_schedules`` schedules over ``steps`` steps.

    Attributes
    ----------
    problem : Problem
    steps, runs, n_schedules : int
    theta0 : ndarray, shape (runs, *param_shape)
        The start of every run.
    noise : {"none", "gauss", "batch"}
        Exact gradients, additive Gaussian noise, or mini-batch sampling.
    noise_sd : ndarray of shape (steps,) or None
        :math:`\\sigma_t` of the Gaussian noise.
    draws : ndarray of shape (runs, steps, *param_shape) or None
        Explicit standard normal draws (else they come from ``rng``).
    batch_size : int or None
    replace : bool
    rng : numpy.random.Generator or None
    momentum, weight_decay, max_abs : float
    nesterov, decoupled, keep_theta, progress : bool
    record_every : int
    """

    problem: Problem
    steps: int
    n_schedules: int
    runs: int
    theta0: np.ndarray
    noise: str
    noise_sd: np.ndarray | None
    draws: np.ndarray | None
    batch_size: int | None
    replace: bool
    rng: np.random.Generator | None
    momentum: float
    nesterov: bool
    weight_decay: float
    decoupled: bool
    record_every: int
    keep_theta: bool
    max_abs: float
    progress: bool

    @classmethod
    def from_call(cls, problem, steps: int, n_schedules: int, arguments: dict) -> "SimulationOptions":
        """Validate the keyword arguments of one call (``arguments`` holds at least :data:`KEYWORDS`).

        Raises ``TypeError``/``ValueError`` naming the argument at fault, including a ``ValueError``
        naming ``runs`` and ``steps`` when the recorded arrays would exceed
        :data:`lrcourse._validate.MEMORY_BUDGET`.
        """
        a = {k: arguments[k] for k in KEYWORDS}
        check.instance("problem", problem, Problem,
                       "an lrcourse Problem (see lrcourse.dynamics.problems.FunctionProblem)")
        steps = check.integer("steps", steps, minimum=1)
        check.loop_length("steps", steps, "SGD steps")
        runs = _infer_runs(problem, a["theta0"], a["noise"]) if a["runs"] is None else a["runs"]
        runs = check.integer("runs", runs, minimum=1)
        momentum = check.in_range("momentum", a["momentum"], 0.0, 1.0, high_open=True)
        nesterov = check.flag("nesterov", a["nesterov"])
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        record_every = check.integer("record_every", a["record_every"], minimum=1)
        keep_theta = check.flag("keep_theta", a["keep_theta"])
        _check_memory(problem, steps, n_schedules, runs, record_every, keep_theta)
        replace = check.flag("replace", a["replace"])
        noise, noise_sd, draws, batch_size = _noise_spec(problem, steps, runs, a["noise_sd"], a["batch_size"],
                                                         replace, a["rng"], a["noise"])
        return cls(problem=problem, steps=steps, n_schedules=n_schedules, runs=runs,
                   theta0=_start(problem, a["theta0"], runs), noise=noise, noise_sd=noise_sd, draws=draws,
                   batch_size=batch_size, replace=replace, rng=a["rng"], momentum=momentum, nesterov=nesterov,
                   weight_decay=check.nonnegative("weight_decay", a["weight_decay"]),
                   decoupled=check.flag("decoupled", a["decoupled"]), record_every=record_every,
                   keep_theta=keep_theta, max_abs=check.positive("max_abs", a["max_abs"]),
                   progress=check.flag("progress", a["progress"]))

    @property
    def param_shape(self) -> tuple[int, ...]:
        """Shape of one parameter vector of the problem."""
        return self.problem.param_shape

    def settings(self) -> dict:
        """What :attr:`SGDResult.settings <lrcourse.SGDResult.settings>` records of these options."""
        return dict(noise=self.noise, noise_sd=self.noise_sd, batch_size=self.batch_size, momentum=self.momentum,
                    nesterov=self.nesterov, weight_decay=self.weight_decay, decoupled=self.decoupled)


def _infer_runs(problem, theta0, noise) -> int:
    """Number of runs implied by a per-run ``theta0`` or by explicit noise; 1 otherwise."""
    if theta0 is not None and np.ndim(theta0) == len(problem.param_shape) + 1:
        return int(np.shape(theta0)[0])
    if noise is not None and np.ndim(noise) >= 2:
        return int(np.shape(noise)[0])
    return 1


def _check_memory(problem, steps, n_schedules, runs, record_every, keep_theta) -> None:
    """Refuse a simulation whose arrays would exceed the memory budget, naming what to lower."""
    size = math.prod(problem.param_shape)
    recorded = steps // record_every + 2
    per_record = n_schedules * runs * (1 + (size if keep_theta else 0))  # losses (+ parameters)
    working = 6 * n_schedules * runs * size  # parameters, velocity, gradient, candidates, noise
    check.memory("runs and steps (or record_every, keep_theta=False)", 8 * (recorded * per_record + working),
                 f"{n_schedules} schedule(s) x {runs:,} runs x {steps:,} steps")


def _start(problem, theta0, runs) -> np.ndarray:
    """The start of every run, shape ``(runs, *param_shape)`` (a read-only broadcast of one vector)."""
    shape = problem.param_shape
    start = problem.default_theta0() if theta0 is None else theta0
    start = check.array("theta0", start)
    if start.shape == shape:
        return np.broadcast_to(start, (runs, *shape))
    if start.shape != (runs, *shape):
        raise ValueError(f"theta0 must have shape {shape or '()'} or {(runs, *shape)}, got {start.shape}")
    return start


def _noise_spec(problem, steps, runs, noise_sd, batch_size, replace, rng, noise):
    """Validate the noise arguments; return ``(kind, sd array or None, draws or None, batch size or None)``."""
    if noise_sd is not None and batch_size is not None:
        raise ValueError("give either noise_sd (additive noise) or batch_size (mini-batch noise), not both")
    if rng is not None and noise is not None:
        raise ValueError("give either rng or explicit noise draws, not both")
    if rng is not None:
        check.generator("rng", rng)
    shape = problem.param_shape
    if batch_size is not None:
        B = check.integer("batch_size", batch_size, minimum=1)
        if problem.n_samples is None:
            raise TypeError(f"batch_size needs a finite-sum problem (with n_samples); {problem!r} has none")
        if not replace and B > problem.n_samples:
            raise ValueError(f"batch_size ({B}) is larger than the data ({problem.n_samples} samples)")
        if rng is None:
            raise ValueError("mini-batch sampling needs rng (a numpy.random.Generator)")
        return "batch", None, None, B
    if noise_sd is None:
        if noise is not None:
            raise ValueError("explicit noise needs noise_sd (the gradient-noise standard deviation)")
        return "none", None, None, None
    sd = check.per_step("noise_sd", noise_sd, steps)
    if noise is None:
        if rng is None:
            raise ValueError("noise_sd needs rng (a numpy.random.Generator) or explicit noise draws")
        return "gauss", sd, None, None  # drawn step-major in blocks by the engine, see standard_normal_draws
    xi = check.array("noise", noise)
    want = (runs, steps, *shape)
    if xi.shape != want:
        raise ValueError(f"noise must have shape (runs, steps{', dim' if shape else ''}) = {want}, got {xi.shape}")
    return "gauss", sd, xi, None

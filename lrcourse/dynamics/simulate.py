r"""The noisy SGD engine: many runs, many schedules, one vectorized loop over steps.

One step of SGD with heavy-ball or Nesterov momentum :math:`\mu` (PyTorch's convention) and weight
decay :math:`\lambda`:

.. math::

    g_t &= \nabla f(\theta_t) + \sigma_t\,\xi_t\ \ [+\ \lambda\theta_t \text{ for L2}], \\
    v_{t+1} &= \mu v_t + g_t, \qquad
    d_t = \begin{cases} v_{t+1} & \text{heavy ball} \\ g_t + \mu v_{t+1} & \text{Nesterov}\end{cases} \\
    \theta_{t+1} &= \theta_t - \eta_t d_t
    \quad\text{or, decoupled,}\quad \theta_{t+1} = (1 - \eta_t\lambda)\theta_t - \eta_t d_t .

The gradient noise is either additive Gaussian, :math:`\sigma_t \xi_t` with ``noise_sd`` and standard
normal draws :math:`\xi_t` (from ``rng`` or given explicitly as ``noise``), or the sampling noise of
mini-batches of size :math:`B` of a finite-sum problem (variance :math:`\propto 1/B`).

The loop runs over steps in Python and over all runs (and, in :func:`compare_schedules`, all schedules)
at once in NumPy. Every schedule of a comparison sees the *same* draws (common random numbers), so
differences between schedules are not sampling noise.

A run whose parameters become non-finite or exceed ``max_abs`` is stopped at its last finite value;
``diverged`` and ``diverged_at`` record it and a :class:`DivergenceWarning` reports it.
"""

from __future__ import annotations

import csv
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as check
from ..schedules.base import Schedule, user_values
from .sgd_engine import run_sgd
from .sgd_options import SimulationOptions

__all__ = ["SGDResult", "Comparison", "DivergenceWarning", "simulate_sgd", "compare_schedules", "lr_array",
           "standard_normal_draws", "standard_schedules"]


class DivergenceWarning(RuntimeWarning):
    """Some runs of a simulation diverged (NaN/inf or huge parameters) and were stopped."""


@dataclass
class SGDResult:
    """Trajectories of one schedule over many runs.

    Attributes
    ----------
    theta : ndarray, shape (runs, n_recorded[, dim])
        Parameters at the recorded steps (``None`` when ``keep_theta=False``).
    loss : ndarray, shape (runs, n_recorded)
        Loss at the recorded steps.
    steps : ndarray, shape (n_recorded,)
        Which iterates were recorded (0 is the start, ``T`` the end).
    lr : ndarray, shape (T,)
        The learning rates used, :math:`\\eta_0,\\dots,\\eta_{T-1}`.
    effective_decay : ndarray, shape (T,)
        :math:`\\eta_t\\lambda`.
    decay_product : ndarray, shape (T + 1,)
        :math:`\\prod_{s<t}(1 - \\eta_s\\lambda)`; the factor the weights shrink by when the task
        gradient is negligible.
    final_theta : ndarray, shape (runs[, dim])
    diverged : ndarray of bool, shape (runs,)
    diverged_at : ndarray of int, shape (runs,)
        Index ``t`` of the update that blew up (``-1`` if the run did not diverge).
    """

    theta: np.ndarray | None
    loss: np.ndarray
    steps: np.ndarray
    lr: np.ndarray
    effective_decay: np.ndarray
    decay_product: np.ndarray
    final_theta: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> np.ndarray:
        """Loss after the last step, shape ``(runs,)``."""
        return self.loss[:, -1]

    @property
    def runs(self) -> int:
        """Number of runs."""
        return self.loss.shape[0]

    @property
    def n_diverged(self) -> int:
        """Number of runs stopped because they diverged."""
        return int(self.diverged.sum())

    def summary(self) -> dict:
        """Mean, std, median and 10%/90% quantiles of the final loss over the runs that did not diverge."""
        ok = self.final_loss[~self.diverged]
        stats = dict(runs=self.runs, diverged=self.n_diverged)
        if ok.size:
            q10, med, q90 = np.quantile(ok, [0.1, 0.5, 0.9])
            std = float(ok.std(ddof=1)) if ok.size > 1 else 0.0
            stats.update(mean=float(ok.mean()), std=std, median=float(med), q10=float(q10), q90=float(q90))
        else:
            stats.update(mean=math.nan, std=math.nan, median=math.nan, q10=math.nan, q90=math.nan)
        return stats


@dataclass
class Comparison:
    """Results of :func:`compare_schedules`: one :class:`SGDResult` per schedule and a summary table."""

    results: dict
    table: list

    COLUMNS = ("schedule", "runs", "diverged", "mean", "std", "median", "q10", "q90")

    def __getitem__(self, name) -> SGDResult:
        return self.results[name]

    def format_table(self) -> str:
        """The summary as aligned text (final loss over runs)."""
        head = f"{'schedule':<22} {'mean':>11} {'std':>11} {'median':>11} {'q10':>11} {'q90':>11} {'diverged':>8}"
        lines = [head, "-" * len(head)]
        for row in self.table:
            lines.append(f"{row['schedule']:<22} {row['mean']:>11.4g} {row['std']:>11.4g} {row['median']:>11.4g}"
                         f" {row['q10']:>11.4g} {row['q90']:>11.4g} {row['diverged']:>8d}")
        return "\n".join(lines)

    def to_csv(self, path) -> None:
        """Write the summary table to ``path`` as CSV, one row per schedule."""
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.COLUMNS)
            writer.writeheader()
            for row in self.table:
                writer.writerow({k: row[k] for k in self.COLUMNS})


def standard_schedules(lr: float, steps: int) -> dict:
    r"""The six schedules of the comparison exercise, all starting at ``lr`` and sized for ``steps``.

    constant; step (halve every ``steps // 4``); exponential (down to 1% of ``lr`` at the end);
    cosine (to 0 at ``steps``); warm-up + cosine (linear warm-up over 10% of the steps); 1/t
    (:math:`\eta_0/(1 + 10t/T)`).
    """
    from ..schedules.decay import ConstantSchedule, InverseTimeDecay
    from ..schedules.pytorch import CosineAnnealingLR, ExponentialLR, StepLR
    from ..schedules.warmup import Warmup

    lr = check.positive("lr", lr)
    steps = check.integer("steps", steps, minimum=2)
    warm = max(1, steps // 10)
    return {
        "constant": ConstantSchedule(lr),
        "step": StepLR(lr, step_size=max(1, steps // 4), gamma=0.5),
        "exponential": ExponentialLR(lr, gamma=0.01 ** (1.0 / steps)),
        "cosine": CosineAnnealingLR(lr, T_max=steps),
        "warmup+cosine": Warmup(CosineAnnealingLR(lr, T_max=steps - warm), warm),
        "1/t": InverseTimeDecay(lr, beta=10.0 / steps),
    }


def standard_normal_draws(rng, runs: int, steps: int, shape: tuple = ()) -> np.ndarray:
    """The draws the engine takes from ``rng`` for additive noise, as an explicit ``noise`` array.

    The engine consumes the generator step-major (all runs of step 0, then step 1, ...), so that it
    can draw in blocks. Returns shape ``(runs, steps, *shape)``.
    """
    check.generator("rng", rng)
    runs = check.integer("runs", runs, minimum=1)
    steps = check.integer("steps", steps, minimum=1)
    shape = tuple(check.integer(f"shape[{i}]", n, minimum=1) for i, n in enumerate(shape))
    check.memory("runs and steps", 8.0 * runs * steps * math.prod(shape), "the draws")
    return np.moveaxis(rng.standard_normal((steps, runs, *tuple(shape))), 0, 1)


def lr_array(schedule, steps: int, name: str = "schedule") -> np.ndarray:
    """Learning rates :math:`\\eta_0..\\eta_{T-1}` from a Schedule, a callable, a number or an array.

    Raises ``ValueError`` for a wrong length or for non-finite or negative values.
    """
    steps = check.integer("steps", steps, minimum=1)
    check.loop_length("steps", steps, "learning rates")
    t = np.arange(steps, dtype=np.float64)
    if isinstance(schedule, Schedule):
        lr = np.asarray(schedule(t), dtype=np.float64)
    elif callable(schedule):
        lr = user_values(schedule, t, name, vectorized=None)
    elif np.ndim(schedule) == 0:
        lr = np.full(steps, check.real(name, schedule, allow_inf=True))
    else:
        lr = check.array(name, schedule, ndim=1, finite=False)
        if lr.shape != (steps,):
            raise ValueError(f"{name} must hold one learning rate per step ({steps}), got shape {lr.shape}")
    if not np.all(np.isfinite(lr)):
        raise ValueError(f"{name} gives non-finite learning rate(s) (first at step {int(np.argmin(np.isfinite(lr)))})")
    if np.any(lr < 0):
        raise ValueError(f"{name} gives negative learning rate(s) (first at step {int(np.argmax(lr < 0))})")
    return lr


def simulate_sgd(problem, schedule, steps: int, *, runs: int | None = None, theta0=None, noise_sd=None, batch_size=None,
                 replace: bool = False, rng=None, noise=None, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, decoupled: bool = False, record_every: int = 1,
                 keep_theta: bool = True, max_abs: float = 1e10, progress: bool = False) -> SGDResult:
    r"""Run SGD on ``problem`` for ``runs`` independent runs at once.

    Parameters
    ----------
    problem : Problem
        See :mod:`lrcourse.dynamics.problems`.
    schedule : Schedule, callable, float or array of shape (steps,)
        The learning rates :math:`\eta_t`.
    steps : int
        Number of updates :math:`T`, at most ``lrcourse._validate.LOOP_LIMIT`` (ten million).
    runs : int, optional
        Independent runs (seeds), stacked on the leading axis of every output; by default taken
        from a per-run ``theta0`` or from ``noise``, else 1. A simulation whose recorded arrays
        would exceed ``lrcourse._validate.MEMORY_BUDGET`` (2 GiB) is refused with a ``ValueError``
        naming ``runs`` and ``steps`` (record less with ``record_every`` or ``keep_theta=False``).
    theta0 : float or array, optional
        Start: one parameter vector for all runs or one per run, shape ``(runs[, dim])``; by default
        ``problem.default_theta0()``.
    noise_sd : float or array of shape (steps,), optional
        Additive Gaussian gradient noise :math:`\sigma_t \xi_t`.
    batch_size : int, optional
        Mini-batch sampling noise instead (finite-sum problems only): each run reshuffles the data
        every epoch and walks through it in batches of ``B`` (``replace=True``: independent draws
        with replacement).
    rng : numpy.random.Generator, optional
        Source of the noise. Additive noise is drawn step by step, in blocks, as
        ``rng.standard_normal((steps, runs, *shape))`` would; :func:`standard_normal_draws` returns
        the same numbers as an explicit ``noise`` array, so both routes give identical results.
    noise : array of shape (runs, steps[, dim]), optional
        Explicit standard normal draws :math:`\xi` (instead of ``rng``); ``noise[r, t]`` is the
        draw of run ``r`` at step ``t``.
    momentum : float in [0, 1), default 0
    nesterov : bool, default False
    weight_decay : float, default 0
        :math:`\lambda \ge 0`; L2 (added to the gradient) unless ``decoupled``.
    decoupled : bool, default False
        Shrink the weights by :math:`(1 - \eta_t\lambda)` separately from the gradient step (SGDW).
    record_every : int, default 1
        Record the iterate every k steps (the start and the end are always recorded).
    keep_theta : bool, default True
        Store parameter trajectories (``False`` keeps only losses, to save memory).
    max_abs : float, default 1e10
        A run whose parameters exceed this (or become NaN/inf) is stopped and flagged as diverged.
    progress : bool, default False
        Show a tqdm progress bar over steps.

    Returns
    -------
    SGDResult

    Examples
    --------
    >>> from lrcourse import CosineAnnealingLR
    >>> from lrcourse.dynamics.problems import exercise_quadratic
    >>> res = simulate_sgd(exercise_quadratic(), CosineAnnealingLR(0.3, 150), 150, runs=1000,
    ...                    noise_sd=0.3, rng=np.random.default_rng(0))
    >>> res.loss.shape
    (1000, 151)
    """
    options = SimulationOptions.from_call(problem, steps, 1, locals())  # the keyword arguments of this call
    result = _simulate_many(lr_array(schedule, steps)[None], options)[0]
    _warn_divergence({"schedule": result})
    return result


def compare_schedules(problem, schedules: dict, steps: int, runs: int, *, rng=None, noise=None, noise_sd=None,
                      batch_size=None, replace: bool = False, theta0=None, momentum: float = 0.0,
                      nesterov: bool = False, weight_decay: float = 0.0, decoupled: bool = False,
                      record_every: int = 1, keep_theta: bool = True, max_abs: float = 1e10,
                      progress: bool = False) -> Comparison:
    """Run several schedules on the same noise draws (common random numbers) in one vectorized batch.

    Parameters are those of :func:`simulate_sgd`; ``schedules`` maps a name to a schedule (or lr
    array). Every schedule starts from the same ``theta0`` and sees the same noise ``xi[run, step]``
    (or the same mini-batches), so two identical schedules give identical trajectories.

    Returns
    -------
    Comparison
        ``.results[name]`` is an :class:`SGDResult`; ``.table`` lists, per schedule, the mean, std,
        median and 10%/90% quantiles of the final loss over non-diverged runs, and the number of
        diverged runs.
    """
    if not isinstance(schedules, dict) or not schedules:
        raise TypeError("schedules must be a non-empty dict {name: schedule}")
    names = [str(k) for k in schedules]
    options = SimulationOptions.from_call(problem, steps, len(schedules), locals())  # this call's keywords
    lrs = np.stack([lr_array(s, steps, name=f"schedules[{k!r}]") for k, s in schedules.items()])
    results = dict(zip(names, _simulate_many(lrs, options)))
    _warn_divergence(results)
    table = [dict(schedule=name, **res.summary()) for name, res in results.items()]
    return Comparison(results=results, table=table)


def _warn_divergence(results: dict) -> None:
    bad = {k: r for k, r in results.items() if r.n_diverged}
    if bad:
        parts = ", ".join(f"{k}: {r.n_diverged}/{r.runs} (first at step {int(r.diverged_at[r.diverged].min())})"
                          for k, r in bad.items())
        warnings.warn(f"runs diverged and were stopped at their last finite value -- {parts}", DivergenceWarning,
                      stacklevel=3)


def _simulate_many(lrs: np.ndarray, options: SimulationOptions) -> list[SGDResult]:
    """One :class:`SGDResult` per row of ``lrs`` (shape ``(S, steps)``), all from one run of the engine."""
    out = run_sgd(lrs, options)
    results = []
    for s, lr in enumerate(lrs):
        with np.errstate(over="ignore"):  # lr * weight_decay > 1 can make the product huge: reported as is
            eff = lr * options.weight_decay
            decay_product = np.concatenate([[1.0], np.cumprod(1.0 - eff)])
        results.append(SGDResult(
            theta=None if out.theta is None else np.moveaxis(out.theta[:, s], 0, 1),
            loss=out.loss[:, s].T,
            steps=out.steps.copy(),
            lr=lr.copy(),
            effective_decay=eff,
            decay_product=decay_product,
            final_theta=out.final_theta[s].copy(),
            diverged=out.diverged[s].copy(),
            diverged_at=out.diverged_at[s].copy(),
            settings=options.settings(),
        ))
    return results

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
from ..schedules.base import Schedule
from .problems import Problem, _check_rng

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
        return self.loss.shape[0]

    @property
    def n_diverged(self) -> int:
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
    _check_rng(rng)
    runs = check.integer("runs", runs, minimum=1)
    steps = check.integer("steps", steps, minimum=1)
    return np.moveaxis(rng.standard_normal((steps, runs, *tuple(shape))), 0, 1)


def lr_array(schedule, steps: int, name: str = "schedule") -> np.ndarray:
    """Learning rates :math:`\\eta_0..\\eta_{T-1}` from a Schedule, a callable, a number or an array.

    Raises ``ValueError`` for a wrong length or for non-finite or negative values.
    """
    steps = check.integer("steps", steps, minimum=1)
    t = np.arange(steps, dtype=np.float64)
    if isinstance(schedule, Schedule):
        lr = np.asarray(schedule(t), dtype=np.float64)
    elif callable(schedule):
        try:
            lr = np.asarray(schedule(t), dtype=np.float64)
        except Exception:
            lr = np.array([float(schedule(int(s))) for s in range(steps)])
        if lr.ndim == 0:
            lr = np.array([float(schedule(int(s))) for s in range(steps)])
    elif np.ndim(schedule) == 0:
        lr = np.full(steps, check.real(name, schedule, allow_inf=True))
    else:
        lr = check.array(name, schedule, ndim=1, finite=False)
        if lr.shape != (steps,):
            raise ValueError(f"{name} must hold one learning rate per step ({steps}), got shape {lr.shape}")
    if lr.shape != (steps,):
        raise ValueError(f"{name} must give one learning rate per step ({steps}), got shape {lr.shape}")
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
        Number of updates :math:`T`.
    runs : int, optional
        Independent runs (seeds), stacked on the leading axis of every output; by default taken
        from a per-run ``theta0`` or from ``noise``, else 1.
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
    lrs = lr_array(schedule, steps)[None]
    out = _simulate_many(problem, lrs, steps, runs=runs, theta0=theta0, noise_sd=noise_sd, batch_size=batch_size,
                         replace=replace, rng=rng, noise=noise, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay, decoupled=decoupled, record_every=record_every,
                         keep_theta=keep_theta, max_abs=max_abs, progress=progress)
    _warn_divergence({"schedule": out[0]})
    return out[0]


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
    lrs = np.stack([lr_array(s, steps, name=f"schedules[{k!r}]") for k, s in schedules.items()])
    out = _simulate_many(problem, lrs, steps, runs=runs, theta0=theta0, noise_sd=noise_sd, batch_size=batch_size,
                         replace=replace, rng=rng, noise=noise, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay, decoupled=decoupled, record_every=record_every,
                         keep_theta=keep_theta, max_abs=max_abs, progress=progress)
    results = dict(zip(names, out))
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


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass


def _progress_bar(total, enabled):
    """A tqdm bar over steps, or a no-op (tqdm is not even imported when progress is off)."""
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="SGD steps", leave=False)


def _infer_runs(problem, theta0, noise) -> int:
    """Number of runs implied by a per-run ``theta0`` or by explicit noise; 1 otherwise."""
    if theta0 is not None and np.ndim(theta0) == len(problem.param_shape) + 1:
        return int(np.shape(theta0)[0])
    if noise is not None and np.ndim(noise) >= 2:
        return int(np.shape(noise)[0])
    return 1


def _noise_spec(problem, steps, runs, noise_sd, batch_size, replace, rng, noise):
    """Validate the noise arguments; return (kind, sd array or None, noise array or None, batch size)."""
    if noise_sd is not None and batch_size is not None:
        raise ValueError("give either noise_sd (additive noise) or batch_size (mini-batch noise), not both")
    if rng is not None and noise is not None:
        raise ValueError("give either rng or explicit noise draws, not both")
    if rng is not None:
        _check_rng(rng)
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
    want = (runs, steps, *shape)
    if noise is None:
        if rng is None:
            raise ValueError("noise_sd needs rng (a numpy.random.Generator) or explicit noise draws")
        xi = None  # drawn step-major in blocks inside the loop, see standard_normal_draws
    else:
        xi = check.array("noise", noise)
        if xi.shape != want:
            raise ValueError(f"noise must have shape (runs, steps{', dim' if shape else ''}) = {want}, got {xi.shape}")
    return "gauss", sd, xi, None


def _simulate_many(problem, lrs, steps, *, runs, theta0, noise_sd, batch_size, replace, rng, noise, momentum,
                   nesterov, weight_decay, decoupled, record_every, keep_theta, max_abs, progress):
    """Core loop: ``lrs`` has shape (S, T); returns one SGDResult per row."""
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be an lrcourse Problem (see lrcourse.dynamics.problems.FunctionProblem), "
                        f"got {type(problem).__name__}")
    steps = check.integer("steps", steps, minimum=1)
    if runs is None:
        runs = _infer_runs(problem, theta0, noise)
    runs = check.integer("runs", runs, minimum=1)
    mu = check.in_range("momentum", momentum, 0.0, 1.0, high_open=True)
    wd = check.nonnegative("weight_decay", weight_decay)
    every = check.integer("record_every", record_every, minimum=1)
    max_abs = check.positive("max_abs", max_abs)
    if nesterov and mu == 0:
        raise ValueError("nesterov=True needs momentum > 0")
    kind, sd, xi, B = _noise_spec(problem, steps, runs, noise_sd, batch_size, replace, rng, noise)

    shape = problem.param_shape
    S = lrs.shape[0]
    trail = (1,) * len(shape)
    start = problem.default_theta0() if theta0 is None else theta0
    start = np.asarray(check.array("theta0", start), dtype=np.float64)
    if start.shape == shape:
        start = np.broadcast_to(start, (runs, *shape))
    elif start.shape != (runs, *shape):
        raise ValueError(f"theta0 must have shape {shape or '()'} or {(runs, *shape)}, got {start.shape}")
    theta = np.empty((S, runs, *shape))
    theta[...] = start
    cand = np.empty_like(theta)
    buf = np.empty_like(theta)
    v = np.zeros_like(theta) if mu > 0 else None
    flat = (S * runs, *shape)

    grad_fn = getattr(problem, "_grad_fast", problem.grad)
    loss_fn = getattr(problem, "_loss_fast", problem.loss)
    lr_t = np.ascontiguousarray(lrs.T).reshape(steps, S, 1, *trail)
    shrink = (1.0 - lr_t * wd) if (wd and decoupled) else None

    rec = np.zeros(steps + 1, dtype=bool)
    rec[::every] = True
    rec[-1] = True
    rec_steps = np.flatnonzero(rec)
    losses = np.empty((rec_steps.size, S, runs))
    thetas = np.empty((rec_steps.size, S, runs, *shape)) if keep_theta else None
    losses[0] = loss_fn(theta.reshape(flat)).reshape(S, runs)
    if keep_theta:
        thetas[0] = theta
    k_rec = 1

    frozen = np.zeros((S, runs), dtype=bool)
    frozen_b = frozen.reshape(S, runs, *trail)
    diverged_at = np.full((S, runs), -1, dtype=np.int64)
    any_frozen = False

    block = max(1, min(steps, 2_000_000 // max(1, runs * max(1, math.prod(shape)))))
    xi_block, block_start = None, -block
    perm, batches_per_epoch = None, 0
    if kind == "batch" and not replace:
        batches_per_epoch = problem.n_samples // B
        base = np.broadcast_to(np.arange(problem.n_samples), (runs, problem.n_samples))

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _progress_bar(steps, progress) as bar:
        for t in range(steps):
            th_flat = theta.reshape(flat)
            if kind == "batch":
                if replace:
                    idx = rng.integers(0, problem.n_samples, size=(runs, B))
                else:
                    k = t % batches_per_epoch
                    if k == 0:
                        perm = rng.permuted(base, axis=1)
                    idx = perm[:, k * B:(k + 1) * B]
                if S > 1:
                    idx = np.tile(idx, (S, 1))
                g = np.asarray(problem.batch_grad(th_flat, idx), dtype=np.float64).reshape(theta.shape)
            else:
                g = np.asarray(grad_fn(th_flat), dtype=np.float64).reshape(theta.shape)
                if kind == "gauss":
                    if t - block_start >= block:
                        block_start = t
                        stop = min(steps, t + block)
                        if xi is None:
                            xi_block = rng.standard_normal((stop - t, runs, *shape))
                            xi_block *= sd[t:stop].reshape(-1, 1, *trail)
                        else:  # a fresh step-major block; never scale the caller's array in place
                            xi_block = np.empty((stop - t, runs, *shape))
                            np.multiply(np.moveaxis(xi[:, t:stop], 1, 0), sd[t:stop].reshape(-1, 1, *trail),
                                        out=xi_block)
                    g += xi_block[t - block_start]
            if wd and not decoupled:
                g += wd * theta
            if v is not None:
                v *= mu
                v += g
                if nesterov:
                    g += mu * v
                    d = g
                else:
                    d = v
            else:
                d = g
            np.multiply(lr_t[t], d, out=buf)
            if shrink is not None:
                np.multiply(theta, shrink[t], out=cand)
                cand -= buf
            else:
                np.subtract(theta, buf, out=cand)
            if any_frozen:
                np.copyto(cand, theta, where=frozen_b)
            if not (cand.max() <= max_abs and cand.min() >= -max_abs):  # also true for NaN
                bad = ~(np.abs(cand) <= max_abs)
                if shape:
                    bad = bad.any(axis=tuple(range(2, 2 + len(shape))))
                new = bad & ~frozen
                diverged_at[new] = t
                frozen |= new
                any_frozen = True
                np.copyto(cand, theta, where=frozen_b)
                if v is not None:
                    v[frozen] = 0.0
            theta, cand = cand, theta
            if rec[t + 1]:
                losses[k_rec] = loss_fn(theta.reshape(flat)).reshape(S, runs)
                if keep_theta:
                    thetas[k_rec] = theta
                k_rec += 1
            bar.update(1)

    results = []
    for s in range(S):
        lr = lrs[s].copy()
        eff = lr * wd
        prod = np.concatenate([[1.0], np.cumprod(1.0 - eff)])
        results.append(SGDResult(
            theta=None if thetas is None else np.moveaxis(thetas[:, s], 0, 1),
            loss=losses[:, s].T,
            steps=rec_steps.copy(),
            lr=lr,
            effective_decay=eff,
            decay_product=prod,
            final_theta=theta[s].copy(),
            diverged=frozen[s].copy(),
            diverged_at=diverged_at[s].copy(),
            settings=dict(noise=kind, noise_sd=None if sd is None else sd, batch_size=B, momentum=mu,
                          nesterov=bool(nesterov), weight_decay=wd, decoupled=bool(decoupled)),
        ))
    return results

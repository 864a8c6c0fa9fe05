r"""The vectorized SGD loop behind :func:`~lrcourse.simulate_sgd` and :func:`~lrcourse.compare_schedules`.

The loop runs over steps in Python and over every schedule and run at once in NumPy: the state has
shape ``(schedules, runs, *param_shape)``. One step (torch's convention for momentum, see
:mod:`lrcourse.dynamics.simulate`) is split into the pieces below:

- :class:`_Gradients`: the gradient of every run, exact or with additive Gaussian or mini-batch noise;
  every schedule sees the same draws (common random numbers);
- :func:`_direction_rule`: weight decay (L2) and heavy-ball or Nesterov momentum;
- :class:`_Divergence`: runs that leave ``[-max_abs, max_abs]`` or become non-finite are frozen;
- :class:`_Recorder`: losses (and parameters) every ``record_every`` steps.

:func:`run_sgd` returns the raw arrays as an :class:`EngineRun`; :mod:`lrcourse.dynamics.simulate`
wraps them into results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .sgd_options import SimulationOptions

__all__: list[str] = []  # the engine of simulate_sgd; not itself a public name

#: Gaussian draws are taken in blocks of about this many numbers (one block covers several steps).
NOISE_BLOCK = 2_000_000


@dataclass
class EngineRun:
    """Raw output of :func:`run_sgd`; arrays carry a leading schedules axis ``S``."""

    steps: np.ndarray  # (n_recorded,) which iterates were recorded
    loss: np.ndarray  # (n_recorded, S, runs)
    theta: np.ndarray | None  # (n_recorded, S, runs, *shape) unless keep_theta is False
    final_theta: np.ndarray  # (S, runs, *shape)
    diverged: np.ndarray  # (S, runs) bool
    diverged_at: np.ndarray  # (S, runs) int, -1 if the run did not diverge


def run_sgd(lrs: np.ndarray, options: SimulationOptions) -> EngineRun:
    """Run SGD with the rates ``lrs`` (shape ``(S, steps)``, one row per schedule) under ``options``."""
    steps, S = options.steps, lrs.shape[0]
    trail = (1,) * len(options.param_shape)
    theta = np.empty((S, options.runs, *options.param_shape))
    theta[...] = options.theta0
    cand, buf = np.empty_like(theta), np.empty_like(theta)
    lr_t = np.ascontiguousarray(lrs.T).reshape(steps, S, 1, *trail)
    shrink = (1.0 - lr_t * options.weight_decay) if (options.weight_decay and options.decoupled) else None
    # the per-step pieces, chosen once (the loop below runs in Python, so it only calls them)
    gradient = _Gradients(options, S).rule()
    direction, velocity = _direction_rule(options, theta)
    divergence = _Divergence(options, S)
    recorder = _Recorder(options, theta)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _progress_bar(steps, options.progress) as bar:
        for t in range(steps):
            np.multiply(lr_t[t], direction(gradient(theta, t), theta), out=buf)
            if shrink is not None:
                np.multiply(theta, shrink[t], out=cand)
                cand -= buf
            else:
                np.subtract(theta, buf, out=cand)
            divergence.hold(cand, theta, velocity, t)
            theta, cand = cand, theta
            recorder.record(theta, t + 1)
            bar.update(1)
    return EngineRun(steps=recorder.steps, loss=recorder.losses, theta=recorder.thetas, final_theta=theta,
                     diverged=divergence.frozen, diverged_at=divergence.diverged_at)


def _direction_rule(options: SimulationOptions, like: np.ndarray):
    r"""``(direction, velocity)``: ``direction(g, theta)`` is the step direction from the gradient ``g``.

    It adds the L2 term :math:`\lambda\theta` to ``g`` (in place, unless the decay is decoupled), then
    applies heavy-ball or Nesterov momentum in torch's form with the ``velocity`` buffer (``None``
    without momentum), which the caller may reset for frozen runs.
    """
    l2 = 0.0 if options.decoupled else options.weight_decay
    mu, nesterov = options.momentum, options.nesterov
    velocity = np.zeros_like(like) if mu > 0 else None

    def direction(g, theta):
        if l2:
            g += l2 * theta
        if velocity is None:
            return g
        np.multiply(velocity, mu, out=velocity)  # in place: the caller holds the same buffer
        np.add(velocity, g, out=velocity)
        if nesterov:
            g += mu * velocity
            return g
        return velocity

    return direction, velocity


class _Gradients:
    """The (noisy) gradient of every schedule and run at step ``t``, as a fresh array (see :meth:`rule`)."""

    def __init__(self, options: SimulationOptions, n_schedules: int):
        self.options = options
        self.S = n_schedules
        self.problem = options.problem
        self.flat = (n_schedules * options.runs, *options.param_shape)
        self.trail = (1,) * len(options.param_shape)
        runs, size = options.runs, math.prod(options.param_shape)
        self.block = max(1, min(options.steps, NOISE_BLOCK // max(1, runs * max(1, size))))
        self.xi_block, self.block_start = None, -self.block
        if options.noise == "batch" and not options.replace:
            n = self.problem.n_samples
            self.batches_per_epoch = n // options.batch_size
            self.order = np.broadcast_to(np.arange(n), (runs, n))
            self.perm = None

    def rule(self):
        """``gradient(theta, t)`` for this kind of noise: exact, Gaussian or mini-batch."""
        return {"none": self._exact, "gauss": self._gaussian, "batch": self._minibatch}[self.options.noise]

    def _exact(self, theta, t):
        return np.asarray(self.problem.grad_unchecked(theta.reshape(self.flat)), dtype=np.float64).reshape(theta.shape)

    def _gaussian(self, theta, t):
        if t - self.block_start >= self.block:
            self._draw_block(t)
        g = self._exact(theta, t)
        g += self.xi_block[t - self.block_start]  # sigma_t xi_t of every run, broadcast over schedules
        return g

    def _minibatch(self, theta, t):
        g = self.problem.batch_grad(theta.reshape(self.flat), self._batch(t))
        return np.asarray(g, dtype=np.float64).reshape(theta.shape)

    def _batch(self, t):
        """Sample indices, shape ``(S * runs, B)``: the same mini-batch of each run for every schedule."""
        o = self.options
        if o.replace:
            idx = o.rng.integers(0, self.problem.n_samples, size=(o.runs, o.batch_size))
        else:
            k = t % self.batches_per_epoch
            if k == 0:
                self.perm = o.rng.permuted(self.order, axis=1)
            idx = self.perm[:, k * o.batch_size:(k + 1) * o.batch_size]
        return np.tile(idx, (self.S, 1)) if self.S > 1 else idx

    def _draw_block(self, t):
        r"""Draw :math:`\sigma_s \xi_s` for the steps ``s = t, t + 1, ...`` of one block, step-major."""
        o = self.options
        self.block_start = t
        stop = min(o.steps, t + self.block)
        scale = o.noise_sd[t:stop].reshape(-1, 1, *self.trail)
        if o.draws is None:
            self.xi_block = o.rng.standard_normal((stop - t, o.runs, *o.param_shape))
            self.xi_block *= scale
        else:  # a fresh step-major block; never scale the caller's array in place
            self.xi_block = np.empty((stop - t, o.runs, *o.param_shape))
            np.multiply(np.moveaxis(o.draws[:, t:stop], 1, 0), scale, out=self.xi_block)


class _Divergence:
    """Freezes runs whose parameters leave ``[-max_abs, max_abs]`` (or become NaN) at their last value."""

    def __init__(self, options: SimulationOptions, n_schedules: int):
        self.max_abs = options.max_abs
        self.param_axes = tuple(range(2, 2 + len(options.param_shape)))
        self.frozen = np.zeros((n_schedules, options.runs), dtype=bool)
        self.frozen_b = self.frozen.reshape(n_schedules, options.runs, *((1,) * len(options.param_shape)))
        self.diverged_at = np.full((n_schedules, options.runs), -1, dtype=np.int64)
        self.any_frozen = False

    def hold(self, cand, theta, velocity, t):
        """Keep the frozen runs of ``cand`` at ``theta``, after freezing those that just blew up at step ``t``."""
        if self.any_frozen:
            np.copyto(cand, theta, where=self.frozen_b)
        if cand.max() <= self.max_abs and cand.min() >= -self.max_abs:  # false for NaN too
            return
        bad = ~(np.abs(cand) <= self.max_abs)
        if self.param_axes:
            bad = bad.any(axis=self.param_axes)
        new = bad & ~self.frozen
        self.diverged_at[new] = t
        self.frozen |= new
        self.any_frozen = True
        np.copyto(cand, theta, where=self.frozen_b)
        if velocity is not None:
            velocity[self.frozen] = 0.0


class _Recorder:
    """Losses (and parameters unless ``keep_theta=False``) at steps 0, k, 2k, ... and the last step."""

    def __init__(self, options: SimulationOptions, theta):
        rec = np.zeros(options.steps + 1, dtype=bool)
        rec[::options.record_every] = True
        rec[-1] = True
        self.when = rec
        self.steps = np.flatnonzero(rec)
        self.loss_fn = options.problem.loss_unchecked
        self.flat = (theta.shape[0] * theta.shape[1], *options.param_shape)
        self.losses = np.empty((self.steps.size, *theta.shape[:2]))
        self.thetas = np.empty((self.steps.size, *theta.shape)) if options.keep_theta else None
        self.k = 0
        self.record(theta, 0)

    def record(self, theta, t):
        if not self.when[t]:
            return
        self.losses[self.k] = self.loss_fn(theta.reshape(self.flat)).reshape(theta.shape[:2])
        if self.thetas is not None:
            self.thetas[self.k] = theta
        self.k += 1


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

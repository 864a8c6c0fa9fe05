"""Epoch-by-epoch SGD simulation driven by a scheduler that reacts to a metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check

__all__ = ["MetricRun", "simulate_with_metric"]


@dataclass(frozen=True)
class MetricRun:
    """Outcome of :func:`simulate_with_metric`.

    Attributes
    ----------
    lrs : ndarray, shape (epochs,)
        Rate used during each epoch.
    metrics : ndarray, shape (epochs,)
        Metric reported to the scheduler after each epoch: the mean loss over the runs.
    final_theta : ndarray, shape (runs[, dim])
        Parameters of every run after the last epoch.
    final_loss : ndarray, shape (runs,)
        Loss of every run after the last epoch.
    """

    lrs: np.ndarray
    metrics: np.ndarray
    final_theta: np.ndarray
    final_loss: np.ndarray


def simulate_with_metric(problem, scheduler, epochs: int, steps_per_epoch: int, *, theta0, noise_sd=None,
                         rng=None) -> MetricRun:
    r"""Train with SGD for ``epochs`` epochs, letting ``scheduler`` set each epoch's rate from the metric.

    Epoch :math:`e` runs ``steps_per_epoch`` noisy SGD steps at the constant rate :math:`\eta_e`
    (:func:`lrcourse.simulate_sgd`, all runs at once). The metric :math:`m_e` is the mean loss over the
    runs at the end of the epoch, and :math:`\eta_{e+1} = \text{scheduler.step}(m_e)`.

    Parameters
    ----------
    problem : Problem
        The objective (see :mod:`lrcourse.problems`).
    scheduler : Schedule or object
        A fixed :class:`lrcourse.Schedule`, evaluated at the epoch number (the metric is ignored), or
        anything with a ``lr`` attribute (rate of the first epoch) and a ``step(metric)`` method that
        returns the next rate, such as :class:`lrcourse.ReduceLROnPlateau`.
    epochs, steps_per_epoch : int
        Both :math:`\ge 1`.
    theta0 : float or array
        Start, one per run (shape ``(runs[, dim])``): the number of runs is taken from it.
    noise_sd : float, optional
        Additive Gaussian gradient noise, as in :func:`lrcourse.simulate_sgd`.
    rng : numpy.random.Generator, optional
        Source of the noise.

    Returns
    -------
    MetricRun
    """
    from ..schedules.base import Schedule
    from .simulate import simulate_sgd

    epochs = check.integer("epochs", epochs, minimum=1)
    steps_per_epoch = check.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    fixed = isinstance(scheduler, Schedule)
    if not fixed and not (callable(getattr(scheduler, "step", None)) and hasattr(scheduler, "lr")):
        raise TypeError("scheduler must be an lrcourse Schedule or have a lr attribute and a step(metric) "
                        f"method, got {type(scheduler).__name__}")
    lr = scheduler(0) if fixed else check.nonnegative("scheduler.lr", scheduler.lr)
    theta = np.asarray(theta0, dtype=np.float64)
    lrs, metrics = [], []
    for epoch in range(1, epochs + 1):
        run = simulate_sgd(problem, lr, steps_per_epoch, theta0=theta, noise_sd=noise_sd, rng=rng,
                           keep_theta=False, record_every=steps_per_epoch)   # only the epoch's end is needed
        theta = run.final_theta
        metric = float(np.mean(run.final_loss))
        lrs.append(lr)
        metrics.append(metric)
        lr = scheduler(epoch) if fixed else check.nonnegative("the rate from scheduler.step", scheduler.step(metric))
    return MetricRun(np.array(lrs), np.array(metrics), theta, run.final_loss)

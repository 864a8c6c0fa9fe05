"""Plots of learning-rate schedules: one call for one or many, linear or log scale."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as check
from ..schedules.base import Schedule
from .style import color, linestyle, new_axes

__all__ = ["plot_schedules", "schedule_gallery", "gallery_schedules"]


def _named(schedules) -> dict:
    if isinstance(schedules, Schedule):
        return {repr(schedules): schedules}
    if isinstance(schedules, Mapping):
        items = dict(schedules)
    else:
        items = {repr(s): s for s in schedules}
    if not items:
        raise ValueError("schedules must contain at least one schedule")
    for name, s in items.items():
        if not callable(s):
            raise TypeError(f"schedules[{name!r}] must be a schedule (callable), got {type(s).__name__}")
    return items


def plot_schedules(schedules, steps=100, *, ax=None, log: bool = False, title: str | None = None, xlabel="step"):
    """Plot one schedule or several (a dict ``{label: schedule}`` or a list) against the step.

    Parameters
    ----------
    schedules : Schedule, sequence of Schedule, or mapping label -> Schedule
    steps : int or array_like
        Number of steps from 0, or the steps themselves.
    ax : matplotlib Axes, optional
    log : bool, default False
        Log-scale learning-rate axis (shows how small the rate gets).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    items = _named(schedules)
    t = np.arange(check.integer("steps", steps, minimum=1)) if np.ndim(steps) == 0 else check.steps(steps, "steps")[0]
    ax = new_axes(ax)
    for i, (label, sched) in enumerate(items.items()):
        ax.plot(t, sched(t), color=color(i), linestyle=linestyle(i), lw=2, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("learning rate" + (" (log scale)" if log else ""))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def gallery_schedules(T: int = 100, lr: float = 0.1) -> dict:
    """The course's reference set of schedules over ``T`` steps (used by the demo and the lectures)."""
    from .. import (
        CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, ExponentialDecay, InverseTimeDecay,
        NoamLR, OneCycleLR, PolynomialLR, StepLR, Warmup, WarmupStableDecay, three_phase_one_cycle,
    )

    T = check.integer("T", T, minimum=20)
    lr = check.positive("lr", lr)
    W = max(1, T // 10)
    return {
        "step (gamma=0.5 every T/5)": StepLR(lr=lr, step_size=T // 5, gamma=0.5),
        "exponential (lam=4/T)": ExponentialDecay(lr=lr, lam=4.0 / T),
        "inverse time (beta=10/T)": InverseTimeDecay(lr=lr, beta=10.0 / T),
        "polynomial (p=2)": PolynomialLR(lr=lr, total_iters=T, power=2.0),
        "cosine": CosineAnnealingLR(lr=lr, T_max=T, eta_min=lr * 1e-3),
        "warm-up + cosine": Warmup(CosineAnnealingLR(lr=lr, T_max=T - W, eta_min=lr * 1e-3), W),
        "SGDR (T_0=T/10, T_mult=2)": CosineAnnealingWarmRestarts(lr=lr, T_0=W, T_mult=2, eta_min=lr * 1e-3),
        "cyclic (triangular)": CyclicLR(base_lr=lr / 10, max_lr=lr, step_size_up=T // 10),
        "one-cycle (torch default)": OneCycleLR(max_lr=lr, total_steps=T + 1),
        "one-cycle 45/45/10": three_phase_one_cycle(max_lr=lr, total_steps=T + 1),
        "warm-up-stable-decay": WarmupStableDecay(lr=lr, warmup_steps=W, stable_steps=T - 3 * W, decay_steps=2 * W),
        "Noam (d=64)": NoamLR(d_model=64, warmup_steps=W, factor=lr * np.sqrt(64 * W)),
    }


def schedule_gallery(T: int = 100, lr: float = 0.1):
    """Small multiples: one panel per schedule family in the course, all on the same axes limits.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    items = gallery_schedules(T, lr)
    cols = 4
    rows = -(-len(items) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), sharex=True, sharey=True,
                             layout="constrained")
    t = np.arange(T + 1)
    for i, (ax, (label, sched)) in enumerate(zip(axes.flat, items.items())):
        ax.plot(t, sched(t), color=color(i), lw=2)
        ax.set_title(label, fontsize=10)
        ax.grid(True, alpha=0.3)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    for ax in axes[:, 0]:
        ax.set_ylabel("learning rate")
    fig.suptitle(f"Every schedule family of the course, peak rate {lr:g}, {T} steps", fontsize=13)
    return fig

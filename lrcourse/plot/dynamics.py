"""Plots of optimizer dynamics: trajectories, loss curves with a spread band, variance vs theory."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as check
from .style import color, linestyle, new_axes

__all__ = ["plot_trajectories", "plot_loss_bands", "plot_variance_check", "plot_final_losses", "plot_comparison"]


def _results(results) -> dict:
    from ..dynamics.simulate import Comparison, SGDResult

    if isinstance(results, SGDResult):
        return {"SGD": results}
    if isinstance(results, Comparison):
        return dict(results.results)
    if isinstance(results, Mapping) and results:
        for name, r in results.items():
            if not isinstance(r, SGDResult):
                raise TypeError(f"results[{name!r}] must be an SGDResult, got {type(r).__name__}")
        return dict(results)
    raise TypeError("results must be an SGDResult, a Comparison or a non-empty dict of SGDResult")


def plot_trajectories(result, *, ax=None, coord: int | None = None, max_runs: int = 20, label: str = "SGD",
                      index: int = 0):
    """Parameter trajectories of the first ``max_runs`` runs (thin lines) and their mean (thick).

    Parameters
    ----------
    result : SGDResult
        Needs ``keep_theta=True``.
    coord : int, optional
        Which coordinate to show for a vector problem (default 0).
    max_runs : int
    label : str
    index : int
        Colour index.
    """
    from ..dynamics.simulate import SGDResult

    if not isinstance(result, SGDResult):
        raise TypeError(f"result must be an SGDResult, got {type(result).__name__}")
    if result.theta is None:
        raise ValueError("the result has no parameter trajectories (simulated with keep_theta=False)")
    max_runs = check.integer("max_runs", max_runs, minimum=1)
    theta = result.theta
    if theta.ndim == 3:
        c = 0 if coord is None else check.integer("coord", coord, minimum=0)
        if c >= theta.shape[2]:
            raise ValueError(f"coord must be < {theta.shape[2]}, got {c}")
        theta = theta[:, :, c]
    ax = new_axes(ax)
    col = color(index)
    for r in range(min(max_runs, theta.shape[0])):
        ax.plot(result.steps, theta[r], color=col, lw=0.6, alpha=0.35)
    ax.plot(result.steps, theta.mean(axis=0), color=col, lw=2.2, label=f"{label} (mean of {theta.shape[0]} runs)")
    ax.set_xlabel("step")
    ax.set_ylabel(r"$\theta$" if coord is None else rf"$\theta_{{{coord}}}$")
    ax.legend()
    return ax


def plot_loss_bands(results, *, ax=None, quantiles=(0.1, 0.9), center: str = "mean", log: bool = True,
                    excess: bool = False, min_loss: float = 0.0):
    """Loss against step for one or several schedules: a centre line and a quantile band across runs.

    Parameters
    ----------
    results : SGDResult, Comparison or dict name -> SGDResult
    quantiles : (low, high)
        Band limits across runs, e.g. (0.1, 0.9).
    center : {"mean", "median"}
    log : bool
        Logarithmic loss axis.
    excess : bool
        Plot ``loss - min_loss``.
    """
    items = _results(results)
    lo = check.in_range("quantiles[0]", quantiles[0], 0.0, 1.0)
    hi = check.in_range("quantiles[1]", quantiles[1], 0.0, 1.0)
    if lo >= hi:
        raise ValueError(f"quantiles must be increasing, got {quantiles}")
    check.choice("center", center, ("mean", "median"))
    ax = new_axes(ax)
    for i, (name, res) in enumerate(items.items()):
        loss = res.loss[~res.diverged] if res.n_diverged < res.runs else res.loss
        if excess:
            loss = loss - min_loss
        mid = loss.mean(axis=0) if center == "mean" else np.median(loss, axis=0)
        q_lo, q_hi = np.quantile(loss, [lo, hi], axis=0)
        extra = f", {res.n_diverged} diverged" if res.n_diverged else ""
        ax.plot(res.steps, mid, color=color(i), ls=linestyle(i), lw=1.8, label=f"{name}{extra}")
        ax.fill_between(res.steps, q_lo, q_hi, color=color(i), alpha=0.18, lw=0)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(("excess loss" if excess else "loss")
                  + f" ({center}, band {100 * lo:g}-{100 * hi:g}% of runs)")
    ax.legend()
    return ax


def plot_final_losses(comparison, *, ax=None, log: bool = True):
    """Box plot of the final loss per schedule (non-diverged runs) of a :class:`Comparison`."""
    items = _results(comparison)
    ax = new_axes(ax)
    data = [r.final_loss[~r.diverged] for r in items.values()]
    ax.boxplot(data, showfliers=False)
    ax.set_xticks(range(1, len(items) + 1), list(items), rotation=20)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("schedule")
    ax.set_ylabel("final loss")
    return ax


def plot_variance_check(check_result, *, ax=None, show_continuous: bool = True):
    """Monte-Carlo variance (points with 2-standard-error bars) against the exact theory lines.

    Parameters
    ----------
    check_result : lrcourse.dynamics.diffusion.VarianceCheck
    """
    from ..dynamics.diffusion import VarianceCheck

    if not isinstance(check_result, VarianceCheck):
        raise TypeError(f"check_result must be a VarianceCheck, got {type(check_result).__name__}")
    c = check_result
    ax = new_axes(ax)
    ax.errorbar(c.times, c.variance, yerr=2 * c.stderr, fmt="o", ms=3, color=color(0), label="Monte Carlo (±2 SE)")
    ax.plot(c.times, c.discrete, color=color(1), lw=1.8, label="exact, discretized recursion")
    if show_continuous:
        ax.plot(c.times, c.continuous, color=color(2), lw=1.5, ls="--", label="exact, SDE")
    ax.set_xlabel("time t")
    ax.set_ylabel(r"Var[$\theta_t$]")
    ax.legend()
    return ax


def plot_comparison(comparison, schedules=None, *, quantiles=(0.1, 0.9), xlabel="step", ylabel="loss",
                    log: bool = True, title=None):
    """A schedule comparison a reader can tell apart: one small panel per schedule, a final-loss strip.

    - one panel per schedule (shared axes): its centre line (median over runs) and quantile band, with
      the best schedule's median drawn in grey in every other panel for reference;
    - a strip of the final losses, one row per schedule sorted from best to worst (every run a dot, the
      median a bar), so the spread over seeds is visible without overlapping bands;
    - when ``schedules`` (``{name: Schedule}``) is given, their learning rates under the panels.

    Parameters
    ----------
    comparison : Comparison or dict name -> SGDResult
    schedules : dict name -> Schedule, optional
    quantiles : (low, high)
        Band limits across runs.
    xlabel, ylabel : str
    log : bool
        Logarithmic loss axes.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    items = _results(comparison)
    lo = check.in_range("quantiles[0]", quantiles[0], 0.0, 1.0)
    hi = check.in_range("quantiles[1]", quantiles[1], 0.0, 1.0)
    if lo >= hi:
        raise ValueError(f"quantiles must be increasing, got {quantiles}")
    names = list(items)
    finals = {n: r.final_loss[~r.diverged] for n, r in items.items()}
    median = {n: float(np.median(f)) if f.size else np.inf for n, f in finals.items()}
    ranked = sorted(names, key=median.get)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    extra = 1 if schedules else 0
    fig = plt.figure(figsize=(4.2 * cols + 4.5, 2.6 * (rows + extra) + 0.6), layout="constrained")
    grid = fig.add_gridspec(rows + extra, cols + 1, width_ratios=[1] * cols + [1.3])
    panels = []
    best = items[ranked[0]]
    best_mid = np.median(best.loss[~best.diverged] if best.n_diverged < best.runs else best.loss, axis=0)
    for k, name in enumerate(names):
        ax = fig.add_subplot(grid[k // cols, k % cols], sharex=panels[0] if panels else None,
                             sharey=panels[0] if panels else None)
        panels.append(ax)
        res = items[name]
        loss = res.loss[~res.diverged] if res.n_diverged < res.runs else res.loss
        q_lo, mid, q_hi = np.quantile(loss, [lo, 0.5, hi], axis=0)
        i = names.index(name)
        if name != ranked[0]:
            ax.plot(best.steps, best_mid, color="0.55", lw=1.2, ls="--", label=f"best: {ranked[0]}")
        ax.fill_between(res.steps, q_lo, q_hi, color=color(i), alpha=0.25, lw=0)
        ax.plot(res.steps, mid, color=color(i), lw=2, label=f"{name} (median)")
        div = f", {res.n_diverged} diverged" if res.n_diverged else ""
        ax.set_title(f"{name}: final median {median[name]:.3g}{div}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        if log:
            ax.set_yscale("log")
        if k % cols == 0:
            ax.set_ylabel(f"{ylabel}\n(median, {100 * lo:g}-{100 * hi:g}% band)", fontsize=8)
        if k // cols == rows - 1:
            ax.set_xlabel(xlabel)
        ax.legend(fontsize=7, loc="upper right")
    strip = fig.add_subplot(grid[:rows, cols])
    for row, name in enumerate(reversed(ranked)):
        f = finals[name]
        jitter = np.linspace(-0.25, 0.25, f.size) if f.size > 1 else np.zeros(f.size)
        i = names.index(name)
        strip.plot(f, row + jitter, "o", color=color(i), alpha=0.35, markersize=3, mew=0)
        strip.plot([median[name]] * 2, [row - 0.35, row + 0.35], color=color(i), lw=3)
    strip.set_yticks(range(len(ranked)), list(reversed(ranked)))
    if log:
        strip.set_xscale("log")
    strip.set_xlabel(f"final {ylabel} (each dot a run, bar: median)")
    strip.set_title("ranked by median final value", fontsize=9)
    strip.grid(True, which="both", axis="x", alpha=0.3)
    if schedules:
        ax = fig.add_subplot(grid[rows, :cols])
        t = np.arange(int(max(r.lr.size for r in items.values())))
        for name, sched in schedules.items():
            i = names.index(name) if name in names else len(names)
            ax.plot(t, sched(t), color=color(i), ls=linestyle(i), lw=1.5, label=name)
        ax.set_xlabel("update")
        ax.set_ylabel("learning rate")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, ncol=min(6, len(schedules)))
    if title:
        fig.suptitle(title)
    return fig

"""Plots for the range test, line-search trajectories, step-size histories and training curves."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as check
from .style import color, linestyle, new_axes

__all__ = [
    "plot_range_test",
    "plot_one_step_range_test",
    "plot_descent_paths",
    "plot_step_sizes",
    "plot_training_curves",
]

_MARKERS = {"steepest": "v", "min/10": "s", "valley": "o"}


def plot_range_test(result, *, ax=None, suggestions=True, raw=True, clip=True, title=None):
    """Raw and smoothed loss of a :class:`~lrcourse.stepsize.range_test.RangeTestResult` against the rate (log x).

    Suggested rates are marked on the smoothed curve and listed in the legend. With ``clip=True`` the
    y-axis stops a little above the starting loss, so the final blow-up does not flatten the curve.
    """
    for attr in ("lrs", "losses", "smoothed", "suggestions"):
        if not hasattr(result, attr):
            raise TypeError(f"result must be a RangeTestResult, missing attribute {attr!r}")
    ax = new_axes(ax)
    if len(result.lrs) == 0:
        raise ValueError("result holds no points to plot")
    if raw:
        ax.plot(result.lrs, result.losses, color=color(7), lw=1, alpha=0.5, label="batch loss")
    ax.plot(result.lrs, result.smoothed, color=color(0), lw=2, label="smoothed loss")
    if suggestions:
        for i, (name, lr) in enumerate(result.suggestions.items()):
            y = np.interp(np.log(lr), np.log(result.lrs), result.smoothed)
            ax.plot([lr], [y], linestyle="none", marker=_MARKERS.get(name, "D"), markersize=9, color=color(i + 1),
                    label=f"{name}: {lr:.3g}")
    ax.set_xscale("log")
    if clip:
        low = min(np.min(result.smoothed), np.min(result.losses) if raw else np.inf)
        top = float(result.smoothed[0])
        span = max(top - low, 1e-12)
        ax.set_ylim(low - 0.05 * span, top + 0.3 * span)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    title = title or ("LR range test" + (" (stopped: divergence)" if result.stopped_early else ""))
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_one_step_range_test(lrs, losses, *, start_loss=None, useful=None, ax=None, title="Loss after one step"):
    """The one-step range test: loss after a single step against the rate, with the start level and an
    optional shaded ``useful=(low, high)`` interval."""
    lrs = check.array("lrs", lrs, ndim=1, min_size=1)
    losses = check.array("losses", losses, ndim=1)
    if lrs.shape != losses.shape:
        raise ValueError(f"losses must have the shape of lrs {lrs.shape}, got {losses.shape}")
    ax = new_axes(ax)
    ax.plot(lrs, losses, color=color(0), lw=2, label="loss after one step")
    if start_loss is not None:
        ax.axhline(check.real("start_loss", start_loss), color=color(3), ls="--", lw=1, label="starting loss")
    if useful is not None:
        low, high = useful
        ax.axvspan(low, high, color=color(2), alpha=0.15, label=f"useful range [{low:.3g}, {high:.3g}]")
    if np.all(lrs > 0):
        ax.set_xscale("log")
    ax.set_xlabel("learning rate" + (" (log scale)" if np.all(lrs > 0) else ""))
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def _named_results(results, what):
    if isinstance(results, Mapping):
        items = dict(results)
    else:
        items = {getattr(r, "method", f"{what} {i}"): r for i, r in enumerate(results)}
    if not items:
        raise ValueError(f"{what} must not be empty")
    return items


def plot_descent_paths(results, f=None, *, ax=None, bounds=None, levels=30, title="Descent trajectories"):
    """Iterates of 2-D descent runs (``.x`` of shape ``(k, 2)``) over contour lines of ``f``.

    ``results``: a result, a list of results or ``{label: result}``; a plain array of iterates, shape
    ``(k, 2)``, may stand in for a result (e.g. ``{"exact": xs}``). ``bounds = (x1min, x1max, x2min,
    x2max)`` defaults to the trajectories' box with a margin. ``f`` must accept points with a last axis
    of length 2 (e.g. :func:`lrcourse.stepsize.linesearch.boyd_function`).
    """
    if hasattr(results, "x") or isinstance(results, np.ndarray):
        results = [results]
    items = _named_results(results, "results")
    paths = {k: np.asarray(getattr(r, "x", r), dtype=float) for k, r in items.items()}
    for k, p in paths.items():
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"trajectory {k!r} must have shape (k, 2), got {p.shape}")
    ax = new_axes(ax)
    allp = np.concatenate(list(paths.values()))
    if bounds is None:
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 0.5)
        bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    if f is not None:
        check.function("f", f)
        g1, g2 = np.meshgrid(np.linspace(bounds[0], bounds[1], 200), np.linspace(bounds[2], bounds[3], 200))
        z = np.asarray(f(np.stack([g1, g2], axis=-1)))
        # log-spaced levels resolve the narrow valley near the minimum
        ax.contour(g1, g2, np.log(z - z.min() + 1e-3) if np.all(np.isfinite(z)) else z, levels=levels,
                   cmap="Greys", linewidths=0.7)
    for i, (label, p) in enumerate(paths.items()):
        ax.plot(p[:, 0], p[:, 1], color=color(i), linestyle=linestyle(i), marker=".", lw=1.5,
                label=f"{label} ({len(p) - 1} steps)")
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title + (" (grey: level sets of f)" if f is not None else ""))
    ax.legend(fontsize=8)
    return ax


def plot_step_sizes(results, *, ax=None, log=True, title="Step sizes"):
    """Step-size histories (``.steps`` of descent results or ``.lrs`` of adaptive results).

    Per-coordinate histories are drawn one line per coordinate.
    """
    if hasattr(results, "x"):
        results = [results]
    items = _named_results(results, "results")
    ax = new_axes(ax)
    i = 0
    for label, r in items.items():
        s = np.asarray(getattr(r, "lrs", getattr(r, "steps", None)), dtype=float)
        if s.ndim == 1:
            s = s[:, None]
        same = s.shape[1] == 1 or np.allclose(s, s[:, :1])
        cols = [0] if same else range(s.shape[1])
        for j in cols:
            name = label if same else f"{label} [coord {j}]"
            ax.plot(np.arange(len(s)), s[:, j], color=color(i), linestyle=linestyle(i), lw=1.5, label=name)
            i += 1
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("step size" + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_training_curves(runs, *, metric="val_acc", ax=None, title=None):
    """One metric per epoch for several training runs (``{label: TrainResult or history dict}``)."""
    metric = check.choice("metric", metric, ("train_loss", "val_loss", "train_acc", "val_acc"))
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a non-empty dict label -> TrainResult")
    ax = new_axes(ax)
    for i, (label, run) in enumerate(runs.items()):
        hist = getattr(run, "history", run)
        y = np.asarray(hist[metric])
        ax.plot(np.arange(1, len(y) + 1), y, color=color(i), linestyle=linestyle(i), marker="o", lw=2, label=label)
    names = {"train_loss": "training loss", "val_loss": "validation loss", "train_acc": "training accuracy",
             "val_acc": "validation accuracy"}
    ax.set_xlabel("epoch")
    ax.set_ylabel(names[metric])
    ax.set_title(title or names[metric].capitalize())
    ax.legend(fontsize=8)
    return ax

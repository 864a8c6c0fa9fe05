"""Plots for the range test, line-search trajectories, step-size histories and training curves."""

from __future__ import annotations

import contextlib
import warnings
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


def _columns(a):
    a = np.asarray(a, dtype=np.float64)
    return a[:, None] if a.ndim == 1 else a


def plot_range_test(result, *, ax=None, suggestions=True, raw=True, clip=True, title=None):
    """A range test as a student should read it: raw losses, the zero-lag smoothed curve, every
    suggestion marked ON THE RAW CURVE with its reason and (for several runs) its spread.

    - one run: the raw batch losses (thin line); several runs: their median and the band between the
      lowest and highest run;
    - the smoothed curve the suggestions come from (:func:`lrcourse.smooth_centered`, no lag);
    - each run's end (divergence or a non-finite loss) as a cross;
    - each suggestion as a hollow marker on the raw curve (hollow and of decreasing size, so markers
      that coincide stay visible), with a horizontal bar over its spread across runs; the legend says
      why the rule picks it;
    - theory references (``result.references``) as dotted vertical lines.

    With ``clip=True`` the y-axis stops a little above the starting loss so the blow-up does not
    flatten the curve.
    """
    for attr in ("lrs", "losses", "smoothed", "suggestions", "ends"):
        if not hasattr(result, attr):
            raise TypeError(f"result must be a RangeTestResult, missing attribute {attr!r}")
    if len(result.lrs) == 0:
        raise ValueError("result holds no points to plot")
    from ..stepsize.range_test import RULES

    ax = new_axes(ax, figsize=(10, 4.2))
    lrs = np.asarray(result.lrs)
    raw_runs, smooth_runs = _columns(result.losses), _columns(result.smoothed)
    runs = raw_runs.shape[1]
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        shown = np.where(np.isfinite(raw_runs), raw_runs, np.nan)
        raw_mid = np.nanmedian(shown, axis=1)
        smooth_mid = np.nanmedian(smooth_runs, axis=1)
    if raw:
        if runs == 1:
            ax.plot(lrs, raw_mid, color=color(7), lw=1, alpha=0.6, label="batch loss")
        else:
            with _quiet_nan_warnings():
                ax.fill_between(lrs, np.nanmin(shown, axis=1), np.nanmax(shown, axis=1), color=color(7), alpha=0.2,
                                lw=0, label=f"batch loss, {runs} runs (lowest to highest)")
            ax.plot(lrs, raw_mid, color=color(7), lw=1, alpha=0.8, label="batch loss, median run")
    ax.plot(lrs, smooth_mid, color=color(0), lw=2.2, label="smoothed (centred, no lag)")
    if suggestions:
        order = list(result.suggestions.items())
        for k, (name, lr) in enumerate(order):
            y = float(np.interp(np.log(lr), np.log(lrs), np.where(np.isfinite(raw_mid), raw_mid, smooth_mid)))
            label = f"{name} {lr:.3g}: {RULES.get(name, '')}"
            spread = getattr(result, "spread", {}).get(name)
            xerr = None
            if spread is not None and runs > 1:
                xerr = [[lr - spread[0]], [spread[1] - lr]]
                label += f" (runs: {spread[0]:.2g} to {spread[1]:.2g})"
            ax.errorbar([lr], [y], xerr=xerr, marker=_MARKERS.get(name, "D"), markersize=13 - 3 * k,
                        mfc="none", mew=2, color=color(k + 1), capsize=4, linestyle="none", label=label,
                        zorder=5 + k)
    for j, (label, lr) in enumerate(getattr(result, "references", {}).items()):
        ax.axvline(lr, color=color(4 + j), ls=":", lw=1.5, label=f"theory: {label} = {lr:.3g}")
    ax.set_xscale("log")
    if clip:
        finite = shown[np.isfinite(shown)] if raw else smooth_runs[np.isfinite(smooth_runs)]
        low = float(min(np.nanmin(smooth_mid), finite.min() if finite.size else np.inf))
        top = float(smooth_mid[np.isfinite(smooth_mid)][0])
        span = max(top - low, 1e-12)
        ax.set_ylim(low - 0.05 * span, top + 0.35 * span)
    ceiling = ax.get_ylim()[1]
    for r, end in enumerate(np.atleast_1d(result.ends)):
        value = raw_runs[int(end), r]
        if result.end_reasons[r] != "completed":
            ax.plot([lrs[int(end)]], [min(value, ceiling) if np.isfinite(value) else ceiling], marker="x", color=color(3),
                    markersize=8, mew=2, linestyle="none",
                    label=("end of a run (diverged or non-finite; drawn at the top when off the chart)"
                           if r == 0 else None), clip_on=False)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    lag = getattr(result, "ema_lag", 0.0)
    if lag and len(lrs) > 1:
        decades = lag * abs(np.log10(lrs[-1] / lrs[0])) / (len(lrs) - 1)
        ax.text(0.01, 0.02, f"stop rule: exponential average, lags {lag:.0f} points ({decades:.2g} decades); "
                            "suggestions use the centred curve", transform=ax.transAxes, fontsize=7, color=color(7))
    title = title or ("LR range test" + (" (stopped: divergence)" if result.stopped_early else ""))
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax


@contextlib.contextmanager
def _quiet_nan_warnings():
    """Silence NumPy's all-NaN warnings (points after a run's end are NaN on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


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

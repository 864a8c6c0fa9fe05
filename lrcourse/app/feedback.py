"""Instant feedback for the graded exercises: ``check("sgdr", sgdr)`` inside the notebook.

``check`` runs the *visible* checks of an assignment (the inputs the notebook shows, never the hidden
ones), compares the student's results with the lrcourse reference, prints one line per part with a
hint when something is wrong, and draws the student's curve on top of the reference. It never raises
because of a bug in the student's code: exceptions become hints naming the exception.

Examples
--------
>>> from lrcourse.feedback import check
>>> def sgdr(t, T_0, T_mult, eta_max, eta_min):
...     return eta_max
>>> summary = check("sgdr", sgdr, plot=False)        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as check_arg

__all__ = ["check", "Summary"]


@dataclass
class Summary:
    """What :func:`check` found: one ``PartResult`` per part, the points, and the figure (or None)."""

    assignment: str
    results: list = field(default_factory=list)
    figure: object = None
    unchecked: dict = field(default_factory=dict)

    @property
    def earned(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def total(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def ok(self) -> bool:
        return self.earned == self.total

    def hints(self) -> dict:
        """``{part: hint}`` for every part that is not right yet."""
        return {r.name: r.hint for r in self.results if r.hint and not r.ok}

    def notes(self) -> dict:
        """``{part: note}`` for parts that keep their points with a remark (e.g. an error carried forward)."""
        return {r.name: r.note for r in self.results if getattr(r, "note", "")}

    def table(self) -> str:
        """The per-part table as text."""
        width = max([len(r.name) for r in self.results] + [len(n) for n in self.unchecked] + [5])
        lines = [f"{'part':<{width}}  points  result", "-" * (width + 16)]
        for r in self.results:
            note = getattr(r, "note", "")
            verdict = (f"ok ({note})" if note else "ok") if r.ok else r.hint  # a kept part may carry a note
            lines.append(f"{r.name:<{width}}  {r.earned:>2}/{r.points:<3}  {verdict}")
        for name, note in self.unchecked.items():
            lines.append(f"{name:<{width}}   -      {note}")
        lines.append("-" * (width + 16))
        lines.append(f"{'total':<{width}}  {self.earned:>2}/{self.total:<3}  "
                     + ("all visible checks pass (the grader also uses hidden inputs)" if self.ok
                        else "keep going: fix the first hint above"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{self.assignment}: {self.earned}/{self.total} points on the visible checks>"

    def _ipython_display_(self):
        """Nothing more to show in a notebook: ``check()`` already printed the table and drew the figure."""


def _targets(module, objects) -> dict:
    """Map each target name of the assignment to the object the student passed (or None)."""
    names = list(dict.fromkeys(p.target for p in module.parts))
    if len(objects) == 1 and isinstance(objects[0], Mapping):
        space = objects[0]
        return {n: space.get(n) for n in names}
    found = {n: None for n in names}
    loose = []
    for obj in objects:
        name = getattr(obj, "__name__", None)
        if name in found and found[name] is None:
            found[name] = obj
        else:
            loose.append(obj)
    for n in names:  # anything not matched by name fills the remaining targets in order
        if found[n] is None and loose:
            found[n] = loose.pop(0)
    return found


def _run_part(module, part, target, targets=None):
    """The visible check of one part: ``(PartResult, record)``; the student's bugs become hints.

    ``targets`` (name -> the student's object) lets a part that calls another graded function be checked
    with the reference's version of it too, so a mistake carried forward is named as such.
    """
    from autograder.parts import PartResult

    if target is None:
        return PartResult(part.name, part.points, 0, f"`{part.target}` is not defined yet (or was not passed to check)"), None
    space = {**(targets or {}), part.target: target}
    space = {k: v for k, v in space.items() if v is not None}
    try:
        inputs = module.visible_inputs(part.name)
        record = module.observe(part.name, space, inputs)
        return module.score_record(part.name, inputs, record), record
    except Exception as exc:  # a student bug must become a hint, never a crash
        return PartResult(part.name, part.points, 0, f"{type(exc).__name__}: {exc}"), None


def check(assignment: str, *objects, plot: bool = True) -> Summary:
    """Run the visible checks of ``assignment`` on the student's function(s) and report.

    Parameters
    ----------
    assignment : str
        Assignment id: ``"sgdr"``, ``"range_test"``, ``"schedule_comparison"``...
    *objects : callable or dict
        The student's function(s) (matched by name, otherwise in the order of the assignment's
        targets) or the notebook's ``globals()``.
    plot : bool, default True
        Draw the student's curve against the reference.

    Returns
    -------
    Summary
        Per-part results, points, and the matplotlib figure (``None`` without ``plot``).
    """
    from autograder.assignments import get

    check_arg.choice("assignment", assignment, _known())
    if not objects:
        raise TypeError("check needs the function(s) to check, e.g. check('sgdr', sgdr), or globals()")
    module = get(assignment)
    targets = _targets(module, objects)
    summary = Summary(assignment)
    blind = set(module.not_checked)
    for part in module.parts:
        if part.name in blind:  # e.g. a multiple-choice answer: only its form is checked here
            if targets[part.target] is None:
                summary.unchecked[part.name] = "graded when you submit"
                continue
            res, record = _run_part(module, part, targets[part.target], targets)
            form_ok = record is not None and "error" not in record
            summary.unchecked[part.name] = ("answer recorded; it is graded when you submit" if form_ok
                                            else res.hint)
            continue
        res, _ = _run_part(module, part, targets[part.target], targets)
        summary.results.append(res)
    print(f"{module.title}: visible checks")
    print(summary.table())
    if plot and module.plot is not None:
        summary.figure = _plot(module, targets.get(module.plot.target))
    return summary


def _known():
    from autograder.assignments import known

    return known()


def _plot(module, target):
    """Draw the student's values over the reference and show WHERE they differ.

    Line plots get a second panel with the difference (yours - reference), and every point that
    differs is marked on both panels, the first one labelled with both values: an off-by-one curve
    that looks identical at a glance is visibly wrong at its first differing step.
    """
    import matplotlib.pyplot as plt

    from autograder.parts import close, fmt

    from ..plot.style import color

    spec = module.plot
    note = None
    try:
        data = module.plot_values(target)
    except Exception as exc:  # keep the reference visible even if the student's code fails
        data, note = module.plot_values(None), f"your code raised {type(exc).__name__}: {exc}"[:120]
    if target is None:
        note = "nothing of yours to plot yet"
    mine = data.get("student")
    ref = np.asarray(data["reference"], dtype=np.float64)
    differ = np.zeros(ref.shape, dtype=bool)
    if mine is not None:
        mine = np.asarray(mine, dtype=np.float64)
        scale = float(np.nanmax(np.abs(ref))) if ref.size else 1.0
        differ = ~close(mine, ref, module.rtol, 1e-12 * scale) if mine.shape == ref.shape else np.ones(ref.shape, bool)
    line = spec.kind != "bar"
    rows = 2 if line and mine is not None and mine.shape == ref.shape and "student_x" not in data else 1
    fig, axes = plt.subplots(rows, 1, figsize=(8, 3.6 if rows == 1 else 5.2), sharex=True, squeeze=False,
                             height_ratios=[3, 1.3][:rows], layout="constrained")
    ax = axes[0, 0]
    ax.grid(True, which="both", alpha=0.3)
    if not line:
        x = np.arange(len(data["x"]))
        ax.errorbar(x - 0.12, ref, yerr=data.get("reference_err"), fmt="o", capsize=4, color=color(0),
                    label="reference")
        if mine is not None:
            ax.errorbar(x + 0.12, mine, yerr=data.get("student_err"), fmt="s", capsize=4, color=color(1),
                        label="yours")
            if differ.any():
                ax.plot(x[differ] + 0.12, mine[differ], "o", ms=14, mfc="none", mec=color(3), mew=2,
                        label="differs from the reference")
        ax.set_xticks(x, data["x"], rotation=20)
    else:
        xs = np.asarray(data["x"], dtype=np.float64)
        ax.plot(xs, ref, color=color(0), lw=3, alpha=0.45, label="reference")
        if mine is not None:
            own_x = data.get("student_x", xs if mine.shape == ref.shape else np.arange(mine.size))
            ax.plot(own_x, mine, color=color(1), lw=1.3, ls="--", label="yours")  # a path brings its own x
            if rows == 2 and differ.any():
                first = int(np.flatnonzero(differ)[0])
                ax.plot(xs[differ], mine[differ], "x", color=color(3), ms=5, label=f"differs ({differ.sum()} points)")
                ax.axvline(xs[first], color=color(3), lw=1, ls=":")
                ax.annotate(f"first difference at {spec.xlabel} {fmt(xs[first])}:\nyours {fmt(mine[first])}, "
                            f"reference {fmt(ref[first])}", xy=(xs[first], mine[first]), xytext=(0.55, 0.8),
                            textcoords="axes fraction", fontsize=8, color=color(3),
                            arrowprops={"arrowstyle": "->", "color": color(3)})
        if rows == 2:
            diff = axes[1, 0]
            diff.grid(True, alpha=0.3)
            diff.axhline(0.0, color="0.4", lw=1)
            diff.plot(xs, mine - ref, color=color(3) if differ.any() else color(2), lw=1.2)
            diff.set_ylabel("yours - reference", fontsize=8)
            diff.set_xlabel(spec.xlabel)
            if not differ.any():
                diff.text(0.5, 0.5, "no difference", transform=diff.transAxes, ha="center", va="center",
                          color=color(2))
    for a in axes[:, 0]:
        if spec.logx:
            a.set_xscale("log")
    if spec.logy:
        ax.set_yscale("log")
    if rows == 1:
        ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    ax.set_title(spec.title or module.title, fontsize=10)
    if note:
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color=color(3), wrap=True)
    ax.legend(fontsize=8)
    if _inline():
        plt.show()
    return fig


def _inline() -> bool:
    import matplotlib

    return "inline" in matplotlib.get_backend().lower() or "ipympl" in matplotlib.get_backend().lower()

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
        return {r.name: r.hint for r in self.results if r.hint}

    def table(self) -> str:
        """The per-part table as text."""
        width = max([len(r.name) for r in self.results] + [len(n) for n in self.unchecked] + [5])
        lines = [f"{'part':<{width}}  points  result", "-" * (width + 16)]
        for r in self.results:
            verdict = "ok" if r.ok else r.hint
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


def _run_part(module, part, target):
    from autograder.parts import PartResult

    if target is None:
        return PartResult(part.name, part.points, 0, f"`{part.target}` is not defined yet (or was not passed to check)"), None
    try:
        inputs = module.visible_inputs(part.name)
        values = module.evaluate(part.name, target, inputs)
        return module.score(part.name, inputs, values), values
    except NotImplementedError:
        return PartResult(part.name, part.points, 0, f"`{part.target}` still raises NotImplementedError"), None
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
            res, _ = _run_part(module, part, targets[part.target])
            form_ok = not res.hint.startswith(("`", "SubmissionError", "TypeError", "ValueError"))
            summary.unchecked[part.name] = ("answer recorded; it is graded when you submit" if form_ok
                                            else res.hint)
            continue
        res, _ = _run_part(module, part, targets[part.target])
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
    """Draw the student's values against the reference; a note on the figure if the student's code fails."""
    import matplotlib.pyplot as plt

    from ..plot.style import color, new_axes

    spec = module.plot
    ax = new_axes(figsize=(8, 3.6))
    note = None
    try:
        data = module.plot_values(target)
    except Exception as exc:  # keep the reference visible even if the student's code fails
        data, note = module.plot_values(None), f"your code raised {type(exc).__name__}: {exc}"[:120]
    if target is None:
        note = "nothing of yours to plot yet"
    if spec.kind == "bar":
        x = np.arange(len(data["x"]))
        ax.errorbar(x - 0.12, data["reference"], yerr=data.get("reference_err"), fmt="o", capsize=4,
                    color=color(0), label="reference")
        if data.get("student") is not None:
            ax.errorbar(x + 0.12, data["student"], yerr=data.get("student_err"), fmt="s", capsize=4,
                        color=color(1), label="yours")
        ax.set_xticks(x, data["x"], rotation=20)
    else:
        ax.plot(data["x"], data["reference"], color=color(0), lw=3, alpha=0.45, label="reference")
        if data.get("student") is not None:  # a path (e.g. iterates in a plane) brings its own x values
            ax.plot(data.get("student_x", data["x"]), data["student"], color=color(1), lw=1.3, ls="--", label="yours")
    if spec.logx:
        ax.set_xscale("log")
    if spec.logy:
        ax.set_yscale("log")
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    ax.set_title(spec.title or module.title, fontsize=10)
    if note:
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color=color(3), wrap=True)
    ax.legend()
    fig = ax.figure
    if _inline():
        plt.show()
    return fig


def _inline() -> bool:
    import matplotlib

    return "inline" in matplotlib.get_backend().lower() or "ipympl" in matplotlib.get_backend().lower()

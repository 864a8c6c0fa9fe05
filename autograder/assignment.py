"""The contract of a graded assignment: one :class:`Assignment` subclass per assignment.

An assignment module (``autograder/assignments/<name>.py``) defines a subclass and one instance
``ASSIGNMENT``; :func:`autograder.assignments.get` loads it. The subclass declares only what is its
own (parts, hidden and visible inputs, how to call the student's objects, the reference, the hints);
everything shared lives here: part lookup, the per-part random generator of the hidden inputs, the
instant-feedback plot data, and the step from "first hint that applies" to a :class:`PartResult`.

The same object serves three places: the graded test cells (:func:`autograder.harness.run_part`, in
the student's kernel), the grader's authoritative re-scoring (:mod:`autograder.scoring`, outside the
kernel), and the student's instant feedback (:func:`lrcourse.feedback.check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .parts import Part, PartResult, call_vectorized, close, first_mismatch, fmt, recorded_lrs, result

__all__ = ["Assignment", "CurveAssignment", "DiagnosedAssignment", "Plot"]


@dataclass(frozen=True)
class Plot:
    """The instant-feedback figure: the student's values drawn over the reference's.

    ``kind`` is ``"line"`` (``x`` against values) or ``"bar"`` (one point with an error bar per label).
    """

    target: str
    xlabel: str
    ylabel: str
    title: str
    kind: str = "line"
    logx: bool = False
    logy: bool = False


class Assignment:
    """Base class of every graded assignment.

    Class attributes
    ----------------
    name : str
        Assignment id; also the notebook name ``solutions/<name>/<name>.ipynb``.
    title : str
        One line shown above the feedback table.
    parts : tuple of Part
        The graded parts, in notebook order (each is one nbgrader test cell).
    forbidden : dict
        ``{part name or "*": (reference names)}``: lrcourse names a student may not reach for that part
        (``"*"`` applies to every part). Only USE of these names through lrcourse counts, see
        :mod:`autograder.scoring`.
    not_checked : tuple of str
        Parts whose correctness ``check()`` must not reveal (it only checks their form).
    plot : Plot or None
        The instant-feedback figure.
    rtol : float
        Relative tolerance of the comparisons with the reference.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    parts: ClassVar[tuple]
    forbidden: ClassVar[dict] = {}
    not_checked: ClassVar[tuple] = ()
    plot: ClassVar[Plot | None] = None
    rtol: ClassVar[float] = 1e-9

    # --- shared plumbing ----------------------------------------------------------------------------

    def part(self, name) -> Part:
        """The :class:`Part` called ``name`` (a ``Part`` is accepted too); ``ValueError`` otherwise."""
        name = getattr(name, "name", name)
        for part in self.parts:
            if part.name == name:
                return part
        raise ValueError(f"part: assignment {self.name!r} has no part {name!r} "
                         f"(parts: {', '.join(p.name for p in self.parts)})")

    @property
    def part_names(self) -> list:
        return [p.name for p in self.parts]

    @property
    def points(self) -> int:
        return sum(p.points for p in self.parts)

    def forbidden_for(self, part) -> list:
        """Reference names a student may not use for ``part``."""
        name = self.part(part).name
        return list(self.forbidden.get(name, ())) + list(self.forbidden.get("*", ()))

    def rng(self, part, seed: int) -> np.random.Generator:
        """The generator of the hidden inputs of ``part`` for the grading ``seed``."""
        name = self.part(part).name
        return np.random.default_rng([int(seed) % 2**63, sum(map(ord, name))])

    def result(self, part, hint: str) -> PartResult:
        """Full points when ``hint`` is empty, zero otherwise."""
        return result(self.part(part), hint)

    def first_hint(self, part, checks) -> PartResult:
        """The result for the first ``(condition, hint)`` whose condition holds (none: full points).

        The hints of a part are written as an ordered list of diagnoses, most likely cause first; a
        condition may be a callable, evaluated only when the diagnoses before it did not apply.
        """
        for condition, hint in checks:
            if condition() if callable(condition) else condition:
                text = hint() if callable(hint) else hint
                if text:  # a diagnosis may find nothing to say after all
                    return self.result(part, text)
        return self.result(part, "")

    def target_name(self, part) -> str:
        """Name of the student's object graded by ``part`` (``"plot"``: the figure's target)."""
        return self.plot.target if part == "plot" else self.part(part).target

    def callable_target(self, part, target):
        """``target`` if it is callable, else a ``TypeError`` naming the function the part grades."""
        if not callable(target):
            raise TypeError(f"{self.target_name(part)} must be a function, got {type(target).__name__}")
        return target

    def plot_values(self, target) -> dict:
        """``{"x", "reference", "student"}`` of the feedback figure (``student`` is None without a target).

        An override may add ``"student_x"`` when the student's curve has its own x values (a path).
        """
        inputs = self.plot_inputs()
        key = self.plot_key
        return {"x": inputs[self.plot_x], "reference": self.reference("plot", inputs)[key],
                "student": self.evaluate("plot", target, inputs)[key] if target is not None else None}

    plot_x: ClassVar[str] = "t"
    plot_key: ClassVar[str] = "lr"

    # --- what each assignment declares ----------------------------------------------------------------

    def make_inputs(self, part, seed: int) -> dict:  # pragma: no cover - abstract
        """Hidden inputs of ``part``, drawn from ``seed`` (JSON-serialisable)."""
        raise NotImplementedError

    def visible_inputs(self, part) -> dict:  # pragma: no cover - abstract
        """The fixed inputs ``check()`` uses (the notebook's own setting)."""
        raise NotImplementedError

    def evaluate(self, part, target, inputs: dict) -> dict:  # pragma: no cover - abstract
        """Call the student's object on ``inputs``; plain floats in a dict (what the record holds)."""
        raise NotImplementedError

    def reference(self, part, inputs: dict) -> dict:  # pragma: no cover - abstract
        """The reference values, shaped like :meth:`evaluate`'s."""
        raise NotImplementedError

    def score(self, part, inputs: dict, values: dict) -> PartResult:  # pragma: no cover - abstract
        """Points and hint for the recorded ``values``."""
        raise NotImplementedError

    def plot_inputs(self) -> dict:  # pragma: no cover - abstract
        """Inputs of the feedback figure."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<assignment {self.name!r}: {', '.join(f'{p.name} {p.points}' for p in self.parts)}>"


class CurveAssignment(Assignment):
    """An assignment whose answer is a learning rate per step, ``f(t, *args)``, against a schedule.

    Subclasses set ``args`` (the input keys passed after ``t``), ``signature`` (for messages), ``scale``
    (the input key of the peak rate, which sets the absolute tolerance) and implement
    :meth:`schedule`; they may override :meth:`graded` (steps not graded, e.g. restart epochs) and
    :meth:`hints` (the ordered diagnoses of a wrong curve).
    """

    args: ClassVar[tuple] = ()
    signature: ClassVar[str] = ""
    scale: ClassVar[str] = "lr"
    unit: ClassVar[str] = "step"

    def schedule(self, inputs: dict):  # pragma: no cover - abstract
        """The lrcourse reference schedule for ``inputs``."""
        raise NotImplementedError

    def graded(self, part, inputs: dict, t: np.ndarray) -> np.ndarray:
        """Mask of the steps that count (all by default)."""
        return np.ones(t.shape, dtype=bool)

    def hints(self, part, inputs: dict, t, got, ref, graded, atol) -> list:
        """Ordered ``(condition, hint)`` diagnoses of a wrong curve (beyond the generic one)."""
        return []

    def setting(self, inputs: dict) -> str:
        """The parameters of ``inputs`` as hints show them, e.g. ``(T_0=10, T_mult=2, ...)``."""
        return "(" + ", ".join(f"{k}={fmt(inputs[k]) if not isinstance(inputs[k], str) else inputs[k]}"
                               for k in self.args) + ")"

    def evaluate(self, part, target, inputs: dict) -> dict:
        target = self.callable_target(part, target)
        t = np.asarray(inputs["t"])
        return {"lr": call_vectorized(target, t, *(inputs[k] for k in self.args), what=self.signature)}

    def reference(self, part, inputs: dict) -> dict:
        lrs = self.schedule(inputs)(np.asarray(inputs["t"], dtype=np.float64))
        return {"lr": [float(x) for x in np.atleast_1d(lrs)]}

    def score(self, part, inputs: dict, values: dict) -> PartResult:
        p = self.part(part)
        t = np.asarray(inputs["t"], dtype=np.float64)
        ref = np.asarray(self.reference(p.name, inputs)["lr"])
        got, failed = recorded_lrs(p, values, ref, unit=self.unit)
        if failed:
            return failed
        graded = self.graded(p.name, inputs, t)
        atol = 1e-12 * float(inputs[self.scale])
        if np.all(close(got[graded], ref[graded], self.rtol, atol)):
            return self.result(p, "")
        if not np.all(np.isfinite(got[graded])):
            i = int(np.flatnonzero(graded & ~np.isfinite(got))[0])
            return self.result(p, f"your lr is {got[i]} at {self.unit} {fmt(t[i])} {self.setting(inputs)}")
        checks = self.hints(p.name, inputs, t, got, ref, graded, atol)
        i = int(np.flatnonzero(graded)[first_mismatch(got[graded], ref[graded], self.rtol, atol)])
        checks = list(checks)
        checks.append((True, f"first difference at {self.unit} {fmt(t[i])} {self.setting(inputs)}: your lr is "
                             f"{fmt(got[i])}, the reference is {fmt(ref[i])}"))
        return self.first_hint(p, checks)

    def matches(self, got, other, graded, atol) -> bool:
        """Whether the student's curve equals ``other`` (another curve) on the graded steps."""
        return bool(np.all(close(got[graded], np.asarray(other, dtype=np.float64)[graded], 1e-9, atol)))


class DiagnosedAssignment(Assignment):
    """An assignment whose parts are scored by ordered diagnoses against :meth:`reference`.

    :meth:`score` turns the recorded values and the reference into flat float arrays (one per key of the
    reference) and calls ``self.diagnose_<part>(inputs, got, ref)``, which returns the ordered
    ``(condition, hint)`` list of :meth:`first_hint`: empty when the values are right, otherwise the
    diagnoses, most likely cause first, ending with a generic one that always applies. Used by the labs
    whose answers are paths, rates and verdicts rather than a learning rate per step.
    """

    def score(self, part, inputs: dict, values: dict) -> PartResult:
        p = self.part(part)
        ref = self.reference(p.name, inputs)
        try:
            got = {k: np.asarray(values[k], dtype=np.float64).reshape(-1) for k in ref}
        except (KeyError, TypeError, ValueError):
            return self.result(p, "no numeric result was recorded for this part")
        ref = {k: np.asarray(v, dtype=np.float64) for k, v in ref.items()}
        return self.first_hint(p, getattr(self, f"diagnose_{p.name}")(inputs, got, ref))

    def diagnose_cases(self, inputs: dict, mine, right, slips, first_wrong) -> list:
        """Diagnoses of a part graded on several cases (``inputs["cases"]``), one answer per case.

        ``slips`` lists ``(rule, hint)``: ``rule(case)`` is the answer a typical slip gives, and the hint
        applies when the student's answers are the slip's on every case. ``first_wrong(i)`` returns the
        diagnoses of the first case ``i`` the student gets wrong (the last one should always apply).
        """
        cases = inputs["cases"]
        if mine.shape != right.shape:
            return [(True, f"expected {right.size} answers (one per case), got {mine.size}")]
        if np.array_equal(mine, right):
            return []
        checks = [(lambda rule=rule: np.array_equal(mine, [float(rule(c)) for c in cases]), hint) for rule, hint in slips]
        return checks + first_wrong(int(np.flatnonzero(mine != right)[0]))

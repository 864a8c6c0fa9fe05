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

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from . import failure, watch
from .parts import (Part, PartResult, SubmissionError, call_vectorized, close, first_mismatch, fmt, recorded_lrs,
                    result, to_floats)

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
    reference_packages : tuple of str
        Packages besides lrcourse whose ``forbidden`` names are the reference too (e.g. ``("torch",)``
        when PyTorch's own scheduler is the answer); reaching them counts like reaching lrcourse's.
    library_use_expected : bool
        True for labs that invite the student to run lrcourse's simulators: reaching an lrcourse name that
        is not forbidden for the part is then ordinary, not a finding to review (default False).
    depends_on : dict
        ``{part name: target}``: the part's function calls another graded function of the student
        (``{"compare": "run_sgd"}``). The part is also evaluated with :meth:`reference_function`
        of that target substituted in the student's namespace, so an error in the earlier function is
        charged once ("carried forward from run_sgd").
    credit_carried_forward : bool
        When True (default) a part that is right with the reference's earlier function earns its points
        (with a note); when False it is graded on the student's own functions and the hint says the
        error was carried forward.
    upstream : dict
        ``{part: upstream part}`` for parts computed with the student's function of an earlier part;
        see :meth:`upstream_target` and :meth:`carried_forward` (optional, empty by default).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    parts: ClassVar[tuple]
    forbidden: ClassVar[dict] = {}
    not_checked: ClassVar[tuple] = ()
    plot: ClassVar[Plot | None] = None
    rtol: ClassVar[float] = 1e-9
    reference_packages: ClassVar[tuple] = ()
    library_use_expected: ClassVar[bool] = False
    depends_on: ClassVar[dict] = {}
    credit_carried_forward: ClassVar[bool] = True

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

    @property
    def targets(self) -> list:
        """Names of the student's objects the parts grade, in notebook order, each once."""
        return list(dict.fromkeys(p.target for p in self.parts))

    def reference_function(self, target: str):
        """A stand-in for the student's function ``target`` computed by the reference, or None.

        Used for :attr:`depends_on`: an assignment that declares ``{"compare": "run_sgd"}`` returns here
        a callable with ``run_sgd``'s signature and the reference's results.
        """
        return None

    # --- observing the student's objects and scoring the record ------------------------------------

    def observe(self, part, namespace, inputs: dict) -> dict:
        """Evaluate the student's object of ``part`` found in ``namespace`` (the notebook's globals).

        Returns the raw observation a record carries: ``{"values": ...}`` or ``{"error": ...}`` (see
        :func:`autograder.failure.describe`), plus ``values_given``/``error_given`` when the part
        :attr:`depends_on` another graded function and :meth:`reference_function` gives a stand-in for it.
        """
        p = self.part(part)
        observed = self._attempt(p, namespace, inputs)
        earlier = self.depends_on.get(p.name)
        stand_in = self.reference_function(earlier) if earlier else None
        target = namespace.get(p.target)
        space = getattr(target, "__globals__", namespace)
        if stand_in is not None and target is not None and earlier in space:
            with _substituted(space, earlier, stand_in):
                again = self._attempt(p, namespace, inputs)
            observed.update({f"{key}_given": value for key, value in again.items()})
        return observed

    def _attempt(self, p, namespace, inputs: dict) -> dict:
        if p.target not in namespace:
            return {"error": {"kind": failure.UNDEFINED, "target": p.target,
                              "message": f"`{p.target}` is not defined: write it in the solution cell and keep "
                                         f"its name (part {p.name!r} grades `{p.target}`)"}}
        try:
            return {"values": self.evaluate(p.name, namespace[p.target], inputs)}
        except Exception as exc:  # noqa: BLE001 - the student's bug becomes a diagnosis
            return {"error": failure.describe(exc, p.target, self.targets)}

    def error_hint(self, error, locate=None) -> str:
        """The hint for a recorded failure, with the student's line when it is known."""
        text = failure.hint(error, self.targets)
        where = error.get("where") if isinstance(error, dict) else None
        if where and where.get("line") and error.get("kind") != failure.UNDEFINED:
            place = locate(where) if locate is not None else f"line {where['line']}: `{where.get('text', '')}`"
            text += f" (at {place})"
        return text

    def score_record(self, part, inputs: dict, record: dict, locate=None) -> PartResult:
        """Points, hint and note for one record of ``part`` (see :meth:`observe`).

        ``locate`` maps a recorded ``{"file", "line", "text"}`` to the text naming the student's line.
        With :attr:`depends_on`, an error carried forward from the earlier function costs this part
        nothing when :attr:`credit_carried_forward` (a note says so), else the hint says where it came from.
        """
        p = self.part(part)
        own = self._outcome(p, inputs, record, "", locate)
        earlier = self.depends_on.get(p.name)
        if not earlier or not {"values_given", "error_given"} & set(record):
            return own
        given = self._outcome(p, inputs, record, "_given", locate)
        if own.ok or not given.ok:
            return own if own.ok else given
        why = (f"carried forward from {earlier}: `{p.target}` is right with a correct `{earlier}`, but with your "
               f"own `{earlier}` it fails ({own.hint})")
        return replace(given, note=why) if self.credit_carried_forward else self.result(p, why)

    def _outcome(self, p, inputs, record, suffix, locate) -> PartResult:
        error = record.get("error" + suffix)
        if error:
            return self.result(p, self.error_hint(error, locate))
        values = record.get("values" + suffix)
        if values is None:
            return self.result(p, "no result was recorded for this part")
        return self.score(p.name, inputs, values)

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

    # --- numeric answers: arrays, and answers built on an earlier part -----------------------------

    #: ``{part: upstream part}``: the part's answer is computed with the student's function of the
    #: upstream part. A wrong upstream function is charged once, in its own part: when the answer is
    #: right *on the student's own upstream results*, the part keeps its points (error carried forward).
    upstream: ClassVar[dict] = {}

    def recorded(self, part, values, key: str, size: int):
        """``values[key]`` as a flat float array of ``size`` numbers, or ``(None, failing PartResult)``."""
        try:
            got = np.asarray(values[key], dtype=np.float64).reshape(-1)
        except (KeyError, TypeError, ValueError):
            return None, self.result(part, "no numeric result was recorded for this part")
        if got.size != size:
            return None, self.result(part, f"expected {size} number(s), got {got.size}")
        return got, None

    def agrees(self, got, ref, rtol: float | None = None) -> bool:
        """Whether ``got`` equals ``ref`` elementwise within ``rtol``, with an absolute floor of ``rtol``
        times the largest ``|ref|`` (values near zero are compared on the scale of the whole answer)."""
        ref = np.asarray(ref, dtype=np.float64)
        got = np.asarray(got, dtype=np.float64)
        if got.shape != ref.shape:
            return False
        rtol = self.rtol if rtol is None else rtol
        scale = float(np.max(np.abs(ref[np.isfinite(ref)]), initial=0.0))
        same_inf = np.isinf(ref) & (got == ref)
        return bool(np.all(close(got, ref, rtol, rtol * scale) | same_inf))

    def agrees_with_any(self, got, candidates, rtol: float | None = None) -> bool:
        """Whether ``got`` agrees with one of ``candidates`` (e.g. a variance with ``ddof`` 0 or 1)."""
        return any(self.agrees(got, c, rtol) for c in candidates)

    @staticmethod
    def table_answer(out, shape: tuple, what: str, columns: str = "steps") -> list:
        """A student's 2-D answer of ``shape`` ``(rows, columns)`` as a flat list of floats.

        Raises :class:`~autograder.parts.SubmissionError` naming what is off: a transposed table, one
        column short (the start left out), or any other shape.
        """
        got = np.shape(out) if not isinstance(out, (str, bytes, dict, set)) else None
        if got != tuple(shape):
            rows, cols = shape
            if got == (cols, rows):
                why = f"it is transposed: one row per run, one column per {columns[:-1]}"
            elif got == (rows, cols - 1):
                why = "one column short: column 0 must hold the starting point"
            else:
                why = f"got shape {got}"
            raise SubmissionError(f"{what} must have shape {tuple(shape)}: {why}")
        return to_floats(out, what, size=int(np.prod(shape)))

    @staticmethod
    def sgd_iterates(problem, lrs, kicks, theta0) -> np.ndarray:
        """Reference iterates ``(runs, T+1)`` of SGD on ``problem`` with ``kicks`` added to the gradient.

        ``kicks[r, t]`` is the gradient noise of run ``r`` at step ``t``: :func:`lrcourse.simulate_sgd` with
        explicit noise and unit ``noise_sd``, so no random number is drawn. Runs that diverge (the answer
        of a typical mistake may) are frozen at their last finite value, without a warning.
        """
        import warnings

        from lrcourse import DivergenceWarning, simulate_sgd

        lrs = np.asarray(lrs, dtype=np.float64)
        kicks = np.asarray(kicks, dtype=np.float64)
        with warnings.catch_warnings():  # a typical mistake may blow up: its runs are frozen, never NaN
            warnings.simplefilter("ignore", DivergenceWarning)
            res = simulate_sgd(problem, lrs, lrs.size, runs=kicks.shape[0], theta0=float(theta0), noise_sd=1.0,
                               noise=kicks)
        return res.theta

    def like_mistakes(self, got, candidates, rtol: float = 1e-9) -> list:
        """``(condition, hint)`` diagnoses: ``got`` equals the answer that a typical mistake gives.

        ``candidates`` holds ``(answer, hint)`` pairs; an answer may be a callable, computed only when
        the diagnoses before it did not apply (see :meth:`first_hint`).
        """
        return [(lambda c=c: self.agrees(got, np.ravel(c() if callable(c) else c), rtol), h) for c, h in candidates]

    @staticmethod
    def first_difference(got, ref, shape: tuple, rows: str = "run", columns: str = "step", what: str = "value",
                         rtol: float = 1e-9) -> str:
        """Where a 2-D answer first differs from the reference, e.g. ``run 2, step 7: your theta is ...``."""
        got, ref = np.asarray(got, dtype=np.float64).ravel(), np.asarray(ref, dtype=np.float64).ravel()
        i = first_mismatch(got, ref, rtol, rtol * float(np.max(np.abs(ref), initial=0.0)))
        r, c = divmod(max(i, 0), shape[1])
        return (f"first difference at {rows} {r}, {columns} {c}: your {what} is {fmt(got[i])}, "
                f"the reference is {fmt(ref[i])}")

    def upstream_target(self, part, target, of: str | None = None):
        """The student's function graded by ``upstream[part]`` (or by the part ``of``), found beside ``target``.

        A notebook function's ``__globals__`` are the notebook's namespace, where the upstream function
        lives too; ``None`` when the part has no upstream or it cannot be found (a lambda from elsewhere).
        """
        up = of if of is not None else self.upstream.get(self.part(part).name)
        space = getattr(target, "__globals__", None)
        if up is None or not isinstance(space, Mapping):
            return None
        found = space.get(self.part(up).target)
        return found if callable(found) else None

    def carried_forward(self, part, note: str, source: str | None = None) -> PartResult:
        """The answer is right on the student's own results of the upstream part (``source``, by default
        ``upstream[part]``): full points with a note saying so, the error being charged there and only
        there; with :attr:`credit_carried_forward` False, no points and the same words as the hint."""
        p = self.part(part)
        why = f"carried forward from {source or self.upstream[p.name]}: {note}"
        return PartResult(p.name, p.points, p.points, note=why) if self.credit_carried_forward else self.result(p, why)

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


@contextmanager
def _substituted(space: dict, name: str, stand_in):
    """``space[name]`` is ``stand_in`` (wrapped so the runtime watch knows the grader put it there)."""

    def given(*args, **kwargs):
        return stand_in(*args, **kwargs)

    watch.GIVEN_CODES.add(given.__code__)
    saved = space[name]
    space[name] = given
    try:
        yield
    finally:
        space[name] = saved


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

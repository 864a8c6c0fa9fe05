"""Authoritative scores, computed in the grader process and never in the student's kernel.

For each part the grader takes the ``@@lrcourse-record`` line(s) printed by the part's test cell,
re-derives the hidden inputs from the seed IT chose and calls the assignment's pure ``score``. The
in-kernel verdict of nbgrader (error or not) is only compared with it, and a disagreement is
flagged. Evidence (:mod:`autograder.evidence`: the static scan of the student's cells and the runtime
watch's observations) zeroes the parts whose reference the student actually used, quoting the line;
code that only deserves a look is flagged ``review:`` and keeps its score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import failure
from .evidence import Evidence, Finding, Where
from .evidence.cells import CellLocator
from .harness import RECORD_PREFIX, part_seed

RUN_PART = re.compile(r"run_part\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]")
#: at most this many flags of one kind per part or per student
MAX_FLAGS = 12


@dataclass
class PartScore:
    name: str
    points: float
    earned: float
    hint: str = ""
    flags: list = field(default_factory=list)
    in_kernel: float | None = None
    note: str = ""


def test_cell_parts(source_nb, assignment: str) -> dict:
    """Map grade_id of each graded test cell of the source to the part it runs."""
    found = {}
    for cell in source_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for a, part in RUN_PART.findall(cell.source):
                if a == assignment:
                    found[meta["grade_id"]] = part
    return found


def parse_records(cell, assignment: str, part: str) -> tuple[list, list]:
    """Records of ``part`` in the stdout of ``cell``; also returns malformed/foreign record notes."""
    records, notes = [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") != "stream":
            continue
        for line in str(out.get("text", "")).splitlines():
            if not line.startswith(RECORD_PREFIX):
                continue
            try:
                rec = json.loads(line[len(RECORD_PREFIX):])
            except (json.JSONDecodeError, RecursionError):
                notes.append("malformed record")
                continue
            if not isinstance(rec, dict) or rec.get("assignment") != assignment or rec.get("part") != part:
                notes.append("record of another part")
                continue
            records.append(rec)
    return records, notes


def cell_error(cell) -> str:
    """``Name: message`` of the first error output of a cell (no traceback: it shows test source)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {str(out.get('evalue', ''))[:300]}"
    return ""


def scan(sources) -> Evidence:
    """What the student's cells reach and what deserves a look (:class:`autograder.evidence.Evidence`).

    ``sources`` are ``(cell index, source)`` pairs (or plain sources, indexed by position).
    """
    return Evidence.of(sources)


def review_flags(evidence: Evidence, module) -> list[str]:
    """``review: <reason> at cell N, line L: `...``` flags for the instructor (the score stands)."""
    return [f"review: {finding}" for finding in evidence.review(module)][:MAX_FLAGS]


def _clamp(earned, points) -> float:
    earned = float(earned)
    return 0.0 if earned != earned else min(max(earned, 0.0), float(points))


def _runtime_findings(rec: dict, locate) -> tuple[list, list]:
    """Hard findings (reference calls) and review findings (threads, profiler) of one record."""
    hard, review = [], []
    calls: dict = {}  # (where, in a thread?) -> reference functions called from there
    for call in rec.get("reference_calls") or []:
        if isinstance(call, str):  # records of older graders held names only
            call = {"name": call}
        if isinstance(call, dict):
            key = (locate(call), call.get("thread") not in (None, "MainThread"))
            calls.setdefault(key, []).append(str(call.get("name", "?"))[:120])
    for (where, threaded), names in calls.items():
        shown = ", ".join(sorted(set(names))[:6])
        thread = " in a thread it started" if threaded else ""
        hard.append(Finding(f"called the reference implementation ({shown}){thread} while being graded",
                            where, tuple(sorted(set(names)))))
    for key, what in (("threads_running", "was already running when this part was graded"),
                      ("threads_left", "was started by your function and still running after it returned")):
        for thread in rec.get(key) or []:
            if isinstance(thread, dict):
                review.append(Finding(f"a thread ({str(thread.get('name', '?'))[:80]!r}) {what}; calls made "
                                      f"from a thread that existed before grading are not watched", locate(thread)))
    if rec.get("profiler_removed"):
        review.append(Finding("the grader's profiler was removed while your function ran", Where(None, None)))
    return hard, review


def score_parts(module, assignment: str, seed: int, executed, test_cells: dict, part_of: dict,
                evidence: Evidence, events: list, locate: CellLocator | None = None) -> list[PartScore]:
    """Authoritative score of every part of ``module.parts`` for one executed notebook.

    Static evidence (``evidence``) and the runtime watch's observations in the records zero the parts whose
    reference was used, with the line quoted; review findings keep the score. ``tampering-suspected`` is
    flagged only when the grader scored the record itself and nbgrader's in-kernel verdict gave more;
    a part the grader could not score is a ``grader-error`` (listed for the instructor), never tampering.
    """
    from nbgrader.utils import determine_grade

    locate = locate or CellLocator(executed)
    static = evidence.reference_use(module)
    by_part = {part: gid for gid, part in part_of.items()}
    event_at = {}
    for ev in events:
        event_at.setdefault(ev["index"], ev)
    results = []
    for spec in module.parts:
        res = PartScore(spec.name, float(spec.points), 0.0)
        proof = list(static.get(spec.name, []))
        idx = test_cells.get(by_part.get(spec.name))
        if idx is None:
            res.hint = "this part's test cell is missing from the source notebook"
            res.flags.append(f"grader-error: part {spec.name}'s test cell is missing from the source notebook")
            results.append(res)
            continue
        cell = executed.cells[idx]
        try:
            res.in_kernel = determine_grade(cell)[0]
        except Exception:  # noqa: BLE001
            res.in_kernel = None
        records, notes = parse_records(cell, assignment, spec.name)
        good = [r for r in records if r.get("seed") == seed]
        if len(good) != len(records):
            res.flags.append("forged-record: a record with a seed the grader did not choose")
        if len(good) > 1:
            res.flags.append(f"duplicate-records: {len(good)} records for one part (lowest score kept)")
        if notes:
            res.flags.append("foreign-output: " + ", ".join(sorted(set(notes))))
        scored, failures = None, []
        try:
            inputs = module.make_inputs(spec.name, part_seed(seed, spec.name))
        except Exception as exc:  # noqa: BLE001 - the grader's own failure, never the student's
            inputs, good = None, []
            failures.append(f"drawing the hidden inputs failed: {type(exc).__name__}: {exc}")
        for rec in good:
            try:
                result = module.score_record(spec.name, inputs, rec, locate=locate.text)
            except Exception as exc:  # noqa: BLE001 - a record the grader cannot score
                failures.append(f"scoring the record failed: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            earned = _clamp(result.earned, spec.points)
            if scored is None or earned < scored[0]:
                scored = (earned, result.hint, result.note)
            hard, review = _runtime_findings(rec, locate)
            proof += hard
            res.flags += [f"review: {f}" for f in review]
            if rec.get("patched"):
                res.flags.append("patched-comparisons: " + ", ".join(map(str, rec["patched"]))[:200])
        if scored is not None:
            res.earned, res.hint, res.note = scored
            if res.in_kernel is not None and float(res.in_kernel) > res.earned + 1e-9:
                res.flags.append(f"tampering-suspected: nbgrader's in-kernel score {float(res.in_kernel):g} "
                                 f"disagrees with the grader's {res.earned:g} for the same record")
        else:
            res.hint = _no_score_hint(event_at.get(idx), cell, failures, module, spec)
            if failures:
                res.flags.append("grader-error: " + "; ".join(failures)[:400])
            elif res.in_kernel is not None and float(res.in_kernel) > 0 and not event_at.get(idx) \
                    and not cell_error(cell):
                res.flags.append("grader-error: no record was printed although nbgrader's in-kernel verdict "
                                 f"is {float(res.in_kernel):g} points; grade this part by hand")
        if proof:
            proof = _unique_findings(proof)
            res.earned = 0.0
            res.hint = f"0 points: your code {proof[0].reason} at {proof[0].where}; write your own implementation"
            res.flags += [f"reference-implementation: {f}" for f in proof[:MAX_FLAGS]]
        results.append(res)
    return results


_FRAME = re.compile(r"\bin (\w+)\(?")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _no_score_hint(event, cell, failures, module, spec) -> str:
    if failures:
        return "the grader could not score this part (an error of the grader, not yours); your instructor will look at it"
    if event is not None:
        return f"{event['kind']}: {event['detail']}"
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    if error is not None and error.get("ename") == "NotImplementedError":
        # the test cell's visible checks ran into a stub: name the function from the traceback's frames
        frames = [m for line in error.get("traceback", []) for m in _FRAME.findall(_ANSI.sub("", str(line)))]
        inner = next((f for f in reversed(frames) if f in module.targets), spec.target)
        return failure.hint({"kind": failure.NOT_IMPLEMENTED, "target": spec.target, "function": inner},
                            module.targets)
    return cell_error(cell) or "no result was recorded for this part"


def _unique_findings(items) -> list:
    seen, out = set(), []
    for f in items:
        if (f.reason, f.where) not in seen:
            seen.add((f.reason, f.where))
            out.append(f)
    return out

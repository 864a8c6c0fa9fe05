"""Authoritative scores, computed in the grader process and never in the student's kernel.

For each part the grader takes the ``@@lrcourse-record`` line(s) printed by the part's test cell,
re-derives the hidden inputs from the seed IT chose and calls the assignment's pure ``score``. The
in-kernel verdict of nbgrader (error or not) is only compared with it, and a disagreement is
flagged. A static scan of the student's cells zeroes the parts whose reference implementation the
student used, and notes suspicious code (patching, dynamic imports, signals, file access).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from .harness import RECORD_PREFIX, part_seed

RUN_PART = re.compile(r"run_part\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]")
SUSPICIOUS_NAMES = {
    "__import__": "dynamic import", "importlib": "dynamic import", "exec": "exec/eval",
    "eval": "exec/eval", "compile": "exec/eval", "setprofile": "profiler hooks",
    "settrace": "profiler hooks", "getppid": "signals to other processes", "killpg": "signals to other processes",
    "kill": "signals to other processes", "_exit": "hard exit", "ctypes": "ctypes", "builtins": "patching builtins",
    "__builtins__": "patching builtins", "__eq__": "custom equality", "allclose": "comparison functions",
    "isclose": "comparison functions", "testing": "comparison functions",
}
SUSPICIOUS_STRINGS = ("solutions", "gradebook", ".db", "/proc", "autograded", "submitted", "@@lrcourse-record")


@dataclass
class PartScore:
    name: str
    points: float
    earned: float
    hint: str = ""
    flags: list = field(default_factory=list)
    in_kernel: float | None = None


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


def _names(tree) -> tuple[set, set]:
    names, strings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.update(node.name.split("."))
            if node.asname:
                names.add(node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(node.module.split("."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.add(node.value)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names, strings


def scan(sources: list[str]) -> tuple[set, set, list]:
    """Identifiers and string constants used in the student's cells, plus unparsable-cell notes."""
    names, strings, notes = set(), set(), []
    for src in sources:
        text = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines())
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            notes.append("a cell has a syntax error")
            continue
        n, s = _names(tree)
        names |= n
        strings |= s
    return names, strings, notes


def suspicious(names: set, strings: set) -> list[str]:
    """Human-readable reasons to look at a submission by hand (not penalised by themselves)."""
    found = sorted({why for key, why in SUSPICIOUS_NAMES.items() if key in names})
    for needle in SUSPICIOUS_STRINGS:
        if any(needle in s for s in strings):
            found.append(f"mentions {needle!r}")
    return found


def score_parts(module, assignment: str, seed: int, executed, test_cells: dict, part_of: dict,
                names: set, strings: set, events: list) -> list[PartScore]:
    """Authoritative score of every part of ``module.parts`` for one executed notebook."""
    from nbgrader.utils import determine_grade

    by_part = {part: gid for gid, part in part_of.items()}
    event_at = {}
    for ev in events:
        event_at.setdefault(ev["index"], ev)
    results = []
    for spec in module.parts:
        res = PartScore(spec.name, float(spec.points), 0.0)
        gid = by_part.get(spec.name)
        idx = test_cells.get(gid)
        forbidden = sorted({n for n in module.forbidden_for(spec.name) if n in names or n in strings})
        if idx is None:
            res.hint = "this part's test cell is missing from the source notebook"
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
        earned, hint = None, ""
        inputs = module.make_inputs(spec.name, part_seed(seed, spec.name))
        for rec in good:
            try:
                result = module.score(spec.name, inputs, rec.get("values"))
                e, h = float(result.earned), result.hint
            except Exception as exc:  # noqa: BLE001 - garbage values
                e, h = 0.0, f"the values your code returned cannot be compared ({type(exc).__name__})"
            if e != e:  # NaN
                e = 0.0
            e = min(max(e, 0.0), float(spec.points))
            if earned is None or e < earned:
                earned, hint = e, h
            if rec.get("reference_calls"):
                res.flags.append("reference-implementation: called " + ", ".join(map(str, rec["reference_calls"]))[:200])
                earned, hint = 0.0, "you called the reference implementation instead of writing your own"
            if rec.get("patched"):
                res.flags.append("patched-comparisons: " + ", ".join(map(str, rec["patched"]))[:200])
        if earned is None:
            ev = event_at.get(idx)
            if ev is not None:
                hint = f"{ev['kind']}: {ev['detail']}"
            else:
                hint = cell_error(cell) or "no result was recorded for this part"
            earned = 0.0
        if forbidden:
            res.flags.append("reference-implementation: uses " + ", ".join(forbidden))
            earned, hint = 0.0, f"you used the reference implementation ({', '.join(forbidden)}); write your own"
        res.earned, res.hint = earned, hint
        if res.in_kernel is not None and float(res.in_kernel) > earned + 1e-9:
            res.flags.append(f"tampering-suspected: nbgrader's in-kernel score {float(res.in_kernel):g} "
                             f"overridden by the grader's {earned:g}")
        results.append(res)
    return results

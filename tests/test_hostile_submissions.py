"""Hostile and broken submissions (issue 6), all graded in ONE ``lrcourse grade`` run.

Every student is generated from the real released ``exercises/sgdr/sgdr.ipynb`` by filling in the
solution cell (``tests/fixtures/hostile/<case>.py``). Honest students must keep full marks; each
hostile student gets exactly what its code earns; the gradebook and grades.csv stay intact.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import REPO_ROOT

pytestmark = pytest.mark.grading

A = "sgdr"
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
FULL = 10.0
HONEST = ["honest_source", "honest_loop", "honest_names"]
#: expected score of each hostile student (sgdr: first_cycle 2, restarts 3, doubling 3, floor 1, fractional 1)
EXPECTED = {
    "infinite_loop": 9, "hard_exit": 9, "sys_exit": 9, "segfault": 9, "memory_hog": 9,
    "kill_parent": 10, "huge_output": 10, "truncate_files": 10, "deleted_tests": 10,
    "read_solutions": 0, "patch_comparisons": 0, "lying_eq": 0, "reference_import": 0,
    "reference_obfuscated": 0, "forged_record": 0, "invalid_json": 0, "binary_file": 0,
    "wrong_assignment": 0, "renamed_function": 0, "edited_tests": 0,
}
#: a flag (prefix) the instructor's report must show for the student
FLAG = {
    "infinite_loop": "timeout", "hard_exit": "kernel-died", "segfault": "kernel-died",
    "memory_hog": "kernel-died|", "kill_parent": "kernel-died", "read_solutions": "review",
    "patch_comparisons": "patched-comparisons", "reference_import": "reference-implementation",
    "reference_obfuscated": "reference-implementation", "forged_record": "forged-record",
    "invalid_json": "invalid-notebook", "binary_file": "invalid-notebook",
    "wrong_assignment": "wrong-assignment", "deleted_tests": "restored-cell",
    "edited_tests": "edited-locked-cells", "truncate_files": "review",
}
HONEST_NAMES = '''
def sgdr(t, T_0, T_mult, eta_max, eta_min):
    def one(epoch):
        begin, length = 0.0, float(T_0)
        while epoch >= begin + length:
            begin, length = begin + length, length * T_mult
        progress = (epoch - begin) / length
        return eta_min + 0.5 * (eta_max - eta_min) * (1 + math.cos(math.pi * progress))
    if np.ndim(t) == 0:
        return one(float(t))
    return np.array([one(float(x)) for x in np.ravel(t)])
import math
'''


def _fill(release, solution: str, extra: str | None = None):
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sgdr_solution":
            cell.source = solution
            if extra:
                cells.append(nbformat.v4.new_code_cell(extra))
    nb.cells = cells
    return nb


def _case(name: str, paths: dict) -> tuple[str, str | None]:
    text = (FIXTURES / f"{name}.py").read_text()
    honest = (FIXTURES / "_honest.py").read_text()
    for key, value in {"{HONEST}": honest, "{OUT_DIR}": paths["out"], "{REPO}": str(REPO_ROOT)}.items():
        text = text.replace(key, value)
    solution, _, extra = text.partition("# %% extra\n")
    return solution, (extra or None)


def _write(subs: Path, student: str, nb=None, raw: bytes | None = None) -> None:
    (subs / student).mkdir(parents=True)
    path = subs / student / f"{A}.ipynb"
    if raw is not None:
        path.write_bytes(raw)
    else:
        nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "subs", base / "out"
    paths = {"out": str(out)}
    release = nbformat.read(REPO_ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    honest = (FIXTURES / "_honest.py").read_text()
    _write(subs, "honest_source", raw=(REPO_ROOT / "solutions" / A / f"{A}.ipynb").read_bytes())
    _write(subs, "honest_loop", _fill(release, honest))
    _write(subs, "honest_names", _fill(release, HONEST_NAMES))
    for case in EXPECTED:
        if (FIXTURES / f"{case}.py").is_file():
            _write(subs, case, _fill(release, *_case(case, paths)))
    _write(subs, "invalid_json", raw=b'{"cells": [{"cell_type": "code", "source": "def sgdr(')
    _write(subs, "binary_file", raw=bytes(range(256)) * 64)
    _write(subs, "wrong_assignment", raw=(REPO_ROOT / "solutions" / "range_test" / "range_test.ipynb").read_bytes())
    _write(subs, "renamed_function", _fill(release, honest.replace("def sgdr(", "def my_sgdr(")))
    deleted = _fill(release, honest)
    deleted.cells = [c for c in deleted.cells if not c.metadata.get("nbgrader", {}).get("grade")
                     and "check(" not in c.source]
    _write(subs, "deleted_tests", deleted)
    edited = _fill(release, "def sgdr(t, T_0, T_mult, eta_max, eta_min):\n    return eta_max + 0 * np.asarray(t)\n")
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass  # tests removed"
    _write(subs, "edited_tests", edited)
    proc = subprocess.run([sys.executable, "-m", "lrcourse.app.cli", "grade", A, str(subs), "--out", str(out),
                           "--jobs", "2", "--timeout", "20", "--seed", "4242", "--no-progress"],
                          capture_output=True, text=True, timeout=900)
    with open(out / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    return {"proc": proc, "rows": rows, "out": out, "subs": subs,
            "report": (out / "report.md").read_text()}


def test_run_completes_with_status_zero(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr[-3000:]


def test_grades_csv_is_complete(graded):
    students = sorted(p.name for p in graded["subs"].iterdir())
    assert sorted(graded["rows"]) == students
    assert len(students) == len(HONEST) + len(EXPECTED)


@pytest.mark.parametrize("student", HONEST)
def test_honest_students_keep_full_marks(graded, student):
    assert float(graded["rows"][student]["score"]) == FULL


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_hostile_student_scores_what_it_earned(graded, student):
    row = graded["rows"][student]
    assert float(row["score"]) == EXPECTED[student], graded["report"][-4000:]


@pytest.mark.parametrize("student", ["infinite_loop"])
def test_fault_in_one_part_costs_only_that_part(graded, student):
    row = graded["rows"][student]
    assert float(row["fractional"]) == 0
    assert all(float(row[p]) > 0 for p in ("first_cycle", "restarts", "doubling", "floor"))


@pytest.mark.parametrize("student", ["hard_exit", "sys_exit", "segfault", "memory_hog"])
def test_crash_on_positive_floor_costs_the_floor_part(graded, student):
    row = graded["rows"][student]
    assert float(row["floor"]) == 0 and float(row["score"]) == FULL - 1


@pytest.mark.parametrize("student", sorted(FLAG))
def test_report_flags_the_student(graded, student):
    report = graded["report"]
    line = next(ln for ln in report.splitlines() if ln.startswith(f"| {student} |"))
    wanted = FLAG[student].rstrip("|")
    assert wanted in line or wanted in report.split(f"### {student}\n", 1)[-1].split("###")[0]


def test_gradebook_is_intact_and_agrees_with_grades_csv(graded):
    from nbgrader.api import Gradebook

    db = graded["out"] / "gradebook.db"
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    with Gradebook(f"sqlite:///{db}") as gb:
        assert len(gb.students) == len(graded["rows"])
        for student, row in graded["rows"].items():
            assert gb.find_submission(A, student).code_score == pytest.approx(float(row["score"]))


def test_source_notebooks_untouched(graded):
    nb = nbformat.read(REPO_ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    assert any("BEGIN SOLUTION" in c.source for c in nb.cells)


def test_feedback_never_shows_hidden_tests_or_solutions(graded):
    for page in (graded["out"] / "feedback").glob(f"*/{A}/{A}.html"):
        text = page.read_text()
        assert "BEGIN HIDDEN" not in text and "run_part(" not in text
        if page.parent.parent.name not in ("honest_source", "wrong_assignment"):  # their own text
            assert "BEGIN SOLUTION" not in text


def test_output_is_capped(graded):
    page = (graded["out"] / "feedback" / "huge_output" / A / f"{A}.html").read_text()
    assert len(page) < 200_000
    nb_size = (graded["out"] / "autograded" / "huge_output" / A / f"{A}.ipynb").stat().st_size
    assert nb_size < 5_000_000


def test_hints_explain_the_faults(graded):
    work = graded["out"] / ".work"
    loop = json.loads((work / "infinite_loop.json").read_text())
    assert any(e["kind"] == "timeout" for e in loop["events"])
    renamed = (graded["out"] / "feedback" / "renamed_function" / A / f"{A}.html").read_text()
    assert "sgdr" in renamed and "not defined" in renamed

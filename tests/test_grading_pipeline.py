"""End-to-end tests of the grading pipeline (issue 5) through nbgrader and ``lrcourse grade``.

One grading run per assignment (module-scoped) grades the source notebook (full marks expected) and
the blank release (zero expected); the remaining tests inspect what the run left behind.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments import get
from autograder.course import REPO_ROOT
from autograder.release import available_assignments, generate, normalized

pytestmark = pytest.mark.grading

ASSIGNMENTS = available_assignments()
LRCOURSE = [sys.executable, "-m", "lrcourse.app.cli"]


def _solution_lines(nb_path: Path) -> list[str]:
    """Non-trivial lines between BEGIN/END SOLUTION markers of the source notebook."""
    nb = json.loads(nb_path.read_text())
    lines = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, flags=re.S):
            lines += [ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12]
    return lines


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Grade source + blank of every assignment with ``lrcourse grade`` (CLI, 2 jobs)."""
    out = {}
    for a in ASSIGNMENTS:
        base = tmp_path_factory.mktemp(f"grade-{a}")
        subs = base / "subs"
        for student, folder in (("source", "solutions"), ("blank", "exercises")):
            (subs / student).mkdir(parents=True)
            shutil.copy(REPO_ROOT / folder / a / f"{a}.ipynb", subs / student / f"{a}.ipynb")
        proc = subprocess.run([*LRCOURSE, "grade", a, str(subs), "--out", str(base / "out"), "--jobs", "2",
                               "--timeout", "60", "--no-progress"], capture_output=True, text=True, timeout=600)
        out[a] = (base, proc)
    return out


def _grades(base: Path) -> dict:
    with open(base / "out" / "grades.csv", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cli_exits_zero_and_prints_a_summary(runs, assignment):
    base, proc = runs[assignment]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "source" in proc.stdout and "blank" in proc.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_full_marks_and_blank_zero(runs, assignment):
    module = get(assignment)
    total = sum(p.points for p in module.parts)
    rows = _grades(runs[assignment][0])
    assert float(rows["source"]["score"]) == total
    assert float(rows["source"]["max_score"]) == total
    assert float(rows["blank"]["score"]) == 0
    for p in module.parts:
        assert float(rows["source"][p.name]) == p.points
        assert float(rows["blank"][p.name]) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grades_csv_columns(runs, assignment):
    module = get(assignment)
    header = (runs[assignment][0] / "out" / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == ["student_id", "assignment", "score", "max_score", *(p.name for p in module.parts)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_gradebook_holds_the_same_scores(runs, assignment):
    from nbgrader.api import Gradebook

    base = runs[assignment][0]
    rows = _grades(base)
    with Gradebook(f"sqlite:///{base / 'out' / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == ["blank", "source"]
        for student in ("blank", "source"):
            sub = gb.find_submission(assignment, student)
            assert sub.code_score == pytest.approx(float(rows[student]["score"]))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_points_but_no_hidden_test(runs, assignment):
    base = runs[assignment][0]
    for student in ("blank", "source"):
        page = (base / "out" / "feedback" / student / assignment / f"{assignment}.html").read_text()
        assert "BEGIN HIDDEN" not in page and "run_part" not in page and "@@lrcourse-record" not in page
        assert "/ " in page  # "earned / points"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_and_no_hidden_test(assignment):
    src = REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    text = (REPO_ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "run_part("):
        assert marker not in text
    lines = _solution_lines(src)
    assert lines, "the source notebook should have solution regions"
    released = json.loads(text)
    code = "\n".join("".join(c["source"]) for c in released["cells"])
    leaked = [ln for ln in lines if ln in code]
    assert not leaked


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_in_sync_with_solutions(tmp_path, assignment):
    fresh = generate(assignment, tmp_path)
    committed = REPO_ROOT / "exercises" / assignment
    assert normalized(fresh / f"{assignment}.ipynb") == normalized(committed / f"{assignment}.ipynb"), \
        "exercises/ is out of date: run `lrcourse release`"
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir())


def test_regrading_is_idempotent(runs):
    from autograder import grade

    a = ASSIGNMENTS[0]
    base = runs[a][0]
    before = (base / "out" / "grades.csv").read_bytes()
    again = grade(a, base / "subs", base / "out", jobs=2, timeout=60, resume=False, progress=False)
    assert again.executed == 2
    assert (base / "out" / "grades.csv").read_bytes() == before
    resumed = grade(a, base / "subs", base / "out", jobs=2, progress=False)
    assert resumed.executed == 0 and resumed.reused == 2
    assert (base / "out" / "grades.csv").read_bytes() == before
    con = sqlite3.connect(base / "out" / "gradebook.db")
    try:
        n_grades = con.execute("select count(*) from grade").fetchone()[0]
        n_students = con.execute("select count(*) from student").fetchone()[0]
    finally:
        con.close()
    n_cells = len([p for p in get(a).parts])
    assert n_students == 2
    assert n_grades >= 2 * n_cells

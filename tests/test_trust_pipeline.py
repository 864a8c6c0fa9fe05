"""Grading an instructor can trust (issue 10), through the real pipeline: one ``lrcourse grade`` run per
assignment, then ``lrcourse gradebook`` over all of them.

- submissions written in other styles than ours (``tests/fixtures/outside``: correct but different, own
  helper names, typical mistakes, blanks, crashes) score exactly the README's points, part by part;
- honest students whose own code is named like EVERY reference symbol of the assignment score full
  marks, with no flag at all;
- real cheats (an import, an attribute chain, built strings, a thread whose names are only known at
  run time, the grader's own code) score 0, and the report and the feedback quote the line;
- code the grader cannot read keeps its score and is listed for review with its line;
- the reports, the figure, the feedback pages and the combined gradebook are written.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import stat
import subprocess
import sys

import nbformat
import pytest

import outside
from autograder.assignments import ASSIGNMENTS, get

pytestmark = pytest.mark.grading

LRCOURSE = [sys.executable, "-m", "lrcourse.app.cli"]
STYLED = ["sgdr", "warmup_cosine", "one_cycle", "plateau"]


def _cli(*args, timeout=900):
    return subprocess.run([*LRCOURSE, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every assignment graded once: its honest student with shadows, a blank, and (for the four assignments
    of this helper) the outside-style class."""
    base = tmp_path_factory.mktemp("trust")
    runs = {}
    for assignment in ASSIGNMENTS:
        subs, out = base / "subs" / assignment, base / "out" / assignment
        subs.mkdir(parents=True)
        students = outside.load(assignment) if assignment in STYLED else {}
        for student, sub in students.items():
            (subs / student).mkdir()
            nbformat.write(outside.notebook(assignment, sub), subs / student / f"{assignment}.ipynb")
        (subs / "shadows").mkdir()
        nbformat.write(outside.with_shadows(assignment), subs / "shadows" / f"{assignment}.ipynb")
        (subs / "untouched").mkdir()
        nbformat.write(nbformat.from_dict(outside.released(assignment)), subs / "untouched" / f"{assignment}.ipynb")
        proc = _cli("grade", assignment, str(subs), "--out", str(out), "--jobs", "2", "--timeout", "60",
                    "--no-progress")
        assert proc.returncode == 0, proc.stderr[-3000:]
        with open(out / "grades.csv", newline="") as fh:
            rows = {r["student_id"]: r for r in csv.DictReader(fh)}
        runs[assignment] = {"out": out, "rows": rows, "students": students,
                            "report": (out / "report.md").read_text()}
    return {"base": base, "runs": runs}


def _details(report: str, student: str) -> str:
    return report.split("## Details", 1)[1].split(f"### {student}\n", 1)[1].split("\n### ", 1)[0]


def _page(run, student, assignment) -> str:
    return (run["out"] / "feedback" / student / assignment / f"{assignment}.html").read_text()


# --- the README's points, part by part ------------------------------------------------------------

def test_the_readme_table_matches_the_assignments():
    points = outside.readme_points()
    for assignment in ASSIGNMENTS:
        assert points[assignment] == [p.points for p in get(assignment).parts], assignment


STYLED_CASES = [(a, s) for a in STYLED for s in outside.load(a)]


@pytest.mark.parametrize(("assignment", "student"), STYLED_CASES, ids=[f"{a}-{s}" for a, s in STYLED_CASES])
def test_outside_submissions_score_the_readme_points(graded, assignment, student):
    run = graded["runs"][assignment]
    row = run["rows"][student]
    sub = run["students"][student]
    readme = dict(zip(get(assignment).part_names, outside.readme_points()[assignment]))
    expected = {part: 0 if part in sub.loses else pts for part, pts in readme.items()}
    assert {p: float(row[p]) for p in readme} == expected, _details(run["report"], student) if sub.loses else ""
    assert float(row["score"]) == sum(expected.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_honest_names_like_every_reference_symbol_score_full_marks_unflagged(graded, assignment):
    run = graded["runs"][assignment]
    row = run["rows"]["shadows"]
    assert float(row["score"]) == float(row["max_score"]) == 10
    line = next(ln for ln in run["report"].splitlines() if ln.startswith("| shadows |"))
    assert line.endswith("| ok |  |"), line
    assert "reference implementation" not in _page(run, "shadows", assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_release_is_not_implemented_yet(graded, assignment):
    run = graded["runs"][assignment]
    assert float(run["rows"]["untouched"]["score"]) == 0
    page = _page(run, "untouched", assignment)
    assert "is not implemented yet" in page
    assert not re.search(r"NotImplementedError: \s*(<|\n)", page)  # never a bare exception name


# --- evidence: cheats lose everything, with the line quoted --------------------------------------

CHEATS = [s for s, sub in outside.load("sgdr").items() if sub.quote]


@pytest.mark.parametrize("student", CHEATS)
def test_cheats_score_zero_and_the_line_is_quoted(graded, student):
    run = graded["runs"]["sgdr"]
    assert float(run["rows"][student]["score"]) == 0
    details = _details(run["report"], student)
    page = _page(run, student, "sgdr")
    for quote in run["students"][student].quote:
        flags = [ln for ln in details.splitlines() if ln.startswith("- reference-implementation") and quote in ln]
        assert flags, details
        assert "cell " in flags[0] and ", line " in flags[0]
        assert quote.replace('"', "&quot;") in page
    assert "Use of the reference implementation" in page


def test_the_thread_cheat_is_caught_at_run_time_in_its_thread(graded):
    details = _details(graded["runs"]["sgdr"]["report"], "cheat_thread")
    assert "called the reference implementation (CosineAnnealingWarmRestarts" in details
    assert "in a thread it started" in details


# --- review: the score stands, the line is named -------------------------------------------------

@pytest.mark.parametrize("student", [s for s, sub in outside.load("sgdr").items() if sub.review])
def test_unreadable_code_is_listed_for_review_with_its_line(graded, student):
    run = graded["runs"]["sgdr"]
    sub = run["students"][student]
    details = _details(run["report"], student)
    for line in sub.review:
        assert any(ln.startswith("- review:") and line in ln for ln in details.splitlines()), details
    if not sub.loses:
        assert float(run["rows"][student]["score"]) == 10
        page = _page(run, student, "sgdr")
        assert "Lines your instructor will read" in page and "reference implementation" not in page


# --- what the run leaves for the instructor and the students ------------------------------------

def test_class_analytics_are_written(graded):
    run = graded["runs"]["sgdr"]
    out = run["out"]
    report = run["report"]
    assert "## Class summary" in report and "### Pass rate per part" in report
    passed = sum(float(r["restarts"]) > 0 for r in run["rows"].values())
    assert f"| restarts | {passed}/{len(run['rows'])} |" in report
    assert (out / "class.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "report.html").read_text()
    assert "Most frequent hints" in page and "cheat_thread" in page


def test_feedback_embeds_the_students_figure_and_is_readable(graded):
    run = graded["runs"]["sgdr"]
    path = run["out"] / "feedback" / "own_helpers" / "sgdr" / "sgdr.html"
    page = path.read_text()
    assert "data:image/png;base64," in page and "&lt;Figure size" not in page
    assert "BEGIN HIDDEN" not in page and "run_part(" not in page
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755


# --- one gradebook for the course ----------------------------------------------------------------

@pytest.fixture(scope="module")
def gradebook(graded):
    outs = [str(graded["runs"][a]["out"]) for a in ASSIGNMENTS]
    target = graded["base"] / "lms"
    target.mkdir()
    proc = _cli("gradebook", *outs, "--csv", str(target / "grades.csv"), timeout=600)
    return {"proc": proc, "outs": outs, "csv": target / "grades.csv", "db": target / "gradebook.db"}


def test_gradebook_writes_a_canvas_csv(gradebook, graded):
    assert gradebook["proc"].returncode == 0, gradebook["proc"].stderr[-2000:]
    with open(gradebook["csv"], newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *ASSIGNMENTS]
    assert rows[1] == ["Points Possible", "", "", "", "", *["10"] * len(ASSIGNMENTS)]
    table = {r[0]: dict(zip(rows[0], r)) for r in rows[2:]}
    students = {s for a in ASSIGNMENTS for s in graded["runs"][a]["rows"]}
    assert set(table) == students
    for assignment in ASSIGNMENTS:
        for student, row in graded["runs"][assignment]["rows"].items():
            assert float(table[student][assignment]) == float(row["score"])
            assert table[student]["SIS Login ID"] == student
    assert table["own_helpers"]["plateau"] == ""  # graded for sgdr only


def test_gradebook_keeps_one_nbgrader_gradebook_of_every_assignment(gradebook, graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook['db']}") as gb:
        assert sorted(a.name for a in gb.assignments) == sorted(ASSIGNMENTS)
        for assignment in ASSIGNMENTS:
            for student, row in graded["runs"][assignment]["rows"].items():
                assert gb.find_submission(assignment, student).score == pytest.approx(float(row["score"]))
    con = sqlite3.connect(gradebook["db"])
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert not list(gradebook["db"].parent.glob(".lrcourse-gradebook-*"))


def test_gradebook_refuses_to_overwrite_and_names_the_option(gradebook):
    before = gradebook["csv"].read_bytes()
    proc = _cli("gradebook", *gradebook["outs"], "--csv", str(gradebook["csv"]))
    assert proc.returncode == 2 and "--csv" in proc.stderr and "--force" in proc.stderr
    assert gradebook["csv"].read_bytes() == before
    forced = _cli("gradebook", *gradebook["outs"][:2], "--csv", str(gradebook["csv"]), "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook['db']}") as gb:  # updated, the other assignments kept
        assert sorted(a.name for a in gb.assignments) == sorted(ASSIGNMENTS)


@pytest.mark.parametrize(("args", "message"), [
    (["--id-column", "Email"], "--id-column"),
    (["--root", "/nonexistent/course"], "--root"),
])
def test_gradebook_validates_its_options(gradebook, tmp_path, args, message):
    proc = _cli("gradebook", gradebook["outs"][0], "--csv", str(tmp_path / "x.csv"), *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_gradebook_refuses_bad_folders(gradebook, tmp_path):
    proc = _cli("gradebook", str(tmp_path), "--csv", str(tmp_path / "x.csv"))
    assert proc.returncode == 2 and "OUT_DIR" in proc.stderr and "grades.csv" in proc.stderr
    twice = _cli("gradebook", gradebook["outs"][0], gradebook["outs"][0], "--csv", str(tmp_path / "x.csv"))
    assert twice.returncode == 2 and "given twice" in twice.stderr

"""``lrcourse gradebook`` on grading outputs written by the pipeline's own writers (no kernel needed):
the Canvas CSV, manual grades from the formgrader, the combined nbgrader gradebook, option checks."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import spreadsheet
from autograder.gradebook import Scores, canvas_csv, combine, read_run
from autograder.outputs import gradebook, grades_csv
from autograder.pipeline import StudentResult
from lrcourse.app.cli import main

PARTS = {"sgdr": {"first_cycle": 2, "restarts": 3, "doubling": 3, "floor": 1, "fractional": 1},
         "one_cycle": {"rise": 3, "fall": 3, "final": 4}}
#: points lost per (assignment, student): the rest of each part is earned
LOST = {("sgdr", "ana"): {"restarts"}, ("sgdr", "ben"): set(), ("one_cycle", "ana"): {"final", "rise"},
        ("one_cycle", "cy"): set()}


def _results(assignment):
    out = []
    for (a, student), lost in LOST.items():
        if a == assignment:
            parts = {p: {"points": float(n), "earned": 0.0 if p in lost else float(n), "hint": ""}
                     for p, n in PARTS[a].items()}
            out.append(StudentResult(student, sum(p["earned"] for p in parts.values()), 10.0, parts))
    return out


@pytest.fixture(scope="module")
def outs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    found = {}
    for assignment, parts in PARTS.items():
        out = base / assignment
        out.mkdir()
        students = _results(assignment)
        grades_csv(out / "grades.csv", assignment, list(parts), students)
        gradebook(out, out, assignment, None, {p: p for p in parts}, students)
        found[assignment] = out
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{found['sgdr'] / 'gradebook.db'}") as gb:  # the formgrader's manual grade
        gb.find_grade("restarts", "sgdr", "sgdr", "ana").manual_score = 2.0
        gb.db.commit()
    return found


def test_read_run_takes_manual_scores_from_the_gradebook(outs):
    (scores,) = read_run(outs["sgdr"])
    assert scores.parts["ana"]["restarts"] == (0.0, 2.0)
    assert scores.total("ana") == 9.0 and scores.total("ben") == 10.0


def test_canvas_csv_layout():
    table = {"a1": Scores("a1", None, ["p"], 5.0, {"x": {"p": (4.0, None)}, "y": {"p": (1.0, 3.0)}}),
             "a2": Scores("a2", None, ["q"], 10.0, {"y": {"q": (10.0, None)}})}
    rows = list(csv.reader(io.StringIO(canvas_csv(table, "SIS User ID"))))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a1", "a2"],
                    ["Points Possible", "", "", "", "", "5", "10"],
                    ["x", "", "x", "", "", "4", ""],
                    ["y", "", "y", "", "", "3", "10"]]
    with pytest.raises(ValueError, match="id_column"):
        canvas_csv(table, "Email")
    with pytest.raises(ValueError, match="in both"):
        combine([table["a1"], table["a1"]])


def test_the_command_writes_the_csv_and_one_gradebook(outs, tmp_path, capsys):
    target = tmp_path / "grades.csv"
    assert main(["gradebook", str(outs["sgdr"]), str(outs["one_cycle"]), "--csv", str(target)]) == 0
    rows = list(csv.reader(target.open()))
    by_student = {r[0]: r for r in rows[2:]}
    assert rows[0][5:] == ["sgdr", "one_cycle"] and rows[1][5:] == ["10", "10"]
    assert by_student["ana"][5:] == ["9", "3"]  # 7 + the manual 2; 10 - rise 3 - final 4
    assert by_student["ben"][5:] == ["10", ""] and by_student["cy"][5:] == ["", "10"]
    assert "3 students, 2 assignments" in capsys.readouterr().out
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        assert sorted(a.name for a in gb.assignments) == ["one_cycle", "sgdr"]
        assert gb.find_grade("restarts", "sgdr", "sgdr", "ana").manual_score == 2.0
        assert gb.find_submission("one_cycle", "ana").score == 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gradebook.db", "grades.csv"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--id-column", "Email"], "--id-column"),
    (["--db", "DIR"], "--db"),
    (["--root", "/nonexistent/course"], "--root"),
])
def test_options_are_checked_before_anything_is_written(outs, tmp_path, capsys, extra, message):
    extra = [str(tmp_path) if x == "DIR" else x for x in extra]
    assert main(["gradebook", str(outs["sgdr"]), "--csv", str(tmp_path / "g.csv"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lrcourse gradebook: error: " + message)
    assert not (tmp_path / "g.csv").exists()


def test_existing_outputs_need_force(outs, tmp_path, capsys):
    target = tmp_path / "g.csv"
    target.write_text("keep me")
    assert main(["gradebook", str(outs["sgdr"]), "--csv", str(target)]) == 2
    assert "--csv" in capsys.readouterr().err and target.read_text() == "keep me"
    assert main(["gradebook", str(outs["sgdr"]), "--csv", str(target), "--force"]) == 0
    assert target.read_text().startswith("Student,")


# --- CSV injection: a student id is a folder name nobody vetted -------------------------------------

FORMULA_IDS = ['=HYPERLINK("http://x","y")', "+1", "-rf", "@SUM(A1)", "'quoted", "ada"]


def test_formula_like_ids_are_text_in_every_csv_and_read_back_exactly(tmp_path):
    parts = PARTS["sgdr"]
    students = [StudentResult(s, 10.0, 10.0, {p: {"points": float(n), "earned": float(n), "hint": ""}
                                              for p, n in parts.items()}) for s in FORMULA_IDS]
    grades_csv(tmp_path / "grades.csv", "sgdr", list(parts), students)
    gradebook(tmp_path, tmp_path, "sgdr", None, {p: p for p in parts}, students)
    cells = [row[0] for row in csv.reader((tmp_path / "grades.csv").open())][1:]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells), cells
    (scores,) = read_run(tmp_path)
    assert sorted(scores.parts) == sorted(FORMULA_IDS)
    rows = list(csv.reader(io.StringIO(canvas_csv({"sgdr": scores}, "SIS User ID"))))[2:]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[:4]), rows
    assert sorted(spreadsheet.restore(r[0]) for r in rows) == sorted(FORMULA_IDS)


@given(st.text(max_size=20))
def test_spreadsheet_escape_round_trips_and_never_starts_a_formula(text):
    cell = spreadsheet.safe(text)
    assert spreadsheet.restore(cell) == text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "10", None, True])
def test_a_score_cell_must_be_a_finite_number(bad):
    with pytest.raises(ValueError, match=r"^x: a score must be a finite number"):
        spreadsheet.number(bad)

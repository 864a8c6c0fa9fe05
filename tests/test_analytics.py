"""Class analytics (issue 10) checked against a class of six whose numbers are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import analytics
from autograder.outputs import report_md
from autograder.pipeline import GradingRun, StudentResult

POINTS = {"first_cycle": 2, "restarts": 3, "doubling": 3, "floor": 1, "fractional": 1}
RESTART_16 = "your lr restarts at epoch 16, the reference restarts at 15 (T_0=15, T_mult=1, eta_max=0.05, eta_min=0)"
RESTART_11 = "your lr restarts at epoch 11, the reference restarts at 10 (T_0=10, T_mult=1, eta_max=0.1, eta_min=0)"
FLOOR = "your lr decays towards 0 instead of eta_min=0.001 (T_0=7, T_mult=1, eta_max=0.2, eta_min=0.001)"
ROUNDED = "your lr equals the reference at the epoch rounded down: fractional epochs are rounded down (T_0=4)"
STUB = "`sgdr` is not implemented yet: replace `raise NotImplementedError()` with your code (at cell 3, line 3: `raise NotImplementedError()`)"
REFERENCE = ("0 points: your code uses the reference implementation (lrcourse.restart_points) at cell 3, line 1: "
             "`from lrcourse import restart_points`; write your own implementation")


def _student(name, wrong: dict, flags=()):
    parts = {p: {"points": float(n), "earned": 0.0 if p in wrong else float(n), "hint": wrong.get(p, ""),
                 "flags": [], "note": ""} for p, n in POINTS.items()}
    return StudentResult(name, sum(p["earned"] for p in parts.values()), 10.0, parts, list(flags))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """ana right; ben and cai the same restart mistake (other numbers); dee floor + fractional; eve the stub
    (and a review flag); fay the reference (zeroed, one flag per part)."""
    students = [
        _student("ana", {}),
        _student("ben", {"restarts": RESTART_16}),
        _student("cai", {"restarts": RESTART_11}),
        _student("dee", {"floor": FLOOR, "fractional": ROUNDED}),
        _student("eve", dict.fromkeys(POINTS, STUB),
                 ["review: imports a module whose name is computed at run time at cell 4, line 1: `m = __import__(x)`"]),
        _student("fay", dict.fromkeys(POINTS, REFERENCE),
                 [f"reference-implementation: part {p}: uses the reference implementation (lrcourse.restart_points) "
                  f"at cell 3, line 1: `from lrcourse import restart_points`" for p in POINTS]),
    ]
    out = tmp_path_factory.mktemp("analytics")
    grading = GradingRun("sgdr", out, 7, 10.0, list(POINTS), students={s.student_id: s for s in students})
    return grading


def test_histogram_counts_every_score_once(run):
    summary = analytics.summarize(run)
    counts = {low: n for low, high, n in summary.histogram}
    assert counts == {0: 2, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 2, 8: 1, 9: 0, 10: 1}
    assert summary.histogram[-1] == (10, 10, 1)
    assert summary.mean == pytest.approx(32 / 6)


def test_pass_rate_of_every_part(run):
    assert analytics.summarize(run).pass_rate == {"first_cycle": (4, 6), "restarts": (2, 6), "doubling": (4, 6),
                                                  "floor": (3, 6), "fractional": (3, 6)}


def test_the_same_mistake_with_other_numbers_is_counted_together(run):
    hints = analytics.summarize(run).hints
    count, part, text, example = hints[0]
    assert (count, part) == (2, "restarts")
    assert text == "your lr restarts at epoch #, the reference restarts at #"
    assert example == RESTART_16
    # every other (part, cause) pair occurs once: eve's stub and fay's reference in five parts, dee's two
    assert sorted(n for n, *_ in hints[1:]) == [1] * 9  # top 10 kept: 1 + 9 of the 12 others
    assert all("cell" not in text for _, _, text, _ in hints)


def test_flagged_students_with_their_reasons_once(run):
    flagged = dict(analytics.summarize(run).flagged)
    assert sorted(flagged) == ["eve", "fay"]
    assert len(flagged["fay"]) == 1 and "cell 3, line 1" in flagged["fay"][0]
    assert flagged["eve"][0].startswith("review: imports a module")


@pytest.mark.parametrize(("hint", "cause"), [
    ("run 2 (lr=0.1, factor=0.5; 18 epochs): your first cut happens after epoch 6, the reference cuts after epoch 7",
     "your first cut happens after epoch #, the reference cuts after epoch #"),
    ("at t=0 your lr is 0.2, it must start at eta_max=0.1 (T_0=10, T_mult=2)", "at t=# your lr is #, it must start at eta_max=#"),
    ("NameError: name 'x' is not defined (at cell 3, line 4: `y = x + 1`)", "NameError: name 'x' is not defined"),
])
def test_cause_folds_numbers_settings_and_places(hint, cause):
    assert analytics.cause(hint) == cause


def test_report_files(run):
    out = Path(run.out_dir)
    summary = analytics.write(out, run)
    report_md(out / "report.md", "sgdr", run, "test")
    png = (out / "class.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    md = (out / "report.md").read_text()
    assert "## Class summary" in md and "| 7 | 2 |" in md and "| restarts | 2/6 | 33 % |" in md
    assert "| 2 | restarts | your lr restarts at epoch #, the reference restarts at # |" in md
    assert "![scores and pass rates](class.png)" in md
    page = (out / "report.html").read_text()
    assert "<td>restarts</td><td>2/6</td><td>33 %</td>" in page and 'src="class.png"' in page
    assert "fay" in page and summary.students == 6


def test_odd_student_ids_stay_on_their_line_in_the_report(tmp_path):
    """A folder name with a line break, a column bar or a control character cannot break report.md:
    the class table, the flagged list and the details heading all show it on one line."""
    odd = "mal|lory\n# Heading\x1b"
    student = _student(odd, {"restarts": RESTART_11}, ["review: loads ctypes at cell 2, line 1: `import ctypes`"])
    grading = GradingRun("sgdr", tmp_path, 7, 10.0, list(POINTS), students={odd: student})
    report_md(tmp_path / "report.md", "sgdr", grading, "test")
    text = (tmp_path / "report.md").read_text()
    assert "\n# Heading" not in text and "\x1b" not in text
    shown = "mal\\|lory # Heading\ufffd"
    assert f"| {shown} | 7/10 |" in text and f"- **{shown}**" in text and f"### {shown}\n" in text

"""Instructor mistakes with ``lrcourse grade`` (issue 10): a one-line message naming the option or path,
a non-zero exit, no traceback, and no grade lost or overwritten."""

from __future__ import annotations

import csv
import os
import shutil
import socket

import pytest

from autograder import pipeline, worker
from autograder.course import REPO_ROOT
from autograder.outdir import MARKER, OutDirLock
from lrcourse.app.cli import main

pytestmark = pytest.mark.grading

A = "sgdr"


def _subs(base, students):
    """``students``: {id: "solutions" | "exercises"}: a copy of that notebook as the submission."""
    for student, folder in students.items():
        (base / student).mkdir(parents=True)
        shutil.copy(REPO_ROOT / folder / A / f"{A}.ipynb", base / student / f"{A}.ipynb")
    return base


def _run(capsys, *argv):
    """Exit status and stderr of ``lrcourse grade ...`` (argparse errors exit through SystemExit)."""
    try:
        status = main(["grade", *map(str, argv), "--no-progress"])
    except SystemExit as exc:
        status = exc.code
    return status, capsys.readouterr().err


def _rows(out):
    with open(out / "grades.csv", newline="") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize(("option", "value"), [
    ("--jobs", "0"), ("--jobs", "two"), ("--memory", "10"), ("--timeout", "0.5"), ("--timeout", "nan"),
    ("--timeout", "inf"), ("--timeout", "-3"), ("--seed", "-1"), ("--seed", "1.5"),
])
def test_bad_option_names_the_option(tmp_path, capsys, option, value):
    subs = _subs(tmp_path / "subs", {"alice": "exercises"})
    status, err = _run(capsys, A, subs, "--out", tmp_path / "out", option, value)
    assert status == 2 and option in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("bad", "value"), [("timeout", float("nan")), ("timeout", 0.5), ("jobs", 0), ("memory", 10),
                                            ("seed", -1), ("timeout", float("inf"))])
def test_library_call_names_the_parameter(tmp_path, bad, value):
    with pytest.raises(ValueError, match=bad):
        pipeline.grade(A, tmp_path, tmp_path / "out", **{bad: value})


@pytest.mark.parametrize("layout", ["flat", "deep", "empty", "other-assignment"])
def test_wrong_layout_shows_the_expected_one(tmp_path, capsys, layout):
    subs = tmp_path / "subs"
    subs.mkdir()
    if layout == "flat":
        shutil.copy(REPO_ROOT / "exercises" / A / f"{A}.ipynb", subs / f"{A}.ipynb")
    elif layout == "deep":
        _subs(subs / "alice", {A: "exercises"})
    elif layout == "other-assignment":
        (subs / "alice").mkdir()
        shutil.copy(REPO_ROOT / "exercises" / "plateau" / "plateau.ipynb", subs / "alice")
    status, err = _run(capsys, A, subs, "--out", tmp_path / "out")
    assert status == 2 and f"<student_id>/{A}.ipynb" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert {"flat": f"{A}.ipynb", "deep": f"alice/{A}/{A}.ipynb", "empty": "no student folders",
            "other-assignment": "alice/plateau.ipynb"}[layout] in err
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file(tmp_path, capsys):
    subs = _subs(tmp_path / "subs", {"alice": "exercises"})
    target = tmp_path / "grades.txt"
    target.write_text("keep me")
    status, err = _run(capsys, A, subs, "--out", target)
    assert status == 2 and "--out" in err and "not a folder" in err and "Traceback" not in err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("nesting", ["out-inside", "subs-inside", "same"])
def test_out_and_submissions_must_not_nest(tmp_path, capsys, nesting):
    subs = _subs(tmp_path / "subs", {"alice": "exercises"})
    out = {"out-inside": subs / "graded", "subs-inside": tmp_path, "same": subs}[nesting]
    status, err = _run(capsys, A, subs, "--out", out)
    assert status == 2 and "--out" in err
    assert sorted(p.name for p in subs.iterdir()) == ["alice"]


@pytest.mark.parametrize("address", ["closed", "tcp://", "nonsense:port"])
def test_unreachable_dask_scheduler_is_one_line(tmp_path, capsys, address):
    if address == "closed":
        with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
            sock.bind(("127.0.0.1", 0))
            address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    subs = _subs(tmp_path / "subs", {"alice": "exercises"})
    status, err = _run(capsys, A, subs, "--out", tmp_path / "out", "--dask", address)
    assert status == 2 and "--dask" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "word"), [(["nope"], "assignment"), ([A, "--root", "/nonexistent"], "course_root")])
def test_unknown_assignment_or_root(tmp_path, capsys, argv, word):
    subs = _subs(tmp_path / "subs", {"alice": "exercises"})
    status, err = _run(capsys, argv[0], subs, "--out", tmp_path / "out", *argv[1:])
    assert status == 2 and word in err and "Traceback" not in err


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A folder graded once: ada (full marks) and bob (blank)."""
    base = tmp_path_factory.mktemp("graded")
    subs = _subs(base / "subs", {"ada": "solutions", "bob": "exercises"})
    run = pipeline.grade(A, subs, base / "out", jobs=2, timeout=60, progress=False)
    assert run["ada"].score == 10 and run["bob"].score == 0
    return base


def test_second_assignment_into_the_same_out_is_refused(graded, tmp_path, capsys):
    before = (graded / "out" / "grades.csv").read_bytes()
    subs = tmp_path / "subs"
    (subs / "cy").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "solutions" / "plateau" / "plateau.ipynb", subs / "cy")
    status, err = _run(capsys, "plateau", subs, "--out", graded / "out")
    assert status == 2 and "'sgdr'" in err and "--out" in err and "plateau" in err
    assert (graded / "out" / "grades.csv").read_bytes() == before
    assert A in (graded / "out" / MARKER).read_text()


def test_a_second_run_on_the_same_out_is_refused_with_the_pid(graded, capsys):
    before = (graded / "out" / "grades.csv").read_bytes()
    with OutDirLock(graded / "out"):
        status, err = _run(capsys, A, graded / "subs", "--out", graded / "out")
    assert status == 2 and f"pid {os.getpid()}" in err
    assert (graded / "out" / "grades.csv").read_bytes() == before


def test_a_late_batch_adds_rows_and_a_resubmission_updates_its_row(graded, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(graded / "out", out)
    late = _subs(tmp_path / "late", {"bob": "solutions", "cy": "exercises"})
    status, _ = _run(capsys, A, late, "--out", out, "--jobs", "2")
    assert status == 0
    rows = _rows(out)
    assert sorted(rows) == ["ada", "bob", "cy"]
    assert [float(rows[s]["score"]) for s in ("ada", "bob", "cy")] == [10, 10, 0]
    report = (out / "report.md").read_text()
    assert "1 of them from earlier runs" in report


def test_a_class_that_nobody_could_grade_exits_non_zero(tmp_path, capsys):
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    os.mkfifo(subs / "alice" / f"{A}.ipynb")
    status, err = _run(capsys, A, subs, "--out", tmp_path / "out")
    assert status == 1 and "no submission could be graded" in err
    assert _rows(tmp_path / "out")["alice"]["score"] == "0"


def test_grader_errors_exit_non_zero_and_never_accuse(tmp_path, capsys, monkeypatch):
    """The grader fails AFTER the kernel ran (full marks in the kernel): no row says tampering."""
    real = worker.execute

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the grader broke")

    monkeypatch.setattr(worker, "execute", broken)
    subs = _subs(tmp_path / "subs", {"ada": "solutions"})
    status, err = _run(capsys, A, subs, "--out", tmp_path / "out", "--jobs", "1")
    assert status == 1 and "every submission hit a grader error" in err
    report = (tmp_path / "out" / "report.md").read_text()
    assert "tampering" not in report and "grader-error" in report
    assert _rows(tmp_path / "out")["ada"]["score"] == "0"

"""Killing ``lrcourse grade`` with SIGKILL leaves no process behind, and a re-run resumes exactly."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import psutil
import pytest

from autograder.course import REPO_ROOT

pytestmark = pytest.mark.grading

A = "sgdr"
STUDENTS = [f"s{i}" for i in range(5)]


def _slow_class(subs):
    """Honest students whose solution cell sleeps a little, so that the run is killed mid-way."""
    release = nbformat.read(REPO_ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    honest = (REPO_ROOT / "tests" / "fixtures" / "hostile" / "_honest.py").read_text()
    for student in STUDENTS:
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "sgdr_solution":
                cell.source = honest + "\nimport time\ntime.sleep(3)\n"
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{A}.ipynb")


def _kernels_running(proc: psutil.Process) -> list:
    try:
        return [p for p in proc.children(recursive=True) if p.uids().real >= 62000]
    except psutil.Error:
        return []


def test_kill_minus_9_leaves_no_orphan_and_the_rerun_is_exact(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _slow_class(subs)
    cmd = [sys.executable, "-m", "lrcourse", "grade", A, str(subs), "--out", str(out), "--jobs", "2",
           "--no-progress"]
    grader = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(grader.pid)
    deadline = time.monotonic() + 240
    while not _kernels_running(parent) and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.2)
    family = parent.children(recursive=True)
    assert any(p.uids().real >= 62000 for p in family), "no kernel was started"
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert [(p.pid, p.name()) for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    with open(out / "grades.csv", newline="") as fh:
        ids = [row["student_id"] for row in csv.DictReader(fh) if row["score"] == "10"]
    assert ids == STUDENTS  # every row present exactly once, every student full marks

"""Hostile and broken submissions (issues 6 and 9), all graded in ONE ``lrcourse grade`` run.

Every student is generated from the real released ``exercises/sgdr/sgdr.ipynb`` by filling in the
solution cell (``tests/fixtures/hostile/<case>.py``), or is an odd entry of the submissions folder
(symbolic links, a FIFO, ``/dev/zero``, a folder named like the notebook, a hard link to the
solution, a dot folder, an nbformat 3 notebook). A ``leak_<what>.py`` student is wrong everywhere
unless a secret is reachable from its kernel (``_leak_oracle.py``): it scores only if the sandbox
leaks. Honest students must keep full marks; each hostile student gets exactly what its code
earns; nobody is skipped; the gradebook and grades.csv stay intact; every submission stays within
its wall-time budget.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import REPO_ROOT
from autograder.executor import Limits
from autograder.intake import JUNK

pytestmark = pytest.mark.grading

A = "sgdr"
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
FULL = 10.0
TIMEOUT = 20
HONEST = ["honest_source", "honest_loop", "honest_names", ".honest_dot_folder", "honest_v3"]
LEAKS = sorted(p.stem for p in FIXTURES.glob("leak_*.py"))
#: expected score of each hostile student (sgdr: first_cycle 2, restarts 3, doubling 3, floor 1, fractional 1)
EXPECTED = {
    "infinite_loop": 9, "hard_exit": 9, "sys_exit": 9, "segfault": 9, "memory_hog": 9,
    "kill_parent": 10, "huge_output": 10, "truncate_files": 10, "deleted_tests": 10,
    "read_solutions": 0, "patch_comparisons": 0, "lying_eq": 0, "reference_import": 0,
    "reference_obfuscated": 0, "forged_record": 0, "invalid_json": 0, "binary_file": 0,
    "wrong_assignment": 0, "renamed_function": 0, "edited_tests": 0,
    "fill_disk": 10, "many_small_files": 10, "fork_bomb": 10, "output_flood_cells": 10, "sleepy_cells": 0,
    "symlink_folder": 0, "symlink_notebook": 0, "fifo_notebook": 0, "dev_zero_notebook": 0, "folder_notebook": 0,
    "hard_link_solution": 0, "fifo_student": 0, **{case: 0 for case in LEAKS},
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
    "sleepy_cells": "budget", "output_flood_cells": "output-capped", "symlink_folder": "odd-entry",
    "symlink_notebook": "invalid-notebook", "fifo_notebook": "invalid-notebook", "dev_zero_notebook": "invalid-notebook",
    "folder_notebook": "invalid-notebook", "hard_link_solution": "invalid-notebook", "fifo_student": "odd-entry",
    ".honest_dot_folder": "hidden-folder", "honest_v3": "converted",
}
CANARY = f"lrcourse-hostile-canary-{os.getpid()}"
SHARED = [Path(d) / CANARY for d in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock")]
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


def _fill(release, solution: str, extras=()):
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sgdr_solution":
            cell.source = solution
            cells += [nbformat.v4.new_code_cell(extra) for extra in extras]
    nb.cells = cells
    return nb


def _case(name: str, paths: dict) -> tuple:
    """``(solution, [extra cells])`` of a fixture; ``# %% extra xN`` repeats the cell N times."""
    text = (FIXTURES / f"{name}.py").read_text()
    if name.startswith("leak_"):
        text = (FIXTURES / "_leak_oracle.py").read_text().replace("{PROBE}", text)
    for key, value in {"{HONEST}": (FIXTURES / "_honest.py").read_text(), **paths}.items():
        text = text.replace(key, value)
    solution, *blocks = text.split("# %% extra")
    extras = []
    for block in blocks:
        head, _, body = block.partition("\n")
        extras += [body] * (int(head.strip()[1:]) if head.strip().startswith("x") else 1)
    return solution, extras


def _write(subs: Path, student: str, nb=None, raw: bytes | None = None) -> None:
    (subs / student).mkdir(parents=True)
    path = subs / student / f"{A}.ipynb"
    if raw is not None:
        path.write_bytes(raw)
    else:
        nbformat.write(nb, path)


def _link(target: Path, path: Path) -> None:
    """A hard link (a symbolic link where the submissions are on another file system: refused all the same)."""
    try:
        os.link(target, path)
    except OSError:
        os.symlink(target, path)


def _odd_entries(subs: Path) -> None:
    """Entries that must never be opened, each a flagged row."""
    solution = REPO_ROOT / "solutions" / A / f"{A}.ipynb"
    os.symlink(solution.parent, subs / "symlink_folder")
    for student, make in (("symlink_notebook", lambda p: os.symlink(solution, p)), ("fifo_notebook", os.mkfifo),
                          ("dev_zero_notebook", lambda p: os.symlink("/dev/zero", p)),
                          ("folder_notebook", os.mkdir), ("hard_link_solution", lambda p: _link(solution, p))):
        (subs / student).mkdir()
        make(subs / student / f"{A}.ipynb")
    os.mkfifo(subs / "fifo_student")
    (subs / ".DS_Store").write_bytes(b"\0\1")
    (subs / "__MACOSX").mkdir()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "subs", base / "out"
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO_ROOT,
                            capture_output=True, text=True).stdout.strip() or str(REPO_ROOT / ".git")
    paths = {"{OUT_DIR}": str(out), "{REPO}": str(REPO_ROOT), "{SUBS}": str(subs), "{GIT_COMMON}": common,
             "{CANARY}": CANARY}
    release = nbformat.read(REPO_ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    honest = (FIXTURES / "_honest.py").read_text()
    _write(subs, "honest_source", raw=(REPO_ROOT / "solutions" / A / f"{A}.ipynb").read_bytes())
    _write(subs, "honest_loop", _fill(release, honest))
    _write(subs, "honest_names", _fill(release, HONEST_NAMES))
    _write(subs, ".honest_dot_folder", _fill(release, honest))
    _write(subs, "honest_v3", raw=nbformat.writes(nbformat.convert(_fill(release, honest), 3), version=3).encode())
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
    _odd_entries(subs)
    for canary in SHARED:  # what a shared /tmp, /dev/shm, /var/tmp or /run/lock would show a student
        if canary.parent.is_dir():
            canary.write_text("grader's file")
    try:
        proc = subprocess.run([sys.executable, "-m", "lrcourse", "grade", A, str(subs), "--out", str(out),
                               "--jobs", "2", "--timeout", str(TIMEOUT), "--seed", "4242", "--no-progress"],
                              capture_output=True, text=True, timeout=1500)
    finally:
        for canary in SHARED:
            canary.unlink(missing_ok=True)
    with open(out / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    return {"proc": proc, "rows": rows, "out": out, "subs": subs, "report": (out / "report.md").read_text()}


def _outputs(graded, student: str) -> str:
    nb = nbformat.read(graded["out"] / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    return "".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_run_completes_with_status_zero(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr[-3000:]


def test_nobody_is_skipped(graded):
    students = sorted(p.name for p in graded["subs"].iterdir() if p.name not in JUNK)
    assert sorted(graded["rows"]) == students
    assert len(students) == len(HONEST) + len(EXPECTED)
    assert "ignored entries of the submissions folder (well-known junk): .DS_Store, __MACOSX" in graded["report"]


@pytest.mark.parametrize("student", LEAKS)
def test_no_secret_reaches_a_kernel(graded, student):
    """The leak oracle ran (its line is in the executed notebook) and found nothing readable."""
    assert "leak: []" in _outputs(graded, student), _outputs(graded, student)[-2000:]


def test_disk_budget_holds(graded):
    text = _outputs(graded, "fill_disk")
    disk = int(text.split("disk: wrote ")[1].split(" MB")[0])
    shm = int(text.split("shm: wrote ")[1].split(" MB")[0])
    assert 0 < disk + shm <= Limits().disk_mb and "No space left" in text
    files = int(_outputs(graded, "many_small_files").split("files: made ")[1].split(" ")[0])
    assert 0 < files <= Limits().disk_inodes


def test_process_budget_holds(graded):
    text = _outputs(graded, "fork_bomb")
    forks = int(text.split("forks: made ")[1].split(" ")[0])
    assert 0 < forks < Limits().nproc and "Resource temporarily unavailable" in text


def test_output_budget_holds_across_cells(graded):
    limits = Limits()
    nb_path = graded["out"] / "autograded" / "output_flood_cells" / A / f"{A}.ipynb"
    work = graded["out"] / ".work" / "output_flood_cells.json"
    assert nb_path.stat().st_size < limits.output_total + 2_000_000
    assert work.stat().st_size < 2 * (limits.output_total + 2_000_000)
    assert "per submission are kept" in _outputs(graded, "output_flood_cells")


def test_every_submission_stays_within_its_budget(graded):
    source = nbformat.read(REPO_ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    budget = Limits(timeout=TIMEOUT).budget(sum(c.cell_type == "code" for c in source.cells))
    seconds = {p.stem: json.loads(p.read_text())["seconds"] for p in (graded["out"] / ".work").glob("*.json")}
    assert seconds["sleepy_cells"] > budget / 2  # it did try to hold the worker
    assert max(seconds.values()) < budget + 20, sorted(seconds.items(), key=lambda kv: -kv[1])[:3]


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

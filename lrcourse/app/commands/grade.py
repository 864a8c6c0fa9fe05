"""``lrcourse grade ASSIGNMENT SUBMISSIONS_DIR --out OUT_DIR``: grade a class with nbgrader underneath."""

from __future__ import annotations

import argparse
import math
import sys

NAME = "grade"
HELP = "autograde SUBMISSIONS_DIR/<student_id>/<A>.ipynb into grades.csv, feedback and the gradebook"
DESCRIPTION = """\
Grade every SUBMISSIONS_DIR/<student_id>/<ASSIGNMENT>.ipynb. Each submission runs in its own
sandbox (bubblewrap allow-list view: no course file, no network, a private uid, private sized
scratch space, resource limits; see autograder/SECURITY.md) and is scored outside the student's
kernel. Entries are read as data: symbolic links, FIFOs, devices and folders where a notebook
should be are never opened but reported as flagged rows.

Writes OUT_DIR/grades.csv, OUT_DIR/feedback/<student_id>/<A>/<A>.html, OUT_DIR/gradebook.db
(nbgrader's gradebook), OUT_DIR/report.md (flags for the instructor) and
OUT_DIR/autograded/<student_id>/<A>/<A>.ipynb. OUT_DIR holds ONE assignment (use one folder per
assignment) and one run at a time. Results are committed per student in OUT_DIR/.work/, so a killed
run resumes where it stopped; grades.csv holds every student ever graded into OUT_DIR (a later batch
adds rows, a resubmission updates its row).

Exit status: 0 when grading completed (even if students failed); 1 when nobody could be graded or
every submission hit a grader error; 2 for a bad option or folder (the message names it).

Distributed: --dask tcp://scheduler:8786 (workers need this package and bubblewrap installed, and
should run as root for a private uid per submission) or --dask local."""


def _number(name: str, low: float, high: float, integer: bool):
    """An argparse ``type`` for a finite number in [low, high]; the message names the option."""

    def parse(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if integer else 'a number'}, got {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a finite value from {low:g} to {high:g}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def configure(parser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT")
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    parser.add_argument("--out", required=True, metavar="OUT_DIR", help="output folder (one per assignment)")
    parser.add_argument("--jobs", type=_number("jobs", 1, 256, True), default=None,
                        help="parallel submissions, 1-256 (default: cores)")
    parser.add_argument("--timeout", type=_number("timeout", 1, 86400, False), default=60.0,
                        help="wall-time limit per cell, s, >= 1 (default 60)")
    parser.add_argument("--memory", type=_number("memory", 256, 1 << 20, True), default=2048,
                        help="memory limit per kernel, MB, >= 256 (default 2048)")
    parser.add_argument("--seed", type=_number("seed", 0, 2**32 - 1, True), default=None,
                        help="base seed of the hidden inputs, 0 to 2**32-1")
    parser.add_argument("--resume", dest="resume", action="store_true", default=True,
                        help="reuse results already committed in OUT_DIR/.work (default)")
    parser.add_argument("--fresh", dest="resume", action="store_false", help="grade everything again")
    parser.add_argument("--dask", default=None, metavar="ADDRESS", help="Dask scheduler address or 'local'")
    parser.add_argument("--root", default=None, help="course root (default: the repository)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from autograder import grade

    try:
        result = grade(args.assignment, args.submissions, args.out, jobs=args.jobs, timeout=args.timeout,
                       memory=args.memory, seed=args.seed, resume=args.resume, dask=args.dask,
                       progress=not args.no_progress, root=args.root)
    except OSError as exc:  # e.g. a folder that cannot be read: one line, never a traceback
        where = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        print(f"lrcourse grade: error: {where}", file=sys.stderr)
        return 2
    print(result.table())
    print(f"isolation: {result.isolation}")
    print(f"wrote {result.out_dir}/grades.csv, report.md, gradebook.db, feedback/")
    problem = result.problem()
    if problem:
        print(f"lrcourse grade: error: {problem}", file=sys.stderr)
        return 1
    return 0

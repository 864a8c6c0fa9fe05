"""``lrcourse grade ASSIGNMENT SUBMISSIONS_DIR --out OUT_DIR``: grade a class with nbgrader underneath."""

from __future__ import annotations

NAME = "grade"
HELP = "autograde SUBMISSIONS_DIR/<student_id>/<A>.ipynb into grades.csv, feedback and the gradebook"
DESCRIPTION = """\
Grade every SUBMISSIONS_DIR/<student_id>/<ASSIGNMENT>.ipynb. Each submission runs in its own
sandbox (private uid, no network, hidden solutions/gradebook, resource limits; see
autograder/SECURITY.md) and is scored outside the student's kernel.

Writes OUT_DIR/grades.csv, OUT_DIR/feedback/<student_id>/<A>/<A>.html, OUT_DIR/gradebook.db
(nbgrader's gradebook), OUT_DIR/report.md (flags for the instructor) and
OUT_DIR/autograded/<student_id>/<A>/<A>.ipynb. Results are committed per student in
OUT_DIR/.work/, so a killed run resumes where it stopped; re-running is idempotent.
Exit status 0 when grading completed, even if students failed.

Distributed: --dask tcp://scheduler:8786 (workers need this package installed, run as root for
full isolation) or --dask local."""


def configure(parser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT")
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    parser.add_argument("--out", required=True, metavar="OUT_DIR", help="output folder")
    parser.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: cores)")
    parser.add_argument("--timeout", type=float, default=60.0, help="wall-time limit per cell, s (default 60)")
    parser.add_argument("--memory", type=int, default=2048, help="memory limit per kernel, MB (default 2048)")
    parser.add_argument("--seed", type=int, default=None, help="base seed of the hidden inputs")
    parser.add_argument("--resume", dest="resume", action="store_true", default=True,
                        help="reuse results already committed in OUT_DIR/.work (default)")
    parser.add_argument("--fresh", dest="resume", action="store_false", help="grade everything again")
    parser.add_argument("--dask", default=None, metavar="ADDRESS", help="Dask scheduler address or 'local'")
    parser.add_argument("--root", default=None, help="course root (default: the repository)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from autograder import grade

    result = grade(args.assignment, args.submissions, args.out, jobs=args.jobs, timeout=args.timeout,
                   memory=args.memory, seed=args.seed, resume=args.resume, dask=args.dask,
                   progress=not args.no_progress, root=args.root)
    print(result.table())
    print(f"isolation: {result.isolation}")
    print(f"wrote {result.out_dir}/grades.csv, report.md, gradebook.db, feedback/")
    return 0

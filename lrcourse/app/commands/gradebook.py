"""``lrcourse gradebook OUT_DIR [OUT_DIR ...] --csv FILE``: one gradebook of a whole course."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

NAME = "gradebook"
HELP = "combine several `lrcourse grade` output folders into one LMS CSV and one nbgrader gradebook"
DESCRIPTION = """\
Read OUT_DIR/grades.csv and OUT_DIR/gradebook.db of several `lrcourse grade` runs (one assignment
each) and build one table: a row per student, a column per assignment. A part's score is nbgrader's:
the manual score when the formgrader set one, else the grader's.

Writes --csv in the format of Canvas's gradebook import: the columns Student, ID, SIS User ID,
SIS Login ID, Section, then one column per assignment, and a second row "Points Possible" with each
assignment's maximum. The student id goes into Student and into --id-column (default SIS Login ID);
a student without a submission gets an empty cell (the LMS leaves that grade alone).

Writes --db (default: gradebook.db beside the CSV), one nbgrader gradebook holding every assignment,
so that `nbgrader` and the formgrader see the whole course; it is written atomically.

Existing output files are refused unless --force is given; with --force the CSV is replaced and
the gradebook is updated (its other students, assignments and manual grades are kept)."""


def configure(parser) -> None:
    parser.add_argument("runs", metavar="OUT_DIR", nargs="+", help="output folders of `lrcourse grade`")
    parser.add_argument("--csv", required=True, metavar="FILE", help="the LMS gradebook CSV to write")
    parser.add_argument("--db", default=None, metavar="FILE",
                        help="the combined nbgrader gradebook (default: gradebook.db beside --csv)")
    parser.add_argument("--id-column", default="SIS Login ID", metavar="COLUMN",
                        help="LMS column that receives the student id: ID, 'SIS User ID' or 'SIS Login ID' "
                             "(default)")
    parser.add_argument("--root", default=None, help="course root holding solutions/ (default: the repository)")
    parser.add_argument("--force", action="store_true", help="replace --csv and update an existing --db")


def _output(option: str, value, force: bool) -> Path:
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{option}: {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise ValueError(f"{option}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise ValueError(f"{option}: {path} exists; pass --force to replace it")
    return path


def _check(args) -> tuple:
    from autograder.gradebook import ID_COLUMNS

    if args.id_column not in ID_COLUMNS:
        raise ValueError(f"--id-column: expected one of {', '.join(ID_COLUMNS)}, got {args.id_column!r}")
    runs = [Path(r) for r in args.runs]
    seen = set()
    for run in runs:
        if not (run / "grades.csv").is_file():
            raise ValueError(f"OUT_DIR: {run} has no grades.csv (is it a `lrcourse grade --out` folder?)")
        if run.resolve() in seen:
            raise ValueError(f"OUT_DIR: {run} is given twice")
        seen.add(run.resolve())
    csv_path = _output("--csv", args.csv, args.force)
    db_path = _output("--db", args.db if args.db is not None else csv_path.parent / "gradebook.db", args.force)
    if db_path.resolve() == csv_path.resolve():
        raise ValueError("--db: must differ from --csv")
    if db_path.resolve() in {(r / "gradebook.db").resolve() for r in runs}:
        raise ValueError(f"--db: {db_path} is the gradebook of one of the runs; write the combined one elsewhere")
    return runs, csv_path, db_path


def run(args) -> int:
    from autograder.atomic import write_text
    from autograder.course import course_root, source_notebook
    from autograder.gradebook import canvas_csv, combine, read_run, update_gradebook

    runs, csv_path, db_path = _check(args)
    table = combine(scores for run in runs for scores in read_run(run))
    if not table:
        raise ValueError("OUT_DIR: the grades.csv files hold no student")
    if args.root is not None and not Path(args.root).is_dir():
        raise ValueError(f"--root: {args.root} is not a folder")
    root = course_root(args.root)
    for assignment in table:
        try:
            source_notebook(assignment, root)
        except FileNotFoundError as exc:
            raise ValueError(f"--root: {exc} (the gradebook needs each assignment's cells)") from None
    work = Path(tempfile.mkdtemp(prefix=".lrcourse-gradebook-", dir=db_path.parent))
    try:
        update_gradebook(db_path, work, root, table)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_text(csv_path, canvas_csv(table, args.id_column))
    students = sorted({s for scores in table.values() for s in scores.parts})
    width = max(len(s) for s in [*students, "student"])
    print(f"{'student':<{width}}  " + "  ".join(f"{a:>{max(len(a), 5)}}" for a in table))
    for student in students:
        cells = [f"{table[a].total(student):g}" if student in table[a].parts else "-" for a in table]
        print(f"{student:<{width}}  " + "  ".join(f"{c:>{max(len(a), 5)}}" for c, a in zip(cells, table)))
    print(f"{len(students)} students, {len(table)} assignments: wrote {csv_path} and {db_path}")
    return 0

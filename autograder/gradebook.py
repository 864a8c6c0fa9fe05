"""One gradebook for a whole course: several ``lrcourse grade`` output folders in one table, one CSV an
LMS imports, and one nbgrader gradebook that holds every assignment.

Each output folder holds ``grades.csv`` (the grader's scores per part) and ``gradebook.db`` (nbgrader's,
where the formgrader may have added manual scores). A part's score is nbgrader's: the manual score when
an instructor set one, else the automatic one. :func:`update_gradebook` writes nbgrader gradebooks for
``lrcourse grade`` and ``lrcourse gradebook`` alike: a copy of the current file gets every assignment's
cells (nbgrader's own ``generate_assignment``) and scores in one transaction, then replaces the file.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import spreadsheet

#: Canvas's gradebook CSV: these identity columns, then one column per assignment, then a second row
#: "Points Possible" holding each assignment's maximum
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ID_COLUMNS = CANVAS_COLUMNS[1:4]


@dataclass
class Scores:
    """One assignment of one run: ``parts[student][part] = (auto, manual or None)``."""

    assignment: str
    source: Path
    part_names: list
    max_score: float
    parts: dict = field(default_factory=dict)

    def total(self, student: str) -> float:
        return sum(manual if manual is not None else auto for auto, manual in self.parts[student].values())


def read_run(out_dir) -> list:
    """The :class:`Scores` of every assignment in one ``lrcourse grade`` output folder.

    Raises
    ------
    ValueError
        The folder is not a grading output (no ``grades.csv``) or its ``grades.csv`` is malformed.
    """
    out = Path(out_dir)
    table = out / "grades.csv"
    if not out.is_dir():
        raise ValueError(f"OUT_DIR: {out} is not a folder")
    if not table.is_file():
        raise ValueError(f"OUT_DIR: {out} has no grades.csv (is it a `lrcourse grade --out` folder?)")
    with open(table, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = list(reader)
    fixed = ["student_id", "assignment", "score", "max_score"]
    if header is None or header[:4] != fixed:
        raise ValueError(f"OUT_DIR: {table} does not start with the columns {', '.join(fixed)}")
    part_names = header[4:]
    found: dict = {}
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"OUT_DIR: {table} has a row with {len(row)} values, expected {len(header)}")
        student, assignment = spreadsheet.restore(row[0]), row[1]
        try:
            max_score, points = float(row[3]), [float(x) for x in row[4:]]
        except ValueError:
            raise ValueError(f"OUT_DIR: {table}: student {student!r} has a score that is not a number") from None
        scores = found.setdefault(assignment, Scores(assignment, out, part_names, max_score))
        scores.parts[student] = {p: (x, None) for p, x in zip(part_names, points)}
    for scores in found.values():
        _manual_scores(out / "gradebook.db", scores)
    return list(found.values())


def _manual_scores(db: Path, scores: Scores) -> None:
    """Manual scores the formgrader stored in ``db`` replace nothing but sit beside the automatic ones."""
    if not db.is_file():
        return
    from nbgrader.api import Gradebook, MissingEntry

    with warnings.catch_warnings(), Gradebook(f"sqlite:///{db}", course_id="lrcourse") as gb:
        warnings.simplefilter("ignore")
        for student, parts in scores.parts.items():
            for part, (auto, _) in parts.items():
                try:
                    grade = gb.find_grade(part, scores.assignment, scores.assignment, student)
                except MissingEntry:
                    continue
                if grade.manual_score is not None:
                    parts[part] = (auto, float(grade.manual_score))


def combine(runs) -> dict:
    """``{assignment: Scores}`` from several runs; an assignment graded in two of them is refused."""
    table: dict = {}
    for scores in runs:
        if scores.assignment in table:
            raise ValueError(f"OUT_DIR: assignment {scores.assignment!r} is in both {table[scores.assignment].source} "
                             f"and {scores.source}; give each assignment once")
        table[scores.assignment] = scores
    return table


def canvas_csv(table: dict, id_column: str = "SIS Login ID") -> str:
    """The gradebook as Canvas imports it: identity columns, one column per assignment, a Points Possible row.

    The student id of the grading runs goes into ``Student`` and into ``id_column``; a student without a
    submission for an assignment gets an empty cell (Canvas leaves that grade unchanged).
    """
    if not isinstance(table, dict) or not all(isinstance(s, Scores) for s in table.values()):
        raise TypeError("table: expected {assignment: Scores} (see combine)")
    if id_column not in ID_COLUMNS:
        raise ValueError(f"id_column: expected one of {', '.join(ID_COLUMNS)}, got {id_column!r}")
    assignments = list(table)
    students = sorted({s for scores in table.values() for s in scores.parts})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, *assignments])
    writer.writerow(["Points Possible", "", "", "", "",
                     *(spreadsheet.number(table[a].max_score) for a in assignments)])
    for student in students:
        ident = ["" for _ in ID_COLUMNS]
        ident[ID_COLUMNS.index(id_column)] = spreadsheet.safe(student)
        totals = [spreadsheet.number(table[a].total(student)) if student in table[a].parts else ""
                  for a in assignments]
        writer.writerow([spreadsheet.safe(student), *ident, "", *totals])
    return buf.getvalue()



def update_gradebook(final, work, root, table: dict) -> Path:
    """Write every assignment of ``table`` into nbgrader's gradebook ``final``, atomically.

    A copy of ``final`` (if it exists: students, other assignments and manual grades are kept) gets each
    assignment's cells from nbgrader's ``generate_assignment`` and every student's scores in one
    transaction, is flushed to disk, then replaces ``final`` with ``os.replace``. ``work`` is a scratch
    folder on the same file system.
    """
    from nbgrader.api import Gradebook

    from .release import generate

    if not isinstance(table, dict) or not all(isinstance(s, Scores) for s in table.values()):
        raise TypeError("table: expected {assignment: Scores}")
    final, work = Path(final), Path(work)
    work.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=work)  # unique per run
    os.close(fd)
    tmp = Path(name)
    if final.exists():
        shutil.copy2(final, tmp)
    else:
        tmp.unlink()
    db_url = f"sqlite:///{tmp}"
    try:
        for assignment in table:
            scratch = Path(tempfile.mkdtemp(prefix=".release.", dir=work))
            try:
                generate(assignment, scratch, root, db_url=db_url)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        with warnings.catch_warnings(), Gradebook(db_url, course_id="lrcourse") as gb:
            warnings.simplefilter("ignore")
            for assignment, scores in table.items():
                for student, parts in scores.parts.items():
                    gb.update_or_create_student(student)
                    gb.update_or_create_submission(assignment, student)
                    for part, (auto, manual) in parts.items():
                        grade = gb.find_grade(part, assignment, assignment, student)
                        grade.auto_score = float(auto)
                        if manual is not None:
                            grade.manual_score = float(manual)
                        grade.needs_manual_grade = grade.manual_score is not None and grade.manual_score != grade.auto_score
            gb.db.commit()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final

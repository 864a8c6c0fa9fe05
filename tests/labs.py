"""Helpers of the lab tests: grade a few fixture students through the real pipeline and read what it wrote."""

from __future__ import annotations

import csv
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"


@dataclass
class GradedClass:
    """The outputs of one ``autograder.pipeline.grade`` run: ``rows[student][column]`` and the pages."""

    out: Path
    assignment: str
    rows: dict

    def feedback(self, student: str) -> str:
        """The student's feedback page as plain text (HTML entities decoded)."""
        page = self.out / "feedback" / student / self.assignment / f"{self.assignment}.html"
        return html.unescape(page.read_text())

    def points(self, student: str, parts) -> dict:
        return {p: float(self.rows[student][p]) for p in parts}


def grade_fixtures(assignment: str, students, tmp: Path) -> GradedClass:
    """Copy the named fixture submissions to ``tmp`` and grade them (2 jobs, the default seed)."""
    from autograder.pipeline import grade

    subs = tmp / "subs"
    for student in students:
        shutil.copytree(FIXTURES / assignment / student, subs / student)
    out = tmp / "out"
    grade(assignment, subs, out, jobs=2, progress=False)
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    return GradedClass(out, assignment, rows)

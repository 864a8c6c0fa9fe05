"""Shared helpers of the lab tests (``tests/test_lab_*.py``): a variant's hint, the checks every lab makes
on its run of the real grading pipeline, and grading a few fixture students to read what the run wrote."""

from __future__ import annotations

import csv
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import get
from autograder.authoring import variants

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"


def hint(assignment: str, variant: str, part: str, seed: int | None = None) -> str:
    """The hint ``variant`` gets for ``part`` on the visible inputs (``seed`` None) or the hidden ones;
    asserts that the part is lost."""
    module = get(assignment)
    space = variants.namespace(assignment, variant)
    inputs = module.visible_inputs(part) if seed is None else module.make_inputs(part, seed)
    res = module.score(part, inputs, module.evaluate(part, space[module.part(part).target], inputs))
    assert res.earned == 0, (variant, part)
    return res.hint


def check_pipeline_run(assignment: str, run) -> None:
    """Every fixture of ``assignment`` got exactly its expected points, without a flag, and each lost part
    shows the hint the assignment gives on the grader's own hidden inputs."""
    from autograder import failure
    from autograder.harness import part_seed

    module = get(assignment)
    assert set(run.students) == set(variants.VARIANTS[assignment])
    for student, (cells, broken) in variants.VARIANTS[assignment].items():
        result = run.students[student]
        expected = variants.expected_points(assignment, student)
        assert {p: result.earned(p) for p in expected} == expected, student
        assert result.status == "ok" and not result.flags, (student, result.flags)
        if not cells:
            continue
        space = variants.namespace(assignment, student)
        for part in broken:
            inputs = module.make_inputs(part, part_seed(run.seed, part))
            try:
                want = module.score(part, inputs, module.evaluate(part, space[module.part(part).target], inputs)).hint
            except ValueError as exc:  # refused in the kernel: the grader words the error as it always does
                error = failure.describe(exc, module.part(part).target, module.targets)
                want = module.error_hint(dict(error, where=None))
            assert result.parts[part]["hint"] == want, (student, part)



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

"""Shared helpers for the lab tests (``tests/test_lab_*.py``): a variant's hint, and the checks every
lab makes on its run of the real grading pipeline."""

from __future__ import annotations

from autograder.assignments import get
from autograder.authoring import variants


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

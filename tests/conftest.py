"""Shared test configuration: hypothesis profiles and the headless-browser requirement."""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

IN_CI = bool(os.environ.get("CI"))


def require_chromium() -> str:
    """Path of Debian's chromium; skip the test without it, except in CI where it must exist."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if IN_CI:
        pytest.fail("chromium is required in CI (scripts/ensure-chromium installs Debian's package)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def graded_run(tmp_path_factory):
    """``graded_run(assignment) -> (out_dir, GradingRun)``: the real grading pipeline on the assignment's
    fixtures (``tests/fixtures/submissions/<assignment>``), run once per session and assignment."""
    from pathlib import Path

    grade = pytest.importorskip("autograder.pipeline").grade
    root = Path(__file__).parent / "fixtures" / "submissions"
    cache = {}

    def run(assignment):
        if assignment not in cache:
            dest = tmp_path_factory.mktemp(f"graded-{assignment}")
            cache[assignment] = (dest, grade(assignment, root / assignment, dest, progress=False))
        return cache[assignment]

    return run

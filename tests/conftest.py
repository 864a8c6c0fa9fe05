"""Shared test configuration: hypothesis profiles, the headless-browser requirement, and ONE build of the
lecture site (executing every notebook) shared by the lecture and the site tests."""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class BuiltSite:
    """The site built once per test session: its HTML, the executed notebooks, the time of each page."""

    out: Path
    html: Path
    executed: Path  # <out>/jupyter_execute/<lecture>.ipynb, with their outputs
    seconds: float
    page_seconds: dict


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """Execute every lecture and build the website (once; tests sharing it use xdist_group("site"))."""
    from lrcourse.app import site_progress
    from lrcourse.app.site import build_site

    out = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    index = build_site(out=out, execute="force")
    seconds = time.perf_counter() - started
    print(f"\nsite built (every lecture executed) in {seconds:.1f} s")
    return BuiltSite(out, index.parent, out / "jupyter_execute", seconds, dict(site_progress.TIMES))


@pytest.fixture(scope="session")
def graded_run(tmp_path_factory):
    """``graded_run(assignment) -> (out_dir, GradingRun)``: the real grading pipeline on the assignment's
    fixtures (``tests/fixtures/submissions/<assignment>``), run once per session and assignment."""
    grade = pytest.importorskip("autograder.pipeline").grade
    root = Path(__file__).parent / "fixtures" / "submissions"
    cache = {}

    def run(assignment):
        if assignment not in cache:
            dest = tmp_path_factory.mktemp(f"graded-{assignment}")
            cache[assignment] = (dest, grade(assignment, root / assignment, dest, progress=False))
        return cache[assignment]

    return run

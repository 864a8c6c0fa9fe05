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

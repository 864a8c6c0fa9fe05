"""Importing the library layers loads NumPy at most: SciPy, scikit-learn and matplotlib wait until used.

Timing lives in benchmarks/import_time.py; this only checks which packages an import pulls in.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "lrcourse"
HEAVY = ("scipy", "sklearn", "matplotlib", "torch", "tqdm")


def _modules(package: str) -> list:
    return sorted(f"lrcourse.{package}.{p.stem}" for p in (ROOT / package).glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("package", ["schedules", "dynamics", "stepsize", "interop"])
def test_importing_every_module_of_a_layer_loads_nothing_heavy(package):
    modules = _modules(package)
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing lrcourse.{package} loaded {out}"


def test_the_exact_line_search_still_finds_scipy_when_it_runs():
    from lrcourse.stepsize.linesearch import boyd_function, boyd_gradient, exact_line_search_descent

    res = exact_line_search_descent(boyd_function, boyd_gradient, [-1.0, 1.0])
    assert res.converged and "scipy.optimize" in sys.modules

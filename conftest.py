"""Collect the docstring examples of the ``lrcourse`` package as tests (and nothing else as doctests).

Only ``lrcourse/`` is scanned for examples: ``--doctest-modules`` on the whole tree would import every
Python file below ``tests/``, including the hostile submissions of ``tests/fixtures`` (which kill
their parent or wipe files when imported). A module whose examples need an optional dependency is
left out when that dependency is missing, so a plain install still runs every other example.
"""

import importlib.util
from pathlib import Path

from _pytest.doctest import DoctestModule

PACKAGE = Path(__file__).parent / "lrcourse"
#: module file (relative to the package) -> the optional package its examples import
OPTIONAL_DOCTEST_DEPENDENCIES = {
    "interop/torch.py": "torch",
}


def _examples_can_run(path: Path) -> bool:
    needs = OPTIONAL_DOCTEST_DEPENDENCIES.get(path.relative_to(PACKAGE).as_posix())
    return needs is None or importlib.util.find_spec(needs) is not None


def pytest_collect_file(file_path: Path, parent):
    if parent.config.getoption("doctestmodules"):
        return None  # pytest's own --doctest-modules collects them already
    if (file_path.suffix == ".py" and PACKAGE in file_path.parents and file_path.name != "__main__.py"
            and _examples_can_run(file_path)):
        return DoctestModule.from_parent(parent, path=file_path)
    return None

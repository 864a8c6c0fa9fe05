"""Where the course lives: repository root, source (``solutions/``) and release (``exercises/``) folders."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

#: The repository root (``autograder/`` sits directly inside it).
REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = "solutions"
RELEASE_DIR = "exercises"


def course_root(root=None) -> Path:
    """Return the course root: ``root`` if given, else ``$LRCOURSE_COURSE_ROOT``, else the repository."""
    if root is None:
        root = os.environ.get("LRCOURSE_COURSE_ROOT") or REPO_ROOT
    path = Path(root).resolve()
    if not path.is_dir():
        raise ValueError(f"course_root: {path} is not a directory")
    return path


def source_notebook(assignment: str, root=None) -> Path:
    """Path of the nbgrader source notebook ``solutions/<A>/<A>.ipynb``."""
    path = course_root(root) / SOURCE_DIR / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"assignment {assignment!r}: no source notebook at {path}")
    return path


def load_assignment(assignment: str):
    """Import ``autograder.assignments.<A>`` (the parts, inputs and scoring of one assignment)."""
    if not isinstance(assignment, str) or not assignment.isidentifier():
        raise ValueError(f"assignment: expected an identifier such as 'sgdr', got {assignment!r}")
    extra = os.environ.get("LRCOURSE_EXTRA_ASSIGNMENTS")
    if extra and (Path(extra) / f"{assignment}.py").is_file():
        return _load_file(Path(extra) / f"{assignment}.py", f"_lrcourse_extra_{assignment}")
    try:
        return importlib.import_module(f"autograder.assignments.{assignment}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(assignment):
            raise ValueError(f"assignment: unknown assignment {assignment!r} "
                             f"(no module autograder/assignments/{assignment}.py)") from None
        raise


def _load_file(path: Path, name: str):
    import importlib.util
    import sys

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def part_names(module) -> list[str]:
    """Names of the graded parts of an assignment module, in order."""
    return [p.name for p in module.PARTS]


def get_part(module, name: str):
    """The ``Part`` object called ``name`` in ``module.PARTS``."""
    for part in module.PARTS:
        if part.name == name:
            return part
    raise ValueError(f"part: assignment {module.ASSIGNMENT!r} has no part {name!r} "
                     f"(parts: {', '.join(part_names(module))})")


def forbidden_names(module, part: str) -> list[str]:
    """Reference names a student may not use for ``part`` (``FORBIDDEN`` is a list or a dict by part)."""
    forbidden = getattr(module, "FORBIDDEN", [])
    if isinstance(forbidden, dict):
        return list(forbidden.get(part, [])) + list(forbidden.get("*", []))
    return list(forbidden)

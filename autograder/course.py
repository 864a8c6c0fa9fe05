"""Where the course lives: the repository root and its source (``solutions/``) and release
(``exercises/``) folders. Every path of the course is built here."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (``autograder/`` sits directly inside it).
REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = "solutions"
RELEASE_DIR = "exercises"
#: The readable notebook sources and the sample class (instructor side).
AUTHORING_DIR = REPO_ROOT / "autograder" / "authoring"
SAMPLES_DIR = REPO_ROOT / "autograder" / "samples"
#: The lecture notebooks (the site is built from them).
LECTURES_DIR = REPO_ROOT / "lectures"


def course_root(root=None) -> Path:
    """Return the course root: ``root`` if given, else ``$LRCOURSE_COURSE_ROOT``, else the repository."""
    if root is None:
        root = os.environ.get("LRCOURSE_COURSE_ROOT") or REPO_ROOT
    path = Path(root).resolve()
    if not path.is_dir():
        raise ValueError(f"course_root: {path} is not a directory")
    return path


def source_dir(root=None) -> Path:
    """``<root>/solutions``: the nbgrader source notebooks."""
    return course_root(root) / SOURCE_DIR


def release_dir(root=None) -> Path:
    """``<root>/exercises``: the released student notebooks."""
    return course_root(root) / RELEASE_DIR


def source_notebook(assignment: str, root=None) -> Path:
    """Path of the nbgrader source notebook ``solutions/<A>/<A>.ipynb``."""
    path = source_dir(root) / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"assignment {assignment!r}: no source notebook at {path}")
    return path


def release_notebook(assignment: str, root=None) -> Path:
    """Path of the released student notebook ``exercises/<A>/<A>.ipynb`` (may not exist yet)."""
    return release_dir(root) / assignment / f"{assignment}.ipynb"

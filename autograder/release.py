"""``lrcourse release``: regenerate ``exercises/<A>/`` from ``solutions/<A>/`` with nbgrader.

nbgrader's :class:`~nbgrader.converters.GenerateAssignment` does the work (clear solutions, hide
hidden tests, lock cells, checksums). The output is made deterministic (sorted keys, stable cell
ids, no execution counts) so that :func:`normalized` of a fresh release equals the committed one.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

from .course import RELEASE_DIR, SOURCE_DIR, course_root


def available_assignments(root=None) -> list[str]:
    """Assignments that have a source notebook ``solutions/<A>/<A>.ipynb``."""
    src = course_root(root) / SOURCE_DIR
    if not src.is_dir():
        return []
    return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").is_file())


def _coursedir(root: Path, release_dir: Path, db_url: str | None):
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory()
    cd.root = str(root)
    cd.source_directory = str(root / SOURCE_DIR)
    cd.release_directory = str(release_dir)
    cd.course_id = "lrcourse"
    cd.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]
    if db_url:
        cd.db_url = db_url
    return cd


def generate(assignment: str, release_dir: Path, root=None, db_url: str | None = None) -> Path:
    """Run nbgrader's ``generate_assignment`` for one assignment into ``release_dir/<A>/``.

    With ``db_url`` the assignment's cells are also saved in that gradebook (nbgrader's SaveCells);
    without, nothing is written to any gradebook.
    """
    from nbgrader.converters import GenerateAssignment
    from traitlets.config import Config

    root = course_root(root)
    release_dir = Path(release_dir)
    cfg = Config()
    cfg.GenerateAssignment.no_database = db_url is None
    cfg.SaveCells.enabled = db_url is not None
    cfg.GenerateAssignment.force = True
    cfg.GenerateAssignment.permissions = 644
    cfg.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    cfg.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    coursedir = _coursedir(root, release_dir, db_url)
    coursedir.assignment_id = assignment
    log = logging.getLogger("nbgrader.release")
    log.setLevel(logging.WARNING)
    _venv_on_path()
    converter = GenerateAssignment(coursedir=coursedir, config=cfg, parent=None, log=log)
    converter.start()
    out = release_dir / assignment
    for nb_path in out.glob("*.ipynb"):
        nb_path.write_text(_canonical(json.loads(nb_path.read_text())), encoding="utf-8")
    return out


def _canonical(nb: dict) -> str:
    """Stable JSON text of a notebook: sorted keys, no execution counts, no volatile metadata."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("ExecuteTime", None)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def normalized(path) -> dict:
    """A notebook as a dict with volatile fields dropped, for comparing two releases."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return json.loads(_canonical(nb))


def release(assignments=None, root=None, progress: bool = True) -> list[Path]:
    """Regenerate ``exercises/<A>/`` from ``solutions/<A>/`` for each assignment (all when None).

    The new release is built in a temporary folder and swapped in, so a failure never leaves a
    half-written ``exercises/<A>/``.
    """
    root = course_root(root)
    names = list(assignments) if assignments else available_assignments(root)
    if not names:
        raise ValueError(f"assignments: no source notebooks found under {root / SOURCE_DIR}")
    known = set(available_assignments(root))
    for name in names:
        if name not in known:
            raise ValueError(f"assignments: unknown assignment {name!r} (known: {', '.join(sorted(known))})")
    done = []
    from tqdm.auto import tqdm

    for name in tqdm(names, desc="release", unit="assignment", disable=not progress):
        with tempfile.TemporaryDirectory(prefix="lrcourse-release-") as tmp:
            built = generate(name, Path(tmp), root)
            dest = root / RELEASE_DIR / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging = dest.with_name(f".{name}.new")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(built, staging)
            old = dest.with_name(f".{name}.old")
            shutil.rmtree(old, ignore_errors=True)
            if dest.exists():
                dest.rename(old)
            staging.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        done.append(dest)
    return done


def _venv_on_path() -> None:
    """nbgrader calls the ``alembic`` script: make the interpreter's ``bin/`` findable."""
    import os
    import sys

    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path

"""``OUT_DIR`` belongs to one assignment and one grading run at a time.

- :func:`check_out_dir`: ``--out`` must not be a file, nor inside the submissions folder (it would
  be graded as a student), nor hold it.
- :class:`OutDirLock`: an exclusive ``fcntl.flock`` on ``OUT_DIR/.lrcourse-grade.lock`` for the
  whole run; a second run on the same folder is refused with the first one's pid. The kernel
  releases the lock when the process dies, even after ``kill -9``.
- :func:`claim`: ``OUT_DIR/.lrcourse-grade.json`` records the assignment; grading another
  assignment into the folder is refused.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
from pathlib import Path

from .atomic import write_text

LOCK = ".lrcourse-grade.lock"
MARKER = ".lrcourse-grade.json"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out_dir(out: Path, submissions: Path) -> None:
    """Refuse an ``--out`` that is a file or that nests with the submissions folder (both resolved)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {out} exists and is not a folder")
    if _inside(out, submissions):
        raise ValueError(f"--out: {out} is inside the submissions folder {submissions}; it would be graded "
                         "as a student. Choose a folder outside it")
    if _inside(submissions, out):
        raise ValueError(f"--out: the submissions folder {submissions} is inside {out}; keep them apart")


class OutDirBusy(ValueError):
    """Another grading run holds the folder's lock."""


class OutDirLock:
    """``with OutDirLock(out):`` hold the folder's grading lock (refuse, never wait, when it is taken)."""

    def __init__(self, out: Path):
        self.path = Path(out) / LOCK
        self.fd = None

    def __enter__(self) -> OutDirLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise OutDirBusy(f"--out: {self.path.parent} is being graded by another `lrcourse grade` run "
                             f"(pid {other}); wait for it to finish or grade into another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _recorded(out: Path) -> str | None:
    marker = out / MARKER
    if marker.is_file():
        try:
            return str(json.loads(marker.read_text(encoding="utf-8"))["assignment"])
        except (ValueError, KeyError, TypeError, OSError):
            return None
    grades = out / "grades.csv"  # a folder graded before the marker existed
    if grades.is_file():
        with open(grades, newline="", encoding="utf-8") as fh:
            row = next(csv.DictReader(fh), None)
        return row.get("assignment") if row else None
    return None


def claim(out: Path, assignment: str) -> None:
    """Record that ``out`` holds ``assignment``; refuse when it holds another assignment's results."""
    other = _recorded(out)
    if other is not None and other != assignment:
        raise ValueError(f"--out: {out} holds the results of assignment {other!r}; grade {assignment!r} into "
                         f"its own folder, e.g. --out {out.parent / assignment}")
    if not (out / MARKER).is_file():
        write_text(out / MARKER, json.dumps({"assignment": assignment}) + "\n")

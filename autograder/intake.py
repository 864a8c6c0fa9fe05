"""Read a submissions folder as DATA: every entry is lstat'ed, nothing is ever followed.

``SUBMISSIONS_DIR/<student_id>/<A>.ipynb`` is the expected layout. A student folder or notebook
that is a symbolic link, a FIFO, a device, a socket, or a folder where the notebook should be is
never opened; it becomes a flagged row with the reason (never a skipped student, an aborted or a
blocked run). A notebook is opened relative to its folder's descriptor with ``O_NOFOLLOW |
O_NONBLOCK``, must be a regular file by ``fstat``, and its size is checked before it is read
(at most ``cap + 1`` bytes are ever read). Well-known junk (``.DS_Store``, ``__MACOSX``...) is
ignored and listed; any other dot-named folder is graded and flagged.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: entries that archive tools, file managers and editors leave behind; ignored (and listed)
JUNK = frozenset({".ipynb_checkpoints", ".DS_Store", "__MACOSX", "Thumbs.db", "desktop.ini", ".git"})
KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"),
         (stat.S_ISREG, "a regular file"))


class LayoutError(ValueError):
    """The submissions folder does not have the expected layout (an instructor's mistake)."""


@dataclass
class Submission:
    """One row of the class: the notebook's bytes (or None) and why it cannot be graded, if so."""

    student_id: str
    raw: bytes | None = None
    filename: str | None = None
    status: str = "ok"  # "ok", "missing" or "invalid"
    flags: list = field(default_factory=list)

    def refuse(self, flag: str) -> Submission:
        self.status, self.raw = "invalid", None
        self.flags.append(flag)
        return self


def kind(mode: int) -> str:
    """``"a symbolic link"``, ``"a FIFO (named pipe)"``... for an ``st_mode``."""
    return next((name for test, name in KINDS if test(mode)), "an unknown kind of file")


def file_name(student_id: str) -> str:
    """A name safe for ``.work/<name>.json`` and the feedback folders: the id itself when it is short
    and printable, else ``~`` and a digest."""
    if not isinstance(student_id, str) or not student_id:
        raise ValueError(f"student_id: expected a non-empty str, got {student_id!r}")
    if student_id.isprintable() and len(student_id.encode()) <= 200 and student_id not in (".", ".."):
        return student_id
    return "~" + hashlib.sha256(student_id.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _read_notebook(dir_fd: int, name: str, cap: int) -> tuple:
    """``(bytes, None)`` or ``(None, reason)``: open without following, check type and size first."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        return None, f"cannot be opened without following links ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"is {kind(st.st_mode)}, not a regular file"
        if st.st_size > cap:
            return None, f"is larger than {cap // (1024 * 1024)} MB ({st.st_size} bytes)"
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            return None, f"grew past {cap // (1024 * 1024)} MB while it was read"
        return b"".join(chunks), None
    finally:
        os.close(fd)


def _student(sub_fd: int, name: str, assignment: str, course_inodes, cap: int) -> Submission:
    entry = Submission(name)
    if name.startswith("."):
        entry.flags.append(f"hidden-folder: the student folder {name!r} starts with a dot; graded, check the id")
    if file_name(name) != name:
        entry.flags.append("odd-name: the student id is not printable or too long; files use "
                           f"{file_name(name)!r}")
    st = os.lstat(name, dir_fd=sub_fd)
    if not stat.S_ISDIR(st.st_mode):
        return entry.refuse(f"odd-entry: {name!r} is {kind(st.st_mode)}, not a student folder; "
                            "submissions are read as data and never followed")
    try:
        dir_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=sub_fd)
    except OSError as exc:
        return entry.refuse(f"odd-entry: the folder {name!r} cannot be opened ({exc.strerror})")
    try:
        names = sorted(os.listdir(dir_fd))
        wanted = f"{assignment}.ipynb"
        chosen = wanted if wanted in names else next((n for n in names if n.endswith(".ipynb")), None)
        if chosen is None:
            entry.status = "missing"
            entry.flags.append("missing: no notebook was submitted")
            return entry
        entry.filename = chosen
        st = os.lstat(chosen, dir_fd=dir_fd)
        if not stat.S_ISREG(st.st_mode):
            return entry.refuse(f"invalid-notebook: {name}/{chosen} is {kind(st.st_mode)}, not a notebook file; "
                                "it was not opened")
        raw, why = _read_notebook(dir_fd, chosen, cap)
        if raw is None:
            return entry.refuse(f"invalid-notebook: {name}/{chosen} {why}")
        final = os.stat(chosen, dir_fd=dir_fd, follow_symlinks=False)
        if (final.st_dev, final.st_ino) in course_inodes:
            return entry.refuse(f"invalid-notebook: {name}/{chosen} is a hard link to a file of the course "
                                "(not the student's own file)")
        if final.st_nlink > 1:
            entry.flags.append(f"hard-link: {name}/{chosen} has {final.st_nlink} names on this file system")
        entry.raw = raw
        return entry
    finally:
        os.close(dir_fd)


def discover(submissions, assignment: str, course_inodes=frozenset(), cap: int = MAX_NOTEBOOK_BYTES) -> tuple:
    """``({student_id: Submission}, [junk names])`` for every entry of ``submissions``.

    Parameters
    ----------
    submissions : path
        The submissions folder (``<student_id>/<assignment>.ipynb`` inside).
    assignment : str
        Assignment id: the notebook looked for is ``<assignment>.ipynb`` (else the first ``*.ipynb``).
    course_inodes : set of (int, int)
        ``(st_dev, st_ino)`` of the course's files: a notebook that is one of them is refused.
    cap : int
        Largest notebook read, in bytes.

    Raises
    ------
    LayoutError
        When no student folder holds an ``<assignment>.ipynb`` entry (wrong depth, empty folder,
        another assignment's notebooks): the message shows the expected layout and what was found.
    """
    if not isinstance(assignment, str) or not assignment.isidentifier():
        raise ValueError(f"assignment: expected an identifier such as 'sgdr', got {assignment!r}")
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"cap: expected a positive number of bytes, got {cap!r}")
    submissions = Path(submissions)
    sub_fd = os.open(submissions, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        names = sorted(os.listdir(sub_fd))
        junk = [n for n in names if n in JUNK]
        rows = {n: _student(sub_fd, n, assignment, course_inodes, cap) for n in names if n not in JUNK}
    finally:
        os.close(sub_fd)
    if not any(r.filename == f"{assignment}.ipynb" for r in rows.values()):
        raise LayoutError(_layout_message(submissions, assignment, rows))
    return rows, junk


def _found(submissions: Path, limit: int = 12) -> list:
    """Up to ``limit`` notebooks at depths 1 to 3, relative to ``submissions`` (links never followed)."""
    found, level = [], [submissions]
    for _ in range(3):
        deeper = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".ipynb") and len(found) < limit:
                    found.append(os.path.relpath(entry.path, submissions))
                elif entry.is_dir(follow_symlinks=False) and entry.name not in JUNK:
                    deeper.append(entry.path)
        level = deeper
    return found


def _layout_message(submissions: Path, assignment: str, rows: dict) -> str:
    expected = f"expected {submissions}/<student_id>/{assignment}.ipynb"
    if not rows:
        return f"submissions: {submissions} holds no student folders ({expected})"
    found = _found(submissions)
    what = ", ".join(found) if found else "no notebook at all"
    return (f"submissions: no student folder in {submissions} holds {assignment}.ipynb ({expected}; "
            f"{len(rows)} entries, notebooks found: {what})")

"""Where a command writes: ``--out`` is a folder, outputs are named after what they hold, and an
existing output is never replaced without ``--force``.

Shared by every subcommand that writes files (``compare``, ``range-test``, ``site``, ``demo``), so they
fail the same way: one line naming the option or the path, exit status 2 (see :mod:`lrcourse.app.cli`).
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser, default: str, what: str) -> None:
    """``--out DIR`` and ``--force`` for a command that writes ``what`` into ``DIR``."""
    parser.add_argument("--out", default=default, metavar="DIR", help=f"output folder for {what} (default: {default})")
    parser.add_argument("--force", action="store_true", help="replace outputs of an earlier run with the same name")


def folder(out, option: str = "--out") -> Path:
    """``out`` as a folder (created); ``ValueError`` if it is an existing file or cannot be created."""
    if out is None or str(out).strip() == "":
        raise ValueError(f"{option}: give a folder")
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {str(path)!r} is an existing file, not a folder; choose a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {str(path)!r} cannot be created: {exc.strerror}") from None
    return path


def targets(out, names, force: bool, option: str = "--out") -> list:
    """The paths ``out/name`` for ``names``, refusing to replace an existing one unless ``force``."""
    base = folder(out, option)
    paths = [base / name for name in names]
    taken = [p for p in paths if p.exists()]
    if taken and not force:
        listed = ", ".join(str(p) for p in taken)
        raise ValueError(f"{listed} already exist{'s' if len(taken) == 1 else ''}: pass --force to replace, "
                         f"or choose another {option}")
    for p in taken:
        if p.is_dir() and not force:  # pragma: no cover - guarded above
            raise ValueError(f"{p} is a folder")
    return paths

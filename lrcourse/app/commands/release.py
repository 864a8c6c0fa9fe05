"""``lrcourse release [ASSIGNMENT...]``: regenerate the student notebooks from the nbgrader sources."""

from __future__ import annotations

NAME = "release"
HELP = "regenerate exercises/<A>/ from solutions/<A>/ with nbgrader's generate_assignment"
DESCRIPTION = """\
Regenerate the released exercises from their nbgrader source notebooks:
solutions/<A>/<A>.ipynb -> exercises/<A>/<A>.ipynb (solutions cleared, hidden tests removed,
cells locked, checksums). With no ASSIGNMENT, every assignment under solutions/ is released.
The output is deterministic, so `git diff exercises/` shows only real changes."""


def configure(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignment ids (default: all under solutions/)")
    parser.add_argument("--root", default=None, help="course root (default: the repository)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from autograder.release import release

    for path in release(args.assignments or None, root=args.root, progress=not args.no_progress):
        print(f"released {path}")
    return 0

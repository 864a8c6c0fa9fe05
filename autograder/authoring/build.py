"""Build the nbgrader source notebooks ``solutions/<A>/<A>.ipynb`` from readable text files.

``python -m autograder.authoring.build [A ...]`` (all assignments by default) reads
``autograder/authoring/notebooks/<A>.cells.txt`` and writes the notebook with nbgrader metadata, so
the notebooks are reproducible and their diffs are the diffs of the text files.

Text format: a line ``%% <kind> [key=value ...]`` starts a cell, the lines up to the next header are
its source. Kinds:

- ``markdown``: a markdown cell;
- ``code``: given code, editable, not graded;
- ``solution id=<grade_id>``: a solution cell (``### BEGIN SOLUTION`` / ``### END SOLUTION`` inside);
- ``check``: the instant-feedback cell (locked, not graded);
- ``test part=<part>``: an autograded test cell for that part (locked, the part's points). Its text
  holds optional visible asserts; the builder appends the hidden block that calls
  ``run_part("<A>", "<part>", globals())``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..assignments import ASSIGNMENTS, get
from ..course import REPO_ROOT, source_dir

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "notebooks"


def _nbgrader(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _lines(text: str) -> list[str]:
    lines = text.strip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]] if lines else []


def hidden_block(assignment: str, part: str) -> str:
    """The locked hidden test of a part, exactly as the grading contract writes it."""
    return ("### BEGIN HIDDEN TESTS\n"
            "from autograder.harness import run_part\n"
            f'run_part("{assignment}", "{part}", globals())\n'
            "### END HIDDEN TESTS")


def parse(text: str) -> list[tuple[str, dict, str]]:
    """``[(kind, options, source)]`` from the text format."""
    cells, kind, opts, body = [], None, {}, []
    for line in text.split("\n"):
        if line.startswith("%% "):
            if kind is not None:
                cells.append((kind, opts, "\n".join(body)))
            words = line[3:].split()
            kind, opts, body = words[0], dict(w.split("=", 1) for w in words[1:]), []
        elif kind is not None:
            body.append(line)
    if kind is not None:
        cells.append((kind, opts, "\n".join(body)))
    return cells


def build_notebook(assignment: str) -> dict:
    """The source notebook of ``assignment`` as a JSON-able dict (nbformat 4.5)."""
    module = get(assignment)
    points = {p.name: p.points for p in module.parts}
    text = (SOURCES / f"{assignment}.cells.txt").read_text()
    cells, seen = [], set()
    for i, (kind, opts, src) in enumerate(parse(text)):
        if kind == "markdown":
            cell = {"cell_type": "markdown", "id": f"{assignment}-md-{i:02d}", "metadata": {},
                    "source": _lines(src)}
        else:
            meta = {}
            if kind == "solution":
                gid = opts["id"]
                meta = {"nbgrader": _nbgrader(gid, solution=True)}
            elif kind == "check":
                gid = f"check_{assignment}"
                meta = {"nbgrader": _nbgrader(gid, locked=True)}
            elif kind == "test":
                gid = opts["part"]
                if gid not in points:
                    raise ValueError(f"{assignment}: test cell for unknown part {gid!r}")
                seen.add(gid)
                body = src.strip("\n")
                part = next(p for p in module.parts if p.name == gid)
                unit = "point" if part.points == 1 else "points"
                head = f"# Graded part {gid!r} ({part.points} {unit}): {part.description}.\n"
                src = head + (body + "\n" if body else "") + hidden_block(assignment, gid)
                meta = {"nbgrader": _nbgrader(gid, grade=True, locked=True, points=points[gid])}
            elif kind != "code":
                raise ValueError(f"{assignment}: unknown cell kind {kind!r}")
            else:
                gid = f"{assignment}-code-{i:02d}"
            cell = {"cell_type": "code", "execution_count": None, "id": gid.replace("_", "-"),
                    "metadata": meta, "outputs": [], "source": _lines(src)}
        cells.append(cell)
    missing = set(points) - seen
    if missing:
        raise ValueError(f"{assignment}: no test cell for part(s) {sorted(missing)}")
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"}},
        "nbformat": 4, "nbformat_minor": 5}


def write(assignment: str, root: Path = REPO_ROOT) -> Path:
    """Write ``solutions/<A>/<A>.ipynb`` under ``root``; returns its path."""
    path = source_dir(root) / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_notebook(assignment), indent=1, ensure_ascii=False) + "\n")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", default=None, help="ids (default: all)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name in args.assignments or ASSIGNMENTS:
        path = source_dir(REPO_ROOT) / name / f"{name}.ipynb"
        fresh = json.dumps(build_notebook(name), indent=1, ensure_ascii=False) + "\n"
        if args.check:
            if not path.is_file() or path.read_text() != fresh:
                stale.append(name)
            continue
        print(write(name))
    if stale:
        print("out of date: " + ", ".join(stale) + " (run python -m autograder.authoring.build)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Helpers of ``tests/test_trust_pipeline.py``: the outside-style submissions (``tests/fixtures/outside``), the
honest students who name their own things like the reference, and the README's point table."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.assignments import get
from autograder.course import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "outside"


@dataclass
class Submission:
    """One fixture: the solution cell's code, extra cells, the parts it loses, the lines to be quoted."""

    student: str
    code: str
    extra: list = field(default_factory=list)
    loses: set = field(default_factory=set)
    quote: list = field(default_factory=list)
    review: list = field(default_factory=list)
    keep: bool = False


def load(assignment: str) -> dict:
    """``{student: Submission}`` of ``tests/fixtures/outside/<assignment>/``."""
    parts = set(get(assignment).part_names)
    found = {}
    for path in sorted((FIXTURES / assignment).glob("*.py")):
        text = path.read_text()
        head, *cells = text.split("# %% cell\n")
        sub = Submission(path.stem, head, [c for c in cells if c.strip()])
        for line in head.splitlines():
            key, _, value = line.partition(":")
            if key == "# loses":
                value = value.strip()
                sub.loses = parts if value == "all" else set() if value == "nothing" else set(value.split())
                assert sub.loses <= parts, f"{path}: unknown part in {value!r}"
            elif key == "# quote":
                sub.quote.append(value.strip())
            elif key == "# review":
                sub.review.append(value.strip())
            elif line.strip() == "# keep":
                sub.keep = True
        found[sub.student] = sub
    return found


def released(assignment: str) -> dict:
    return json.loads((REPO_ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())


def notebook(assignment: str, sub: Submission):
    """The released notebook with the student's code in its solution cell and the extra cells after it."""
    nb = nbformat.from_dict(released(assignment))
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            if not sub.keep:
                cell.source = sub.code
            cells += [nbformat.v4.new_code_cell(extra) for extra in sub.extra]
    nb.cells = cells
    return nb


def honest_shadows(assignment: str) -> str:
    """A cell of the student's own objects named like EVERY reference name of ``assignment``: classes,
    methods, helpers, variables, attributes, dictionary keys, strings and plot labels."""
    module = get(assignment)
    names = sorted({n for p in module.part_names for n in module.forbidden_for(p) if n.isidentifier()})
    lines = ["import matplotlib.pyplot as plt", "class Box:", "    pass", "box = Box()",
             "fig, ax = plt.subplots(figsize=(4, 2))"]
    for k, name in enumerate(names):
        lines += [f"class {name}:", "    def __init__(self, value=0.1):", "        self.value = value",
                  f"    def {name}(self):", f"        return {name!r}",
                  f"def {name}_helper(x):", "    return x",
                  f"{name}_value = {name}().value",
                  f"box.{name} = {name}_helper({k})",
                  f"assert getattr(box, {name!r}) == {k}",
                  f"table = {{{name!r}: {k}}}",
                  f"ax.plot([0, 1], [{k}, {k + 1}], label={name!r})",
                  f"print('my own {name}', {name}_value)"]
    lines += ["ax.legend()", "plt.show()"]
    return "\n".join(lines) + "\n"


def with_shadows(assignment: str):
    """The source notebook (the reference solution) with :func:`honest_shadows` after its last solution cell."""
    nb = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    last = max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells.insert(last + 1, nbformat.v4.new_code_cell(honest_shadows(assignment)))
    return nb


def readme_points() -> dict:
    """``{assignment: [points of each part, in order]}`` from the README's "For students" table."""
    text = (REPO_ROOT / "README.md").read_text()
    table = text.split("## For students", 1)[1].split("\n## ", 1)[0]
    found = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            found[cells[0].strip("`")] = [int(n) for n in re.findall(r"(\d+)(?:,|$)", cells[2])]
    return found

"""Evidence before accusation: what in a submission proves use of the reference, and what only deserves a look.

Hard evidence (the parts it concerns earn 0, and the flag quotes the line):

- the code reaches a reference name of the part (``Assignment.forbidden_for(part)``) THROUGH ``lrcourse``
  (or a package the assignment lists in ``reference_packages``): ``from lrcourse import X``,
  ``import lrcourse as L; L.X``, ``lrcourse.schedules.restarts.X``, ``getattr(mod, "X")``,
  ``__import__``/``importlib.import_module`` with a literal or a constant-foldable built name,
  ``sys.modules[...]``, ``vars(mod)[...]``, ``exec`` of a constant string...;
- any import of ``autograder`` beyond the given ``from autograder.harness import run_part`` (the
  grader's code holds every reference), for every part;
- a call into the reference code seen at run time (:mod:`autograder.watch`, in the kernel).

A name the student defines (a class ``ReduceLROnPlateau``, a helper ``restart_points``, a variable, an
attribute, a string, a plot label) is the student's own and is never evidence, whatever it is called.

Review (the score stands; the instructor is told which line to read, the student is told the same without
an accusation): code whose target cannot be resolved (``exec`` of a computed string, ``__import__`` of a
computed name, ``getattr`` on lrcourse with a computed name), profiler/trace/frame hooks, use of lrcourse
that reaches no reference name of the assignment (except in labs that invite it,
``Assignment.library_use_expected``), file access to course paths, ctypes, signals, other
programs, patching numpy/math/builtins, background threads alive during grading.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

from .findings import Finding, Reach, Where
from .static import Scanner, scan_cells

__all__ = ["Evidence", "Finding", "Reach", "Where", "scan_cells", "given_paths", "GIVEN_PATHS", "COURSE_PACKAGE",
           "GRADER_PACKAGE"]

COURSE_PACKAGE = "lrcourse"
GRADER_PACKAGE = "autograder"
#: what every released notebook imports: never a reason to look (see also :func:`given_paths`)
GIVEN_PATHS = {("autograder", "harness", "run_part"), ("lrcourse", "feedback"), ("lrcourse", "feedback", "check")}
#: modules whose mere use deserves a look
_REVIEW_ROOTS = {"ctypes": "loads ctypes (calls C code directly)", "cffi": "loads cffi (calls C code directly)",
                 "multiprocessing": "starts other processes (multiprocessing)"}


@dataclass
class Evidence:
    """The facts one scan found: reached paths, review findings, cells that could not be read."""

    reaches: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @classmethod
    def of(cls, cells) -> Evidence:
        """Scan ``cells`` (``(index, source)`` pairs or plain sources).

        Raises
        ------
        TypeError
            ``cells`` is not a list of sources or of ``(int, str)`` pairs.
        """
        cells = list(cells) if not isinstance(cells, (str, bytes)) else None
        if cells is None or not all(isinstance(c, str) or (isinstance(c, tuple) and len(c) == 2 and isinstance(c[1], str)
                                                            and (c[0] is None or isinstance(c[0], int))) for c in cells):
            raise TypeError("cells: expected a list of cell sources or of (cell index, source) pairs")
        scanner = scan_cells(cells)
        return cls(scanner.reaches, scanner.reviews, scanner.notes)

    def reference_use(self, module) -> dict:
        """``{part name: [Finding]}``: hard evidence that the part's reference was used (empty lists dropped)."""
        packages = (COURSE_PACKAGE, *getattr(module, "reference_packages", ()))
        found: dict = {}
        for reach in _longest(self.reaches):
            root = reach.path[0]
            if root == GRADER_PACKAGE and reach.path not in GIVEN_PATHS:
                for part in module.part_names:
                    found.setdefault(part, []).append(
                        Finding(f"uses the grader's own code ({reach.dotted}), which holds the reference", reach.where,
                                (reach.dotted,)))
                continue
            if root not in packages:
                continue
            for part in module.part_names:
                hit = sorted(set(module.forbidden_for(part)) & set(reach.path[1:]))
                if hit:
                    found.setdefault(part, []).append(
                        Finding(f"uses the reference implementation ({reach.dotted})", reach.where, tuple(hit)))
        return {part: _unique(items) for part, items in found.items()}

    def review(self, module) -> list:
        """Findings to read by hand (the score stands), one per reason and line."""
        proven = bool(self.reference_use(module))
        given = given_paths(module)
        items = list(self.reviews)
        for reach in _longest(self.reaches):
            root = reach.path[0]
            expected = getattr(module, "library_use_expected", False)  # a lab that invites the simulators
            if root == COURSE_PACKAGE and reach.path not in given and not proven and not expected:
                items.append(Finding(f"uses {reach.dotted}, which reaches no reference name of this exercise "
                                     f"(read it to be sure)", reach.where))
            elif root in _REVIEW_ROOTS:
                items.append(Finding(_REVIEW_ROOTS[root], reach.where))
        items += [Finding(note, Where(None, None)) for note in self.notes]
        return _unique(items)


def given_paths(module) -> frozenset:
    """What the instructor's own code in the released notebook reaches, with every prefix, plus
    :data:`GIVEN_PATHS`: a student keeping a given line (``from lrcourse.plot import plot_descent_paths``)
    is never asked about it.

    Read from ``exercises/<A>/<A>.ipynb`` of the course the assignment belongs to; before the release
    exists only :data:`GIVEN_PATHS` count. Never consulted for hard evidence: a reference name stays
    forbidden even if a released notebook were to import it.
    """
    from ..course import release_notebook  # the course layout, not the library

    name = getattr(module, "name", None)
    if not isinstance(name, str):
        return frozenset(GIVEN_PATHS)
    path = release_notebook(name)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return frozenset(GIVEN_PATHS)
    return _released_paths(str(path), stamp) | GIVEN_PATHS


@functools.lru_cache(maxsize=64)
def _released_paths(path: str, stamp: int) -> frozenset:
    import nbformat

    try:
        cells = nbformat.read(path, as_version=4).cells
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
    sources = [(k, cell.source) for k, cell in enumerate(cells) if cell.cell_type == "code"]
    out = set()
    for reach in scan_cells(sources).reaches:
        out.update(reach.path[:n] for n in range(2, len(reach.path) + 1))
    return frozenset(out)


def _longest(reaches) -> list:
    """Drop a reach whose path is a prefix of another reach on the same line (``lrcourse`` in ``lrcourse.X``)."""
    by_line: dict = {}
    for r in reaches:
        by_line.setdefault(r.where, []).append(r)
    out = []
    for where, items in by_line.items():
        paths = {r.path for r in items}
        for r in items:
            if not any(p != r.path and p[: len(r.path)] == r.path for p in paths):
                out.append(r)
    return _unique(out, key=lambda r: (r.path, r.where))


def _unique(items, key=lambda f: (f.reason, f.where)) -> list:
    seen, out = set(), []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out

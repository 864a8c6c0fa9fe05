"""The graded assignments, one module per assignment (ids are also the notebook names).

Each module defines ``ASSIGNMENT``, ``TITLE``, ``PARTS`` (a list of :class:`autograder.parts.Part`),
``FORBIDDEN`` (reference names a submission may not use), ``make_inputs(part, seed)``,
``visible_inputs(part)``, ``evaluate(part, target_obj, inputs)``, ``score(part, inputs, values)``,
plus ``reference(part, inputs)``, ``PLOT`` and ``plot_values(target_obj)`` for the instant feedback, and
optionally ``NOT_CHECKED`` (parts whose correctness ``check()`` must not reveal, e.g. multiple choice).

Notebook sources: ``notebooks/<A>.cells.txt`` -> ``python -m autograder.assignments.build`` ->
``solutions/<A>/<A>.ipynb``; answers in other styles and typical mistakes: :mod:`.variants`.
"""

from __future__ import annotations

import importlib

ASSIGNMENTS = ["sgdr", "range_test", "schedule_comparison", "warmup_cosine", "one_cycle", "plateau"]


def get(name: str):
    """The module of assignment ``name``; ``ValueError`` naming the known ids otherwise."""
    if name not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {name!r}; known: {', '.join(ASSIGNMENTS)}")
    return importlib.import_module(f"{__name__}.{name}")


def part(assignment: str, name: str):
    """The :class:`~autograder.parts.Part` ``name`` of ``assignment``."""
    for p in get(assignment).PARTS:
        if p.name == name:
            return p
    raise ValueError(f"unknown part {name!r} of {assignment}; parts: {', '.join(p.name for p in get(assignment).PARTS)}")

"""The graded assignments: one module per assignment, each defining ``ASSIGNMENT``, an instance of an
:class:`autograder.assignment.Assignment` subclass (the id is also the notebook's name).

:func:`get` is the one way to load an assignment. ``$LRCOURSE_EXTRA_ASSIGNMENTS`` may name a folder of
further assignment modules (``<folder>/<A>.py``), e.g. for a course's own assignments.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

#: The course's assignments, in the order of the README's table.
ASSIGNMENTS = ["sgdr", "range_test", "schedule_comparison", "warmup_cosine", "one_cycle", "plateau", "line_search",
               "adaptive_step", "noise_floor", "batch_scaling"]
EXTRA_ENV = "LRCOURSE_EXTRA_ASSIGNMENTS"


def known() -> list:
    """Ids of every loadable assignment (the course's, then those of ``$LRCOURSE_EXTRA_ASSIGNMENTS``)."""
    extra = os.environ.get(EXTRA_ENV)
    more = sorted(p.stem for p in Path(extra).glob("*.py")) if extra and Path(extra).is_dir() else []
    return ASSIGNMENTS + [m for m in more if m not in ASSIGNMENTS]


def get(name):
    """The :class:`~autograder.assignment.Assignment` called ``name``.

    Raises
    ------
    ValueError
        ``name`` is not an identifier or no such assignment exists (the message lists the known ones).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"assignment: expected an identifier such as 'sgdr', got {name!r}")
    extra = os.environ.get(EXTRA_ENV)
    if name not in ASSIGNMENTS and extra and (Path(extra) / f"{name}.py").is_file():
        module = _load_file(Path(extra) / f"{name}.py", f"_lrcourse_extra_{name}")
    elif name in ASSIGNMENTS:
        module = importlib.import_module(f"{__name__}.{name}")
    else:
        raise ValueError(f"assignment: unknown assignment {name!r}; known: {', '.join(known())}")
    return module.ASSIGNMENT


def _load_file(path: Path, module_name: str):
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module

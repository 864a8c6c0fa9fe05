"""lrcourse: learning-rate schedules, optimizer simulations, lectures and graded exercises.

Every schedule is an immutable object evaluated vectorized: ``sched(np.arange(T))``. PyTorch's
schedules keep PyTorch's names, parameters and numbers. Every public name of the library layers is
available here (``from lrcourse import CosineAnnealingLR, simulate_sgd``) and is imported on first use,
so ``import lrcourse`` itself is cheap. The layers (see ARCHITECTURE.md):

- :mod:`lrcourse.schedules`: the schedules and their analysis;
- :mod:`lrcourse.dynamics`: test problems, the noisy-SGD engine and the theory beside it;
- :mod:`lrcourse.stepsize`: line search, online step-size rules, the LR range test;
- :mod:`lrcourse.interop`: PyTorch (``lrcourse.torch``), scikit-learn, the digits data set;
- :mod:`lrcourse.plot`: the course's figures;
- :mod:`lrcourse.app`: the command line, instant feedback (``lrcourse.feedback``), the site.
"""

from __future__ import annotations

import importlib

from . import _moved

__version__ = "0.1.0"

#: Subpackages whose public names are re-exported here, in lookup order.
_LIBRARY = ("schedules", "dynamics", "stepsize", "interop")
#: Modules reachable as attributes (``lrcourse.plot``) without an explicit import.
_MODULES = frozenset(_LIBRARY) | {"plot", "app", "torch", "feedback"}

_moved.install()


def _names() -> dict:
    table = {}
    for sub in _LIBRARY:
        for name in importlib.import_module(f"{__name__}.{sub}").__all__:
            table.setdefault(name, sub)
    return table


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    sub = _names().get(name)
    if sub is None:
        raise AttributeError(f"module 'lrcourse' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_names()) | _MODULES)


__all__ = sorted(_names())

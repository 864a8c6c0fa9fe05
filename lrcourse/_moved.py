"""Import paths that moved when the library was split into layers, kept working.

Two stable paths of the public API live in deeper modules: ``lrcourse.torch`` (really
``lrcourse.interop.torch``) and ``lrcourse.feedback`` (really ``lrcourse.app.feedback``). The flat
modules of lrcourse 0.1 (``lrcourse.simulate``, ``lrcourse.range_test``...) still import, with a
``DeprecationWarning`` naming the new home. Each alias is a thin proxy module forwarding attribute
access to the real one, so classes and functions are the very same objects.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

#: Public import paths that are not where the code lives (no warning).
STABLE = {
    "lrcourse.torch": "lrcourse.interop.torch",
    "lrcourse.feedback": "lrcourse.app.feedback",
}
#: Flat modules of lrcourse 0.1 -> their home since the layered layout (deprecated).
DEPRECATED = {
    "lrcourse.base": "lrcourse.schedules.base",
    "lrcourse.restarts": "lrcourse.schedules.restarts",
    "lrcourse.cyclic": "lrcourse.schedules.cyclic",
    "lrcourse.compose": "lrcourse.schedules.compose",
    "lrcourse.warmup": "lrcourse.schedules.warmup",
    "lrcourse.decay": "lrcourse.schedules.decay",
    "lrcourse.sklearn_rules": "lrcourse.schedules.sklearn_rules",
    "lrcourse.plateau": "lrcourse.schedules.plateau",
    "lrcourse.metrics": "lrcourse.schedules.analysis",
    "lrcourse.problems": "lrcourse.dynamics.problems",
    "lrcourse.simulate": "lrcourse.dynamics.simulate",
    "lrcourse.diffusion": "lrcourse.dynamics.diffusion",
    "lrcourse.energy": "lrcourse.dynamics.mechanics",
    "lrcourse.momentum_schedule": "lrcourse.dynamics.nesterov",
    "lrcourse.pac_bayes": "lrcourse.dynamics.pac_bayes",
    "lrcourse.implicit_bias": "lrcourse.dynamics.implicit_bias",
    "lrcourse.linesearch": "lrcourse.stepsize.linesearch",
    "lrcourse.adaptive": "lrcourse.stepsize.online",
    "lrcourse.range_test": "lrcourse.stepsize.range_test",
    "lrcourse.sklearn_sgd": "lrcourse.interop.sklearn_sgd",
    "lrcourse.train": "lrcourse.interop.digits",
    "lrcourse.cli": "lrcourse.app.cli",
    "lrcourse.designer": "lrcourse.app.designer",
    "lrcourse.site": "lrcourse.app.site",
}


class _Alias(types.ModuleType):
    """A module object that forwards every attribute to the module it stands for."""

    def __init__(self, name: str, target: str):
        super().__init__(name)
        self.__dict__["_target"] = target

    def _real(self):
        return importlib.import_module(self.__dict__["_target"])

    def __getattr__(self, attr):
        return getattr(self._real(), attr)

    def __dir__(self):
        return dir(self._real())


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in STABLE or fullname in DEPRECATED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        target = STABLE.get(spec.name)
        if target is None:
            target = DEPRECATED[spec.name]
            warnings.warn(f"{spec.name} moved to {target}; import from there (or from lrcourse)",
                          DeprecationWarning, stacklevel=2)
        importlib.import_module(target)
        return _Alias(spec.name, target)

    def exec_module(self, module):
        pass


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())

"""Lazy public names: a package lists ``{module: [names]}`` and each name is imported on first use.

This keeps ``import lrcourse`` cheap (no NumPy, SciPy or matplotlib until a name is used) while every
public name stays importable from its package, e.g. ``from lrcourse.schedules import StepLR``.
"""

from __future__ import annotations

import importlib
import sys


def attach(package: str, table: dict):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package`` whose names live in ``table``.

    Parameters
    ----------
    package : str
        Dotted name of the package (its ``__name__``).
    table : dict
        ``{submodule: [public names defined in it]}``.
    """
    where = {name: module for module, names in table.items() for name in names}

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # resolve once
        return value

    def __dir__():
        return sorted(set(where) | set(vars(sys.modules[package])))

    return __getattr__, __dir__, sorted(where)

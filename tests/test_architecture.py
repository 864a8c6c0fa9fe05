"""The package tree is layered: each layer imports only the layers below it (ARCHITECTURE.md).

Every ``import`` in ``lrcourse/`` and ``autograder/`` is checked, including imports inside
functions (lazy ones): a module of layer k may import modules of layers 0..k only. Names imported from
the top-level ``lrcourse`` package count as imports of the subpackage that defines them.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import lrcourse

REPO = Path(__file__).resolve().parents[1]
#: lowest layer first; a module's layer is the first prefix it starts with
LAYERS = [
    ("core", ("lrcourse._validate", "lrcourse._lazy", "lrcourse._moved")),
    ("schedules", ("lrcourse.schedules",)),
    ("dynamics", ("lrcourse.dynamics",)),
    ("stepsize", ("lrcourse.stepsize",)),
    ("interop", ("lrcourse.interop",)),
    ("plot", ("lrcourse.plot",)),
    ("autograder", ("autograder",)),
    ("app", ("lrcourse.app", "lrcourse.__main__")),
]


def _layer(module: str):
    if module == "lrcourse":
        return None  # the top-level package only forwards names (resolved per name below)
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str | None = None):
    """``(line, imported module)`` for every import in ``path`` (module ``name``, default: from its path)."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = lrcourse._names()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "lrcourse":
                for alias in node.names:
                    yield node.lineno, f"lrcourse.{top[alias.name]}" if alias.name in top else f"lrcourse.{alias.name}"
            elif node.module is None:
                for alias in node.names:  # from . import x: x may be a module
                    yield node.lineno, f"{target}.{alias.name}"
            else:
                yield node.lineno, target


SOURCES = sorted(p for d in ("lrcourse", "autograder") for p in (REPO / d).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_follow_the_layer_order(path):
    own = _layer(_module_name(path))
    if own is None:
        return
    wrong = []
    for line, target in _imports(path):
        theirs = _layer(target)
        if theirs is not None and theirs > own:
            wrong.append(f"line {line}: imports {target} ({LAYERS[theirs][0]}) from layer {LAYERS[own][0]}")
    assert not wrong, "\n".join(wrong)


def test_every_source_module_has_a_layer():
    loose = [str(p.relative_to(REPO)) for p in SOURCES
             if _layer(_module_name(p)) is None and _module_name(p) not in ("lrcourse",)]
    assert not loose, f"modules outside every layer: {loose}"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    fake = tmp_path / "probe.py"
    fake.write_text("import numpy\nfrom . import base\nfrom ..dynamics import simulate\n"
                    "def f():\n    from lrcourse import simulate_sgd\n    import autograder.harness\n")
    found = [t for _, t in _imports(fake, "lrcourse.schedules.probe")]
    wrong = [t for t in found if (_layer(t) or 0) > _layer("lrcourse.schedules.probe")]
    assert wrong == ["lrcourse.dynamics", "lrcourse.dynamics", "autograder.harness"]


@pytest.mark.parametrize("package", ["schedules", "dynamics", "stepsize", "interop"])
def test_lazy_tables_match_the_modules(package):
    """Each public name of a subpackage is the object of the one module that exports it."""
    pkg = importlib.import_module(f"lrcourse.{package}")
    homes = {}
    for path in sorted((REPO / "lrcourse" / package).glob("[!_]*.py")):
        module = importlib.import_module(f"lrcourse.{package}.{path.stem}")
        for name in getattr(module, "__all__", ()):
            homes.setdefault(name, []).append(module)
    for name in pkg.__all__:
        assert len(homes.get(name, [])) == 1, f"{package}.{name} is exported by {homes.get(name)}"
        assert getattr(pkg, name) is getattr(homes[name][0], name)
        assert getattr(lrcourse, name) is getattr(homes[name][0], name)


def test_public_names_of_the_top_level_package():
    for name in lrcourse.__all__:
        assert getattr(lrcourse, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lrcourse.nope  # noqa: B018


def test_import_lrcourse_loads_no_heavy_dependency():
    code = ("import sys, lrcourse; heavy = [m for m in ('numpy', 'scipy', 'matplotlib', 'sklearn', 'torch') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_moved_modules_still_import_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="lrcourse.simulate moved to lrcourse.dynamics.simulate"):
        module = importlib.import_module("lrcourse.simulate")
    from lrcourse.dynamics.simulate import simulate_sgd

    assert module.simulate_sgd is simulate_sgd
    import lrcourse.feedback
    import lrcourse.torch

    assert lrcourse.torch.as_torch_scheduler.__module__ == "lrcourse.interop.torch"
    assert lrcourse.feedback.check.__module__ == "lrcourse.app.feedback"

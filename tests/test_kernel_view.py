"""The kernel's view (autograder/kernel_view.py): one allow-list, staged read-only, nothing else of the course."""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import kernel_view as kv
from autograder.assignments import ASSIGNMENTS
from autograder.executor import Limits, Sandbox, claim_uid
from autograder.worker import default_scratch_root

pytestmark = pytest.mark.grading
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the private uid needs root")
#: modules the graded notebooks import in the kernel (the assignments are loaded by name at run time)
KERNEL_ENTRY = ["autograder/harness.py", "lrcourse/__init__.py", "lrcourse/app/feedback.py", "lrcourse/_moved.py",
                "autograder/assignments/__init__.py", *(f"autograder/assignments/{a}.py" for a in ASSIGNMENTS)]


@pytest.mark.parametrize(("rel", "allowed"), [
    ("lrcourse/__init__.py", True), ("lrcourse/plot/schedules.py", True), ("lrcourse/app/commands/grade.py", True),
    ("autograder/harness.py", True), ("autograder/parts.py", True), ("autograder/assignments/sgdr.py", True),
    ("autograder/authoring/build.py", False), ("autograder/authoring/variants/__init__.py", False),
    ("autograder/authoring/notebooks/sgdr.cells.txt", False), ("autograder/samples/sgdr/ada/sgdr.ipynb", False),
    ("autograder/pipeline.py", False), ("autograder/probe.py", False), ("autograder/SECURITY.md", False),
    ("lrcourse/__pycache__/base.cpython-311.pyc", False), ("lrcourse/data.csv", False),
])
def test_allow_list(rel, allowed):
    assert kv.is_allowed(rel) is allowed


def _module_file(base: Path, dotted: str):
    path = base.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, base: Path) -> set:
    """Files of our packages that ``path`` imports (absolute, relative, in functions too; not the lazy
    attributes of a package's ``__getattr__``, which the kernel never touches)."""
    here = path.relative_to(base).with_suffix("").parts
    package = here[:-1]
    tree = ast.parse(path.read_text())
    lazy = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "__getattr__"
            for n in ast.walk(f)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = ".".join(package[: len(package) - node.level + 1])
                module = f"{parent}.{node.module}" if node.module else parent
            else:
                module = node.module or ""
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        for name in names:
            if name.split(".")[0] in kv.PACKAGES:
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    hit = _module_file(base, ".".join(parts[:i]))
                    if hit is not None:
                        found.add(hit)
    return found


def test_every_module_the_kernel_imports_is_in_the_view():
    """Follow the imports of the kernel side: a module missing from the allow-list fails here."""
    base = kv.package_dir("autograder").parent
    todo = [base / rel for rel in KERNEL_ENTRY]
    seen: set = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += sorted(_imports(path, base) - seen)
    rels = {p.relative_to(base).as_posix() for p in seen}
    assert "autograder/parts.py" in rels and "lrcourse/plot/style.py" in rels
    assert sorted(r for r in rels if not kv.is_allowed(r)) == []


def test_staged_library_is_read_only_and_shared(tmp_path):
    lib = kv.stage_library(tmp_path)
    assert kv.stage_library(tmp_path) == lib  # same code, same folder
    files = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file())
    assert files == sorted(kv.library_files())
    assert all(kv.is_allowed(f) for f in files)
    assert all(not p.stat().st_mode & 0o222 for p in [lib, *lib.rglob("*")])


def test_bwrap_command_binds_only_the_view(tmp_path):
    view = kv.kernel_view(tmp_path / "lib", tmp_path / "rt")
    args = kv.bwrap_command(view, uid=62042)
    root = str(kv.package_dir("autograder").parent)
    sources = {args[i + 1] for i, a in enumerate(args) if a in ("--bind", "--ro-bind")}
    assert root not in sources and not any(s.startswith(root + os.sep + "solutions") for s in sources)
    assert all(s.startswith(("/usr", "/etc/")) or s in view.python or s in (view.library, view.runtime)
               or s.startswith(str(view.runtime)) for s in sources)
    assert "--unshare-user" not in args and "--unshare-net" in args and "--die-with-parent" in args
    assert args[-4:] == ["--remount-ro", "/", "--chdir", kv.HOME]
    unprivileged = kv.bwrap_command(view, uid=None)
    assert "--unshare-user" in unprivileged and "--disable-userns" in unprivileged
    assert ["--tmpfs", "/tmp"] == unprivileged[unprivileged.index("/tmp") - 1:unprivileged.index("/tmp") + 1]


def test_a_python_installation_under_tmp_stays_visible_behind_the_private_tmp(tmp_path):
    """A checkout or venv under /tmp (CI clones there) is bound AFTER the private /tmp is mounted, so the
    kernel still finds it, while the host's other /tmp files stay hidden. tmp_path is itself under /tmp."""
    assert str(tmp_path).startswith("/tmp/")
    installed = tmp_path / "clone" / ".venv" / "lib"
    installed.mkdir(parents=True)
    (installed / "marker.txt").write_text("installed")
    secret = tmp_path / "host-secret.txt"
    secret.write_text("not for the kernel")
    library, runtime = kv.stage_library(tmp_path / "scratch"), tmp_path / "rt"
    runtime.mkdir()
    (runtime / "kernel.json").write_text("{}")
    view = kv.kernel_view(library, runtime)
    view = dataclasses.replace(view, python=(*view.python, str(installed)))
    code = ("import os, sys\n"
            f"print(open({str(installed / 'marker.txt')!r}).read())\n"
            f"print(os.path.exists({str(runtime / 'kernel.json')!r}), os.path.exists({str(secret)!r}))\n"
            f"print(os.path.isfile({kv.LIBRARY + '/lrcourse/__init__.py'!r}))\n"
            "open('/tmp/scratch-ok', 'w').write('x'); print(sorted(os.listdir('/tmp')))\n")
    proc = subprocess.run([*kv.bwrap_command(view, uid=None), sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    marker, seen, library_ok, listing = proc.stdout.strip().splitlines()
    assert marker == "installed" and seen == "True False" and library_ok == "True"
    assert "scratch-ok" in listing and "host-secret.txt" not in listing


def test_symlinked_data_file_is_never_bound(tmp_path):
    link = tmp_path / "data.csv"
    link.symlink_to(kv.package_dir("autograder") / "SECURITY.md")
    with pytest.raises(ValueError, match="data_files"):
        kv.kernel_view(tmp_path, tmp_path, data_files=[link])


@needs_root
def test_kernel_side_imports_work_inside_the_view():
    """Import every lrcourse module, the harness and every assignment in a real sandbox; nothing from the checkout."""
    code = (
        "import importlib, pkgutil, sys, lrcourse\n"
        "mods = [m.name for m in pkgutil.walk_packages(lrcourse.__path__, 'lrcourse.') if not m.name.endswith('__main__')]\n"
        "for m in mods: importlib.import_module(m)\n"
        "import autograder.harness\n"
        "from autograder.assignments import get as load_assignment\n"
        "from lrcourse.feedback import check\n"
        f"for a in {ASSIGNMENTS!r}:\n"
        "    load_assignment(a); check(a, lambda *x, **k: None, plot=False)\n"
        "ours = {n: getattr(m, '__file__', '') for n, m in sys.modules.items() if n.split('.')[0] in ('lrcourse', 'autograder')}\n"
        f"bad = [n for n, f in ours.items() if f and not f.startswith({kv.LIBRARY!r})]\n"
        "print('IMPORTED', len(ours), 'OUTSIDE', bad)\n"
    )
    scratch = default_scratch_root()
    uid, lock = claim_uid(scratch, seed=4242)
    sandbox = Sandbox(scratch, f"{os.getpid()}-imports", uid, kv.stage_library(scratch), {}, Limits(timeout=120))
    try:
        cfg = sandbox.write_config(sandbox.config(sandbox.runtime_dir("rt")), "imports.json")
        proc = subprocess.run([sys.executable, "-m", "autograder.sandbox", str(cfg), "--", sys.executable, "-c", code],
                              capture_output=True, text=True, timeout=300)
    finally:
        sandbox.cleanup()
        lock.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("IMPORTED") and last.endswith("OUTSIDE []")

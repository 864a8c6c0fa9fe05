"""Evidence before accusation (issue 10): the static scan and the runtime watch.

A student's own names never count, whatever they are called; reaching a reference name through
lrcourse (or autograder) counts in every spelling, and the finding names the cell and the line; code
the grader cannot resolve is only flagged for review.
"""

from __future__ import annotations

import ast
import linecache
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.assignments import ASSIGNMENTS, get
from autograder.evidence import Evidence, Where
from autograder.evidence.fold import UNKNOWN, fold
from autograder.watch import Watch
from outside import honest_shadows

SGDR = get("sgdr")


def _scan(source: str, cell: int = 2) -> Evidence:
    return Evidence.of([(cell, source)])


def _hard(source: str, module=SGDR) -> list:
    return sorted({f for items in _scan(source).reference_use(module).values() for f in items},
                  key=lambda f: (f.where.line or 0, f.reason))


# --- a student's own names are never evidence ---------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_own_names_like_every_forbidden_symbol_are_not_evidence(assignment):
    """Own classes, methods, helpers, variables, attributes, dict keys, strings and plot labels named like
    every reference name, used afterwards, beside the imports the released notebooks make."""
    module = get(assignment)
    uses = "".join(f"def uses_{k}(t):\n    return {n}(t).value + box.{n} + {n}_helper(t)\n{n} = {n}_helper\n"
                   for k, n in enumerate(sorted({n for p in module.part_names for n in module.forbidden_for(p)})))
    evidence = _scan(honest_shadows(assignment) + uses + "from lrcourse.feedback import check\n"
                     "from autograder.harness import run_part\n")
    assert evidence.reference_use(module) == {}
    assert evidence.review(module) == []


# --- reaching the reference through lrcourse, in every spelling ---------------------------------

CHEATS = {
    "from_import": ("from lrcourse import CosineAnnealingWarmRestarts", 1),
    "alias_attribute": ("import lrcourse as L\ndef sgdr(t, a, b, c, d):\n    return L.CosineAnnealingWarmRestarts(c, a)(t)", 3),
    "attribute_chain": ("import lrcourse.schedules.restarts\nf = lrcourse.schedules.restarts.restart_points", 2),
    "submodule_from": ("from lrcourse.schedules import restarts as r\nC = r.CosineAnnealingWarmRestarts", 2),
    "getattr_built": ("import lrcourse\nC = getattr(lrcourse, 'Cosine' + 'AnnealingWarmRestarts')", 2),
    "dunder_import_plus": ('_m = __import__("lrc" + "ourse")\n_C = getattr(_m, "CosineAnnealing" + "Warm" + "Restarts")', 2),
    "reversed_slice": ('m = __import__("esruocrl"[::-1])\nC = m.CosineAnnealingWarmRestarts', 2),
    "join_list": ('import importlib\nm = importlib.import_module("".join(["lr", "course", ".schedules"]))\n'
                  'x = m.restart_points', 3),
    "fstring": ('a = "lr"\nb = "course"\nm = __import__(f"{a}{b}")\nf = m.restart_points', 4),
    "chr_codes": ('m = __import__("".join(chr(c) for c in [108, 114, 99, 111, 117, 114, 115, 101]))\n'
                  'f = m.restart_points', 2),
    "augmented": ('s = "lr"\ns += "course"\nm = __import__(s)\nC = m.CosineAnnealingWarmRestarts', 4),
    "base64": ('import base64\nm = __import__(base64.b64decode("bHJjb3Vyc2U=").decode())\nf = m.restart_points', 3),
    "sys_modules": ('import sys\nimport lrcourse\nf = sys.modules["lrcourse"].restart_points', 3),
    "vars_dict": ('import lrcourse\nf = vars(lrcourse)["restart_points"]', 2),
    "exec_constant": ('exec("from lrcourse import restart_points")', 1),
    "star_import": ("from lrcourse import *\ny = restart_points(10, 2, 100)", 2),
    "builtins_import": ('import builtins\nm = builtins.__import__("lrcourse")\nf = m.restart_points', 3),
    "function_body_late_global": ('def sgdr(t, *a):\n    return M.restart_points(t)\nM = __import__("lrcourse")', 2),
    "timeit_magic": ("%timeit from lrcourse import restart_points", 1),
    "grader_import": ("from autograder.assignments import get", 1),
    "grader_attribute": ("import autograder.assignments.sgdr as s\nC = s.ASSIGNMENT", 1),
}


@pytest.mark.parametrize("case", sorted(CHEATS))
def test_reaching_the_reference_is_hard_evidence_with_the_line(case):
    source, line = CHEATS[case]
    found = _hard(source)
    assert found, f"{case}: no evidence"
    assert found[0].where == Where(2, line, source.splitlines()[line - 1].strip())
    evidence = _scan(source).reference_use(SGDR)
    assert set(evidence) == set(SGDR.part_names)  # every sgdr part forbids these names
    assert "cell 3, line" in str(found[0])


def test_torch_scheduler_is_the_plateau_reference():
    plateau = get("plateau")
    found = _hard("import torch\nS = torch.optim.lr_scheduler.ReduceLROnPlateau", plateau)
    assert found and "ReduceLROnPlateau" in found[0].names
    assert _hard("import torch\nx = torch.zeros(3)", plateau) == []


def test_a_parameter_named_like_a_module_is_the_students():
    assert _hard("import lrcourse\ndef f(lrcourse):\n    return lrcourse.restart_points") == []
    assert _hard("lrcourse = 'my notes'\nx = lrcourse.upper()") == []


# --- what only deserves a look ------------------------------------------------------------------

REVIEWS = {
    "computed_import": ("name = input()\nm = __import__(name)", "imports a module whose name is computed"),
    "computed_exec": ("code = input()\nexec(code)", "runs code built at run time"),
    "computed_getattr": ("import lrcourse\nn = input()\nf = getattr(lrcourse, n)", "getattr on lrcourse"),
    "profiler": ("import sys\nsys.setprofile(None)", "profiler, trace or frame hooks"),
    "thread_profiler": ("import threading\nthreading.settrace(print)", "profiler, trace or frame hooks"),
    "ctypes": ("import ctypes", "ctypes"),
    "course_files": ('import json\nnb = json.load(open("/course/solutions/sgdr/sgdr.ipynb"))', "course path"),
    "other_lrcourse": ("import lrcourse\nx = lrcourse.CosineAnnealingLR", "reaches no reference name"),
    "patch_numpy": ("import numpy as np\nnp.allclose = lambda *a, **k: True", "replaces numpy.allclose"),
    "signals": ("import os\nos.kill(os.getppid(), 9)", "signals or exits processes"),
    "shell": ("!ls /", "shell command"),
    "cell_magic": ("%%bash\nls /", "cell magic %%bash"),
    "frames": ("import sys\ng = sys._getframe().f_back.f_globals", "interpreter internals"),
    "records": ('print("@@lrcourse-record {}")', "grader record"),
}


@pytest.mark.parametrize("case", sorted(REVIEWS))
def test_unresolvable_code_is_flagged_for_review_only(case):
    source, reason = REVIEWS[case]
    evidence = _scan(source)
    assert evidence.reference_use(SGDR) == {}
    found = evidence.review(SGDR)
    assert any(reason in f.reason for f in found), [str(f) for f in found]
    assert all(f.where.cell == 2 and f.where.line for f in found if reason in f.reason)


def _released_code(assignment: str) -> list:
    import nbformat
    from autograder.course import release_notebook
    nb = nbformat.read(release_notebook(assignment), as_version=4)
    return [(k, c.source) for k, c in enumerate(nb.cells) if c.cell_type == "code"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_what_the_released_notebook_imports_is_never_a_finding(assignment):
    """The instructor's own lines (``from lrcourse.plot import plot_descent_paths``) kept by an honest
    student raise no question; lrcourse names the release does not use still do."""
    module = get(assignment)
    released = _released_code(assignment)
    assert not [str(f) for f in Evidence.of(released).review(module)]
    forbidden = {name for part in module.part_names for name in module.forbidden_for(part)}
    other = next(n for n in ("NoamLR", "CyclicLR", "ExponentialLR") if n not in forbidden)
    if not module.library_use_expected:
        extra = (len(released) + 1, f"import lrcourse\nx = lrcourse.{other}")
        found = Evidence.of([*released, extra]).review(module)
        assert any("reaches no reference name" in f.reason and f.where.line == 2 for f in found)


def test_unparsable_cell_is_a_review_note():
    found = _scan("x = 1\ndef broken(:\n    pass").review(SGDR)
    assert [str(f) for f in found] == ["cannot be read as Python (a syntax error), so it was not checked at "
                                       "cell 3, line 2: `def broken(:`"]


# --- constant folding ---------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="\\'\"{}"),
               max_size=30)


def _fold(expr: str):
    return fold(ast.parse(expr, mode="eval").body)


@given(a=TEXT, b=TEXT)
def test_fold_concatenation_reversal_and_join(a, b):
    assert _fold(f"'{a}' + '{b}'") == a + b
    assert _fold(f"'{a}'[::-1]") == a[::-1]
    assert _fold(f"''.join(['{a}', '{b}'])") == a + b
    assert _fold(f"''.join(reversed('{a}'))") == a[::-1]
    assert _fold(f"f'{{\"{a}\"}}x{{\"{b}\"}}'") == f"{a}x{b}"  # an f-string of constants


@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_fold_character_codes_and_methods(word):
    codes = [ord(c) for c in word]
    assert _fold(f"''.join(chr(c) for c in {codes})") == word
    assert _fold(f"'{word.upper()}'.lower()") == word
    assert _fold(f"'{word[::-1]}'[::-1].replace('', '')") == word


@pytest.mark.parametrize("expr", ["'a' * 10**12", "f'{\"a\":>999999999}'", "'%999999999s' % 'a'",
                                  "'{:>999999999}'.format('a')", "'a' * 9999 + 'b' * 9999", "open('x').read()",
                                  "bytes(10**9)"])
def test_fold_refuses_what_would_blow_up_or_run_code(expr):
    assert _fold(expr) is UNKNOWN


# --- the runtime watch (in the kernel) ----------------------------------------------------------

def _cell_function(source: str, name: str, number: int):
    """Compile ``source`` as the kernel would compile a notebook cell, and return ``name`` from it."""
    filename = f"/tmp/ipykernel_4242/{number}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    space = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), space)
    return space[name]


def test_watch_sees_a_reference_call_and_the_students_line():
    sgdr = _cell_function("import lrcourse\n"
                          "def sgdr(t):\n"
                          "    return lrcourse.restart_points(10, 2, 100)\n", "sgdr", 1)
    with Watch(SGDR.forbidden_for("restarts")) as seen:
        sgdr(1)
    call = seen.calls["restart_points"]
    assert call["file"] == "1.py" and call["line"] == 3 and "restart_points" in call["text"]


def test_watch_sees_reference_calls_from_threads_started_while_grading():
    sgdr = _cell_function("import threading, importlib\n"
                          "def sgdr(t):\n"
                          "    box = []\n"
                          "    def work():\n"
                          "        m = importlib.import_module(''.join(['lr', 'course']))\n"
                          "        box.append(getattr(m, 'restart_' + 'points')(10, 2, 100))\n"
                          "    th = threading.Thread(target=work, name='helper')\n"
                          "    th.start()\n"
                          "    th.join()\n"
                          "    return box[0]\n", "sgdr", 2)
    with Watch(SGDR.forbidden_for("restarts")) as seen:
        sgdr(1)
    call = seen.calls["restart_points"]
    assert call["thread"] == "helper" and call["line"] == 6 and call["file"] == "2.py"


def test_watch_reports_threads_that_already_ran_and_a_removed_profiler():
    stop = threading.Event()
    waiter = _cell_function("def waiter(stop):\n    stop.wait(30)\n", "waiter", 3)
    thread = threading.Thread(target=waiter, args=(stop,), name="precomputed")
    thread.start()
    try:
        sgdr = _cell_function("import sys\ndef sgdr(t):\n    sys.setprofile(None)\n    return t\n", "sgdr", 4)
        with Watch(SGDR.forbidden_for("restarts")) as seen:
            sgdr(1)
    finally:
        stop.set()
        thread.join()
    record = seen.record()
    running = [t for t in record["threads_running"] if t["name"] == "precomputed"]
    assert running and running[0]["file"] == "3.py" and running[0]["line"] == 2
    assert record["profiler_removed"] is True


def test_watch_ignores_the_stand_in_the_grader_substitutes():
    from autograder.assignment import _substituted

    space = {"helper": None}
    sgdr = _cell_function("def sgdr(t):\n    return helper(t)\n", "sgdr", 5)
    space = sgdr.__globals__
    space["helper"] = lambda t: t

    def stand_in(t):
        import lrcourse
        return lrcourse.restart_points(10, 2, 100)

    with Watch(SGDR.forbidden_for("restarts")) as seen, _substituted(space, "helper", stand_in):
        sgdr(1)
    assert seen.calls == {}


@pytest.mark.parametrize("source", [
    'code = ["x = 1"]\ncode.append("from lrcourse import restart_points")\nexec("\\n".join(code))',
    'name = "numpy"\nfor part in ["lr", "course"]:\n    name = part\nm = __import__(name)',
    'name = "numpy"\ndef switch():\n    global name\n    name = "lrcourse"\nswitch()\nm = __import__(name)',
])
def test_values_changed_out_of_line_are_not_folded_but_reviewed(source):
    """A constant the code changes later (in place, in a loop, through global) is not trusted: review, no guess."""
    evidence = _scan(source)
    assert evidence.reference_use(SGDR) == {}
    assert any("at run time" in f.reason for f in evidence.review(SGDR))

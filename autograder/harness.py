"""The code that the graded test cells of the notebooks call: :func:`run_part`.

A test cell reads ``from autograder.harness import run_part; run_part("sgdr", "restarts", globals())``.
``run_part`` evaluates the student's object on hidden inputs drawn from a seed, prints ONE record line
``@@lrcourse-record {json}`` with the raw values, then scores them in the kernel so that plain
nbgrader grades right too. The ``lrcourse grade`` pipeline never trusts that in-kernel verdict: it
parses the record, re-derives the inputs from the seed it chose and re-scores outside the kernel.
"""

from __future__ import annotations

import json
import os
import sys
import zlib

from .assignments import get

#: Seed used when ``LRCOURSE_GRADING_SEED`` is not set (plain nbgrader, students' own runs).
DEFAULT_SEED = 20240611
RECORD_PREFIX = "@@lrcourse-record "
SEED_ENV = "LRCOURSE_GRADING_SEED"


def grading_seed() -> int:
    """The base seed of this grading run (``$LRCOURSE_GRADING_SEED`` or :data:`DEFAULT_SEED`)."""
    raw = os.environ.get(SEED_ENV, "")
    try:
        return int(raw) if raw.strip() else DEFAULT_SEED
    except ValueError:
        return DEFAULT_SEED


def part_seed(seed: int, part: str) -> int:
    """Mix the base ``seed`` with the part name: each part gets its own hidden inputs."""
    return (int(seed) * 1_000_003 + zlib.crc32(part.encode())) % (2**31 - 1)


def _reference_calls(module, part_name):
    """Profile hook that notes calls into lrcourse code whose name is forbidden for this part."""
    names = set(module.forbidden_for(part_name))
    import lrcourse

    root = os.path.dirname(os.path.abspath(lrcourse.__file__))
    seen: set[str] = set()

    def hook(frame, event, arg):
        if event == "call" and names:
            code = frame.f_code
            if code.co_filename.startswith(root):
                qual = getattr(code, "co_qualname", code.co_name)
                if any(n in qual.split(".") for n in names):
                    seen.add(qual)

    return hook, seen


def _patched_comparisons() -> list[str]:
    """Names of well-known comparison functions that no longer come from their library."""
    import math

    import numpy

    found = []
    if getattr(math.isclose, "__module__", "math") not in ("math", None) or type(math.isclose).__name__ != "builtin_function_or_method":
        found.append("math.isclose")
    for name in ("allclose", "isclose", "array_equal"):
        func = getattr(numpy, name, None)
        if not getattr(func, "__module__", "").startswith("numpy"):
            found.append(f"numpy.{name}")
    import builtins

    for name in ("abs", "float", "len", "isinstance", "all", "any", "print"):
        if getattr(getattr(builtins, name), "__module__", "builtins") != "builtins":
            found.append(f"builtins.{name}")
    return found


def run_part(assignment: str, part: str, namespace: dict) -> float:
    """Evaluate and score one graded part; print its record line.

    Parameters
    ----------
    assignment : str
        Assignment id, e.g. ``"sgdr"``.
    part : str
        Part name of the assignment (``Assignment.parts``).
    namespace : dict
        The notebook's ``globals()``; the part's ``target`` is looked up there.

    Returns
    -------
    float
        Points earned (in the kernel; the grader re-scores outside).

    Raises
    ------
    AssertionError
        With the hint of the part when it earns less than its points.
    """
    module = get(assignment)
    spec = module.part(part)
    if not isinstance(namespace, dict):
        raise TypeError("namespace: pass globals()")
    if spec.target not in namespace:
        raise AssertionError(f"`{spec.target}` is not defined: write it in the solution cell "
                             f"and keep its name (part {part!r} grades `{spec.target}`).")
    seed = grading_seed()
    inputs = module.make_inputs(part, part_seed(seed, part))
    hook, calls = _reference_calls(module, part)
    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        values = module.evaluate(part, namespace[spec.target], inputs)
    finally:
        sys.setprofile(previous)
    record = {"assignment": assignment, "part": part, "seed": seed, "values": values,
              "reference_calls": sorted(calls), "patched": _patched_comparisons()}
    sys.stdout.write(RECORD_PREFIX + json.dumps(record, allow_nan=True) + "\n")
    sys.stdout.flush()
    result = module.score(part, inputs, values)
    if calls:
        raise AssertionError(f"part {part!r} calls the reference implementation "
                             f"({', '.join(sorted(calls))}) instead of implementing it.")
    if result.earned < result.points:
        raise AssertionError(result.hint or f"part {part!r}: {result.earned}/{result.points} points")
    return result.earned

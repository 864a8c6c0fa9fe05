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
from .watch import Watch

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
    module.part(part)
    if not isinstance(namespace, dict):
        raise TypeError("namespace: pass globals()")
    record, inputs, calls = observe_part(module, part, namespace, grading_seed())
    sys.stdout.write(RECORD_PREFIX + json.dumps(record, allow_nan=True, default=str) + "\n")
    sys.stdout.flush()
    result = module.score_record(part, inputs, record)
    if calls:
        raise AssertionError(f"part {part!r} calls the reference implementation "
                             f"({', '.join(sorted(calls))}) instead of implementing it.")
    if result.earned < result.points:
        raise AssertionError(result.hint or f"part {part!r}: {result.earned}/{result.points} points")
    return result.earned


def observe_part(module, part: str, namespace: dict, seed: int) -> tuple[dict, dict, dict]:
    """The record of ``part`` (the student's values or error, what the runtime watch saw), its inputs and
    the reference calls seen; the student's code runs under :class:`autograder.watch.Watch`."""
    name = module.part(part).name
    inputs = module.make_inputs(name, part_seed(seed, name))
    packages = ("lrcourse", *module.reference_packages)
    with Watch(module.forbidden_for(name), packages) as seen:
        observed = module.observe(name, namespace, inputs)
    record = {"assignment": module.name, "part": name, "seed": seed, **observed, **seen.record(),
              "patched": _patched_comparisons()}
    return record, inputs, seen.calls

"""Benchmark: what importing lrcourse costs, as a ratio to ``import numpy``.

Each statement runs in a fresh Python process (nothing cached in ``sys.modules``), timed inside that
process around the statement only, so interpreter start-up is left out. Every statement is run
``REPEATS`` times, interleaved (numpy, lrcourse, first schedule, numpy, ...) so that other load on
the machine hits all of them alike, and the best time of each is kept.

- ``import numpy``: the reference;
- ``import lrcourse``: the package itself, which loads nothing heavy (every public name is imported on
  first use);
- ``from lrcourse import CosineAnnealingLR; CosineAnnealingLR(lr=0.1, T_max=10)(0)``: the first
  schedule a student evaluates (this one does load NumPy).

Target (issue 11): ``import lrcourse`` within 1.5x of ``import numpy``. The first schedule
evaluation is held to the same 1.5x: it is NumPy plus the schedules layer, never SciPy, scikit-learn
or matplotlib, which the script also checks.

Run: .venv/bin/python benchmarks/import_time.py
"""

from __future__ import annotations

import json
import subprocess
import sys

REPEATS = 15
TARGET = 1.5
STATEMENTS = {
    "import numpy": "import numpy",
    "import lrcourse": "import lrcourse",
    "first schedule": "from lrcourse import CosineAnnealingLR; CosineAnnealingLR(lr=0.1, T_max=10)(0)",
}
HEAVY = ("scipy", "sklearn", "matplotlib", "torch")
PROBE = """
import sys, time, json
t0 = time.perf_counter()
exec({statement!r})
elapsed = time.perf_counter() - t0
print(json.dumps([elapsed, [m for m in {heavy!r} if m in sys.modules]]))
"""


def measure(statement: str) -> tuple[float, list]:
    """Seconds taken by ``statement`` in a fresh interpreter, and the heavy packages it loaded."""
    code = PROBE.format(statement=statement, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    elapsed, heavy = json.loads(out)
    return elapsed, heavy


def main() -> int:
    best = {name: float("inf") for name in STATEMENTS}
    loaded = {}
    for _ in range(REPEATS):
        for name, statement in STATEMENTS.items():
            elapsed, heavy = measure(statement)
            best[name] = min(best[name], elapsed)
            loaded[name] = heavy
    base = best["import numpy"]
    print(f"best of {REPEATS} fresh processes each, timed around the statement only")
    for name, statement in STATEMENTS.items():
        extra = f"  (also loads: {', '.join(loaded[name])})" if loaded[name] else ""
        print(f"{statement:<80} {1000 * best[name]:8.1f} ms  {best[name] / base:5.2f}x numpy{extra}")
    ok = True
    for name in ("import lrcourse", "first schedule"):
        ratio = best[name] / base
        passed = ratio <= TARGET and not loaded[name]
        ok &= passed
        print(f"target {name} within {TARGET}x of import numpy, nothing heavy: {'PASS' if passed else 'FAIL'} "
              f"({ratio:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

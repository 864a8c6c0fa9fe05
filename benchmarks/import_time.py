"""Benchmark: what importing lrcourse costs, as a ratio to ``import numpy``.

Each statement runs in a fresh Python process (nothing cached in ``sys.modules``), timed inside that
process around the statement only, so interpreter start-up is left out. Every statement is run
``REPEATS`` times, interleaved (numpy, lrcourse, first schedule, numpy, ...) so that other load on
the machine hits all of them alike, and the best time of each is kept. Byte-code caching is on
(in a temporary ``PYTHONPYCACHEPREFIX``, after one warm-up run), as for an installed package, even
where the environment sets ``PYTHONDONTWRITEBYTECODE``: otherwise lrcourse would be compiled from
source at every import while NumPy's installed byte code is used.

- ``import numpy``: the reference;
- ``import lrcourse``: the package itself, which loads nothing heavy (every public name is imported on
  first use);
- ``from lrcourse import CosineAnnealingLR; CosineAnnealingLR(lr=0.1, T_max=10)(0)``: the first
  schedule a student evaluates (this one does load NumPy).

Target (issue 11): ``import lrcourse`` within 1.5x of ``import numpy``, loading nothing heavy. The
first schedule evaluation is reported beside it (NumPy plus the schedules layer); the script checks
that it loads neither SciPy, scikit-learn nor matplotlib.

Run: .venv/bin/python benchmarks/import_time.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

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


def measure(statement: str, env: dict) -> tuple[float, list]:
    """Seconds taken by ``statement`` in a fresh interpreter, and the heavy packages it loaded."""
    code = PROBE.format(statement=statement, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    elapsed, heavy = json.loads(out)
    return elapsed, heavy


def main() -> int:
    best = {name: float("inf") for name in STATEMENTS}
    loaded = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for statement in STATEMENTS.values():  # warm-up: write the byte code once
            measure(statement, env)
        for _ in range(REPEATS):
            for name, statement in STATEMENTS.items():
                elapsed, heavy = measure(statement, env)
                best[name] = min(best[name], elapsed)
                loaded[name] = heavy
    base = best["import numpy"]
    print(f"best of {REPEATS} fresh processes each, timed around the statement only")
    for name, statement in STATEMENTS.items():
        extra = f"  (also loads: {', '.join(loaded[name])})" if loaded[name] else ""
        print(f"{statement:<80} {1000 * best[name]:8.1f} ms  {best[name] / base:5.2f}x numpy{extra}")
    ratio = best["import lrcourse"] / base
    ok = ratio <= TARGET and not loaded["import lrcourse"] and not loaded["first schedule"]
    print(f"target import lrcourse within {TARGET}x of import numpy, and neither statement loading anything "
          f"heavy: {'PASS' if ok else 'FAIL'} ({ratio:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

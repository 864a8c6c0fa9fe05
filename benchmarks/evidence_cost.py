"""What evidence costs, measured in one run (issue 10).

Targets:
- the runtime watch (profile hooks in the kernel while a part is evaluated) costs at most 2x what a
  profile hook that does nothing costs, on a scalar-only student function (one Python call per epoch);
  the slowdown against no hook at all is printed too (it is the price of any profiler);
- the static scan of a 3,000-line submission takes at most 10x the time Python needs to parse it.

Run: ``python benchmarks/evidence_cost.py``
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from autograder.assignments import get  # noqa: E402
from autograder.evidence import Evidence  # noqa: E402
from autograder.watch import Watch  # noqa: E402
from outside import honest_shadows, load  # noqa: E402
from schedules_speed import best_time  # noqa: E402  (this folder is on sys.path)


def _nothing(frame, event, arg):
    return None


def watch_ratio() -> tuple[float, float]:
    module = get("sgdr")
    space = {"np": __import__("numpy")}
    exec(load("sgdr")["scalar_math"].code, space)  # scalar only: one Python call per epoch
    inputs = module.make_inputs("doubling", 3)

    def plain():
        module.evaluate("doubling", space["sgdr"], inputs)

    def watched():
        with Watch(module.forbidden_for("doubling")):
            module.evaluate("doubling", space["sgdr"], inputs)

    def idle_profiler():
        sys.setprofile(_nothing)
        try:
            module.evaluate("doubling", space["sgdr"], inputs)
        finally:
            sys.setprofile(None)

    ours, idle, bare = best_time(watched), best_time(idle_profiler), best_time(plain)
    return ours / idle, ours / bare


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def scan_ratio() -> tuple[float, int]:
    cells = [honest_shadows(a) for a in ("sgdr", "warmup_cosine", "one_cycle", "plateau", "range_test")]
    cells += [sub.code for a in ("sgdr", "plateau") for sub in load(a).values() if _parses(sub.code)]
    cells = cells * 6
    lines = sum(c.count("\n") for c in cells)
    parse = best_time(lambda: [ast.parse(c) for c in cells])
    scan = best_time(lambda: Evidence.of(list(enumerate(cells))))
    return scan / parse, lines


def main() -> int:
    watch, slowdown = watch_ratio()
    scan, lines = scan_ratio()
    print(f"runtime watch: {watch:.2f}x the cost of a do-nothing profile hook (target <= 2x); "
          f"{slowdown:.1f}x slower than without any hook")
    print(f"static scan of {lines} lines: {scan:.1f}x the time of ast.parse (target <= 10x)")
    return 0 if watch <= 2 and scan <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())

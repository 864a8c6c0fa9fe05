"""Seconds per submitted notebook: ``lrcourse grade --jobs 2`` vs plain ``nbgrader autograde``.

Both grade the same N copies (default 40) of the sgdr source notebook. Prints seconds per notebook,
the speed ratio (target >= 1.6 on 2 cores) and the peak memory of our grader (parent + children,
sampled with psutil; also the largest single child from getrusage).

    python benchmarks/grading_speed.py [N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
A = "sgdr"


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _timed(cmd, cwd=None, env=None) -> tuple[float, int]:
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], _tree_rss(ps))
            except psutil.Error:
                pass
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    done.set()
    t.join()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed:\n{err.decode()[-2000:]}")
    return elapsed, peak[0]


def main(n: int = 40) -> None:
    src = REPO / "solutions" / A / f"{A}.ipynb"
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "subs"
        for i in range(n):
            (subs / f"s{i:03d}").mkdir(parents=True)
            shutil.copy(src, subs / f"s{i:03d}" / f"{A}.ipynb")
        ours, peak = _timed([str(bindir / "lrcourse"), "grade", A, str(subs), "--out", str(tmp / "out"),
                             "--jobs", "2", "--no-progress"], env=env)
        course = tmp / "course"
        (course / "source" / A).mkdir(parents=True)
        shutil.copy(src, course / "source" / A / f"{A}.ipynb")
        for i in range(n):
            (course / "submitted" / f"s{i:03d}" / A).mkdir(parents=True)
            shutil.copy(src, course / "submitted" / f"s{i:03d}" / A / f"{A}.ipynb")
        subprocess.run([str(bindir / "nbgrader"), "generate_assignment", A, "--force"], cwd=course, env=env,
                       check=True, capture_output=True)
        theirs, their_peak = _timed([str(bindir / "nbgrader"), "autograde", A], cwd=course, env=env)
    print(f"submissions: {n}")
    print(f"lrcourse grade --jobs 2 : {ours:7.1f} s total, {ours / n:.2f} s/notebook (sandboxed)")
    print(f"nbgrader autograde      : {theirs:7.1f} s total, {theirs / n:.2f} s/notebook (no isolation)")
    print(f"speed-up                : {theirs / ours:.2f}x (target >= 1.6x)")
    print(f"peak memory, lrcourse grade (parent + workers + kernels): {peak / 2**20:.0f} MB")
    print(f"peak memory, nbgrader autograde (parent + kernel):        {their_peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)

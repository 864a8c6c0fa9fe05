"""Benchmark: vectorized noisy-SGD engine vs a plain per-seed Python loop.

Workload: SGD on J(theta) = (theta - 3)^2 with Gaussian gradient noise (sd 0.3), 10,000 runs x
1,000 steps x 5 schedules. The pass/fail line compares like with like: both produce the final loss of
every run and schedule (the loop builds each run's loss history and keeps the last value). Targets:
engine < 2 s and at least 100x faster than the loop. The engine is also timed keeping the whole loss
history (50 M floats; on this machine a fresh process pays about 1 s just to fault in that memory)
and the parameter trajectories. The < 2 s target is checked on the first call in a fresh process;
the speedup on the steady state, engine and loop timed in alternation, best of 3 each (other jobs on
the machine only ever add time). The loop is timed on a subset of runs and extrapolated linearly (its cost
is exactly proportional to the number of runs); both figures are printed.

Run: .venv/bin/python benchmarks/simulate_speed.py
"""

from __future__ import annotations

import math
import time

import numpy as np

from lrcourse.dynamics.problems import exercise_quadratic
from lrcourse.dynamics.simulate import compare_schedules, standard_schedules

RUNS, STEPS, NOISE_SD, LR = 10_000, 1_000, 0.3, 0.3
LOOP_RUNS = 200
REPEATS = 3
NAMES = ("constant", "step", "exponential", "cosine", "warmup+cosine")


def student_loop(n_runs):
    """What a student writes: one seed at a time, one step at a time, schedules as Python functions."""

    def loss(x):
        gap = x - 3.0
        return gap * gap

    def slope(x):
        return 2.0 * x - 6.0

    warm = STEPS // 10
    schedules = {
        "constant": lambda t: LR,
        "step": lambda t: LR * 0.5 ** (t // (STEPS // 4)),
        "exponential": lambda t: LR * 0.01 ** (t / STEPS),
        "cosine": lambda t: 0.5 * LR * (1 + math.cos(math.pi * t / STEPS)),
        "warmup+cosine": lambda t: LR * t / warm if t < warm
        else 0.5 * LR * (1 + math.cos(math.pi * (t - warm) / (STEPS - warm))),
    }
    finals = {}
    for name, sched in schedules.items():
        finals[name] = []
        for seed in range(n_runs):
            rng = np.random.default_rng(seed)
            theta, losses = 0.0, []
            for t in range(STEPS):
                g = slope(theta) + NOISE_SD * rng.standard_normal()
                theta -= sched(t) * g
                losses.append(loss(theta))
            finals[name].append(losses[-1])
    return finals


def engine(seed=0, keep_theta=False, history=True):
    all_scheds = standard_schedules(LR, STEPS)
    scheds = {k: all_scheds[k] for k in NAMES}
    return compare_schedules(exercise_quadratic(), scheds, STEPS, RUNS, noise_sd=NOISE_SD,
                             rng=np.random.default_rng(seed), keep_theta=keep_theta,
                             record_every=1 if history else STEPS)


def main():
    t0 = time.perf_counter()
    comp = engine(0, history=False)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine(3, history=True)
    hist_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine(5, keep_theta=True)
    with_theta = time.perf_counter() - t0

    # steady state: engine and loop timed in alternation, best of REPEATS each (robust to other load
    # on the machine, which only ever adds time)
    warm_times, hist_times, loop_times = [], [], []
    for rep in range(REPEATS):
        t0 = time.perf_counter()
        engine(10 + rep, history=False)
        warm_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        engine(20 + rep, history=True)
        hist_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        finals = student_loop(LOOP_RUNS)
        loop_times.append(time.perf_counter() - t0)
    warm, hist_warm, loop_subset = min(warm_times), min(hist_times), min(loop_times)
    loop_full = loop_subset * RUNS / LOOP_RUNS

    # sanity: both implementations simulate the same process (means agree within 5 standard errors)
    for name in NAMES:
        a = comp.results[name].final_loss
        b = np.asarray(finals[name])
        se = math.sqrt(a.var() / a.size + b.var() / b.size)
        assert abs(a.mean() - b.mean()) < 5 * se, (name, a.mean(), b.mean())

    speedup_cold = loop_full / cold
    speedup = loop_full / warm
    print(f"workload: {RUNS:,} runs x {STEPS:,} steps x {len(NAMES)} schedules of the noisy quadratic")
    print(f"engine, final losses, first call in the process:    {cold:.3f} s")
    print(f"engine, final losses, steady state (best of {REPEATS}):   {warm:.3f} s")
    print(f"engine, whole loss history, first call / steady:    {hist_cold:.3f} s / {hist_warm:.3f} s")
    print(f"engine, loss history + parameter trajectories:      {with_theta:.3f} s (first call)")
    print(f"plain per-seed Python loop: {loop_subset:.2f} s (best of {REPEATS}) for {LOOP_RUNS} runs x {len(NAMES)}"
          f" schedules, extrapolated linearly to {RUNS:,} runs: {loop_full:.1f} s")
    print(f"speedup, same output (final losses): steady {speedup:.0f}x, first call {speedup_cold:.0f}x")
    print(f"speedup, engine keeping the whole loss history: steady {loop_full / hist_warm:.0f}x,"
          f" first call {loop_full / hist_cold:.0f}x")
    ok_time = cold < 2.0
    ok_speed = speedup >= 100
    print(f"target engine < 2 s (first call): {'PASS' if ok_time else 'FAIL'} ({cold:.3f} s)")
    print(f"target speedup >= 100x (steady state, same output): {'PASS' if ok_speed else 'FAIL'} ({speedup:.0f}x)")
    return 0 if ok_time and ok_speed else 1


if __name__ == "__main__":
    raise SystemExit(main())

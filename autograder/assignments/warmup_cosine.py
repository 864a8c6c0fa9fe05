r"""Assignment ``warmup_cosine``: a linear warm-up followed by cosine annealing.

The student writes ``warmup_cosine(t, total, warmup, peak, floor)``:

.. math::

    \eta_t = \begin{cases}
        \eta_{peak}\, t / W & t < W \\
        \eta_{floor} + \tfrac12(\eta_{peak} - \eta_{floor})\Bigl(1 + \cos\frac{\pi (t - W)}{T - W}\Bigr)
            & W \le t \le T
    \end{cases}

equal to ``lrcourse.Warmup(CosineAnnealingLR(lr=peak, T_max=total - warmup, eta_min=floor), warmup)(t)``.

- ``warmup``: the ramp ``0 <= t < W`` (integer and fractional steps);
- ``decay``: the cosine from the peak at ``t = W`` to the floor at ``t = T`` (integer and fractional).
"""

from __future__ import annotations

import numpy as np

from lrcourse import CosineAnnealingLR, Warmup

from ..parts import Part, call_vectorized, close, first_mismatch, fmt, part_finder, recorded_lrs, result

ASSIGNMENT = "warmup_cosine"
TITLE = "Linear warm-up followed by cosine annealing"
PARTS = [
    Part("warmup", 4, "the linear ramp from 0 to the peak during the first `warmup` steps", "warmup_cosine"),
    Part("decay", 6, "the cosine from the peak at the end of warm-up down to the floor at `total`", "warmup_cosine"),
]
FORBIDDEN = ["autograder", "Warmup", "warmup_ramp", "CosineAnnealingLR", "WarmupStableDecay"]
RTOL = 1e-9
PLOT = {"target": "warmup_cosine", "kind": "line", "xlabel": "step", "ylabel": "learning rate", "logx": False,
        "title": "Warm-up + cosine (total=100, warmup=10, peak=0.1, floor=1e-4)"}

_part = part_finder(ASSIGNMENT, PARTS)


def _inputs(total, warmup, peak, floor, t) -> dict:
    t = [int(x) if float(x).is_integer() else float(x) for x in t]
    return {"total": int(total), "warmup": int(warmup), "peak": float(peak), "floor": float(floor), "t": t}


def make_inputs(part, seed: int) -> dict:
    """Hidden inputs from ``seed``: horizon, warm-up length, peak, floor and steps."""
    part = _part(part).name
    rng = np.random.default_rng([int(seed) % 2**63, sum(map(ord, part))])
    total = int(rng.integers(20, 301))
    warmup = int(rng.integers(2, total // 3 + 1))
    peak = float(10 ** rng.uniform(-4, 0))
    floor = peak * float(rng.uniform(0.01, 0.2))
    if part == "warmup":
        t = list(range(warmup)) + sorted(rng.uniform(0, warmup, 8).tolist())
    else:
        t = list(range(warmup, total + 1)) + sorted(rng.uniform(warmup, total, 12).tolist())
    return _inputs(total, warmup, peak, floor, t)


def visible_inputs(part) -> dict:
    """The lecture-like setting: 100 steps, 10 of warm-up, peak 0.1, floor 1e-4."""
    part = _part(part).name
    if part == "warmup":
        return _inputs(100, 10, 0.1, 1e-4, [x / 2 for x in range(20)])
    return _inputs(100, 10, 0.1, 1e-4, [x / 2 for x in range(20, 201)])


def evaluate(part, target_obj, inputs: dict) -> dict:
    """Call the student's ``warmup_cosine``; ``{"lr": [floats]}``."""
    if part != "plot":
        _part(part)
    if not callable(target_obj):
        raise TypeError(f"warmup_cosine must be a function, got {type(target_obj).__name__}")
    args = (inputs["total"], inputs["warmup"], inputs["peak"], inputs["floor"])
    return {"lr": call_vectorized(target_obj, np.asarray(inputs["t"]), *args,
                                  what="warmup_cosine(t, total, warmup, peak, floor)")}


def _schedule(inputs):
    cos = CosineAnnealingLR(lr=inputs["peak"], T_max=inputs["total"] - inputs["warmup"], eta_min=inputs["floor"])
    return Warmup(cos, inputs["warmup"])


def reference(part, inputs: dict) -> dict:
    """Reference values from ``lrcourse.Warmup(CosineAnnealingLR(...))``."""
    return {"lr": np.atleast_1d(_schedule(inputs)(np.asarray(inputs["t"], dtype=np.float64))).tolist()}


def plot_values(target_obj) -> dict:
    inputs = _inputs(100, 10, 0.1, 1e-4, [x / 4 for x in range(401)])
    return {"x": inputs["t"], "reference": reference("plot", inputs)["lr"],
            "student": evaluate("plot", target_obj, inputs)["lr"] if target_obj is not None else None}


def score(part, inputs: dict, values: dict):
    """Compare with the reference; the hint names what is wrong."""
    p = _part(part)
    ref = np.asarray(reference(p.name, inputs)["lr"])
    got, failed = recorded_lrs(p, values, ref)
    if failed:
        return failed
    atol = 1e-12 * inputs["peak"]
    if np.all(close(got, ref, RTOL, atol)):
        return result(p, "")
    return result(p, _hint(p.name, inputs, got, ref, atol))


def _hint(part, inputs, got, ref, atol) -> str:
    t = np.asarray(inputs["t"], dtype=np.float64)
    T, W, peak, floor = inputs["total"], inputs["warmup"], inputs["peak"], inputs["floor"]
    setting = f"(total={T}, warmup={W}, peak={fmt(peak)}, floor={fmt(floor)})"
    if part == "warmup":
        if W > 1 and np.all(close(got, peak * t / (W - 1), 1e-9, atol)):
            return f"your ramp reaches the peak at step {W - 1}; it should reach it at step {W} = warmup {setting}"
        if np.all(close(got, peak * (t + 1) / W, 1e-9, atol)):
            return f"your ramp starts at peak / warmup = {fmt(peak / W)}; the reference starts at 0 {setting}"
        if np.all(close(got, peak * np.floor(t) / W, 1e-9, atol)):
            return f"fractional steps are rounded down; keep t as a float {setting}"
    else:
        naive = CosineAnnealingLR(lr=peak, T_max=T - W, eta_min=floor)
        if np.all(close(got, naive(t), 1e-9, atol)):
            return (f"your cosine runs on t instead of t - warmup: it must start at the peak when the warm-up "
                    f"ends (step {W}) {setting}")
        if np.all(close(got, CosineAnnealingLR(lr=peak, T_max=T, eta_min=floor)(t - W), 1e-9, atol)):
            return (f"your cosine reaches the floor at step {T + W}; it must reach it at step total={T}: "
                    f"its length is total - warmup = {T - W} {setting}")
        if np.all(close(got, CosineAnnealingLR(lr=peak, T_max=T - W)(t - W), 1e-9, atol)):
            return f"your cosine decays to 0 instead of floor={fmt(floor)} {setting}"
    i = first_mismatch(got, ref, RTOL, atol)
    return f"first difference at step {fmt(t[i])} {setting}: your lr is {fmt(got[i])}, the reference is {fmt(ref[i])}"

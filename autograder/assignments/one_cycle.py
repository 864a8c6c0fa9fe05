r"""Assignment ``one_cycle``: the lecture's 45/45/10 one-cycle policy, with PyTorch's step conventions.

The student writes ``one_cycle(t, total, max_lr)`` equal to
``lrcourse.three_phase_one_cycle(max_lr, total)(t)``: three linear pieces joining the points

.. math::

    (0, \eta_{max}/10) \to (0.45T - 1, \eta_{max}) \to (0.9T - 2, \eta_{max}/10) \to (T - 1, \eta_{max}/100)

(PyTorch's ``OneCycleLR(..., pct_start=0.45, anneal_strategy="linear", div_factor=10,
final_div_factor=10, three_phase=True)``). One part per phase: ``rise``, ``fall``, ``final``.
"""

from __future__ import annotations

import numpy as np

from lrcourse import three_phase_one_cycle

from ..parts import Part, call_vectorized, close, first_mismatch, fmt, part_finder, recorded_lrs, result

ASSIGNMENT = "one_cycle"
TITLE = "The one-cycle policy (45 % up, 45 % down, 10 % annihilation)"
PARTS = [
    Part("rise", 3, "linear rise from max_lr/10 to max_lr, reached at step 0.45 T - 1", "one_cycle"),
    Part("fall", 3, "linear fall back to max_lr/10, reached at step 0.9 T - 2", "one_cycle"),
    Part("final", 4, "the last 10 %: linear fall to max_lr/100 at step T - 1", "one_cycle"),
]
FORBIDDEN = ["autograder", "three_phase_one_cycle", "OneCycleLR", "CyclicLR"]
RTOL = 1e-9
PLOT = {"target": "one_cycle", "kind": "line", "xlabel": "step", "ylabel": "learning rate", "logx": False,
        "title": "One-cycle, 45/45/10, total=200 steps, max_lr=1"}

_part = part_finder(ASSIGNMENT, PARTS)


def _ends(total):
    return 0.45 * total - 1, 0.9 * total - 2, total - 1


def _inputs(total, max_lr, part, extra=()) -> dict:
    b1, b2, b3 = _ends(total)
    grid = np.arange(total, dtype=np.float64)
    lo, hi = {"rise": (-1, b1), "fall": (b1, b2), "final": (b2, b3)}[part]
    t = sorted(set(grid[(grid > lo) & (grid <= hi)].tolist()) | {float(x) for x in extra})
    return {"total": int(total), "max_lr": float(max_lr),
            "t": [int(x) if float(x).is_integer() else float(x) for x in t]}


def make_inputs(part, seed: int) -> dict:
    """Hidden inputs from ``seed``: cycle length, peak and a few fractional steps."""
    part = _part(part).name
    rng = np.random.default_rng([int(seed) % 2**63, sum(map(ord, part))])
    total = int(rng.integers(40, 601))
    b1, b2, b3 = _ends(total)
    lo, hi = {"rise": (0, b1), "fall": (b1, b2), "final": (b2, b3)}[part]
    return _inputs(total, float(10 ** rng.uniform(-3, 0.5)), part, rng.uniform(lo, hi, 5).tolist())


def visible_inputs(part) -> dict:
    """Total 200 steps, max_lr 1 (so the rates read as fractions of the peak)."""
    return _inputs(200, 1.0, _part(part).name)


def evaluate(part, target_obj, inputs: dict) -> dict:
    """Call the student's ``one_cycle(t, total, max_lr)``; ``{"lr": [floats]}``."""
    if part != "plot":
        _part(part)
    if not callable(target_obj):
        raise TypeError(f"one_cycle must be a function, got {type(target_obj).__name__}")
    return {"lr": call_vectorized(target_obj, np.asarray(inputs["t"]), inputs["total"], inputs["max_lr"],
                                  what="one_cycle(t, total, max_lr)")}


def reference(part, inputs: dict) -> dict:
    """Reference values from :func:`lrcourse.three_phase_one_cycle`."""
    sched = three_phase_one_cycle(inputs["max_lr"], inputs["total"])
    return {"lr": np.atleast_1d(sched(np.asarray(inputs["t"], dtype=np.float64))).tolist()}


def plot_values(target_obj) -> dict:
    inputs = {"total": 200, "max_lr": 1.0, "t": list(range(200))}
    return {"x": inputs["t"], "reference": reference("plot", inputs)["lr"],
            "student": evaluate("plot", target_obj, inputs)["lr"] if target_obj is not None else None}


def score(part, inputs: dict, values: dict):
    """Compare with the reference; the hint names the phase's wrong end point or first wrong step."""
    p = _part(part)
    ref = np.asarray(reference(p.name, inputs)["lr"])
    got, failed = recorded_lrs(p, values, ref)
    if failed:
        return failed
    atol = 1e-12 * inputs["max_lr"]
    if np.all(close(got, ref, RTOL, atol)):
        return result(p, "")
    return result(p, _hint(p.name, inputs, got, ref, atol))


def _hint(part, inputs, got, ref, atol) -> str:
    t = np.asarray(inputs["t"], dtype=np.float64)
    T, m = inputs["total"], inputs["max_lr"]
    b1, b2, b3 = _ends(T)
    setting = f"(total={T}, max_lr={fmt(m)})"
    start, end, a, b = {"rise": (m / 10, m, 0.0, b1), "fall": (m, m / 10, b1, b2),
                        "final": (m / 10, m / 100, b2, b3)}[part]
    if part == "final" and close(got[-1] * 10, ref[-1], 1e-6):
        return f"your final lr is max_lr/1000; the reference ends at max_lr/100 = {fmt(m / 100)} {setting}"
    # a straight line through the student's first two points tells where it reaches the phase's end value
    if t.size >= 2 and t[1] != t[0]:
        slope = (got[1] - got[0]) / (t[1] - t[0])
        ref_slope = (ref[1] - ref[0]) / (t[1] - t[0])
        if slope and abs(slope - ref_slope) > 1e-9 * abs(ref_slope) and np.all(
                close(got, got[0] + slope * (t - t[0]), 1e-9, atol)):
            reach = t[0] + (end - got[0]) / slope
            if close(got[0] + slope * (a - t[0]), start, 1e-6, atol):
                at_b = got[0] + slope * (b - t[0])
                return (f"your {part} phase reaches {fmt(end)} at step {fmt(reach)}; the reference reaches it "
                        f"at step {fmt(b)} (= {_formula(part)}), where your lr is {fmt(at_b)} {setting}")
            return (f"your {part} phase has the wrong slope: it goes from {fmt(got[0])} at step {fmt(t[0])} "
                    f"with slope {fmt(slope)}, the reference's slope is {fmt(ref_slope)} {setting}")
    i = first_mismatch(got, ref, RTOL, atol)
    return f"first difference at step {fmt(t[i])} {setting}: your lr is {fmt(got[i])}, the reference is {fmt(ref[i])}"


def _formula(part) -> str:
    return {"rise": "0.45 * total - 1", "fall": "0.9 * total - 2", "final": "total - 1"}[part]

r"""Assignment ``sgdr``: cosine annealing with warm restarts whose period grows after every restart.

The student writes ``sgdr(t, T_0, T_mult, eta_max, eta_min)``; it must equal

.. math::

    \eta_t = \eta_{\min} + \tfrac12(\eta_{\max} - \eta_{\min})\Bigl(1 + \cos\frac{\pi T_{cur}}{T_i}\Bigr),
    \qquad T_i = T_0\, m^{i},

i.e. ``lrcourse.CosineAnnealingWarmRestarts(lr=eta_max, T_0=T_0, T_mult=T_mult, eta_min=eta_min)(t)``,
for integer and fractional epochs ``t``. Each part isolates one feature, so one mistake costs one part:

- ``first_cycle``: the cosine over ``0 <= t < T_0`` (floor 0);
- ``restarts``: restart epochs with a constant period (``T_mult = 1``, floor 0);
- ``doubling``: the period grows by ``T_mult`` (checked away from the restart epochs themselves);
- ``floor``: a positive ``eta_min`` is the bottom of every cycle (``T_mult = 1``);
- ``fractional``: fractional epochs are not rounded (``T_mult = 1``, floor 0).
"""

from __future__ import annotations

import numpy as np

from lrcourse import CosineAnnealingWarmRestarts, restart_points

from ..parts import Part, call_vectorized, close, first_mismatch, fmt, part_finder, recorded_lrs, result

ASSIGNMENT = "sgdr"
TITLE = "SGDR: cosine annealing with warm restarts and growing periods"
PARTS = [
    Part("first_cycle", 2, "the cosine decay from eta_max during the first cycle (t < T_0)", "sgdr"),
    Part("restarts", 3, "the learning rate jumps back to eta_max at the right epochs (constant period)", "sgdr"),
    Part("doubling", 3, "each period is T_mult times the previous one (checked between restarts)", "sgdr"),
    Part("floor", 1, "a positive eta_min is the floor every cycle decays towards", "sgdr"),
    Part("fractional", 1, "fractional epochs (restarts within an epoch of mini-batches)", "sgdr"),
]
FORBIDDEN = ["autograder", "CosineAnnealingWarmRestarts", "restart_points"]
RTOL = 1e-9
PLOT = {"target": "sgdr", "kind": "line", "xlabel": "epoch", "ylabel": "learning rate", "logx": False,
        "title": "SGDR in the lecture's setting (T_0=10, T_mult=2, eta_max=0.1, eta_min=1e-4)"}

_part = part_finder(ASSIGNMENT, PARTS)


def _horizon(T_0: int, T_mult: int, cycles: int) -> int:
    return T_0 * cycles if T_mult == 1 else T_0 * (T_mult ** cycles - 1) // (T_mult - 1)


def _inputs(T_0, T_mult, eta_max, eta_min, t, skip_restarts=False) -> dict:
    t = [float(x) if not float(x).is_integer() else int(x) for x in t]
    ignore = [int(r) for r in restart_points(T_0, T_mult, int(np.ceil(max(t))) + 1)] if skip_restarts else []
    return {"T_0": int(T_0), "T_mult": int(T_mult), "eta_max": float(eta_max), "eta_min": float(eta_min),
            "t": t, "ignore": ignore}


def make_inputs(part: str, seed: int) -> dict:
    """Hidden inputs: random period, growth, bounds and epochs, drawn from ``seed``."""
    part = _part(part).name
    rng = np.random.default_rng([int(seed) % 2**63, sum(map(ord, part))])
    eta_max = float(10 ** rng.uniform(-3, 0))
    if part == "first_cycle":
        T_0 = int(rng.integers(3, 41))
        return _inputs(T_0, int(rng.integers(1, 4)), eta_max, 0.0, range(T_0))
    if part == "restarts":
        T_0 = int(rng.integers(3, 26))
        return _inputs(T_0, 1, eta_max, 0.0, range(T_0 * int(rng.integers(3, 6)) + 1))
    if part == "doubling":
        T_0, T_mult = int(rng.integers(2, 16)), int(rng.integers(2, 4))
        return _inputs(T_0, T_mult, eta_max, 0.0, range(_horizon(T_0, T_mult, 3) + 1), skip_restarts=True)
    if part == "floor":
        T_0 = int(rng.integers(3, 21))
        eta_min = eta_max * float(rng.uniform(0.001, 0.3))
        return _inputs(T_0, 1, eta_max, eta_min, range(3 * T_0 + 1), skip_restarts=True)
    T_0 = int(rng.integers(3, 21))
    t = np.sort(rng.uniform(0, 3 * T_0, size=40))
    t = t[np.abs(t - np.round(t)) > 1e-3]
    return _inputs(T_0, 1, eta_max, 0.0, t)


def visible_inputs(part: str) -> dict:
    """The fixed inputs used by ``check()`` (the lecture's numbers where they fit the part)."""
    p = _part(part)
    part = p.name
    if part == "first_cycle":
        return _inputs(10, 2, 0.1, 0.0, range(10))
    if part == "restarts":
        return _inputs(10, 1, 0.1, 0.0, range(51))
    if part == "doubling":
        return _inputs(10, 2, 0.1, 0.0, range(100), skip_restarts=True)
    if part == "floor":
        return _inputs(10, 1, 0.1, 1e-4, range(41), skip_restarts=True)
    return _inputs(10, 1, 0.1, 0.0, [x / 4 for x in range(1, 160) if x % 4])


def plot_values(target_obj) -> dict:
    """The student's curve and the reference in the lecture's setting (100 epochs, every quarter epoch)."""
    inputs = _inputs(10, 2, 0.1, 1e-4, [x / 4 for x in range(400)])
    return {"x": inputs["t"], "reference": reference("plot", inputs)["lr"],
            "student": evaluate("plot", target_obj, inputs)["lr"] if target_obj is not None else None}


def evaluate(part: str, target_obj, inputs: dict) -> dict:
    """Call the student's ``sgdr`` on the inputs; ``{"lr": [floats]}``."""
    if part != "plot":
        part = _part(part).name
    if not callable(target_obj):
        raise TypeError(f"sgdr must be a function, got {type(target_obj).__name__}")
    t = np.asarray(inputs["t"])
    args = (inputs["T_0"], inputs["T_mult"], inputs["eta_max"], inputs["eta_min"])
    return {"lr": call_vectorized(target_obj, t, *args, what="sgdr(t, T_0, T_mult, eta_max, eta_min)")}


def reference(part: str, inputs: dict) -> dict:
    """The reference values, from :class:`lrcourse.CosineAnnealingWarmRestarts`."""
    sched = CosineAnnealingWarmRestarts(lr=inputs["eta_max"], T_0=inputs["T_0"], T_mult=inputs["T_mult"],
                                        eta_min=inputs["eta_min"])
    return {"lr": [float(x) for x in np.atleast_1d(sched(np.asarray(inputs["t"], dtype=np.float64)))]}


def score(part: str, inputs: dict, values: dict):
    """Compare ``values["lr"]`` with the reference on the non-ignored epochs; a hint on failure."""
    p = _part(part)
    part = p.name
    t = np.asarray(inputs["t"], dtype=np.float64)
    ref = np.asarray(reference(part, inputs)["lr"])
    got, failed = recorded_lrs(p, values, ref, unit="epoch")
    if failed:
        return failed
    graded = ~np.isin(t, np.asarray(inputs["ignore"], dtype=np.float64))
    atol = 1e-12 * inputs["eta_max"]
    if np.all(close(got[graded], ref[graded], RTOL, atol)):
        return result(p, "")
    return result(p, _hint(part, inputs, t, got, ref, graded, atol))


def _setting(inputs) -> str:
    return (f"(T_0={inputs['T_0']}, T_mult={inputs['T_mult']}, eta_max={fmt(inputs['eta_max'])}, "
            f"eta_min={fmt(inputs['eta_min'])})")


def _rises(t, lr, atol):
    """Epochs at which a curve jumps up (a restart lies in ``(t[i-1], t[i]]``)."""
    lr = np.asarray(lr)
    up = np.flatnonzero(np.diff(lr) > atol + 1e-6 * np.abs(lr[:-1]))
    return [fmt(t[i + 1]) for i in up]


def _hint(part, inputs, t, got, ref, graded, atol) -> str:
    setting = _setting(inputs)
    if not np.all(np.isfinite(got)):
        i = int(np.flatnonzero(~np.isfinite(got))[0])
        return f"your lr is {got[i]} at epoch {fmt(t[i])} {setting}"
    i0 = first_mismatch(got[graded], ref[graded], RTOL, atol)
    i = int(np.flatnonzero(graded)[i0])
    generic = (f"first difference at epoch {fmt(t[i])} {setting}: your lr is {fmt(got[i])}, "
               f"the reference is {fmt(ref[i])}")
    if abs(got[0] - inputs["eta_max"]) > atol + RTOL * inputs["eta_max"] and t[0] == 0:
        return f"at t=0 your lr is {fmt(got[0])}, it must start at eta_max={fmt(inputs['eta_max'])} {setting}"
    if part in ("restarts", "doubling"):
        mine, theirs = _rises(t, got, atol), _rises(t, ref, atol)
        if mine != theirs:
            if not mine:
                return f"your lr never restarts; the reference restarts at epoch {theirs[0]} {setting}"
            if part == "doubling":
                mp = np.diff([0.0] + [float(x) for x in mine])
                rp = np.diff([0.0] + [float(x) for x in theirs])
                for k in range(min(len(mp), len(rp))):
                    if mp[k] != rp[k]:
                        return (f"your {_ordinal(k + 1)} period is {fmt(mp[k])}, the reference's is "
                                f"{fmt(rp[k])}: each period is T_mult={inputs['T_mult']} times the previous one "
                                f"{setting}")
            for a, b in zip(mine, theirs):
                if a != b:
                    return f"your lr restarts at epoch {a}, the reference restarts at {b} {setting}"
            if len(mine) > len(theirs):
                return f"your lr restarts at epoch {mine[len(theirs)]}, the reference does not {setting}"
            return f"your lr does not restart at epoch {theirs[len(mine)]}, the reference does {setting}"
    if part == "floor":
        eta_min = inputs["eta_min"]
        to_zero = CosineAnnealingWarmRestarts(lr=inputs["eta_max"], T_0=inputs["T_0"], T_mult=inputs["T_mult"])
        if np.all(close(got[graded], to_zero(t[graded]), RTOL, atol)):
            return (f"your lr decays towards 0 instead of eta_min={fmt(eta_min)}: the cosine must span "
                    f"eta_max - eta_min and sit on top of eta_min {setting}")
        low = float(np.min(got[graded]))
        if low < eta_min * (1 - 1e-9) - atol:
            return (f"your lr drops to {fmt(low)}, below the floor eta_min={fmt(eta_min)}: every cycle must "
                    f"decay from eta_max to eta_min, not to 0 {setting}")
        ends = np.flatnonzero(graded & np.isin(t, np.asarray(inputs["ignore"]) - 1))
        if ends.size and np.any(got[ends] > ref[ends] + atol + 1e-6 * ref[ends]):
            j = ends[np.argmax(got[ends] - ref[ends])]
            return (f"your lr never reaches the floor: at the end of a cycle (epoch {fmt(t[j])}) it is "
                    f"{fmt(got[j])}, the reference is down to {fmt(ref[j])} (eta_min={fmt(eta_min)}) {setting}")
    if part == "fractional":
        sched = CosineAnnealingWarmRestarts(lr=inputs["eta_max"], T_0=inputs["T_0"], T_mult=inputs["T_mult"],
                                            eta_min=inputs["eta_min"])
        for rounding, word in ((np.floor, "rounded down"), (np.round, "rounded")):
            if np.all(close(got, sched(rounding(t)), RTOL, atol)):
                return (f"your lr at epoch {fmt(t[i])} equals the reference at epoch {fmt(rounding(t[i]))}: "
                        f"fractional epochs are {word}; keep t as a float {setting}")
    return generic


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(k, f"{k}th")

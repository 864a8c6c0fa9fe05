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

from ..assignment import CurveAssignment, Plot
from ..parts import Part, close, fmt


def _horizon(T_0: int, T_mult: int, cycles: int) -> int:
    return T_0 * cycles if T_mult == 1 else T_0 * (T_mult ** cycles - 1) // (T_mult - 1)


def _inputs(T_0, T_mult, eta_max, eta_min, t, skip_restarts=False) -> dict:
    t = [float(x) if not float(x).is_integer() else int(x) for x in t]
    ignore = [int(r) for r in restart_points(T_0, T_mult, int(np.ceil(max(t))) + 1)] if skip_restarts else []
    return {"T_0": int(T_0), "T_mult": int(T_mult), "eta_max": float(eta_max), "eta_min": float(eta_min),
            "t": t, "ignore": ignore}


def _rises(t, lr, atol):
    """Epochs at which a curve jumps up (a restart lies in ``(t[i-1], t[i]]``)."""
    lr = np.asarray(lr)
    up = np.flatnonzero(np.diff(lr) > atol + 1e-6 * np.abs(lr[:-1]))
    return [fmt(t[i + 1]) for i in up]


def _mistake(inputs, t, *, half=0.5, turn=1.0, reset=True, grow_cosine=True, on_top=False):
    """SGDR written with one of the typical mistakes (the defaults give the right curve).

    ``half``: the factor in front of the cosine; ``turn``: cosine periods per cycle (2: a full period);
    ``reset``: T_cur starts again at each restart; ``grow_cosine``: the cosine's period grows with the
    cycle (False: it keeps T_0); ``on_top``: the cosine spans eta_max and sits on top of eta_min.
    """
    T_0, T_mult, hi, lo = inputs["T_0"], inputs["T_mult"], inputs["eta_max"], inputs["eta_min"]
    t = np.asarray(t, dtype=np.float64)
    start, length = np.zeros_like(t), np.full_like(t, float(T_0))
    for _ in range(64 if reset else 0):
        past = t >= start + length
        if not past.any():
            break
        start, length = np.where(past, start + length, start), np.where(past, length * T_mult, length)
    period = length if grow_cosine else np.full_like(t, float(T_0))
    amplitude = hi if on_top else hi - lo
    return lo + half * amplitude * (1 + np.cos(turn * np.pi * (t - start) / period))


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(k, f"{k}th")


class Sgdr(CurveAssignment):
    name = "sgdr"
    title = "SGDR: cosine annealing with warm restarts and growing periods"
    parts = (
        Part("first_cycle", 2, "the cosine decay from eta_max during the first cycle (t < T_0)", "sgdr"),
        Part("restarts", 3, "the learning rate jumps back to eta_max at the right epochs (constant period)", "sgdr"),
        Part("doubling", 3, "each period is T_mult times the previous one (checked between restarts)", "sgdr"),
        Part("floor", 1, "a positive eta_min is the floor every cycle decays towards", "sgdr"),
        Part("fractional", 1, "fractional epochs (restarts within an epoch of mini-batches)", "sgdr"),
    )
    forbidden = {"*": ("CosineAnnealingWarmRestarts", "restart_points")}
    plot = Plot("sgdr", "epoch", "learning rate",
                "SGDR in the lecture's setting (T_0=10, T_mult=2, eta_max=0.1, eta_min=1e-4)")
    args = ("T_0", "T_mult", "eta_max", "eta_min")
    signature = "sgdr(t, T_0, T_mult, eta_max, eta_min)"
    scale = "eta_max"
    unit = "epoch"

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs: random period, growth, bounds and epochs, drawn from ``seed``."""
        part = self.part(part).name
        rng = self.rng(part, seed)
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

    def visible_inputs(self, part) -> dict:
        """The fixed inputs used by ``check()`` (the lecture's numbers where they fit the part)."""
        part = self.part(part).name
        if part == "first_cycle":
            return _inputs(10, 2, 0.1, 0.0, range(10))
        if part == "restarts":
            return _inputs(10, 1, 0.1, 0.0, range(51))
        if part == "doubling":
            return _inputs(10, 2, 0.1, 0.0, range(100), skip_restarts=True)
        if part == "floor":
            return _inputs(10, 1, 0.1, 1e-4, range(41), skip_restarts=True)
        return _inputs(10, 1, 0.1, 0.0, [x / 4 for x in range(1, 160) if x % 4])

    def plot_inputs(self) -> dict:
        """The lecture's setting, 100 epochs, every quarter epoch."""
        return _inputs(10, 2, 0.1, 1e-4, [x / 4 for x in range(400)])

    def schedule(self, inputs):
        """:class:`lrcourse.CosineAnnealingWarmRestarts` with the inputs' parameters."""
        return CosineAnnealingWarmRestarts(lr=inputs["eta_max"], T_0=inputs["T_0"], T_mult=inputs["T_mult"],
                                           eta_min=inputs["eta_min"])

    def graded(self, part, inputs, t):
        """Every epoch except the restart epochs themselves (where two conventions are defensible)."""
        return ~np.isin(t, np.asarray(inputs["ignore"], dtype=np.float64))

    def hints(self, part, inputs, t, got, ref, graded, atol) -> list:
        setting = self.setting(inputs)
        eta_max, eta_min = inputs["eta_max"], inputs["eta_min"]

        def like(**mistake):
            return lambda: self.matches(got, _mistake(inputs, t, **mistake), graded, atol)

        checks = [
            (like(half=1.0), f"your cosine spans twice the range: the factor 1/2 is missing in "
                             f"eta_min + 0.5 * (eta_max - eta_min) * (1 + cos(pi * T_cur / T_i)) {setting}"),
            (like(turn=2.0), f"your lr climbs back up inside a cycle: cos(2 pi T_cur / T_i) is a full period; "
                             f"SGDR uses half a period, cos(pi * T_cur / T_i), from eta_max down to eta_min {setting}"),
            (eta_min > 0 and like(on_top=True)(),
             f"your cosine spans eta_max and sits on top of eta_min, so it starts at eta_max + eta_min = "
             f"{fmt(eta_max + eta_min)}: its amplitude is eta_max - eta_min {setting}"),
            (t[0] == 0 and abs(got[0] - eta_max) > atol + self.rtol * eta_max,
             f"at t=0 your lr is {fmt(got[0])}, it must start at eta_max={fmt(eta_max)} {setting}"),
        ]
        if part != "first_cycle":
            checks.append((like(reset=False), f"your lr never jumps back to eta_max: it follows one long cosine over "
                                              f"t / T_0 that rises smoothly; T_cur must start again from 0 at each "
                                              f"restart {setting}"))
        if part == "doubling":
            checks.append((like(grow_cosine=False),
                           f"your restarts come at the right epochs but inside a longer cycle the cosine still "
                           f"uses T_0, so the lr rises again before the restart: divide T_cur by the cycle's own "
                           f"length T_i = T_0 * T_mult**i {setting}"))
        if part in ("restarts", "doubling"):
            checks.append((True, lambda: self._restart_hint(part, inputs, t, got, atol)))
        if part == "floor":
            checks += self._floor_hints(inputs, t, got, ref, graded, atol)
        if part == "fractional":
            for rounding, word in ((np.floor, "rounded down"), (np.round, "rounded")):
                checks.append((lambda r=rounding: self.matches(got, self.schedule(inputs)(r(t)), graded, atol),
                               f"your lr equals the reference at the epoch {word}: fractional epochs are {word}; "
                               f"keep t as a float {setting}"))
        return [(c, h) for c, h in checks if h is not None]

    def _restart_hint(self, part, inputs, t, got, atol):
        """Where the student's restarts differ from the reference's (None when they agree)."""
        setting = self.setting(inputs)
        ref = np.asarray(self.reference(part, inputs)["lr"])
        mine, theirs = _rises(t, got, atol), _rises(t, ref, atol)
        if mine == theirs:
            return None
        if not mine:
            return f"your lr never restarts; the reference restarts at epoch {theirs[0]} {setting}"
        if part == "doubling":
            mp = np.diff([0.0] + [float(x) for x in mine])
            rp = np.diff([0.0] + [float(x) for x in theirs])
            for k in range(min(len(mp), len(rp))):
                if mp[k] != rp[k]:
                    return (f"your {_ordinal(k + 1)} period is {fmt(mp[k])}, the reference's is {fmt(rp[k])}: each "
                            f"period is T_mult={inputs['T_mult']} times the previous one {setting}")
        for a, b in zip(mine, theirs):
            if a != b:
                return f"your lr restarts at epoch {a}, the reference restarts at {b} {setting}"
        if len(mine) > len(theirs):
            return f"your lr restarts at epoch {mine[len(theirs)]}, the reference does not {setting}"
        return f"your lr does not restart at epoch {theirs[len(mine)]}, the reference does {setting}"

    def _floor_hints(self, inputs, t, got, ref, graded, atol) -> list:
        setting = self.setting(inputs)
        eta_min = inputs["eta_min"]
        to_zero = self.schedule({**inputs, "eta_min": 0.0})
        low = float(np.min(got[graded]))
        ends = np.flatnonzero(graded & np.isin(t, np.asarray(inputs["ignore"]) - 1))
        worst = ends[np.argmax(got[ends] - ref[ends])] if ends.size else None
        return [
            (lambda: self.matches(got, to_zero(t), graded, atol),
             f"your lr decays towards 0 instead of eta_min={fmt(eta_min)}: the cosine must span eta_max - eta_min "
             f"and sit on top of eta_min {setting}"),
            (low < eta_min * (1 - 1e-9) - atol,
             f"your lr drops to {fmt(low)}, below the floor eta_min={fmt(eta_min)}: every cycle must decay from "
             f"eta_max to eta_min, not to 0 {setting}"),
            (worst is not None and bool(np.any(got[ends] > ref[ends] + atol + 1e-6 * ref[ends])),
             (f"your lr never reaches the floor: at the end of a cycle (epoch {fmt(t[worst])}) it is "
              f"{fmt(got[worst])}, the reference is down to {fmt(ref[worst])} (eta_min={fmt(eta_min)}) {setting}")
             if worst is not None else ""),
        ]


ASSIGNMENT = Sgdr()

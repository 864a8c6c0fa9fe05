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

from ..assignment import CurveAssignment, Plot
from ..parts import Part, close, fmt

#: Where each phase ends, as text for the hints.
_END_FORMULA = {"rise": "0.45 * total - 1", "fall": "0.9 * total - 2", "final": "total - 1"}


def _ends(total):
    return 0.45 * total - 1, 0.9 * total - 2, total - 1


def _window(part, total):
    b1, b2, b3 = _ends(total)
    return {"rise": (-1, b1), "fall": (b1, b2), "final": (b2, b3)}[part]


def _inputs(total, max_lr, part, extra=()) -> dict:
    grid = np.arange(total, dtype=np.float64)
    lo, hi = _window(part, total)
    t = sorted(set(grid[(grid > lo) & (grid <= hi)].tolist()) | {float(x) for x in extra})
    return {"total": int(total), "max_lr": float(max_lr),
            "t": [int(x) if float(x).is_integer() else float(x) for x in t]}


class OneCycle(CurveAssignment):
    name = "one_cycle"
    title = "The one-cycle policy (45 % up, 45 % down, 10 % annihilation)"
    parts = (
        Part("rise", 3, "linear rise from max_lr/10 to max_lr, reached at step 0.45 T - 1", "one_cycle"),
        Part("fall", 3, "linear fall back to max_lr/10, reached at step 0.9 T - 2", "one_cycle"),
        Part("final", 4, "the last 10 %: linear fall to max_lr/100 at step T - 1", "one_cycle"),
    )
    forbidden = {"*": ("three_phase_one_cycle", "OneCycleLR", "CyclicLR")}
    plot = Plot("one_cycle", "step", "learning rate", "One-cycle, 45/45/10, total=200 steps, max_lr=1")
    args = ("total", "max_lr")
    signature = "one_cycle(t, total, max_lr)"
    scale = "max_lr"

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: cycle length, peak and a few fractional steps."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        total = int(rng.integers(40, 601))
        lo, hi = _window(part, total)
        return _inputs(total, float(10 ** rng.uniform(-3, 0.5)), part, rng.uniform(max(lo, 0), hi, 5).tolist())

    def visible_inputs(self, part) -> dict:
        """Total 200 steps, max_lr 1 (so the rates read as fractions of the peak)."""
        return _inputs(200, 1.0, self.part(part).name)

    def plot_inputs(self) -> dict:
        return {"total": 200, "max_lr": 1.0, "t": list(range(200))}

    def schedule(self, inputs):
        """:func:`lrcourse.three_phase_one_cycle` (PyTorch's three-phase linear OneCycleLR)."""
        return three_phase_one_cycle(inputs["max_lr"], inputs["total"])

    def hints(self, part, inputs, t, got, ref, graded, atol) -> list:
        T, m = inputs["total"], inputs["max_lr"]
        setting = self.setting(inputs)
        start, end = {"rise": (m / 10, m), "fall": (m, m / 10), "final": (m / 10, m / 100)}[part]
        a, b = _window(part, T)
        a = max(a, 0.0)
        cosine = end + (start - end) * (1 + np.cos(np.pi * (t - a) / (b - a))) / 2
        checks = [(part == "final" and bool(close(got[-1] * 10, ref[-1], 1e-6)),
                   f"your final lr is max_lr/1000; the reference ends at max_lr/100 = {fmt(m / 100)} {setting}"),
                  (self.matches(got, cosine, graded, atol),
                   f"your {part} phase follows a cosine (PyTorch's default anneal_strategy='cos'); this policy is "
                   f"linear (anneal_strategy='linear'): the lr changes by the same amount every step {setting}"),
                  (part == "rise" and t[0] == 0 and bool(close(got[0], m / 25, 1e-6)),
                   f"your rise starts at max_lr/25 = {fmt(m / 25)} (PyTorch's default div_factor=25); this policy "
                   f"starts at max_lr/10 = {fmt(m / 10)} (div_factor=10) {setting}")]
        # a straight line through the student's first two points tells where it reaches the phase's end value
        if t.size >= 2 and t[1] != t[0]:
            slope = (got[1] - got[0]) / (t[1] - t[0])
            ref_slope = (ref[1] - ref[0]) / (t[1] - t[0])
            straight = bool(slope and abs(slope - ref_slope) > 1e-9 * abs(ref_slope)
                            and np.all(close(got, got[0] + slope * (t - t[0]), 1e-9, atol)))
            if straight and close(got[0] + slope * (a - t[0]), start, 1e-6, atol):
                reach = t[0] + (end - got[0]) / slope
                at_b = got[0] + slope * (b - t[0])
                checks.append((True, f"your {part} phase reaches {fmt(end)} at step {fmt(reach)}; the reference "
                                     f"reaches it at step {fmt(b)} (= {_END_FORMULA[part]}), where your lr is "
                                     f"{fmt(at_b)} {setting}"))
            elif straight:
                checks.append((True, f"your {part} phase has the wrong slope: it goes from {fmt(got[0])} at step "
                                     f"{fmt(t[0])} with slope {fmt(slope)}, the reference's slope is "
                                     f"{fmt(ref_slope)} {setting}"))
        return checks


ASSIGNMENT = OneCycle()

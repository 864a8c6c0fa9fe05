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

from ..assignment import CurveAssignment, Plot
from ..parts import Part, fmt


def _inputs(total, warmup, peak, floor, t) -> dict:
    t = [int(x) if float(x).is_integer() else float(x) for x in t]
    return {"total": int(total), "warmup": int(warmup), "peak": float(peak), "floor": float(floor), "t": t}


class WarmupCosine(CurveAssignment):
    name = "warmup_cosine"
    title = "Linear warm-up followed by cosine annealing"
    parts = (
        Part("warmup", 4, "the linear ramp from 0 to the peak during the first `warmup` steps", "warmup_cosine"),
        Part("decay", 6, "the cosine from the peak at the end of warm-up down to the floor at `total`",
             "warmup_cosine"),
    )
    forbidden = {"*": ("Warmup", "warmup_ramp", "CosineAnnealingLR", "WarmupStableDecay")}
    plot = Plot("warmup_cosine", "step", "learning rate", "Warm-up + cosine (total=100, warmup=10, peak=0.1, floor=1e-4)")
    args = ("total", "warmup", "peak", "floor")
    signature = "warmup_cosine(t, total, warmup, peak, floor)"
    scale = "peak"

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: horizon, warm-up length, peak, floor and steps."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        total = int(rng.integers(20, 301))
        warmup = int(rng.integers(2, total // 3 + 1))
        peak = float(10 ** rng.uniform(-4, 0))
        floor = peak * float(rng.uniform(0.01, 0.2))
        if part == "warmup":
            t = list(range(warmup)) + sorted(rng.uniform(0, warmup, 8).tolist())
        else:
            t = list(range(warmup, total + 1)) + sorted(rng.uniform(warmup, total, 12).tolist())
        return _inputs(total, warmup, peak, floor, t)

    def visible_inputs(self, part) -> dict:
        """The lecture-like setting: 100 steps, 10 of warm-up, peak 0.1, floor 1e-4."""
        if self.part(part).name == "warmup":
            return _inputs(100, 10, 0.1, 1e-4, [x / 2 for x in range(20)])
        return _inputs(100, 10, 0.1, 1e-4, [x / 2 for x in range(20, 201)])

    def plot_inputs(self) -> dict:
        return _inputs(100, 10, 0.1, 1e-4, [x / 4 for x in range(401)])

    def schedule(self, inputs):
        """``lrcourse.Warmup(CosineAnnealingLR(peak, total - warmup, floor), warmup)``."""
        cos = CosineAnnealingLR(lr=inputs["peak"], T_max=inputs["total"] - inputs["warmup"], eta_min=inputs["floor"])
        return Warmup(cos, inputs["warmup"])

    def hints(self, part, inputs, t, got, ref, graded, atol) -> list:
        T, W, peak, floor = inputs["total"], inputs["warmup"], inputs["peak"], inputs["floor"]
        setting = self.setting(inputs)

        def like(curve):
            return lambda: self.matches(got, curve, graded, atol)

        if part == "warmup":
            return [
                (W > 1 and self.matches(got, peak * t / max(W - 1, 1), graded, atol),
                 f"your ramp reaches the peak at step {W - 1}; it should reach it at step {W} = warmup {setting}"),
                (like(peak * (t + 1) / W),
                 f"your ramp starts at peak / warmup = {fmt(peak / W)}; the reference starts at 0 {setting}"),
                (like(peak * np.floor(t) / W), f"fractional steps are rounded down; keep t as a float {setting}"),
            ]
        return [
            (like(CosineAnnealingLR(lr=peak, T_max=T - W, eta_min=floor)(t)),
             f"your cosine runs on t instead of t - warmup: it must start at the peak when the warm-up ends "
             f"(step {W}) {setting}"),
            (like(CosineAnnealingLR(lr=peak, T_max=T, eta_min=floor)(t - W)),
             f"your cosine reaches the floor at step {T + W}; it must reach it at step total={T}: its length is "
             f"total - warmup = {T - W} {setting}"),
            (like(CosineAnnealingLR(lr=peak, T_max=T - W)(t - W)),
             f"your cosine decays to 0 instead of floor={fmt(floor)} {setting}"),
        ]


ASSIGNMENT = WarmupCosine()

"""Answers to the ``warmup_cosine`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_WC_LOOP = '''
import math

def warmup_cosine(step, horizon, ramp_steps, top, bottom):
    if step < ramp_steps:
        return top * step / ramp_steps
    phase = (step - ramp_steps) / (horizon - ramp_steps)
    return bottom + (top - bottom) * (1 + math.cos(math.pi * phase)) / 2
'''


def _wc_mistake(ramp="peak * t / warmup", cosine_t="t - warmup", length="total - warmup", low="floor"):
    return f'''
import math

def warmup_cosine(t, total, warmup, peak, floor):
    if t < warmup:
        return {ramp}
    return {low} + (peak - {low}) * (1 + math.cos(math.pi * ({cosine_t}) / ({length}))) / 2
'''


VARIANTS = {
    "loop": ({"warmup_cosine_solution": _WC_LOOP}, set()),
    "ramp_one_step_short": ({"warmup_cosine_solution": _wc_mistake(ramp="peak * t / (warmup - 1)")}, {"warmup"}),
    "clock_not_shifted": ({"warmup_cosine_solution": _wc_mistake(cosine_t="t")}, {"decay"}),
    "cosine_too_long": ({"warmup_cosine_solution": _wc_mistake(length="total")}, {"decay"}),
    "floor_ignored": ({"warmup_cosine_solution": _wc_mistake(low="0.0")}, {"decay"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "loop",
    "bram": "clock_not_shifted",
    "chiara": "ramp_one_step_short",
}

"""Answers to the ``one_cycle`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_OC_LOOP = '''
def one_cycle(step, T, peak):
    corners = [(0, peak / 10), (0.45 * T - 1, peak), (0.9 * T - 2, peak / 10), (T - 1, peak / 100)]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
        if step <= x1:
            return y0 + (y1 - y0) * (step - x0) / (x1 - x0)
    return peak / 100
'''


def _oc_mistake(c1="0.45 * total - 1", c2="0.9 * total - 2", c3="total - 1", last="max_lr / 100"):
    return f'''
def one_cycle(t, total, max_lr):
    return np.interp(t, [0, {c1}, {c2}, {c3}], [max_lr / 10, max_lr, max_lr / 10, {last}])
'''


VARIANTS = {
    "interp": ({"one_cycle_solution": _oc_mistake()}, set()),
    "loop": ({"one_cycle_solution": _OC_LOOP}, set()),
    "peak_one_step_late": ({"one_cycle_solution": _oc_mistake(c1="0.45 * total")}, {"rise", "fall"}),
    "ends_too_low": ({"one_cycle_solution": _oc_mistake(last="max_lr / 1000")}, {"final"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "interp",
    "bram": "loop",
    "chiara": "peak_one_step_late",
    "dmitri": "ends_too_low",
}

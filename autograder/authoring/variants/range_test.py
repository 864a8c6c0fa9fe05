"""Answers to the ``range_test`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_RANGE_VECTOR = {
    "one_step_solution": '''
def one_step_losses(lrs, theta0):
    return J(theta0 - np.asarray(lrs) * dJ(theta0))
''',
    "useful_range_solution": '''
def useful_range(lrs, losses, start_loss):
    idx = np.flatnonzero(np.asarray(losses) < start_loss)
    return lrs[idx[0]], lrs[idx[-1]]
''',
    "suggest_solution": '''
def suggest_lr(lrs, losses):
    return lrs[np.argmin(np.gradient(losses, np.log(lrs)))]
''',
}

_RANGE_LOOPS = {
    "one_step_solution": '''
def one_step_losses(rates, start):
    grad = dJ(start)
    out = []
    for rate in rates:
        out.append(J(start - rate * grad))
    return out
''',
    "useful_range_solution": '''
def useful_range(rates, values, before):
    good = [r for r, v in zip(rates, values) if v < before]
    return [min(good), max(good)]
''',
    "suggest_solution": '''
import math

def suggest_lr(rates, values):
    n = len(rates)
    x = [math.log10(r) for r in rates]           # any log base gives the same answer
    best, pick = None, None
    for i in range(n):
        lo, hi = max(i - 1, 0), min(i + 1, n - 1)
        slope = (values[hi] - values[lo]) / (x[hi] - x[lo])
        if best is None or slope < best:
            best, pick = slope, rates[i]
    return pick
''',
}


VARIANTS = {
    "vectorized": (_RANGE_VECTOR, set()),
    "loops": (_RANGE_LOOPS, set()),
    "before_the_step": ({**_RANGE_VECTOR, "one_step_solution": '''
def one_step_losses(lrs, theta0):
    return np.array([J(theta0) for lr in lrs])       # loss measured before stepping
'''}, {"one_step"}),
    "range_where_falling": ({**_RANGE_VECTOR, "useful_range_solution": '''
def useful_range(lrs, losses, start_loss):
    falling = np.flatnonzero(np.diff(losses) < 0)
    return lrs[falling[0]], lrs[falling[-1]]
'''}, {"useful_range"}),
    "slope_against_lr": ({**_RANGE_VECTOR, "suggest_solution": '''
def suggest_lr(lrs, losses):
    return lrs[np.argmin(np.gradient(losses, lrs))]
'''}, {"suggest"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "vectorized",
    "bram": "loops",
    "chiara": "before_the_step",
    "dmitri": "range_where_falling",
    "elif": "slope_against_lr",
}

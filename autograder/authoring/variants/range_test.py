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
def useful_range(lrs, losses):
    falling = np.append(np.diff(losses) < 0, False)
    start = np.argmax(falling)
    stop = start + np.argmin(falling[start:]) - 1      # last rate before the first non-falling one
    return lrs[start], lrs[stop]
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
def useful_range(rates, values):
    inside = []
    for i in range(len(rates) - 1):
        if values[i + 1] < values[i]:
            inside.append(rates[i])
        elif inside:                     # the first falling stretch is over
            break
    return [inside[0], inside[-1]]
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
def useful_range(lrs, losses):
    falling = np.flatnonzero(np.diff(losses) < 0)
    return lrs[falling[0]], lrs[falling[-1]]
'''}, set()),
    "below_start": ({**_RANGE_VECTOR, "useful_range_solution": '''
def useful_range(lrs, losses):
    return below_start_range(lrs, losses, losses[0])    # the other reading: loss below its first value
'''}, {"useful_range"}),
    "range_includes_bottom": ({**_RANGE_VECTOR, "useful_range_solution": '''
def useful_range(lrs, losses):
    falling = np.flatnonzero(np.diff(losses) < 0)
    return lrs[falling[0]], lrs[falling[-1] + 1]        # ends at the lowest loss instead of just before it
'''}, {"useful_range"}),
    "range_starts_late": ({**_RANGE_VECTOR, "useful_range_solution": '''
def useful_range(lrs, losses):
    lower_than_before = np.flatnonzero(np.diff(losses) < 0) + 1   # rates whose loss beats the previous rate's
    return lrs[lower_than_before[0]], lrs[lower_than_before[-1] - 1]
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
    "dmitri": "below_start",
    "elif": "slope_against_lr",
}

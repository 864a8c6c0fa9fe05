"""Answers to the ``plateau`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_PL_LOOP = '''
def plateau_lrs(losses, rate, shrink, wait, tol=1e-4, how="rel", rest=0, floor=0.0):
    out = np.empty(len(losses))
    record, strikes, frozen = np.inf, 0, 0
    for k, loss in enumerate(losses):
        target = record - tol if how == "abs" else record * (1.0 - tol)
        strikes = 0 if loss < target else strikes + 1
        if loss < target:
            record = loss
        if frozen:
            frozen -= 1
            strikes = 0
        if strikes == wait + 1:          # one more than the patience
            rate = max(rate * shrink, floor)
            strikes, frozen = 0, rest
        out[k] = rate
    return out
'''


def _pl_mistake(bar="best * (1 - threshold) if threshold_mode == 'rel' else best - threshold", better="m < bar",
                extra="pass", cooling="cool > 0", cut="bad > patience", new_lr="max(lr * factor, min_lr)"):
    return f'''
def plateau_lrs(metrics, lr, factor, patience, threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=0.0):
    best, bad, cool = float("inf"), 0, 0
    rates = []
    for m in metrics:
        bar = {bar}
        if {better}:
            best, bad = m, 0
        else:
            bad += 1
        {extra}
        if {cooling}:
            cool -= 1
            bad = 0
        if {cut}:
            lr = {new_lr}
            cool, bad = cooldown, 0
        rates.append(lr)
    return rates
'''


VARIANTS = {
    "counters": ({"plateau_solution": _pl_mistake()}, set()),
    "loop": ({"plateau_solution": _PL_LOOP}, set()),
    "patience_ge": ({"plateau_solution": _pl_mistake(cut="bad >= patience")}, {"patience"}),
    "no_threshold": ({"plateau_solution": _pl_mistake(better="m < best")}, {"threshold"}),
    "always_relative": ({"plateau_solution": _pl_mistake(bar="best * (1 - threshold)")}, {"threshold"}),
    "best_every_low": ({"plateau_solution": _pl_mistake(extra="best = min(best, m)")}, {"threshold"}),
    "no_cooldown": ({"plateau_solution": _pl_mistake(cooling="False")}, {"cooldown"}),
    "below_min_lr": ({"plateau_solution": _pl_mistake(new_lr="lr * factor")}, {"min_lr"}),
    "skips_last_cut": ({"plateau_solution": _pl_mistake(new_lr="lr * factor if lr * factor >= min_lr else lr")},
                       {"min_lr"}),
    "blank": ({}, {"patience", "threshold", "cooldown", "min_lr"}),
}

#: The demo's bundled class: student id -> variant, per assignment.

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "loop",
    "bram": "patience_ge",
    "chiara": "no_threshold",
    "dmitri": "no_cooldown",
    "elif": "below_min_lr",
}

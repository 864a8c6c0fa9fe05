"""Answers to the ``adaptive_step`` lab written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations


def _adgd(local="dx / (2 * dg)", theta0="math.inf", theta="lam / lams[-1]", step="min(math.sqrt(1 + theta) * lams[-1], local)"):
    """An AdGD loop over plain lists; the keywords write the typical slips into it."""
    return f'''
import math

def adgd_path(grad, x0, lr0, n_steps):
    xs = [np.array(x0, dtype=float)]
    gs = [grad(xs[0])]
    lams = [lr0]
    xs.append(xs[0] - lr0 * gs[0])
    theta = {theta0}
    for k in range(1, n_steps):
        gs.append(grad(xs[k]))
        dx = math.sqrt(sum((a - b) ** 2 for a, b in zip(xs[k], xs[k - 1])))
        dg = math.sqrt(sum((a - b) ** 2 for a, b in zip(gs[k], gs[k - 1])))
        local = {local}
        lam = {step}
        theta = {theta}
        lams.append(lam)
        xs.append(xs[k] - lam * gs[k])
    return xs, lams
'''


_LOOPS = {
    "adgd_solution": _adgd(),
    "best_constant_solution": '''
def best_constant_rate(f, grad, x0, lrs, n_steps):
    best_lr, best_f = None, None
    for lr in lrs:
        x = np.array(x0, dtype=float)
        for _ in range(n_steps):
            x -= lr * grad(x)
        if best_f is None or f(x) < best_f:       # strict: the first rate wins a tie
            best_lr, best_f = lr, f(x)
    return best_lr
''',
    "crossover_solution": '''
def crossover(kappas, steps_adgd, steps_constant):
    wins = [a < c for a, c in zip(steps_adgd, steps_constant)]
    if not wins[-1]:
        return math.inf
    i = len(wins) - 1
    while i > 0 and wins[i - 1]:
        i -= 1
    return kappas[i]
''',
}

_VECTORIZED = {
    "adgd_solution": '''
def adgd_path(grad, x0, lr0, n_steps):
    x = np.zeros((n_steps + 1, len(x0)))
    g = np.zeros_like(x)
    lam = np.zeros(n_steps)
    x[0], lam[0] = x0, lr0
    g[0] = grad(x[0])
    x[1] = x[0] - lr0 * g[0]
    growth = np.inf                                  # sqrt(1 + theta_0) with theta_0 = inf
    for k in range(1, n_steps):
        g[k] = grad(x[k])
        lam[k] = min(growth * lam[k - 1], np.linalg.norm(x[k] - x[k - 1]) / np.linalg.norm(g[k] - g[k - 1]) / 2)
        growth = np.sqrt(1 + lam[k] / lam[k - 1])
        x[k + 1] = x[k] - lam[k] * g[k]
    return x, lam
''',
    "best_constant_solution": '''
def best_constant_rate(f, grad, x0, lrs, n_steps):
    X = np.tile(np.asarray(x0, dtype=float), (len(lrs), 1))
    for _ in range(n_steps):
        X = X - np.asarray(lrs)[:, None] * np.array([grad(x) for x in X])
    return lrs[np.argmin([f(x) for x in X])]
''',
    "crossover_solution": '''
def crossover(kappas, steps_adgd, steps_constant):
    wins = np.asarray(steps_adgd) < np.asarray(steps_constant)
    if not wins[-1]:
        return np.inf
    losing = np.flatnonzero(~wins)
    return kappas[losing[-1] + 1] if losing.size else kappas[0]
''',
}


VARIANTS = {
    "loops": (_LOOPS, set()),
    "vectorized": (_VECTORIZED, set()),
    "adgd_without_the_two": ({**_LOOPS, "adgd_solution": _adgd(local="dx / dg")}, {"adgd"}),
    "adgd_theta_starts_at_zero": ({**_LOOPS, "adgd_solution": _adgd(theta0="0.0")}, {"adgd"}),
    "adgd_theta_inverted": ({**_LOOPS, "adgd_solution": _adgd(theta="lams[-1] / lam")}, {"adgd"}),
    "adgd_curvature_only": ({**_LOOPS, "adgd_solution": _adgd(step="local")}, {"adgd"}),
    "best_of_one_step": ({**_LOOPS, "best_constant_solution": '''
def best_constant_rate(f, grad, x0, lrs, n_steps):
    g = grad(x0)
    return lrs[np.argmin([f(x0 - lr * g) for lr in lrs])]      # judged after the first step only
'''}, {"best_constant"}),
    "best_index": ({**_LOOPS, "best_constant_solution": '''
def best_constant_rate(f, grad, x0, lrs, n_steps):
    finals = []
    for lr in lrs:
        x = np.asarray(x0, dtype=float)
        for _ in range(n_steps):
            x = x - lr * grad(x)
        finals.append(f(x))
    return np.argmin(finals)
'''}, {"best_constant"}),
    "best_on_average": ({**_LOOPS, "best_constant_solution": '''
def best_constant_rate(f, grad, x0, lrs, n_steps):
    scores = []
    for lr in lrs:
        x = np.asarray(x0, dtype=float)
        losses = [f(x)]
        for _ in range(n_steps):
            x = x - lr * grad(x)
            losses.append(f(x))
        scores.append(np.mean(losses))
    return lrs[int(np.argmin(scores))]
'''}, {"best_constant"}),
    "crossover_first_win": ({**_LOOPS, "crossover_solution": '''
def crossover(kappas, steps_adgd, steps_constant):
    for kappa, a, c in zip(kappas, steps_adgd, steps_constant):
        if a < c:
            return kappa
    return float("inf")
'''}, {"crossover"}),
    "crossover_tie_counts": ({**_LOOPS, "crossover_solution": '''
def crossover(kappas, steps_adgd, steps_constant):
    answer = float("inf")
    for kappa, a, c in reversed(list(zip(kappas, steps_adgd, steps_constant))):
        if a > c:
            break
        answer = kappa
    return answer
'''}, {"crossover"}),
    "crossover_last_loss": ({**_LOOPS, "crossover_solution": '''
def crossover(kappas, steps_adgd, steps_constant):
    lost = [k for k, a, c in zip(kappas, steps_adgd, steps_constant) if a >= c]
    return lost[-1] if lost else float("inf")
'''}, {"crossover"}),
    "blank": ({}, {"adgd", "best_constant", "crossover"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "vectorized",
    "bram": "adgd_without_the_two",
    "chiara": "best_of_one_step",
    "dmitri": "crossover_first_win",
    "elif": "loops",
}

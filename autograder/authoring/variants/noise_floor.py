"""Answers to the ``noise_floor`` lab written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_NF_STACKED = {
    "sgd_iterates_solution": '''
def sgd_iterates(lrs, noise, a, noise_sd, theta0):
    theta = np.full(noise.shape[0], float(theta0))
    path = [theta]
    for lr, xi in zip(lrs, noise.T):          # one column of draws per step
        theta = theta - lr * (a * theta + noise_sd * xi)
        path.append(theta)
    return np.stack(path, axis=1)
''',
    "measured_variance_solution": '''
def measured_variance(thetas, burn_in):
    return thetas[:, burn_in:].var(axis=0, ddof=1).mean()     # the sample variance is accepted too
''',
    "noise_floor_solution": '''
def noise_floor(lr, a, noise_sd):
    contraction = (1 - a * lr) ** 2
    return lr**2 * noise_sd**2 / (1 - contraction)
''',
    "crossover_step_solution": '''
def crossover_step(loss_constant, loss_decaying):
    ahead = np.mean(loss_decaying, axis=0) < np.mean(loss_constant, axis=0)
    if not ahead[-1]:
        return -1
    behind = np.flatnonzero(~ahead)
    return int(behind[-1] + 1) if behind.size else 0
''',
}

_NF_LOOPS = {
    "sgd_iterates_solution": '''
def sgd_iterates(rates, draws, curvature, sd, start):
    rows = []
    for run in draws:                          # one run at a time, plain floats
        theta, row = start, [start]
        for step, rate in enumerate(rates):
            theta = theta - rate * (curvature * theta + sd * run[step])
            row.append(theta)
        rows.append(row)
    return rows                                # a list of lists is fine
''',
    "measured_variance_solution": '''
def measured_variance(thetas, burn_in):
    runs, columns = len(thetas), len(thetas[0])
    total = 0.0
    for t in range(burn_in, columns):
        column = [thetas[r][t] for r in range(runs)]
        mean = sum(column) / runs
        total += sum((x - mean) ** 2 for x in column) / runs
    return total / (columns - burn_in)
''',
    "noise_floor_solution": '''
def noise_floor(rate, curvature, sd):
    # V = (1 - a*rate)^2 V + rate^2 sd^2  =>  V (2 a rate - a^2 rate^2) = rate^2 sd^2
    return rate * sd * sd / (curvature * (2 - curvature * rate))
''',
    "crossover_step_solution": '''
def crossover_step(loss_constant, loss_decaying):
    runs, columns = loss_constant.shape
    answer = -1
    for t in range(columns - 1, -1, -1):       # walk back from the end while the lead holds
        if loss_decaying[:, t].sum() / runs < loss_constant[:, t].sum() / runs:
            answer = t
        else:
            break
    return answer
''',
}


def _with(**cells):
    return {**_NF_STACKED, **{f"{k}_solution": v for k, v in cells.items()}}


VARIANTS = {
    "stacked": (_NF_STACKED, set()),
    "loops": (_NF_LOOPS, set()),
    "noise_outside_rate": (_with(sgd_iterates='''
def sgd_iterates(lrs, noise, a, noise_sd, theta0):
    thetas = np.empty((noise.shape[0], len(lrs) + 1))
    thetas[:, 0] = theta0
    for t, lr in enumerate(lrs):
        thetas[:, t + 1] = thetas[:, t] - lr * a * thetas[:, t] - noise_sd * noise[:, t]
    return thetas
'''), {"simulate"}),
    "noise_unscaled": (_with(sgd_iterates='''
def sgd_iterates(lrs, noise, a, noise_sd, theta0):
    thetas = np.empty((noise.shape[0], len(lrs) + 1))
    thetas[:, 0] = theta0
    for t, lr in enumerate(lrs):
        thetas[:, t + 1] = thetas[:, t] - lr * (a * thetas[:, t] + noise[:, t])
    return thetas
'''), {"simulate"}),
    "no_start_column": (_with(sgd_iterates='''
def sgd_iterates(lrs, noise, a, noise_sd, theta0):
    theta, out = np.full(noise.shape[0], float(theta0)), []
    for t, lr in enumerate(lrs):
        theta = theta - lr * (a * theta + noise_sd * noise[:, t])
        out.append(theta)
    return np.array(out).T
'''), {"simulate"}),
    "variance_over_time": (_with(measured_variance='''
def measured_variance(thetas, burn_in):
    return np.mean(np.var(thetas[:, burn_in:], axis=1))
'''), {"measure"}),
    "keeps_transient": (_with(measured_variance='''
def measured_variance(thetas, burn_in):
    return np.mean(np.var(thetas, axis=0))
'''), {"measure"}),
    "small_step_formula": (_with(noise_floor='''
def noise_floor(lr, a, noise_sd):
    return lr * noise_sd**2 / (2 * a)
'''), {"theory"}),
    "first_lead": (_with(crossover_step='''
def crossover_step(loss_constant, loss_decaying):
    ahead = np.flatnonzero(loss_decaying.mean(axis=0) < loss_constant.mean(axis=0))
    return int(ahead[0]) if ahead.size else -1
'''), {"crossover"}),
    "never_not_handled": (_with(crossover_step='''
def crossover_step(loss_constant, loss_decaying):
    behind = np.flatnonzero(loss_decaying.mean(axis=0) >= loss_constant.mean(axis=0))
    return int(behind[-1] + 1) if behind.size else 0
'''), {"crossover"}),
    "blank": ({}, {"simulate", "measure", "theory", "crossover"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "stacked",
    "bram": "loops",
    "chiara": "small_step_formula",
    "dmitri": "first_lead",
    "elif": "noise_outside_rate",
}

"""Answers to the ``schedule_comparison`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_SC_VECTOR = {
    "run_sgd_solution": '''
def run_sgd(lrs, noise, noise_sd, theta0=0.0):
    theta = np.full(noise.shape[0], float(theta0))
    for k in range(len(lrs)):
        theta = theta - lrs[k] * (dJ(theta) + noise_sd * noise[:, k])
    return J(theta)
''',
    "compare_solution": '''
def compare(schedules, noise, noise_sd, theta0=0.0):
    out = {}
    for name, lrs in schedules.items():
        final = run_sgd(lrs, noise, noise_sd, theta0)
        out[name] = (final.mean(), final.std())
    return out
''',
    "closest_solution": '''
def closest_schedule(schedules, noise, noise_sd, theta0=0.0):
    table = compare(schedules, noise, noise_sd, theta0)
    names = list(table)
    return names[int(np.argmin([table[n][0] for n in names]))]
''',
    "consistent_solution": '''
def consistent_winner(schedules, noise, noise_sd, theta0=0.0):
    names = list(schedules)
    finals = np.stack([run_sgd(schedules[n], noise, noise_sd, theta0) for n in names], axis=1)  # (seeds, schedules)
    winners = {names[i] for i in np.argmin(finals, axis=1)}
    return winners.pop() if len(winners) == 1 else None
''',
}

_SC_LOOPS = {
    "run_sgd_solution": '''
def run_sgd(rates, xi, sigma, start=0.0):
    finals = []
    for row in xi:                     # one seed at a time
        theta = start
        for step, rate in enumerate(rates):
            theta -= rate * (2 * (theta - 3) + sigma * row[step])
        finals.append((theta - 3) ** 2)
    return finals
''',
    "compare_solution": '''
def compare(table, xi, sigma, start=0.0):
    summary = {}
    for label in table:
        f = np.array(run_sgd(table[label], xi, sigma, start))
        summary[label] = [f.mean(), f.std(ddof=1)]   # sample std is accepted too
    return summary
''',
    "closest_solution": '''
def closest_schedule(table, xi, sigma, start=0.0):
    best, best_mean = None, None
    for label in table:                            # straight from run_sgd, without compare
        finals = run_sgd(table[label], xi, sigma, start)
        mean = sum(finals) / len(finals)
        if best is None or mean < best_mean:
            best, best_mean = label, mean
    return best
''',
    "consistent_solution": '''
def consistent_winner(table, xi, sigma, start=0.0):
    finals = {label: run_sgd(table[label], xi, sigma, start) for label in table}
    champion = None
    for seed in range(len(xi)):
        winner = min(finals, key=lambda label: finals[label][seed])
        if champion is None:
            champion = winner
        elif winner != champion:
            return None
    return champion
''',
}


VARIANTS = {
    "vectorized": (_SC_VECTOR, set()),
    "loops": (_SC_LOOPS, set()),
    "new_noise_per_schedule": ({**_SC_VECTOR, "compare_solution": '''
def compare(schedules, noise, noise_sd, theta0=0.0):
    out = {}
    for i, (name, lrs) in enumerate(schedules.items()):
        fresh = np.random.default_rng(i).standard_normal(noise.shape)   # a new seed per schedule
        final = run_sgd(lrs, fresh, noise_sd, theta0)
        out[name] = (final.mean(), final.std())
    return out
'''}, {"compare"}),
    "compare_wrong_axis": ({**_SC_VECTOR, "compare_solution": '''
def compare(schedules, noise, noise_sd, theta0=0.0):
    finals = np.array([run_sgd(lrs, noise, noise_sd, theta0) for lrs in schedules.values()])
    means, stds = finals.mean(axis=0), finals.std(axis=0)      # axis 0 runs over the schedules
    return {name: (means[i], stds[i]) for i, name in enumerate(schedules)}
'''}, {"compare"}),
    "compare_own_update": ({**_SC_VECTOR, "compare_solution": '''
def compare(schedules, noise, noise_sd, theta0=0.0):
    out = {}
    for name, lrs in schedules.items():
        theta = np.full(noise.shape[0], float(theta0))
        for k, lr in enumerate(lrs):
            theta = theta - lr * (dJ(theta) + noise[:, k])          # noise_sd forgotten here
        out[name] = (J(theta).mean(), J(theta).std())
    return out
'''}, {"compare"}),
    "ignores_noise": ({**_SC_VECTOR, "run_sgd_solution": '''
def run_sgd(lrs, noise, noise_sd, theta0=0.0):
    theta = np.full(noise.shape[0], float(theta0))
    for lr in lrs:
        theta = theta - lr * dJ(theta)
    return J(theta)
'''}, {"run_sgd"}),
    "closest_most_wins": ({**_SC_VECTOR, "closest_solution": '''
def closest_schedule(schedules, noise, noise_sd, theta0=0.0):
    names = list(schedules)
    finals = np.array([run_sgd(schedules[n], noise, noise_sd, theta0) for n in names])
    wins = np.bincount(finals.argmin(axis=0), minlength=len(names))
    return names[int(np.argmax(wins))]
'''}, {"closest"}),
    "consistent_lowest_mean": ({**_SC_VECTOR, "consistent_solution": '''
def consistent_winner(schedules, noise, noise_sd, theta0=0.0):
    table = compare(schedules, noise, noise_sd, theta0)
    return min(table, key=lambda name: table[name][0])
'''}, {"consistent"}),
    "blank": ({}, {"run_sgd", "compare", "closest", "consistent"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "vectorized",
    "bram": "loops",
    "chiara": "new_noise_per_schedule",
    "dmitri": "ignores_noise",
    "elif": "closest_most_wins",
}

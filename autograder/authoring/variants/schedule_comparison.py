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
    "answer_solution": 'answer = "B"\n',
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
    "answer_solution": 'answer = " b "\n',
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
    "ignores_noise": ({**_SC_VECTOR, "run_sgd_solution": '''
def run_sgd(lrs, noise, noise_sd, theta0=0.0):
    theta = np.full(noise.shape[0], float(theta0))
    for lr in lrs:
        theta = theta - lr * dJ(theta)
    return J(theta)
'''}, {"run_sgd", "compare"}),
    "wrong_answer": ({**_SC_VECTOR, "answer_solution": 'answer = "C"\n'}, {"conclusion"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "vectorized",
    "bram": "loops",
    "chiara": "new_noise_per_schedule",
    "dmitri": "ignores_noise",
    "elif": "wrong_answer",
}

"""Answers to the ``batch_scaling`` lab written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_BS_ARRAYS = {
    "gradient_noise_variance_solution": '''
def gradient_noise_variance(centers, batches, a):
    grads = a * centers[batches].mean(axis=1)     # the theta-dependent part is the same for every batch
    return grads.var(ddof=1)                      # the sample variance is accepted too
''',
    "minibatch_sgd_solution": '''
def minibatch_sgd(lrs, batches, centers, a, q, theta0):
    theta = np.full(batches.shape[0], float(theta0))
    path = [theta]
    for lr, batch in zip(lrs, batches.transpose(1, 0, 2)):      # batch: (runs, B) indices of one step
        per_sample = a * (theta[:, None] - centers[batch]) + q * theta[:, None] ** 3
        theta = theta - lr * per_sample.mean(axis=1)
        path.append(theta)
    return np.column_stack(path)
''',
    "scaled_lr_solution": '''
def scaled_lr(t, base_lr, base_batch, batch, warmup_steps):
    peak = base_lr * (batch / base_batch)
    if warmup_steps and t < warmup_steps:       # a scalar-only function is fine: it is called per step
        return peak * t / warmup_steps
    return peak
''',
    "samples_to_target_solution": '''
def samples_to_target(losses, batch_size, target):
    below = np.mean(losses, axis=0) <= target
    return int(np.argmax(below)) * batch_size if below.any() else -1
''',
}

_BS_LOOPS = {
    "gradient_noise_variance_solution": '''
def gradient_noise_variance(data, batches, a):
    full = sum(data) / len(data)
    noises = [a * (full - sum(data[i] for i in row) / len(row)) for row in batches]
    return sum(x * x for x in noises) / len(noises)     # mean square about the full gradient: accepted
''',
    "minibatch_sgd_solution": '''
def minibatch_sgd(rates, batches, data, a, q, start):
    rows = []
    for run in batches:
        theta, row = start, [start]
        for rate, batch in zip(rates, run):
            mean_c = sum(data[i] for i in batch) / len(batch)
            theta = theta - rate * (a * (theta - mean_c) + q * theta ** 3)
            row.append(theta)
        rows.append(row)
    return rows
''',
    "scaled_lr_solution": '''
def scaled_lr(t, base_lr, base_batch, batch, warmup_steps):
    t = np.asarray(t, dtype=float)
    ramp = np.clip(t / warmup_steps, 0, 1) if warmup_steps else np.ones_like(t)
    return ramp * base_lr * batch / base_batch
''',
    "samples_to_target_solution": '''
def samples_to_target(losses, batch_size, target):
    runs, columns = losses.shape
    for t in range(columns):
        if sum(losses[r][t] for r in range(runs)) / runs <= target:
            return t * batch_size
    return -1
''',
}


def _with(**cells):
    return {**_BS_ARRAYS, **{f"{k}_solution": v for k, v in cells.items()}}


def _sgd(batch_mean):
    return _with(minibatch_sgd=f'''
def minibatch_sgd(lrs, batches, centers, a, q, theta0):
    runs, steps, size = batches.shape
    thetas = np.empty((runs, steps + 1))
    thetas[:, 0] = theta0
    for t in range(steps):
        theta = thetas[:, t]
        thetas[:, t + 1] = theta - lrs[t] * (a * (theta - {batch_mean}) + q * theta**3)
    return thetas
''')


VARIANTS = {
    "arrays": (_BS_ARRAYS, set()),
    "loops": (_BS_LOOPS, set()),
    "noise_without_a": (_with(gradient_noise_variance='''
def gradient_noise_variance(centers, batches, a):
    return np.var(centers[batches].mean(axis=1))
'''), {"noise"}),
    "noise_single_samples": (_with(gradient_noise_variance='''
def gradient_noise_variance(centers, batches, a):
    return np.var(a * centers[batches])
'''), {"noise"}),
    "sgd_full_gradient": (_sgd("centers.mean()"), {"sgd"}),
    "sgd_pools_runs": (_sgd("centers[batches[:, t]].mean()"), {"sgd"}),
    "sgd_no_quartic": (_with(minibatch_sgd='''
def minibatch_sgd(lrs, batches, centers, a, q, theta0):
    thetas = np.empty((batches.shape[0], len(lrs) + 1))
    thetas[:, 0] = theta0
    for t, lr in enumerate(lrs):
        thetas[:, t + 1] = thetas[:, t] - lr * a * (thetas[:, t] - centers[batches[:, t]].mean(axis=1))
    return thetas
'''), {"sgd"}),
    "sqrt_scaling": (_with(scaled_lr='''
def scaled_lr(t, base_lr, base_batch, batch, warmup_steps):
    peak = base_lr * np.sqrt(batch / base_batch)
    return peak * np.minimum(np.asarray(t) / warmup_steps, 1.0) if warmup_steps else peak
'''), {"schedule"}),
    "warmup_from_step_one": (_with(scaled_lr='''
def scaled_lr(t, base_lr, base_batch, batch, warmup_steps):
    peak = base_lr * batch / base_batch
    return peak * np.minimum((np.asarray(t) + 1) / warmup_steps, 1.0) if warmup_steps else peak
'''), {"schedule"}),
    "steps_not_samples": (_with(samples_to_target='''
def samples_to_target(losses, batch_size, target):
    hits = np.flatnonzero(losses.mean(axis=0) <= target)
    return int(hits[0]) if hits.size else -1
'''), {"target"}),
    "never_is_zero": (_with(samples_to_target='''
def samples_to_target(losses, batch_size, target):
    return int(np.argmax(losses.mean(axis=0) <= target)) * batch_size
'''), {"target"}),
    "blank": ({}, {"noise", "sgd", "schedule", "target"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "arrays",
    "bram": "loops",
    "chiara": "sqrt_scaling",
    "dmitri": "sgd_no_quartic",
    "elif": "never_is_zero",
}

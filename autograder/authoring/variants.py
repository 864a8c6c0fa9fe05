"""Student answers written differently from the reference, right and wrong, with the parts they break.

``VARIANTS[assignment][student] = (cells, broken)``: ``cells`` maps the grade_id of a solution cell to
the code the student wrote there (cells not listed keep the release's empty stub), ``broken`` is the
set of parts that answer must lose. They feed the unit tests (``tests/test_assignments.py``), the
end-to-end fixtures (``tests/fixtures/submissions``) and the demo's samples (``autograder/samples``).

``python -m autograder.authoring.variants`` rewrites both folders of notebooks.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from ..course import REPO_ROOT, SAMPLES_DIR

_SGDR_CLOSED_FORM = '''
def sgdr(t, T_0, T_mult, eta_max, eta_min):
    epoch = np.asarray(t, dtype=float)
    if T_mult == 1:
        cycle = np.floor(epoch / T_0)
        begin = cycle * T_0
    else:
        cycle = np.floor(np.log(epoch * (T_mult - 1) / T_0 + 1) / np.log(T_mult))
        begin = T_0 * (T_mult ** cycle - 1) / (T_mult - 1)
        cycle = np.where(begin > epoch, cycle - 1, cycle)          # guard against rounding
        cycle = np.where(T_0 * (T_mult ** (cycle + 1) - 1) / (T_mult - 1) <= epoch, cycle + 1, cycle)
        begin = T_0 * (T_mult ** cycle - 1) / (T_mult - 1)
    span = T_0 * T_mult ** cycle
    return eta_min + (eta_max - eta_min) * (1 + np.cos(np.pi * (epoch - begin) / span)) / 2
'''

_SGDR_LOOP = '''
import math

def sgdr(t, T_0, T_mult, eta_max, eta_min):
    period = T_0
    while t >= period:          # peel off whole cycles
        t = t - period
        period = period * T_mult
    return eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / period)) / 2
'''

_SGDR_RENAMED = '''
def sgdr(epoch, first_period, growth, high, low):
    def one(e):
        start, length = 0.0, float(first_period)
        while e >= start + length:
            start += length
            length *= growth
        return low + 0.5 * (high - low) * (1 + np.cos(np.pi * (e - start) / length))
    if np.ndim(epoch) == 0:
        return one(float(epoch))
    return [one(float(e)) for e in np.ravel(epoch)]          # a list is fine too
'''


def _sgdr_mistake(condition="t >= period", growth="period * T_mult", floor="eta_min", epoch="t"):
    return f'''
import math

def sgdr(t, T_0, T_mult, eta_max, eta_min):
    t = {epoch}
    period = T_0
    while {condition}:
        t = t - period
        period = {growth}
    return {floor} + (eta_max - {floor}) * (1 + math.cos(math.pi * t / period)) / 2
'''


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
    "sgdr": {
        "closed_form": ({"sgdr_solution": _SGDR_CLOSED_FORM}, set()),
        "loop": ({"sgdr_solution": _SGDR_LOOP}, set()),
        "renamed_list": ({"sgdr_solution": _SGDR_RENAMED}, set()),
        "off_by_one_restart": ({"sgdr_solution": _sgdr_mistake(condition="t > period")}, {"restarts"}),
        "period_not_doubling": ({"sgdr_solution": _sgdr_mistake(growth="period")}, {"doubling"}),
        "floor_ignored": ({"sgdr_solution": _sgdr_mistake(floor="0.0")}, {"floor"}),
        "rounds_epochs": ({"sgdr_solution": _sgdr_mistake(epoch="math.floor(t)")}, {"fractional"}),
        "blank": ({}, {"first_cycle", "restarts", "doubling", "floor", "fractional"}),
    },
    "range_test": {
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
    },
    "schedule_comparison": {
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
    },
}

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


VARIANTS["warmup_cosine"] = {
    "loop": ({"warmup_cosine_solution": _WC_LOOP}, set()),
    "ramp_one_step_short": ({"warmup_cosine_solution": _wc_mistake(ramp="peak * t / (warmup - 1)")}, {"warmup"}),
    "clock_not_shifted": ({"warmup_cosine_solution": _wc_mistake(cosine_t="t")}, {"decay"}),
    "cosine_too_long": ({"warmup_cosine_solution": _wc_mistake(length="total")}, {"decay"}),
    "floor_ignored": ({"warmup_cosine_solution": _wc_mistake(low="0.0")}, {"decay"}),
}

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


VARIANTS["one_cycle"] = {
    "interp": ({"one_cycle_solution": _oc_mistake()}, set()),
    "loop": ({"one_cycle_solution": _OC_LOOP}, set()),
    "peak_one_step_late": ({"one_cycle_solution": _oc_mistake(c1="0.45 * total")}, {"rise", "fall"}),
    "ends_too_low": ({"one_cycle_solution": _oc_mistake(last="max_lr / 1000")}, {"final"}),
}

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


VARIANTS["plateau"] = {
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
SAMPLES = {
    "sgdr": {"ada": "closed_form", "bram": "loop", "chiara": "off_by_one_restart",
             "dmitri": "period_not_doubling", "elif": "floor_ignored", "farid": "blank"},
    "range_test": {"ada": "vectorized", "bram": "loops", "chiara": "before_the_step",
                   "dmitri": "range_where_falling", "elif": "slope_against_lr"},
    "schedule_comparison": {"ada": "vectorized", "bram": "loops", "chiara": "new_noise_per_schedule",
                            "dmitri": "ignores_noise", "elif": "wrong_answer"},
    "warmup_cosine": {"ada": "loop", "bram": "clock_not_shifted", "chiara": "ramp_one_step_short"},
    "one_cycle": {"ada": "interp", "bram": "loop", "chiara": "peak_one_step_late", "dmitri": "ends_too_low"},
    "plateau": {"ada": "loop", "bram": "patience_ge", "chiara": "no_threshold", "dmitri": "no_cooldown",
                "elif": "below_min_lr"},
}


def given_code(assignment: str) -> str:
    """The notebook's set-up code (before the first solution cell), IPython magics removed."""
    from .build import SOURCES, parse

    text = (SOURCES / f"{assignment}.cells.txt").read_text()
    blocks = []
    for kind, _, src in parse(text):
        if kind == "solution":  # only the set-up that comes before the student's first cell
            break
        if kind == "code":
            blocks.append(src)
    return "\n".join(line for b in blocks for line in b.split("\n") if not line.startswith("%"))


def namespace(assignment: str, student: str) -> dict:
    """Execute the given code and the student's cells; the resulting globals (for unit tests)."""
    cells, _ = VARIANTS[assignment][student]
    space: dict = {"__name__": "__student__"}
    exec(compile(given_code(assignment), f"<{assignment} given>", "exec"), space)
    for gid, code in cells.items():
        exec(compile(code, f"<{assignment}:{gid}>", "exec"), space)
    return space


def _released(assignment: str) -> dict:
    from autograder.release import generate

    with tempfile.TemporaryDirectory(prefix="lrcourse-variants-") as tmp:
        out = generate(assignment, Path(tmp))
        return json.loads((out / f"{assignment}.ipynb").read_text())


def submission(assignment: str, cells: dict, base: dict) -> dict:
    """A copy of the released notebook ``base`` with the student's code in the given solution cells."""
    nb = json.loads(json.dumps(base))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in cells:
            cell["source"] = cells[gid].strip("\n").splitlines(keepends=True)
    return nb


def write_all(root: Path = REPO_ROOT) -> list[Path]:
    """Write the fixtures (every variant) and the samples (the demo's class)."""
    written = []
    for assignment, variants in VARIANTS.items():
        base = _released(assignment)
        targets = [(root / "tests" / "fixtures" / "submissions" / assignment / s, v) for s, v in
                   ((name, name) for name in variants)]
        targets += [(root / SAMPLES_DIR.relative_to(REPO_ROOT) / assignment / s, v)
                    for s, v in SAMPLES[assignment].items()]
        for folder, variant in targets:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{assignment}.ipynb"
            nb = submission(assignment, VARIANTS[assignment][variant][0], base)
            path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
            written.append(path)
    written.append(_write_samples_readme(root / SAMPLES_DIR.relative_to(REPO_ROOT) / "README.md"))
    return written


def _write_samples_readme(path: Path) -> Path:
    """A table of the bundled class: who made which mistake and the points they should get."""
    from ..assignments import get

    lines = ["# Sample submissions for the demo", "",
             "Generated by `python -m autograder.authoring.variants` (do not edit by hand). Grade them with",
             "`lrcourse grade <assignment> autograder/samples/<assignment> --out <dir>`.", ""]
    for assignment, students in SAMPLES.items():
        parts = [p.name for p in get(assignment).parts]
        lines += [f"## {assignment}", "", "| student | answer | " + " | ".join(parts) + " | total |",
                  "|---" * (len(parts) + 3) + "|"]
        for student, variant in students.items():
            pts = expected_points(assignment, variant)
            lines.append(f"| {student} | {variant.replace('_', ' ')} | "
                         + " | ".join(str(pts[p]) for p in parts) + f" | {sum(pts.values())} |")
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def expected_points(assignment: str, variant: str) -> dict:
    """``{part: points}`` a variant must earn: full marks except on its broken parts."""
    from ..assignments import get

    broken = VARIANTS[assignment][variant][1]
    return {p.name: (0 if p.name in broken else p.points) for p in get(assignment).parts}


if __name__ == "__main__":
    for p in write_all():
        print(re.sub(f"^{re.escape(str(REPO_ROOT))}/", "", str(p)))

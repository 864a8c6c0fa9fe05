r"""Assignment ``adaptive_step``: AdGD (Malitsky & Mishchenko) against the best constant rate on quadratics.

The problems are :class:`lrcourse.Quadratic` objects :math:`f(x) = \tfrac12 x^\top A x - b^\top x` of a
prescribed condition number :math:`\kappa` (random rotation, random size); the student's functions get
``grad`` (and ``f``) of one point.

- ``adgd_path(grad, x0, lr0, n_steps)`` -> ``(xs, lrs)``: :math:`x_1 = x_0 - \lambda_0 g_0`, then

  .. math:: \lambda_k = \min\Big\{\sqrt{1 + \theta_{k-1}}\,\lambda_{k-1},\
            \frac{\|x_k - x_{k-1}\|}{2\,\|g_k - g_{k-1}\|}\Big\},\quad
            \theta_k = \lambda_k / \lambda_{k-1},\ \theta_0 = +\infty

  (reference :func:`lrcourse.adgd`);
- ``best_constant_rate(f, grad, x0, lrs, n_steps)``: the rate of the grid ``lrs`` whose plain gradient
  descent ends lowest after ``n_steps`` (the first one on a tie; the reference runs every rate at once
  on the :class:`~lrcourse.Quadratic`);
- ``crossover(kappas, steps_adgd, steps_constant)``: the conclusion. For a sweep of condition numbers
  and the iterations each method needs to reach a tolerance, the smallest :math:`\kappa` from which
  AdGD needs strictly fewer iterations at that :math:`\kappa` and every larger one of the sweep
  (``inf`` when it does not win at the largest). Graded on sweeps with reversals and ties.
"""

from __future__ import annotations

import math

import numpy as np

from lrcourse import Quadratic, adgd

from ..assignment import DiagnosedAssignment, Plot
from ..parts import Part, SubmissionError, close, fmt, to_floats

# AdGD's steps are ratios of differences of nearly equal iterates: the order of the floating-point operations
# (loops vs np.linalg.norm) moves late steps by up to ~1e-6 relative, the iterates by ~1e-9 of their size
RTOL, X_RTOL = 1e-4, 1e-8
#: The notebook's problem (condition number, dimension, seed) and its AdGD run.
NOTEBOOK_PROBLEM = (50.0, 10, 0)
NOTEBOOK_LR0, NOTEBOOK_STEPS = 1e-6, 60
#: The notebook's sweep: condition numbers, dimension, tolerance on the relative gap, first seed.
SWEEP_KAPPAS = (1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0, 32.0, 64.0)
SWEEP_DIM, SWEEP_TOL = 10, 1e-8
#: The notebook's two worked examples of the rule (a lasting win only counts; a tie is not a win).
EXAMPLES = ({"kappas": [1, 2, 4, 8, 16], "steps_adgd": [10, 9, 14, 15, 20], "steps_constant": [8, 11, 12, 18, 35]},
            {"kappas": [2, 4, 8, 16], "steps_adgd": [12, 17, 22, 30], "steps_constant": [9, 17, 30, 60]})


def notebook_problem(kappa: float, dim: int, seed: int):
    """``(Quadratic, x0)``: the notebook's problem of condition number ``kappa`` and its start."""
    rng = np.random.default_rng(seed)
    q = Quadratic.from_condition_number(kappa, dim, rng=rng)
    return q, q.minimizer + rng.standard_normal(dim)


def point_functions(q: Quadratic):
    """``(f, grad)`` of one parameter vector (what the student's functions receive)."""
    return (lambda x: float(q.loss(x)[0])), (lambda x: q.grad(x)[0])


def _problem_inputs(q: Quadratic, x0) -> dict:
    return {"A": q.A.tolist(), "b": q.b.tolist(), "x0": [float(v) for v in x0]}


def _quadratic(inputs) -> Quadratic:
    return Quadratic(np.array(inputs["A"]), np.array(inputs["b"]))


def _random_problem(rng):
    kappa, dim = float(10 ** rng.uniform(0.5, 2.5)), int(rng.integers(2, 9))
    q = Quadratic.from_condition_number(kappa, dim, rng=rng, smallest=float(10 ** rng.uniform(-1, 1)),
                                        minimizer=rng.standard_normal(dim))
    return q, q.minimizer + float(10 ** rng.uniform(-0.5, 1)) * rng.standard_normal(dim)


def _adgd_inputs(rng) -> dict:
    q, x0 = _random_problem(rng)
    inputs = {**_problem_inputs(q, x0), "lr0": float(10 ** rng.uniform(-8, -4)), "n_steps": int(rng.integers(10, 80))}
    gaps = _adgd_reference(inputs).f - q.min_loss
    tiny = np.flatnonzero(gaps < 1e-8 * gaps[0])  # stop well before the round-off floor, where AdGD's steps explode
    inputs["n_steps"] = int(min(inputs["n_steps"], tiny[0] - 1 if tiny.size else inputs["n_steps"]))
    return inputs


def _grid_inputs(rng) -> dict:
    q, x0 = _random_problem(rng)
    M = q.eigenvalues[-1]
    # long enough to separate the rates, short enough that the best gap stays far above round-off
    n_steps = int(rng.integers(10, max(11, min(250, int(3.0 * (q.condition_number + 1))))))
    lrs = np.geomspace(float(rng.uniform(0.05, 0.2)) / M, float(rng.uniform(3.0, 4.0)) / M, int(rng.integers(20, 40)))
    return {**_problem_inputs(q, x0), "lrs": lrs.tolist(), "n_steps": n_steps}


def _adgd_slips_show(inputs) -> bool:
    """Whether every slip of :data:`ADGD_SLIPS` takes another step somewhere along the reference path."""
    run = _adgd_reference(inputs)
    grad = point_functions(_quadratic(inputs))[1]
    xs, lams = run.x, run.lrs[:, 0]
    gs = [grad(x) for x in xs]
    return all(any(not close(_adgd_rule(xs, lams, gs, k, **options), lams[k], 1e-3) for k in range(1, len(lams)))
               for options, _ in ADGD_SLIPS)


def _grid_slips_show(inputs) -> bool:
    """Whether the best rate after one step and the best on average differ from the best at the end."""
    picks = [int(np.argmin(v)) for v in _grid_scores(inputs)]
    return picks[0] != picks[1] and picks[0] != picks[2]


def _grid_scores(inputs):
    """Final losses, losses after one step and losses averaged over the run, one per grid rate."""
    history = loss_history(_quadratic(inputs), inputs["x0"], inputs["lrs"], inputs["n_steps"])
    return history[-1], history[1], history.mean(axis=0)


def _adgd_reference(inputs):
    q = _quadratic(inputs)
    return adgd(point_functions(q)[1], np.array(inputs["x0"]), lr0=inputs["lr0"], n_steps=inputs["n_steps"],
                f=point_functions(q)[0])


def loss_history(q: Quadratic, x0, lrs, n_steps) -> np.ndarray:
    """Losses of gradient descent from ``x0`` with every constant rate of ``lrs`` at once, shape
    ``(n_steps + 1, len(lrs))`` (row k: after k steps)."""
    lrs = np.asarray(lrs, dtype=np.float64)
    x = np.tile(np.asarray(x0, dtype=np.float64), (lrs.size, 1))
    history = [q.loss(x)]
    for _ in range(n_steps):
        x = x - lrs[:, None] * q.grad(x)
        history.append(q.loss(x))
    return np.array(history)


def crossover_of(kappas, steps_adgd, steps_constant, *, wins=np.less) -> float:
    """The smallest kappa from which ``wins(steps_adgd, steps_constant)`` holds to the end of the sweep (inf if none)."""
    won = wins(np.asarray(steps_adgd), np.asarray(steps_constant))
    if not won[-1]:
        return math.inf
    lost = np.flatnonzero(~won)
    return float(kappas[lost[-1] + 1] if lost.size else kappas[0])


def _sweep_case(rng, pattern: str) -> dict:
    """A synthetic sweep whose AdGD-minus-constant signs follow ``pattern``."""
    n = int(rng.integers(5, 10))
    kappas = [float(f"{k:.3g}") for k in np.geomspace(float(rng.uniform(1, 3)), float(10 ** rng.uniform(2, 3)), n)]
    const = [int(rng.uniform(2, 6) * k + rng.integers(3, 12)) for k in kappas]
    j = int(rng.integers(1, n - 1))  # first index of the lasting win
    signs = {"clean": [1] * j + [-1] * (n - j), "all": [-1] * n, "never": [1] * j + [-1] * (n - j - 1) + [1],
             "reversal": [1] + [-1] + [1] * max(j - 2, 1) + [-1] * (n - max(j, 3)),
             "tie": [1] * (j - 1) + [0] + [-1] * (n - j)}[pattern][:n]
    adgd_steps = [c + s * int(rng.integers(1, max(2, c // 2))) for c, s in zip(const, signs)]
    return {"kappas": kappas, "steps_adgd": adgd_steps, "steps_constant": const}


class AdaptiveStep(DiagnosedAssignment):
    name = "adaptive_step"
    title = "AdGD, an online step size, against the best constant rate"
    parts = (
        Part("adgd", 4, "iterates and step sizes of AdGD (Malitsky-Mishchenko) from lr0", "adgd_path"),
        Part("best_constant", 3, "the grid rate whose constant-rate descent ends lowest after n_steps",
             "best_constant_rate"),
        Part("crossover", 3, "the condition number from which AdGD needs fewer iterations for good, on given sweeps",
             "crossover"),
    )
    forbidden = {"*": ("adgd", "AdaptiveResult", "simulate_sgd", "SGDResult", "delta_bar_delta",
                       "regrettable_delta_bar_delta", "adadelta", "vsgd", "iterations_to_tolerance")}
    plot = Plot("adgd_path", "iteration k", "step size (log scale)",
                "AdGD's step sizes on the notebook's quadratic (kappa = 50, 10 dimensions, lr0 = 1e-6)", logy=True)

    # --- inputs ---------------------------------------------------------------------------------------

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: random quadratics, starts, grids and sweeps."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part == "crossover":
            patterns = ["clean", "all", "never", "reversal", "tie"]
            return {"cases": [_sweep_case(rng, patterns[i]) for i in rng.permutation(len(patterns))]}
        for _ in range(100):  # until the typical slips of the part change the answer
            inputs = (_adgd_inputs if part == "adgd" else _grid_inputs)(rng)
            if (_adgd_slips_show if part == "adgd" else _grid_slips_show)(inputs):
                break
        return inputs

    def visible_inputs(self, part) -> dict:
        """The notebook's quadratic (kappa 50), its grid search and its sweep with the two worked examples."""
        part = self.part(part).name
        q, x0 = notebook_problem(*NOTEBOOK_PROBLEM)
        if part == "adgd":
            return {**_problem_inputs(q, x0), "lr0": NOTEBOOK_LR0, "n_steps": NOTEBOOK_STEPS}
        if part == "best_constant":
            M = q.eigenvalues[-1]
            return {**_problem_inputs(q, x0), "lrs": np.geomspace(0.1 / M, 4 / M, 40).tolist(), "n_steps": 150}
        return {"cases": [*EXAMPLES, notebook_sweep()]}

    def plot_inputs(self) -> dict:
        return self.visible_inputs("adgd")

    # --- calling the student's functions ----------------------------------------------------------------

    def evaluate(self, part, target, inputs: dict) -> dict:
        """Call the student's function for ``part``; plain floats in a dict."""
        p = self.part(part)
        target = self.callable_target(p.name, target)
        if p.name == "crossover":
            out = []
            for case in inputs["cases"]:
                value = target(np.array(case["kappas"]), np.array(case["steps_adgd"]), np.array(case["steps_constant"]))
                out += to_floats(value, "crossover(kappas, steps_adgd, steps_constant)", size=1)
            return {"kappa": out}
        q = _quadratic(inputs)
        f, grad = point_functions(q)
        x0 = np.array(inputs["x0"])
        if p.name == "best_constant":
            value = target(f, grad, x0, np.array(inputs["lrs"]), inputs["n_steps"])
            return {"lr": to_floats(value, "best_constant_rate(...)", size=1)}
        out = target(grad, x0, inputs["lr0"], inputs["n_steps"])
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise SubmissionError(f"adgd_path(...) must return a pair (xs, lrs), got {type(out).__name__}")
        return {"x": to_floats(out[0], "adgd_path(...)[0] (the iterates)"),
                "lrs": to_floats(out[1], "adgd_path(...)[1] (the step sizes)")}

    # --- the reference --------------------------------------------------------------------------------

    def reference(self, part, inputs: dict) -> dict:
        """:func:`lrcourse.adgd`; constant-rate descent on the :class:`lrcourse.Quadratic`; the crossover rule."""
        part = "adgd" if part == "plot" else self.part(part).name
        if part == "adgd":
            run = _adgd_reference(inputs)
            return {"x": run.x.ravel().tolist(), "lrs": run.lrs[:, 0].tolist()}
        if part == "best_constant":
            return {"lr": [float(inputs["lrs"][int(np.argmin(_grid_scores(inputs)[0]))])]}
        return {"kappa": [crossover_of(**case) for case in inputs["cases"]]}

    def plot_values(self, target) -> dict:
        """AdGD's step sizes, the student's over the reference's, on the notebook's problem."""
        inputs = self.plot_inputs()
        ref = self.reference("plot", inputs)["lrs"]
        mine = self.evaluate("adgd", target, inputs)["lrs"] if target is not None else None
        return {"x": list(range(len(ref))), "reference": ref, "student": mine}

    # --- scoring: the ordered diagnoses of each part (DiagnosedAssignment.score calls them) ---------------

    def diagnose_adgd(self, inputs, got, ref) -> list:
        n, d = inputs["n_steps"], len(inputs["x0"])
        if got["x"].size == n * d:
            return [(True, f"your path has {n} points; put x0 first: n_steps={n} steps make {n + 1} points")]
        if got["x"].size != (n + 1) * d or got["lrs"].size != n:
            return [(True, f"expected {n + 1} points of {d} coordinates and {n} step sizes, got {got['x'].size} "
                           f"numbers and {got['lrs'].size} step sizes")]
        scale = float(np.max(np.abs(ref["x"])))
        if np.all(close(got["lrs"], ref["lrs"], RTOL)) and np.all(close(got["x"], ref["x"], 0.0, X_RTOL * scale)):
            return []
        xs, lams = got["x"].reshape(n + 1, d), got["lrs"]
        grad = point_functions(_quadratic(inputs))[1]
        return [
            (not close(lams[0], inputs["lr0"], 1e-12),
             f"your first step size is {fmt(lams[0])}; AdGD's first step uses lr0={fmt(inputs['lr0'])} "
             f"(x1 = x0 - lr0 * grad(x0)), and lrs[0] records it"),
            (True, lambda: _adgd_diagnosis(grad, xs, lams)),
            (True, lambda: _first_difference(lams, ref["lrs"])),
        ]

    def diagnose_best_constant(self, inputs, got, ref) -> list:
        mine, best = float(got["lr"][0]), float(ref["lr"][0])
        if close(mine, best, 1e-12):
            return []
        lrs, n = np.asarray(inputs["lrs"]), inputs["n_steps"]
        losses, one_step, mean = _grid_scores(inputs)
        i_best = int(np.argmin(losses))
        gap = losses - _quadratic(inputs).min_loss
        where = np.flatnonzero(close(lrs, mine, 1e-12))
        return [
            (float(mine).is_integer() and close(mine, i_best, 0.0),
             f"you returned the index {fmt(mine)}; return the rate itself, lrs[{i_best}] = {fmt(best)}"),
            (where.size == 0, f"{fmt(mine)} is not one of the rates in lrs; return the grid rate that ends lowest "
                              f"(reference {fmt(best)})"),
            (close(mine, lrs[int(np.argmin(one_step))], 1e-12),
             f"{fmt(mine)} is the best rate for ONE step; run every rate for n_steps={n} steps and compare the "
             f"final losses (reference {fmt(best)})"),
            (close(mine, lrs[int(np.argmin(mean))], 1e-12),
             f"{fmt(mine)} has the lowest loss averaged over the run; the part asks for the lowest loss after the "
             f"last step (reference {fmt(best)})"),
            (True, lambda: f"after {n} steps your rate {fmt(mine)} is at f - f* = {fmt(gap[where[0]])}, the rate "
                           f"{fmt(best)} at {fmt(gap[i_best])}: compare f after the last step"),
        ]

    def diagnose_crossover(self, inputs, got, ref) -> list:
        cases, mine, right = inputs["cases"], got["kappa"], ref["kappa"]

        def first_wrong(i):
            case = cases[i]
            return [(True, f"sweep {i} (kappas {[fmt(k) for k in case['kappas']]}, AdGD {case['steps_adgd']}, "
                           f"constant {case['steps_constant']}): the answer is {fmt(right[i])}, yours is {fmt(mine[i])}")]

        return self.diagnose_cases(inputs, mine, right, [
            (lambda c: _first_win(**c),
             "you returned the first kappa at which AdGD wins; a win counts only if AdGD also wins at every "
             "larger kappa of the sweep (look for a win followed by a loss)"),
            (lambda c: crossover_of(**c, wins=np.less_equal),
             "you count a tie as a win; AdGD must need strictly fewer iterations"),
            (lambda c: _last_loss(**c),
             "you returned the last kappa at which AdGD does not win; the answer is the next one, where its "
             "lasting win begins"),
            (lambda c: _as_index(crossover_of(**c), c["kappas"]),
             "you returned a position in the sweep; return the condition number kappas[i] itself"),
        ], first_wrong)


# --- the conclusion's typical slips --------------------------------------------------------------------

def _first_win(kappas, steps_adgd, steps_constant):
    won = np.flatnonzero(np.asarray(steps_adgd) < np.asarray(steps_constant))
    return float(kappas[won[0]]) if won.size else math.inf


def _last_loss(kappas, steps_adgd, steps_constant):
    lost = np.flatnonzero(~(np.asarray(steps_adgd) < np.asarray(steps_constant)))
    return float(kappas[lost[-1]]) if lost.size else math.inf


def _as_index(kappa, kappas):
    return float(list(kappas).index(kappa)) if kappa in list(kappas) else kappa


# --- AdGD's rule and its typical slips, checked on the student's own history ----------------------------

def _adgd_rule(xs, lams, gs, k, *, factor=2.0, theta0=math.inf, inverted=False, growth=True):
    """The step size AdGD (or a slip of it) takes at iteration ``k >= 1`` given the history before it."""
    local = float(np.linalg.norm(xs[k] - xs[k - 1]) / (factor * np.linalg.norm(gs[k] - gs[k - 1])))
    if k == 1:
        theta = theta0
    else:
        theta = lams[k - 2] / lams[k - 1] if inverted else lams[k - 1] / lams[k - 2]
    return min(math.sqrt(1 + theta) * lams[k - 1], local) if growth else local


#: The typical slips of AdGD: options of :func:`_adgd_rule` and what to tell the student.
ADGD_SLIPS = (
    ({"factor": 1.0}, "your curvature term lacks the 2: it is |x_k - x_{k-1}| / (2 |g_k - g_{k-1}|)"),
    ({"theta0": 0.0}, "theta starts at 0; it starts at +inf, so the first adaptive step is the curvature term"),
    ({"inverted": True}, "your theta is lambda_{k-2} / lambda_{k-1}; it is the ratio of the newer step to the "
                         "older one, lambda_{k-1} / lambda_{k-2}"),
    ({"growth": False}, "your step is the curvature term alone; AdGD takes the smaller of it and "
                        "sqrt(1 + theta) * lambda_{k-1}, which limits how fast the step can grow"),
)


def _adgd_diagnosis(grad, xs, lams) -> str:
    for k in range(len(lams)):
        if not np.all(close(xs[k + 1], xs[k] - lams[k] * grad(xs[k]), 1e-9, 1e-12 * np.max(np.abs(xs[k])))):
            return f"point {k + 1} is not x - lr * grad(x) with your step size {fmt(lams[k])} from point {k}"
    gs = [grad(x) for x in xs]
    want = [lams[0]] + [_adgd_rule(xs, lams, gs, k) for k in range(1, len(lams))]
    wrong = [k for k in range(len(lams)) if not close(lams[k], want[k], RTOL)]
    if not wrong:
        return ""
    k = wrong[0]
    where = f"at iteration {k} your step size is {fmt(lams[k])}, the rule gives {fmt(want[k])}"
    for options, slip in ADGD_SLIPS:
        if all(close(lams[j], _adgd_rule(xs, lams, gs, j, **options), RTOL) for j in range(1, len(lams))):
            return f"{where}: {slip}"
    return f"{where} (the smaller of sqrt(1 + theta) * lambda_prev and |dx| / (2 |dg|))"


def _first_difference(mine, ref) -> str:
    i = int(np.flatnonzero(~close(mine, ref, RTOL))[0]) if np.any(~close(mine, ref, RTOL)) else 0
    return f"first difference at step {i}: your step size is {fmt(mine[i])}, the reference's is {fmt(ref[i])}"


def notebook_sweep() -> dict:
    """The notebook's experiment with the reference: iterations to a relative gap of ``SWEEP_TOL`` for
    AdGD and for constant-rate descent at the best rate 2/(m + M), one quadratic per condition number."""
    steps = {"steps_adgd": [], "steps_constant": []}
    for seed, kappa in enumerate(SWEEP_KAPPAS):
        q, x0 = notebook_problem(kappa, SWEEP_DIM, seed)
        f, grad = point_functions(q)
        gap0 = f(x0) - q.min_loss
        run = adgd(grad, x0, lr0=NOTEBOOK_LR0, n_steps=int(10 * kappa) + 60, f=f)
        steps["steps_adgd"].append(int(np.argmax(run.f - q.min_loss <= SWEEP_TOL * gap0)))
        lr = 2.0 / (q.eigenvalues[0] + q.eigenvalues[-1])
        x, k = x0.copy(), 0
        while f(x) - q.min_loss > SWEEP_TOL * gap0:
            x, k = x - lr * grad(x), k + 1
        steps["steps_constant"].append(k)
    return {"kappas": list(SWEEP_KAPPAS), **steps}


ASSIGNMENT = AdaptiveStep()

r"""Assignment ``noise_floor``: constant-rate SGD settles on a noise floor; a decaying schedule gets below it.

The loss is :math:`f(\theta) = \tfrac a2\theta^2` and the gradient noise is given (common random numbers):

.. math::

    \theta_{t+1} = \theta_t - \eta_t\,\bigl(a\,\theta_t + s\,\xi_{r,t}\bigr), \qquad t = 0, \dots, T-1,

with ``xi = noise`` of shape ``(runs, T)`` and ``s = noise_sd``. Four parts, each graded on its own
hidden inputs (a mistake in one never costs another):

- ``simulate``: ``sgd_iterates(lrs, noise, a, noise_sd, theta0)``, the iterates ``(runs, T + 1)``
  (reference :func:`lrcourse.simulate_sgd` with explicit noise);
- ``measure``: ``measured_variance(thetas, burn_in)``, the variance across runs of :math:`\theta_t`,
  averaged over the steps ``t >= burn_in`` (``ddof`` 0 or 1);
- ``theory``: ``noise_floor(lr, a, noise_sd)``, the fixed point :math:`\eta s^2/(a(2 - a\eta))` of the
  variance recursion (reference :func:`lrcourse.sgd_stationary_variance`);
- ``crossover``: ``crossover_step(loss_constant, loss_decaying)``, the first step from which the
  decaying schedule's mean loss stays below the constant rate's until the end, ``-1`` if it is not
  below at the last step (the conclusion of the experiment, graded on hidden experiments).
"""

from __future__ import annotations

import numpy as np

from lrcourse import InverseTimeDecay, ScalarQuadratic, compare_schedules, sgd_stationary_variance

from ..assignment import Assignment, Plot
from ..parts import Part, SubmissionError, fmt, to_float

#: The notebook's experiment (the given code cell defines the same numbers).
A, NOISE_SD, LR, THETA0, RUNS, STEPS, NOISE_SEED, BURN_IN = 1.0, 0.5, 0.2, 4.0, 400, 300, 11, 50
DECAY_BETA, FEW_RUNS = 0.05, 10


def notebook_noise() -> np.ndarray:
    """The notebook's standard-normal draws, shape ``(RUNS, STEPS)``."""
    return np.random.default_rng(NOISE_SEED).standard_normal((RUNS, STEPS))


def stepwise_variance(thetas, ddof=0) -> np.ndarray:
    """Variance across runs (axis 0) at every step."""
    return np.var(np.asarray(thetas, dtype=np.float64), axis=0, ddof=ddof)


def lasting_lead(loss_constant, loss_decaying) -> int:
    """First step from which the decaying schedule's mean loss stays strictly below the constant's (or -1)."""
    ahead = np.mean(loss_decaying, axis=0) < np.mean(loss_constant, axis=0)
    if not ahead[-1]:
        return -1
    behind = np.flatnonzero(~ahead)
    return int(behind[-1]) + 1 if behind.size else 0


def first_lead(loss_constant, loss_decaying) -> int:
    """First step at which the decaying schedule's mean loss is below (a mistake: it may not stay there)."""
    ahead = np.flatnonzero(np.mean(loss_decaying, axis=0) < np.mean(loss_constant, axis=0))
    return int(ahead[0]) if ahead.size else -1


def _lrs(rng, a, T):
    """A decaying schedule ``eta0 / (1 + beta t)`` with ``a * eta0`` in (0.05, 1.6)."""
    eta0 = float(rng.uniform(0.05, 1.6)) / a
    return (eta0 / (1 + float(rng.uniform(0.005, 0.1)) * np.arange(T))).tolist()


def _decaying(rng, kind, lr, T):
    t = np.arange(T)
    if kind == "hyperbolic":
        return lr / (1 + float(rng.uniform(0.02, 0.2)) * t)
    if kind == "frozen":  # decays so fast that the run stops far from the minimum
        return lr * float(rng.uniform(0.6, 0.85)) ** t
    if kind == "cosine":
        return 0.5 * lr * (1 + np.cos(np.pi * t / T))
    return lr * 0.5 ** (t // int(rng.integers(10, 40)))


def _experiment(rng, kind):
    """One hidden experiment: mean-loss curves of a constant rate and a decaying schedule, same noise."""
    a = float(10 ** rng.uniform(-0.3, 0.5))
    lr = float(rng.uniform(0.1, 0.6)) / a
    R, T = int(rng.integers(6, 31)), int(rng.integers(100, 251))
    s, theta0 = float(rng.uniform(0.3, 2.0)), float(rng.choice([-1, 1]) * rng.uniform(2, 6))
    xi = rng.standard_normal((R, T))
    schedules = {"constant": np.full(T, lr), "decaying": _decaying(rng, kind, lr, T)}
    res = compare_schedules(ScalarQuadratic(curvature=a, center=0.0), schedules, T, R, noise=xi, noise_sd=s,
                            theta0=theta0, keep_theta=False)
    return {"loss_constant": res["constant"].loss.tolist(), "loss_decaying": res["decaying"].loss.tolist()}


def _robust(case) -> bool:
    """No near-tie between the two mean curves where they differ (a tie would hinge on rounding)."""
    mc, md = (np.mean(np.asarray(case[k]), axis=0) for k in ("loss_constant", "loss_decaying"))
    gap = np.abs(md - mc)
    return bool(np.all((gap == 0) | (gap > 1e-9 * np.maximum(np.abs(mc), np.abs(md)))))


def _wanted(case, kind) -> bool:
    c, d = np.asarray(case["loss_constant"]), np.asarray(case["loss_decaying"])
    lasting = lasting_lead(c, d)
    if kind == "hyperbolic":  # ends ahead, after at least one lead that did not last
        return lasting > 0 and first_lead(c, d) < lasting
    if kind == "frozen":
        return lasting == -1
    return True


class NoiseFloor(Assignment):
    name = "noise_floor"
    title = "The noise floor of constant-rate SGD, and when a decaying schedule beats it"
    parts = (
        Part("simulate", 3, "the iterates of SGD with the given noise, one row per run, theta0 first",
             "sgd_iterates"),
        Part("measure", 2, "the variance across runs, averaged over the steps from burn_in on", "measured_variance"),
        Part("theory", 2, "the exact stationary variance of constant-rate SGD", "noise_floor"),
        Part("crossover", 3, "the step from which the decaying schedule's mean loss stays below the constant's",
             "crossover_step"),
    )
    forbidden = {"*": ("simulate_sgd", "compare_schedules", "sgd_variance", "sgd_stationary_variance",
                       "stationary_variance", "ou_variance", "ou_variance_hyperbolic", "monte_carlo_variance")}
    library_use_expected = True  # the lab runs experiments with lrcourse's simulators
    plot = Plot("sgd_iterates", "step t", "variance of theta_t across runs",
                f"Spread of your iterates in the notebook's setting ({RUNS} runs, constant rate {LR})")

    # --- inputs --------------------------------------------------------------------------------------

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: schedules, noise, curvature, iterates and experiments never shown."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part == "simulate":
            R, T = int(rng.integers(3, 13)), int(rng.integers(20, 121))
            a = float(10 ** rng.uniform(-0.5, 0.7))
            return {"lrs": _lrs(rng, a, T), "noise": rng.standard_normal((R, T)).tolist(), "a": a,
                    "noise_sd": float(rng.uniform(0.1, 2.0)), "theta0": float(rng.uniform(-5, 5))}
        if part == "measure":
            R, T = int(rng.integers(20, 151)), int(rng.integers(80, 301))
            a = float(10 ** rng.uniform(-0.5, 0.7))
            lr, s = float(rng.uniform(0.1, 1.0)) / a, float(rng.uniform(0.1, 2.0))
            theta0 = float(rng.choice([-1, 1]) * rng.uniform(1, 6))
            thetas = self.sgd_iterates(ScalarQuadratic(curvature=a, center=0.0), np.full(T, lr),
                                       s * rng.standard_normal((R, T)), theta0)
            return {"thetas": thetas.tolist(), "burn_in": int(rng.integers(T // 4, T // 2))}
        if part == "theory":
            a = 10 ** rng.uniform(-1, 1, size=8)
            return {"cases": [[float(rng.uniform(0.01, 1.95) / ai), float(ai), float(10 ** rng.uniform(-1, 0.5))]
                              for ai in a]}
        cases = []
        for kind in rng.permutation(["hyperbolic", "frozen", str(rng.choice(["cosine", "step", "hyperbolic"]))]):
            for _ in range(60):  # redraw until the experiment shows what it is there to show
                case = _experiment(rng, kind)
                if _robust(case) and _wanted(case, kind):
                    break
            cases.append(case)
        return {"cases": cases}

    def visible_inputs(self, part) -> dict:
        """The notebook's experiment: a = 1, noise_sd = 0.5, rate 0.2, 400 runs of 300 steps from theta0 = 4."""
        part = self.part(part).name
        problem = ScalarQuadratic(curvature=A, center=0.0)
        if part == "simulate":
            return {"lrs": [LR] * STEPS, "noise": notebook_noise().tolist(), "a": A, "noise_sd": NOISE_SD,
                    "theta0": THETA0}
        if part == "measure":
            thetas = self.sgd_iterates(problem, np.full(STEPS, LR), NOISE_SD * notebook_noise(), THETA0)
            return {"thetas": thetas.tolist(), "burn_in": BURN_IN}
        if part == "theory":
            return {"cases": [[LR, A, NOISE_SD], [0.02, A, NOISE_SD], [1.0, A, NOISE_SD], [1.5, A, NOISE_SD],
                              [0.1, 4.0, 0.5]]}
        t = np.arange(STEPS)
        hyperbolic, frozen = InverseTimeDecay(lr=LR, beta=DECAY_BETA)(t), LR * 0.8 ** t
        cases = []  # the notebook's race, the same race with only its first runs, a decay that freezes
        for decaying, runs in ((hyperbolic, RUNS), (hyperbolic, FEW_RUNS), (frozen, RUNS)):
            res = compare_schedules(problem, {"constant": np.full(STEPS, LR), "decaying": decaying}, STEPS, runs,
                                    noise=notebook_noise()[:runs], noise_sd=NOISE_SD, theta0=THETA0,
                                    keep_theta=False)
            cases.append({"loss_constant": res["constant"].loss.tolist(),
                          "loss_decaying": res["decaying"].loss.tolist()})
        return {"cases": cases}

    # --- the student's answers -----------------------------------------------------------------------

    def evaluate(self, part, target, inputs: dict) -> dict:
        """Call the student's function for ``part``; results as plain floats."""
        part = self.part(part).name
        target = self.callable_target(part, target)
        if part == "simulate":
            noise = np.asarray(inputs["noise"], dtype=np.float64)
            R, T = noise.shape
            out = target(np.asarray(inputs["lrs"], dtype=np.float64), noise.copy(), inputs["a"],
                         inputs["noise_sd"], inputs["theta0"])
            return {"thetas": self.table_answer(out, (R, T + 1), "sgd_iterates(lrs, noise, a, noise_sd, theta0)")}
        if part == "measure":
            out = target(np.asarray(inputs["thetas"], dtype=np.float64), inputs["burn_in"])
            return {"variance": [to_float(out, "measured_variance(thetas, burn_in)")]}
        if part == "theory":
            return {"variance": [to_float(target(lr, a, s), f"noise_floor({fmt(lr)}, {fmt(a)}, {fmt(s)})")
                                 for lr, a, s in inputs["cases"]]}
        steps = []
        for case in inputs["cases"]:
            c, d = (np.asarray(case[k], dtype=np.float64) for k in ("loss_constant", "loss_decaying"))
            step = to_float(target(c, d), "crossover_step(loss_constant, loss_decaying)")
            if not float(step).is_integer():
                raise SubmissionError(f"crossover_step must return a whole step number (or -1), got {step!r}")
            steps.append(step)
        return {"step": steps}

    def reference(self, part, inputs: dict) -> dict:
        """Reference values: :func:`lrcourse.simulate_sgd` (through :meth:`sgd_iterates`), the across-run
        variance, :func:`lrcourse.sgd_stationary_variance` and :func:`lasting_lead`."""
        part = getattr(part, "name", part)
        if part in ("simulate", "plot"):
            noise = np.asarray(inputs["noise"], dtype=np.float64)
            thetas = self.sgd_iterates(ScalarQuadratic(curvature=inputs["a"], center=0.0), inputs["lrs"],
                                       inputs["noise_sd"] * noise, inputs["theta0"])
            return {"thetas": thetas.ravel().tolist()}
        if part == "measure":
            kept = np.asarray(inputs["thetas"], dtype=np.float64)[:, inputs["burn_in"]:]
            return {"variance": [float(np.mean(stepwise_variance(kept)))],
                    "variance1": [float(np.mean(stepwise_variance(kept, ddof=1)))]}
        if part == "theory":
            return {"variance": [sgd_stationary_variance(lr, a=a, noise_sd=s) for lr, a, s in inputs["cases"]]}
        return {"step": [float(lasting_lead(np.asarray(c["loss_constant"]), np.asarray(c["loss_decaying"])))
                         for c in inputs["cases"]]}

    def plot_values(self, target) -> dict:
        """Variance across runs at every step: the student's iterates over the reference's."""
        inputs = self.visible_inputs("simulate")
        shape = np.shape(inputs["noise"])
        ref = np.asarray(self.reference("plot", inputs)["thetas"]).reshape(shape[0], shape[1] + 1)
        mine = None
        if target is not None:
            got = np.asarray(self.evaluate("simulate", target, inputs)["thetas"]).reshape(ref.shape)
            mine = stepwise_variance(got).tolist()
        return {"x": list(range(ref.shape[1])), "reference": stepwise_variance(ref).tolist(), "student": mine}

    # --- scoring -------------------------------------------------------------------------------------

    def score(self, part, inputs: dict, values: dict):
        """Compare with the reference; the hint names the most likely cause of a difference."""
        p = self.part(part)
        ref = self.reference(p.name, inputs)
        key = "thetas" if p.name == "simulate" else "step" if p.name == "crossover" else "variance"
        got, failed = self.recorded(p, values, key, len(ref[key]))
        if failed:
            return failed
        if p.name == "measure":
            ok = self.agrees_with_any(got, (ref["variance"], ref["variance1"]))
        else:
            ok = self.agrees(got, ref[key])
        if ok:
            return self.result(p, "")
        diagnose = {"simulate": self._simulate_hints, "measure": self._measure_hints,
                    "theory": self._theory_hints, "crossover": self._crossover_hints}[p.name]
        return self.first_hint(p, diagnose(inputs, got, np.asarray(ref[key])))

    def _simulate_hints(self, inputs, got, ref) -> list:
        lrs, xi = np.asarray(inputs["lrs"]), np.asarray(inputs["noise"])
        a, s, theta0 = inputs["a"], inputs["noise_sd"], inputs["theta0"]
        R, T = xi.shape
        problem = ScalarQuadratic(curvature=a, center=0.0)
        shifted = np.append(lrs[1:], lrs[-1])

        def run(kicks, rates=lrs):  # the iterates a mistake produces, from the same engine as the reference
            return lambda: self.sgd_iterates(problem, rates, kicks, theta0)

        start = got.reshape(R, T + 1)[:, 0]
        return [
            (not np.allclose(start, theta0, rtol=1e-12, atol=0),
             f"column 0 must be the starting point theta0={fmt(theta0)}; yours starts at {fmt(start[0])}"),
            *self.like_mistakes(got, [
                (run(0 * xi), "your iterates do not depend on the noise: add noise_sd * noise[:, t] to the gradient"),
                (run(xi), "the noise is not scaled: the gradient noise is noise_sd * noise[:, t] with "
                          f"noise_sd={fmt(s)}"),
                (run(-s * xi), "the noise enters with the wrong sign: the noisy gradient is a * theta + noise_sd * "
                               "noise[:, t]"),
                (run(s * xi / lrs[None, :]), "the noise is added to theta without the learning rate: it is part of "
                                             "the gradient, so the step multiplies it by lr_t too"),
                (run(s * xi, shifted), "step t uses the learning rate lrs[t + 1]: the update from theta_t uses lrs[t]"),
            ]),
            (True, self.first_difference(got, ref, (R, T + 1), what="theta")
             + f" (a={fmt(a)}, noise_sd={fmt(s)}, theta0={fmt(theta0)}, {T} steps)"),
        ]

    def _measure_hints(self, inputs, got, ref) -> list:
        thetas, b = np.asarray(inputs["thetas"]), inputs["burn_in"]
        kept = thetas[:, b:]

        def like(*candidates):
            return lambda: self.agrees_with_any(got, [[float(c)] for c in candidates], 1e-9)

        per_step = [np.mean(stepwise_variance(x, d)) for x in (thetas, thetas[:, b + 1:], thetas[:, b - 1:])
                    for d in (0, 1)]
        return [
            (like(*(np.mean(np.var(kept, axis=1, ddof=d)) for d in (0, 1))),
             "you took the variance along each run (over time); take it across runs at each step (axis 0), then "
             "average over the steps"),
            (like(*(np.var(kept, ddof=d) for d in (0, 1))),
             "you pooled every value after burn_in into one variance; take the variance across runs at each step, "
             "then average those (a drift of the mean over time must not count)"),
            (like(*per_step[:2]), f"you averaged over every step; drop the transient: only steps t >= burn_in={b}"),
            (like(*per_step[2:4]), f"you started at step {b + 1}; the steps t >= burn_in={b} include step {b}"),
            (like(*per_step[4:]), f"you started at step {b - 1}; the steps t >= burn_in={b} start at step {b}"),
            (like(np.mean(kept ** 2)), "you averaged theta^2: that is the second moment, not the variance (subtract "
                                      "the mean across runs at each step)"),
            (like(*(np.mean(np.std(kept, axis=0, ddof=d)) for d in (0, 1))),
             "you averaged standard deviations; the question asks for the variance (std squared)"),
            (True, f"your variance is {fmt(got[0])}, the reference is {fmt(ref[0])} ({thetas.shape[0]} runs, "
                   f"{thetas.shape[1]} iterates, burn_in={b})"),
        ]

    def _theory_hints(self, inputs, got, ref) -> list:
        lr, a, s = (np.array([c[i] for c in inputs["cases"]]) for i in range(3))

        def like(values):
            return lambda: self.agrees(got, values, 1e-9)

        i = int(np.flatnonzero(~np.isclose(got, ref, rtol=1e-9, atol=0))[0])
        return [
            (like(lr * s**2 / (2 * a)), "this is the small-step (SDE) approximation lr * noise_sd^2 / (2a); solve the "
                                        "discrete recursion V = (1 - a lr)^2 V + lr^2 noise_sd^2 exactly"),
            (like(s**2 / (2 * a)), "your floor does not depend on the learning rate; each step's kick has variance "
                                   "lr^2 noise_sd^2"),
            (like(lr * s**2 / a), "you used (1 - a lr) where the recursion has (1 - a lr)^2: the contraction acts on "
                                  "the variance squared"),
            (like(lr * s / (a * (2 - a * lr))), "noise_sd is a standard deviation: the variance of a kick has "
                                                "noise_sd squared"),
            (like(lr * s**2 / (2 - a * lr)), "you dropped a factor 1/a"),
            (True, f"noise_floor({fmt(lr[i])}, {fmt(a[i])}, {fmt(s[i])}) is {fmt(got[i])} in your code, the reference "
                   f"is {fmt(ref[i])}"),
        ]

    def _crossover_hints(self, inputs, got, ref) -> list:
        cases = [(np.asarray(c["loss_constant"]), np.asarray(c["loss_decaying"])) for c in inputs["cases"]]
        i = int(np.flatnonzero(got != ref)[0])
        c, d = cases[i]
        T = c.shape[1] - 1

        def like(rule):
            return lambda: bool(np.all(got == [rule(x, y) for x, y in cases]))

        def last_behind(x, y):
            step = lasting_lead(x, y)
            return step - 1 if step > 0 else step

        where = f"(experiment {i + 1}: {c.shape[0]} runs, {T} steps)"
        return [
            (like(first_lead), "you return the first step where the decaying schedule is below; it must stay below "
                               "from that step to the end (a lead that is lost again does not count)"),
            (like(lambda x, y: lasting_lead(x.T, y.T)),
             "you averaged over the wrong axis: rows are runs, columns are steps; average each column (axis 0)"),
            (like(last_behind), "you return the last step where the decaying schedule is not below; return the "
                                "step after it"),
            (ref[i] == -1 and got[i] != -1,
             f"in experiment {i + 1} the decaying schedule is not below the constant rate at the last step, so it "
             f"never takes a lasting lead: return -1 (yours: {fmt(got[i])})"),
            (True, f"your step is {fmt(got[i])}, the reference is {fmt(ref[i])} {where}"),
        ]


ASSIGNMENT = NoiseFloor()

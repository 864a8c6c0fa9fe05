r"""Assignment ``batch_scaling``: mini-batch noise, the noise scale :math:`\eta/B`, and the linear scaling
rule with warm-up, measured on a finite sum whose start is steep.

The data are :math:`n` numbers :math:`c_i`; sample :math:`i` has the loss
:math:`\ell_i(\theta) = \tfrac a2(\theta - c_i)^2 + \tfrac q4\theta^4`, so a mini-batch :math:`\mathcal B`
(indices drawn with replacement, given as an array) has the gradient
:math:`g_{\mathcal B}(\theta) = a(\theta - \bar c_{\mathcal B}) + q\theta^3`. Four parts, each graded on its
own hidden inputs:

- ``noise``: ``gradient_noise_variance(centers, batches, a)``, the variance over the rows of ``batches``
  of the mini-batch gradient (its noise :math:`a(\bar c - \bar c_{\mathcal B})`; ``ddof`` 0 or 1, or the
  mean square about the full-data gradient);
- ``sgd``: ``minibatch_sgd(lrs, batches, centers, a, q, theta0)``, the iterates ``(runs, T + 1)`` of SGD on
  the given batches ``(runs, T, B)`` (reference :func:`lrcourse.simulate_sgd` with the batch noise as
  explicit gradient noise);
- ``schedule``: ``scaled_lr(t, base_lr, base_batch, batch, warmup_steps)``, the linearly scaled rate
  :math:`\eta^* = \eta_0 B/B_0` reached by a linear warm-up :math:`\eta^* t/W` (reference
  :class:`lrcourse.Warmup` around :class:`lrcourse.ConstantSchedule`);
- ``target``: ``samples_to_target(losses, batch_size, target)``, the number of samples processed when
  the mean loss over runs first reaches ``target`` (``-1`` if it never does): the conclusion of the
  experiment, graded on hidden experiments.
"""

from __future__ import annotations

import numpy as np

from lrcourse import ConstantSchedule, FunctionProblem, SampledQuadratic, Warmup, linear_scaling_rule

from ..assignment import Assignment, Plot
from ..parts import Part, SubmissionError, call_vectorized, fmt, to_float

#: The notebook's experiment (the given code cell defines the same numbers).
A, Q, THETA0, N_DATA, RUNS, SAMPLES = 1.0, 1.0, 2.5, 1000, 100, 16384
BASE_BATCH, BASE_LR, WARMUP_SAMPLES, TARGET = 8, 0.05, 512, 0.01
DATA_SEED, STREAM_SEED = 3, 4
#: What check() shows: 20 runs, 64 steps; the noise is measured with a = 2, so that a lost factor a^2 shows.
VISIBLE_RUNS, VISIBLE_STEPS, NOISE_BATCH, NOISE_A = 20, 64, 16, 2.0


def notebook_data() -> tuple:
    """``(centers, stream)`` of the notebook: the data and the sample indices, shape ``(RUNS, SAMPLES)``."""
    centers = SampledQuadratic.random(N_DATA, rng=np.random.default_rng(DATA_SEED), center=0.0, spread=1.0,
                                      curvature=A).centers
    return centers, np.random.default_rng(STREAM_SEED).integers(0, N_DATA, size=(RUNS, SAMPLES))


def steep_problem(centers, a, q) -> FunctionProblem:
    """The full loss :math:`\\tfrac a2(\\theta - \\bar c)^2 + \\tfrac q4\\theta^4` (its constant dropped)."""
    mid = float(np.mean(centers))
    return FunctionProblem(lambda th: 0.5 * a * (th - mid) ** 2 + 0.25 * q * th**4,
                           lambda th: a * (th - mid) + q * th**3, vectorized=True)


def batch_kicks(centers, batches, a) -> np.ndarray:
    """The gradient noise :math:`a(\\bar c - \\bar c_{\\mathcal B})` of every batch (the last axis of ``batches``)."""
    centers = np.asarray(centers, dtype=np.float64)
    return a * (np.mean(centers) - centers[np.asarray(batches)].mean(axis=-1))


def reached(losses, batch_size, target) -> int:
    """Samples processed (``step * batch_size``) when the mean loss over runs first is ``<= target``, or -1."""
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(np.mean(np.asarray(losses, dtype=np.float64), axis=0) <= target)
    return int(hit[0]) * int(batch_size) if hit.size else -1


def scaled_warmup(base_lr, base_batch, batch, warmup_steps):
    """The reference schedule: the linearly scaled rate, after a linear warm-up of ``warmup_steps`` steps."""
    peak = ConstantSchedule(linear_scaling_rule(base_lr, base_batch, batch))
    return Warmup(peak, warmup_steps) if warmup_steps > 0 else peak


def run_losses(centers, batches, lrs, a, q, theta0) -> np.ndarray:
    """Losses ``(runs, T + 1)`` of SGD on the given batches, from the reference engine; a run that blew up is
    NaN from that step on, as a plain NumPy loop would leave it."""
    problem = steep_problem(centers, a, q)
    thetas = Assignment.sgd_iterates(problem, lrs, batch_kicks(centers, batches, a), theta0)
    blown = np.maximum.accumulate(np.abs(thetas) > 1e6, axis=1)
    return np.where(blown, np.nan, problem.loss(np.where(blown, 0.0, thetas).ravel()).reshape(thetas.shape))


def _target_case(rng, kind):
    """One hidden experiment for ``samples_to_target``: its losses, batch size and target."""
    a, q = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.0, 1.0))
    theta0 = float(rng.choice([-1, 1]) * rng.uniform(1.0, 2.5))
    batch, runs, steps = int(rng.integers(2, 65)), int(rng.integers(5, 31)), int(rng.integers(40, 201))
    lr = float(rng.uniform(0.05, 0.6)) / (a + 3 * q * theta0**2)
    centers = rng.normal(float(rng.uniform(-0.3, 0.3)), float(rng.uniform(0.5, 2.0)), size=int(rng.integers(50, 400)))
    batches = rng.integers(0, centers.size, size=(runs, steps, batch))
    losses = run_losses(centers, batches, np.full(steps, lr), a, q, theta0)
    mean = losses.mean(axis=0)
    if kind == "never":
        target = float(np.min(mean)) * float(rng.uniform(0.3, 0.9))
    else:
        target = float(np.exp(rng.uniform(np.log(mean[-1] * 1.5), np.log(mean[0] * 0.5))))
    if kind == "diverged":  # some runs blow up before the mean gets there: the mean is NaN from then on
        first = reached(losses, 1, target)
        if first > 1:
            bad = rng.choice(runs, size=int(rng.integers(1, 3)), replace=False)
            losses[bad, int(rng.integers(1, first)):] = np.nan
    return {"losses": losses.tolist(), "batch_size": batch, "target": target}


def _robust(case) -> bool:
    """The answer does not hinge on rounding: no step's mean loss lies within 1e-9 of the target."""
    with np.errstate(invalid="ignore"):
        mean = np.mean(np.asarray(case["losses"], dtype=np.float64), axis=0)
    gap = np.abs(mean - case["target"])[np.isfinite(mean)]
    return bool(np.all(gap > 1e-9 * case["target"])) and reached(case["losses"], case["batch_size"],
                                                                 case["target"]) != 0


def _sgd_inputs(rng) -> dict:
    """Hidden inputs of ``sgd``: a stable run (no divergence) on random data, batches and warm-up."""
    for _ in range(100):
        a, q = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.1, 1.0))
        theta0 = float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0))
        R, T, B = int(rng.integers(3, 11)), int(rng.integers(20, 81)), int(rng.integers(2, 17))
        centers = rng.normal(float(rng.uniform(-1, 1)), float(rng.uniform(0.3, 2.0)), size=int(rng.integers(20, 200)))
        peak = float(rng.uniform(0.2, 1.2)) / (a + 3 * q * theta0**2)
        lrs = scaled_warmup(peak, 1, 1, int(rng.integers(0, T // 3)))(np.arange(T))
        batches = rng.integers(0, centers.size, size=(R, T, B))
        inputs = {"lrs": lrs.tolist(), "batches": batches.tolist(), "centers": centers.tolist(), "a": a, "q": q,
                  "theta0": theta0}
        thetas = Assignment.sgd_iterates(steep_problem(centers, a, q), lrs, batch_kicks(centers, batches, a), theta0)
        if np.max(np.abs(thetas)) < 3 * abs(theta0) + 3:
            return inputs
    return inputs  # pragma: no cover - every draw so far has been stable within a few tries


class BatchScaling(Assignment):
    name = "batch_scaling"
    title = "Batch size, the noise scale lr/B, and the linear scaling rule with warm-up"
    parts = (
        Part("noise", 2, "the variance of the mini-batch gradient over the given batches", "gradient_noise_variance"),
        Part("sgd", 3, "the iterates of mini-batch SGD on the given batches, one row per run, theta0 first",
             "minibatch_sgd"),
        Part("schedule", 2, "the linearly scaled learning rate reached by a linear warm-up", "scaled_lr"),
        Part("target", 3, "the samples processed when the mean loss over runs first reaches the target",
             "samples_to_target"),
    )
    forbidden = {"*": ("simulate_sgd", "compare_schedules"),
                 "noise": ("batch_noise_variance",),
                 "schedule": ("Warmup", "warmup_ramp", "WarmupStableDecay", "LinearLR")}
    library_use_expected = True  # the lab runs experiments with lrcourse's simulators
    plot = Plot("minibatch_sgd", "step t", "mean loss over runs",
                f"Your mini-batch SGD in the notebook's setting (batch {4 * BASE_BATCH}, rate {4 * BASE_LR:g}, "
                f"{VISIBLE_RUNS} runs, first {VISIBLE_STEPS} steps)", logy=True)

    # --- inputs --------------------------------------------------------------------------------------

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: data, batches, schedules and experiments never shown."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part == "noise":
            n, draws, B = int(rng.integers(20, 301)), int(rng.integers(50, 301)), int(rng.integers(2, 33))
            centers = rng.normal(float(rng.uniform(-2, 2)), float(rng.uniform(0.3, 3.0)), size=n)
            return {"centers": centers.tolist(), "batches": rng.integers(0, n, size=(draws, B)).tolist(),
                    "a": float(rng.uniform(0.3, 3.0))}
        if part == "sgd":
            return _sgd_inputs(rng)
        if part == "schedule":
            settings = []
            for _ in range(3):
                base_batch = int(rng.choice([4, 8, 16, 32, 64]))
                W = int(rng.integers(2, 25))
                settings.append({"base_lr": float(10 ** rng.uniform(-3, -0.5)), "base_batch": base_batch,
                                 "batch": base_batch * int(rng.integers(2, 65)), "warmup_steps": W,
                                 "t": list(range(W + int(rng.integers(3, 30))))})
            return {"settings": settings}
        cases = []
        for kind in rng.permutation(["reaches", "never", "diverged"]):
            for _ in range(60):
                case = _target_case(rng, str(kind))
                if _robust(case) and (kind != "diverged" or np.isnan(case["losses"]).any()):
                    break
            cases.append(case)
        return {"cases": cases}

    def visible_inputs(self, part) -> dict:
        """The notebook's setting: 1000 data points, the shared stream of sample indices, a = q = 1 (the noise
        check uses a = 2, so that a forgotten factor a^2 cannot hide)."""
        part = self.part(part).name
        centers, stream = notebook_data()
        if part == "noise":
            return {"centers": centers.tolist(), "batches": stream[0].reshape(-1, NOISE_BATCH).tolist(), "a": NOISE_A}
        if part == "sgd":
            batch, lr, steps = 4 * BASE_BATCH, 4 * BASE_LR, VISIBLE_STEPS
            batches = stream[:VISIBLE_RUNS, :steps * batch].reshape(VISIBLE_RUNS, steps, batch)
            return {"lrs": [lr] * steps, "batches": batches.tolist(),
                    "centers": centers.tolist(), "a": A, "q": Q, "theta0": THETA0}
        if part == "schedule":
            return {"settings": [{"base_lr": BASE_LR, "base_batch": BASE_BATCH, "batch": 16 * BASE_BATCH,
                                  "warmup_steps": 4, "t": list(range(12))},
                                 {"base_lr": BASE_LR, "base_batch": BASE_BATCH, "batch": 4 * BASE_BATCH,
                                  "warmup_steps": 16, "t": list(range(24))}]}
        cases = []
        for k, warm in ((1, False), (16, False), (16, True)):
            batch, steps = k * BASE_BATCH, SAMPLES // (k * BASE_BATCH)
            lrs = scaled_warmup(BASE_LR, BASE_BATCH, batch, WARMUP_SAMPLES // batch if warm else 0)(np.arange(steps))
            losses = run_losses(centers, stream[:VISIBLE_RUNS].reshape(VISIBLE_RUNS, steps, batch), lrs, A, Q, THETA0)
            cases.append({"losses": losses.tolist(), "batch_size": batch, "target": TARGET})
        return {"cases": cases}

    # --- the student's answers -----------------------------------------------------------------------

    def evaluate(self, part, target, inputs: dict) -> dict:
        """Call the student's function for ``part``; results as plain floats."""
        part = self.part(part).name
        target = self.callable_target(part, target)
        if part == "noise":
            out = target(np.asarray(inputs["centers"], dtype=np.float64), np.asarray(inputs["batches"]), inputs["a"])
            return {"variance": [to_float(out, "gradient_noise_variance(centers, batches, a)")]}
        if part == "sgd":
            batches = np.asarray(inputs["batches"])
            R, T, _ = batches.shape
            out = target(np.asarray(inputs["lrs"], dtype=np.float64), batches.copy(),
                         np.asarray(inputs["centers"], dtype=np.float64), inputs["a"], inputs["q"], inputs["theta0"])
            return {"thetas": self.table_answer(out, (R, T + 1), "minibatch_sgd(lrs, batches, centers, a, q, theta0)")}
        if part == "schedule":
            lrs = []
            for s in inputs["settings"]:
                lrs += call_vectorized(target, np.asarray(s["t"]), s["base_lr"], s["base_batch"], s["batch"],
                                       s["warmup_steps"], what="scaled_lr(t, base_lr, base_batch, batch, warmup_steps)")
            return {"lr": lrs}
        out = []
        for case in inputs["cases"]:
            got = to_float(target(np.asarray(case["losses"], dtype=np.float64), case["batch_size"], case["target"]),
                           "samples_to_target(losses, batch_size, target)")
            if not float(got).is_integer():
                raise SubmissionError(f"samples_to_target must return a whole number of samples (or -1), got {got!r}")
            out.append(got)
        return {"samples": out}

    def reference(self, part, inputs: dict) -> dict:
        """Reference values: the batch noise, :func:`lrcourse.simulate_sgd` (through :meth:`sgd_iterates`),
        :class:`lrcourse.Warmup` with :func:`lrcourse.linear_scaling_rule`, and :func:`reached`."""
        part = getattr(part, "name", part)
        if part == "noise":
            kicks = batch_kicks(inputs["centers"], inputs["batches"], inputs["a"])
            return {"variance": [float(np.var(kicks))], "others": [float(np.var(kicks, ddof=1)),
                                                                   float(np.mean(kicks**2))]}
        if part in ("sgd", "plot"):
            centers, a = np.asarray(inputs["centers"], dtype=np.float64), inputs["a"]
            thetas = self.sgd_iterates(steep_problem(centers, a, inputs["q"]), inputs["lrs"],
                                       batch_kicks(centers, inputs["batches"], a), inputs["theta0"])
            return {"thetas": thetas.ravel().tolist()}
        if part == "schedule":
            return {"lr": [float(x) for s in inputs["settings"] for x in
                           scaled_warmup(s["base_lr"], s["base_batch"], s["batch"], s["warmup_steps"])(
                               np.asarray(s["t"], dtype=np.float64))]}
        return {"samples": [float(reached(c["losses"], c["batch_size"], c["target"])) for c in inputs["cases"]]}

    def plot_values(self, target) -> dict:
        """Mean loss over runs at every step: the student's iterates over the reference's."""
        inputs = self.visible_inputs("sgd")
        problem = steep_problem(inputs["centers"], inputs["a"], inputs["q"])
        R, T = VISIBLE_RUNS, len(inputs["lrs"])

        def mean_loss(thetas):
            return problem.loss(np.asarray(thetas, dtype=np.float64)).reshape(R, T + 1).mean(axis=0).tolist()

        mine = mean_loss(self.evaluate("sgd", target, inputs)["thetas"]) if target is not None else None
        return {"x": list(range(T + 1)), "reference": mean_loss(self.reference("plot", inputs)["thetas"]),
                "student": mine}

    # --- scoring -------------------------------------------------------------------------------------

    def score(self, part, inputs: dict, values: dict):
        """Compare with the reference; the hint names the most likely cause of a difference."""
        p = self.part(part)
        ref = self.reference(p.name, inputs)
        key = {"noise": "variance", "sgd": "thetas", "schedule": "lr", "target": "samples"}[p.name]
        got, failed = self.recorded(p, values, key, len(ref[key]))
        if failed:
            return failed
        candidates = [ref[key]] + [[x] for x in ref.get("others", [])]
        if self.agrees_with_any(got, candidates):
            return self.result(p, "")
        diagnose = {"noise": self._noise_hints, "sgd": self._sgd_hints, "schedule": self._schedule_hints,
                    "target": self._target_hints}[p.name]
        return self.first_hint(p, diagnose(inputs, got, np.asarray(ref[key])))

    def _noise_hints(self, inputs, got, ref) -> list:
        centers, batches, a = np.asarray(inputs["centers"]), np.asarray(inputs["batches"]), inputs["a"]
        means = centers[batches].mean(axis=1)
        return [
            *self.like_mistakes(got, [
                (np.var(means), f"you measured the spread of the batch means; the gradient is a times that, so its "
                                f"variance has a factor a^2 (a={fmt(a)})"),
                (np.var(a * centers[batches]), "you took the variance over single samples; average the gradient over "
                                               "each batch (one row of batches) first"),
                (np.std(a * means), "that is a standard deviation; the question asks for the variance"),
                (np.var(a * centers[batches].mean(axis=0)), "you averaged over the wrong axis: each row of batches is "
                                                            "one batch, so average along axis 1"),
            ]),
            (True, f"your variance is {fmt(got[0])}, the reference is {fmt(ref[0])} ({batches.shape[0]} batches of "
                   f"{batches.shape[1]}, a={fmt(a)})"),
        ]

    def _sgd_hints(self, inputs, got, ref) -> list:
        centers, batches = np.asarray(inputs["centers"]), np.asarray(inputs["batches"])
        lrs, a, q, theta0 = np.asarray(inputs["lrs"]), inputs["a"], inputs["q"], inputs["theta0"]
        R, T, B = batches.shape
        kicks = batch_kicks(centers, batches, a)

        def run(rates=lrs, noise=kicks, quartic=q):
            return lambda: self.sgd_iterates(steep_problem(centers, a, quartic), rates, noise, theta0)

        start = got.reshape(R, T + 1)[:, 0]
        return [
            (not np.allclose(start, theta0, rtol=1e-12, atol=0),
             f"column 0 must be the starting point theta0={fmt(theta0)}; yours starts at {fmt(start[0])}"),
            *self.like_mistakes(got, [
                (run(noise=0 * kicks), "your iterates do not depend on the batches: the gradient of step t averages "
                                       "the samples centers[batches[:, t]], not the whole data set"),
                (run(noise=batch_kicks(centers, batches[:, :, :1], a)),
                 f"you used one sample per batch; average the gradient over all {B} samples of the batch"),
                (run(noise=np.broadcast_to(batch_kicks(centers, batches.transpose(1, 0, 2).reshape(T, -1), a), (R, T))),
                 "you averaged the batches of all runs together: each run has its own batch, batches[r, t], so "
                 "average along the last axis only"),
                (run(rates=B * lrs), f"you summed the gradients of the batch; average them (divide by B={B})"),
                (run(quartic=0.0), f"the quartic term is missing: each sample's gradient has q * theta^3 (q={fmt(q)})"),
                (run(rates=np.append(lrs[1:], lrs[-1])), "step t uses the learning rate lrs[t + 1]: the update from "
                                                        "theta_t uses lrs[t]"),
            ]),
            (True, self.first_difference(got, ref, (R, T + 1), what="theta")
             + f" (a={fmt(a)}, q={fmt(q)}, theta0={fmt(theta0)}, batches of {B})"),
        ]

    def _schedule_hints(self, inputs, got, ref) -> list:
        offset = 0
        for s in inputs["settings"]:
            t = np.asarray(s["t"], dtype=np.float64)
            mine, theirs = got[offset:offset + t.size], ref[offset:offset + t.size]
            offset += t.size
            if self.agrees(mine, theirs):
                continue
            base_lr, b0, b, W = s["base_lr"], s["base_batch"], s["batch"], s["warmup_steps"]
            setting = f"(base_lr={fmt(base_lr)}, base_batch={b0}, batch={b}, warmup_steps={W})"
            peak = base_lr * b / b0
            ramp = np.minimum(t / W, 1.0)
            i = int(np.flatnonzero(~np.isclose(mine, theirs, rtol=1e-9, atol=1e-12 * peak))[0])
            return [
                *self.like_mistakes(mine, [
                    (base_lr * b0 / b * ramp, f"the rate must grow with the batch: lr = base_lr * batch / base_batch "
                                              f"= {fmt(peak)} {setting}"),
                    (base_lr * np.sqrt(b / b0) * ramp, f"that is the square-root rule; the linear rule multiplies by "
                                                       f"batch / base_batch = {fmt(b / b0)} {setting}"),
                    (peak * np.minimum((t + 1) / W, 1.0), f"at t=0 the warm-up rate is 0 and it reaches the peak at "
                                                          f"t = warmup_steps = {W}: use t / warmup_steps {setting}"),
                    (peak * np.minimum(t / max(W - 1, 1), 1.0),
                     f"your ramp reaches the peak at t = {W - 1}, one step early; the reference reaches it at t = {W} "
                     f"{setting}"),
                    (np.full(t.size, peak), f"your rate does not warm up: it must climb linearly from 0 over the first "
                                            f"{W} steps {setting}"),
                    (np.where(t < W, base_lr * t / W, peak), f"the warm-up climbs to the scaled rate {fmt(peak)}, "
                                                             f"not to base_lr {setting}"),
                ]),
                (True, f"at t={fmt(t[i])} {setting} your lr is {fmt(mine[i])}, the reference is {fmt(theirs[i])}"),
            ]
        return [(True, "your rates differ from the reference")]  # pragma: no cover - some setting differs

    def _target_hints(self, inputs, got, ref) -> list:
        cases = [(np.asarray(c["losses"], dtype=np.float64), c["batch_size"], c["target"]) for c in inputs["cases"]]
        i = int(np.flatnonzero(got != ref)[0])
        losses, batch, level = cases[i]

        def like(rule):
            return lambda: bool(np.all(got == [rule(*c) for c in cases]))

        def ignore_nan(x, b, lev):  # np.nanmean, without its warning on a column of NaN only
            kept = ~np.isnan(x)
            mean = np.divide(np.where(kept, x, 0).sum(axis=0), kept.sum(axis=0), out=np.full(x.shape[1], np.nan),
                             where=kept.any(axis=0))
            return reached(mean[None, :], b, lev)

        where = f"(experiment {i + 1}: {losses.shape[0]} runs, batch {batch}, target {fmt(level)})"
        return [
            (like(lambda x, b, lev: reached(x, 1, lev)),
             "you returned the step; the question asks for the samples processed, step * batch_size"),
            (like(lambda x, b, lev: (reached(x, 1, lev) + 1) * b if reached(x, 1, lev) >= 0 else -1),
             "you counted one step too many: column t holds the loss after t steps, t * batch_size samples"),
            (like(ignore_nan), "a run that blew up (NaN) makes the mean NaN: that configuration does not reach the "
                               "target, so do not skip such runs"),
            (like(lambda x, b, lev: reached(x.T, b, lev)), "you averaged over the wrong axis: rows are runs, columns "
                                                           "are steps; average each column (axis 0)"),
            (ref[i] == -1 and got[i] == 0, f"the mean loss never reaches the target in experiment {i + 1}: return -1, "
                                           f"not 0 (np.argmax of an all-False mask is 0)"),
            (True, f"your answer is {fmt(got[i])} samples, the reference is {fmt(ref[i])} {where}"),
        ]


ASSIGNMENT = BatchScaling()

r"""Assignment ``schedule_comparison``: noisy SGD on :math:`J(\theta) = (\theta - 3)^2` under several schedules.

The noise is passed in, so every answer is checked exactly:

.. math::

    \theta_{k+1} = \theta_k - \eta_k\bigl(J'(\theta_k) + \sigma\,\xi_{s,k}\bigr), \qquad k = 0, \dots, T-1,

with ``xi = noise`` of shape ``(seeds, T)``, ``sigma = noise_sd`` and ``T = len(lrs)``; the result is
:math:`J(\theta_T)` per seed (reference :func:`lrcourse.simulate_sgd` with explicit ``noise``).

- ``run_sgd(lrs, noise, noise_sd, theta0)`` -> final losses, one per seed;
- ``compare(schedules, noise, noise_sd, theta0)`` -> ``{name: (mean, std)}`` of the final loss, every
  schedule driven by the *same* noise (common random numbers); ``std`` over seeds (``ddof`` 0 or 1);
- ``closest_schedule(schedules, noise, noise_sd, theta0)`` -> the name of the schedule whose mean final
  loss is lowest (the exercise's "which schedule gets closest to the optimum?");
- ``consistent_winner(schedules, noise, noise_sd, theta0)`` -> the name of the schedule whose final loss
  is the lowest on every seed, or ``None`` ("does one schedule beat the others on every seed?").

The last three build on the student's own ``run_sgd``. Each is graded against the reference *and*
against the answer the student's own final losses give (recorded beside the answer, on the same hidden
inputs): a mistake in ``run_sgd`` is charged in ``run_sgd`` only and reported downstream as carried
forward (:meth:`~autograder.assignment.Assignment.carried_forward`). The hidden experiments of the two
questions always include one where a schedule wins every seed and one where none does, and where the
schedule closest on average is neither the one that wins most seeds nor the one with the lowest median.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lrcourse import compare_schedules, exercise_quadratic, simulate_sgd

from ..assignment import Assignment, Plot
from ..parts import Part, SubmissionError, close, first_mismatch, fmt, result, to_floats

RTOL = 1e-9
NAMES = ("alpha", "bravo", "charlie", "delta", "echo")

def lecture_schedules(T: int = 150, lr: float = 0.3) -> dict:
    """The six schedules of the notebook, as arrays of ``T`` rates starting at ``lr``."""
    t = np.arange(T)
    return {
        "constant": np.full(T, lr),
        "step": lr * 0.5 ** (t // 30),
        "exponential": lr * 0.97 ** t,
        "cosine": 1e-4 + 0.5 * (lr - 1e-4) * (1 + np.cos(np.pi * t / T)),
        "inverse_time": lr / (1 + 0.05 * t),
        "linear": lr * (1 - t / T),
    }


def lecture_noise(seeds: int = 10, T: int = 150) -> np.ndarray:
    """The notebook's standard-normal draws, shape ``(seeds, T)``."""
    return np.random.default_rng(2024).standard_normal((seeds, T))


def _random_schedule(rng, T):
    lr0 = float(rng.uniform(0.02, 0.45))
    t = np.arange(T)
    kind = int(rng.integers(0, 5))
    if kind == 0:
        return np.full(T, lr0)
    if kind == 1:
        return lr0 * float(rng.uniform(0.2, 0.7)) ** (t // int(rng.integers(5, 40)))
    if kind == 2:
        return lr0 * float(rng.uniform(0.9, 0.995)) ** t
    if kind == 3:
        return 0.5 * lr0 * (1 + np.cos(np.pi * t / T))
    return lr0 / (1 + float(rng.uniform(0.005, 0.2)) * t)


def _final_losses(lrs, noise, noise_sd, theta0):
    lrs = np.asarray(lrs, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    res = simulate_sgd(exercise_quadratic(), lrs, lrs.size, runs=noise.shape[0], theta0=float(theta0),
                       noise_sd=float(noise_sd), noise=noise, keep_theta=False)
    return res.loss[:, -1]


def _hint_run(inputs, got, ref) -> str:
    if np.all(close(got, ref, RTOL, 1e-14)):
        return ""
    noise = np.asarray(inputs["noise"])
    args = (inputs["noise_sd"], inputs["theta0"])
    lrs = np.asarray(inputs["lrs"])
    if np.all(close(got, _final_losses(lrs, np.zeros_like(noise), *args), 1e-9, 1e-14)):
        return "your final losses do not depend on the noise you were given: add noise_sd * noise[s, k] to the gradient"
    if np.all(close(got, _final_losses(lrs, noise, 1.0, inputs["theta0"]), 1e-9, 1e-14)):
        return f"the noise is not scaled: multiply the standard-normal draws by noise_sd={fmt(args[0])}"
    if np.all(close(got, _final_losses(lrs[:-1], noise[:, :-1], *args), 1e-9, 1e-14)):
        return f"you took {lrs.size - 1} steps; take one step per learning rate ({lrs.size})"
    if np.all(close(got, _final_losses(lrs, -noise, *args), 1e-9, 1e-14)):
        return "the noise enters with the wrong sign: the gradient estimate is dJ(theta) + noise_sd * noise"
    if np.all(close(np.sqrt(np.maximum(ref, 0)) + 3, got, 1e-9)) or np.all(close(3 - np.sqrt(np.maximum(ref, 0)), got, 1e-9)):
        return "you returned the final theta; return the final loss J(theta) = (theta - 3)^2"
    i = first_mismatch(got, ref, RTOL, 1e-14)
    return (f"seed {i} (row {i} of noise): your final loss is {fmt(got[i])}, the reference is {fmt(ref[i])} "
            f"(noise_sd={fmt(args[0])}, theta0={fmt(args[1])}, {lrs.size} steps)")


def finals_table(schedules, noise, noise_sd, theta0) -> np.ndarray:
    """Reference final losses, shape ``(schedules, seeds)``, every schedule on the same noise
    (:func:`lrcourse.compare_schedules`: one vectorized run, the same numbers as one run per schedule)."""
    noise = np.asarray(noise, dtype=np.float64)
    named = {str(i): np.asarray(v, dtype=np.float64) for i, v in enumerate(schedules.values())}
    res = compare_schedules(exercise_quadratic(), named, noise.shape[1], noise.shape[0], noise=noise,
                            noise_sd=float(noise_sd), theta0=float(theta0), keep_theta=False)
    return np.array([res[k].loss[:, -1] for k in named])


def closest_index(finals) -> int:
    """Row of the lowest mean final loss (the schedule closest to the optimum on average)."""
    return int(np.argmin(np.mean(finals, axis=1)))


def consistent_index(finals) -> int:
    """Row that has the lowest final loss on every seed (column), or -1."""
    winners = np.argmin(finals, axis=0)
    return int(winners[0]) if np.all(winners == winners[0]) else -1


def _separated(values) -> bool:
    """The two smallest values differ by more than rounding could explain."""
    low = np.sort(np.asarray(values))[:2]
    return bool(low[1] - low[0] > 1e-9 * abs(low[1]))


def _experiment(rng, kind) -> dict:
    """A hidden experiment for the two questions: 3-5 schedules, 5-12 seeds, common noise. In a ``sweep``
    (some schedule should win every seed) the others start far away with rates too small to arrive."""
    S, R, T = int(rng.integers(3, 6)), int(rng.integers(5, 13)), int(rng.integers(30, 121))
    theta0 = float(rng.uniform(-3, 3))
    if kind == "sweep":
        theta0 = float(rng.uniform(-3, 1))
        lrs = [_random_schedule(rng, T)] + [np.full(T, float(rng.uniform(0.001, 0.004))) for _ in range(S - 1)]
        lrs = [lrs[i] for i in rng.permutation(S)]
    else:
        lrs = [_random_schedule(rng, T) for _ in range(S)]
    return {"schedules": {n: v.tolist() for n, v in zip(NAMES, lrs)},
            "noise": rng.standard_normal((R, T)).tolist(), "noise_sd": float(rng.uniform(0.05, 1.0)),
            "theta0": theta0}


def _shows(experiment, kind) -> bool:
    """Whether ``experiment`` is robust and shows what its ``kind`` is there to show."""
    finals = finals_table(experiment["schedules"], np.asarray(experiment["noise"]), experiment["noise_sd"],
                          experiment["theta0"])
    robust = _separated(finals.mean(axis=1)) and all(_separated(col) for col in finals.T)
    if not robust or kind == "any":
        return robust
    if kind == "sweep":
        return consistent_index(finals) >= 0
    best = closest_index(finals)
    wins = np.bincount(np.argmin(finals, axis=0), minlength=finals.shape[0])
    return (consistent_index(finals) == -1 and int(np.argmax(wins)) != best and np.max(wins) > wins[best]
            and int(np.argmin(np.median(finals, axis=1))) != best)


def _experiments(rng) -> list:
    out = []
    for kind in rng.permutation(["sweep", "split", "any"]):
        for _ in range(200):  # redraw until the experiment shows what it is there to show
            experiment = _experiment(rng, str(kind))
            if _shows(experiment, str(kind)):
                break
        out.append(experiment)
    return out


def _arrays(experiment):
    schedules = {k: np.asarray(v, dtype=np.float64) for k, v in experiment["schedules"].items()}
    return schedules, np.asarray(experiment["noise"], dtype=np.float64), experiment["noise_sd"], experiment["theta0"]


def _own_table(values, key, index, shape):
    """The student's own upstream results recorded under ``values[key][index]``, as an array of ``shape``
    (None when absent or malformed: then no error can be carried forward)."""
    try:
        found = values[key][index]
        table = np.asarray(found, dtype=np.float64).reshape(shape)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    return table if np.all(np.isfinite(table)) else None


def _draws_its_own(values, schedules: int) -> bool:
    """Whether the recorded all-zero-noise probe of ``compare`` shows a spread over seeds (see ``_quiet``)."""
    quiet = _own_table(values, "quiet", 0, (schedules, 2))
    return quiet is not None and bool(np.any(quiet[:, 1] > 1e-6 * np.abs(quiet[:, 0])))


class ScheduleComparison(Assignment):
    name = "schedule_comparison"
    title = "How the schedule changes the final loss of noisy SGD"
    parts = (
        Part("run_sgd", 3, "final loss per seed of SGD driven by the given noise", "run_sgd"),
        Part("compare", 3, "mean and spread of the final loss per schedule, same noise for every schedule", "compare"),
        Part("closest", 2, "the schedule whose mean final loss is lowest", "closest_schedule"),
        Part("consistent", 2, "the schedule with the lowest final loss on every seed, or None", "consistent_winner"),
    )
    upstream = {"compare": "run_sgd", "closest": "run_sgd", "consistent": "run_sgd"}
    forbidden = {"*": ('simulate_sgd', 'compare_schedules', 'SGDResult')}
    plot = Plot("compare", "schedule", "final loss (mean ± std over seeds)",
                "Final loss after 150 noisy SGD steps, 10 seeds (same noise for all)", kind="bar", logy=True)

    # --- inputs --------------------------------------------------------------------------------------

    def make_inputs(self, part: str, seed: int) -> dict:
        """Hidden inputs from ``seed``: seeds, steps, noise draws, noise level, start and schedules."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part in ("closest", "consistent"):
            return {"experiments": _experiments(rng)}
        R, T = int(rng.integers(4, 13)), int(rng.integers(30, 160))
        common = {"noise": rng.standard_normal((R, T)).tolist(), "noise_sd": float(rng.uniform(0.05, 1.0)),
                  "theta0": float(rng.uniform(-3, 3))}
        if part == "run_sgd":
            return {"lrs": _random_schedule(rng, T).tolist(), **common}
        names = list(NAMES[: int(rng.integers(3, 6))])
        schedules = {n: _random_schedule(rng, T).tolist() for n in names}
        schedules[names[0] + "_again"] = list(schedules[names[0]])  # identical twin: must give identical results
        common["noise"] = rng.standard_normal((len(schedules) + int(rng.integers(1, 8)), T)).tolist()  # seeds > schedules
        return {"schedules": schedules, **common}

    def visible_inputs(self, part: str) -> dict:
        """The notebook's experiment: 150 steps, 10 seeds, noise_sd = 0.3, theta0 = 0 (and, for the two
        questions, the constant rate against one decaying schedule as a second experiment)."""
        part = self.part(part).name
        common = {"noise": lecture_noise().tolist(), "noise_sd": 0.3, "theta0": 0.0}
        six = {k: v.tolist() for k, v in lecture_schedules().items()}
        if part == "run_sgd":
            return {"lrs": six["cosine"], **common}
        if part == "compare":
            return {"schedules": six, **common}
        rival = "cosine" if part == "closest" else "step"
        pair = {"constant": six["constant"], rival: six[rival]}
        return {"experiments": [{"schedules": six, **common}, {"schedules": pair, **common}]}

    # --- the student's answers -----------------------------------------------------------------------

    def _own_finals(self, run_sgd, schedules, noise, noise_sd, theta0):
        """The student's own ``run_sgd`` on every schedule, flattened (None if it fails or is missing)."""
        if run_sgd is None:
            return None
        try:
            return [x for lrs in schedules.values() for x in
                    to_floats(run_sgd(lrs.copy(), noise.copy(), noise_sd, theta0), "run_sgd", size=noise.shape[0])]
        except Exception:  # noqa: BLE001 - its own part reports what is wrong with run_sgd
            return None

    def _own_means(self, compare, schedules, noise, noise_sd, theta0):
        """The means of the student's own ``compare`` (None if it fails or is missing)."""
        if compare is None:
            return None
        try:
            out = compare(dict(schedules), noise.copy(), noise_sd, theta0)
            return [to_floats(out[k], "compare", size=2)[0] for k in schedules]
        except Exception:  # noqa: BLE001 - its own part reports what is wrong with compare
            return None

    def _quiet(self, compare, schedules, noise, noise_sd, theta0):
        """``compare``'s (mean, std) pairs on an all-zero noise array: every seed then ends at the same point,
        so each std is zero unless compare draws noise of its own (None if the probe fails)."""
        try:
            out = compare(dict(schedules), np.zeros_like(noise), noise_sd, theta0)
            return [x for k in schedules for x in to_floats(out[k], "compare", size=2)]
        except Exception:  # noqa: BLE001 - the probe is only a diagnosis
            return None

    def _name(self, out, names, part):
        if out is None and part == "consistent":
            return -1.0
        if isinstance(out, str) and out in names:
            return float(names.index(out))
        allowed = ", ".join(map(repr, names)) + (" or None" if part == "consistent" else "")
        raise SubmissionError(f"{self.part(part).target} must return the name of a schedule ({allowed}), "
                              f"got {out!r}")

    def evaluate(self, part: str, target_obj, inputs: dict) -> dict:
        """Call the student's function; results as plain floats, with the student's own upstream results."""
        part = self.part(part).name
        target_obj = self.callable_target(part, target_obj)
        run_sgd = self.upstream_target(part, target_obj)
        if part in ("closest", "consistent"):
            compare = self.upstream_target(part, target_obj, of="compare") if part == "closest" else None
            values = {"answer": [], "own_final": [], "own_mean": []}
            for experiment in inputs["experiments"]:
                schedules, noise, sd, theta0 = _arrays(experiment)
                out = target_obj(dict(schedules), noise.copy(), sd, theta0)
                values["answer"].append(self._name(out, list(schedules), part))
                values["own_final"].append(self._own_finals(run_sgd, schedules, noise, sd, theta0))
                values["own_mean"].append(self._own_means(compare, schedules, noise, sd, theta0))
            return values
        noise = np.asarray(inputs["noise"], dtype=np.float64)
        if part == "run_sgd":
            out = target_obj(np.asarray(inputs["lrs"], dtype=np.float64), noise.copy(), inputs["noise_sd"],
                             inputs["theta0"])
            return {"final": to_floats(out, "run_sgd(lrs, noise, noise_sd, theta0)", size=noise.shape[0])}
        schedules = {k: np.asarray(v, dtype=np.float64) for k, v in inputs["schedules"].items()}
        out = target_obj(dict(schedules), noise.copy(), inputs["noise_sd"], inputs["theta0"])
        if not isinstance(out, Mapping):
            raise SubmissionError(f"compare must return a dict {{name: (mean, std)}}, got {type(out).__name__}")
        missing = [k for k in schedules if k not in out]
        if missing:
            raise SubmissionError(f"compare's result has no entry for schedule(s) {', '.join(map(repr, missing))}")
        pairs = [to_floats(out[k], f"compare(...)[{k!r}]", size=2) for k in schedules]
        return {"mean": [m for m, _ in pairs], "std": [s for _, s in pairs],
                "own_final": [self._own_finals(run_sgd, schedules, noise, inputs["noise_sd"], inputs["theta0"])],
                "quiet": [self._quiet(target_obj, schedules, noise, inputs["noise_sd"], inputs["theta0"])]}

    def reference(self, part: str, inputs: dict) -> dict:
        """Reference results from :func:`lrcourse.simulate_sgd` (explicit noise, common to all schedules)."""
        part = getattr(part, "name", part)
        if part in ("closest", "consistent"):
            pick = closest_index if part == "closest" else consistent_index
            return {"answer": [float(pick(finals_table(*_arrays(e)))) for e in inputs["experiments"]]}
        if part == "run_sgd":
            return {"final": _final_losses(inputs["lrs"], inputs["noise"], inputs["noise_sd"], inputs["theta0"]).tolist()}
        finals = finals_table(inputs["schedules"], np.asarray(inputs["noise"]), inputs["noise_sd"], inputs["theta0"])
        return {"mean": finals.mean(axis=1).tolist(), "std": finals.std(axis=1).tolist(),
                "std1": finals.std(axis=1, ddof=1).tolist()}

    def plot_values(self, target_obj) -> dict:
        """Mean ± std per schedule, the student's against the reference, in the notebook's experiment."""
        inputs = self.visible_inputs("compare")
        ref = self.reference("compare", inputs)
        mine = self.evaluate("compare", target_obj, inputs) if target_obj is not None else {"mean": None, "std": None}
        return {"x": list(inputs["schedules"]), "reference": ref["mean"], "reference_err": ref["std"],
                "student": mine["mean"], "student_err": mine["std"]}

    # --- scoring -------------------------------------------------------------------------------------

    def score(self, part: str, inputs: dict, values: dict):
        """Compare with the reference (or with the student's own upstream results); the hint names what is wrong."""
        p = self.part(part)
        ref = self.reference(p.name, inputs)
        keys = [k for k in ref if k != "std1"]
        got = {}
        for k in keys:
            got[k], failed = self.recorded(p, values, k, len(ref[k]))
            if failed:
                return failed
        if p.name == "run_sgd":
            return result(p, _hint_run(inputs, got["final"], np.asarray(ref["final"])))
        if p.name == "compare":
            return self._score_compare(p, inputs, values, got, ref)
        return self._score_question(p, inputs, values, got["answer"], np.asarray(ref["answer"]))

    def _stats_agree(self, got, finals) -> bool:
        """``got`` (mean, std) are the statistics of ``finals`` (std with ddof 0 or 1)."""
        return self.agrees(got["mean"], finals.mean(axis=1)) and self.agrees_with_any(
            got["std"], (finals.std(axis=1), finals.std(axis=1, ddof=1)))

    def _score_compare(self, p, inputs, values, got, ref):
        names = list(inputs["schedules"])
        noise = np.asarray(inputs["noise"])
        finals = finals_table(inputs["schedules"], noise, inputs["noise_sd"], inputs["theta0"])
        if self._stats_agree(got, finals):
            return self.result(p, "")
        own = _own_table(values, "own_final", 0, finals.shape)
        if own is not None and not self.agrees(own, finals) and self._stats_agree(got, own):
            return self.carried_forward(p, "compare is right on your run_sgd's final losses; the error is in run_sgd "
                                           "and is graded there")
        basis = finals if own is None else own
        S = len(names)
        mean_ok = close(got["mean"], ref["mean"], RTOL, 1e-14)
        twins = [(a, b) for a in range(S) for b in range(a + 1, S)
                 if inputs["schedules"][names[a]] == inputs["schedules"][names[b]]]
        checks = [
            (lambda: self.agrees(got["mean"], basis.mean(axis=0)[:S]),
             "you averaged over the wrong axis: your means are the averages over schedules of single seeds. Keep "
             "one row of final losses per schedule and average each row over the seeds"),
            (any(not (close(got["mean"][a], got["mean"][b], 1e-12) and close(got["std"][a], got["std"][b], 1e-12))
                 for a, b in twins),
             lambda: (f"schedules {names[twins[0][0]]!r} and {names[twins[0][1]]!r} are identical but your results "
                      f"differ: every schedule must be run on the same noise array (common random numbers)")),
            (lambda: _draws_its_own(values, S),
             "given an all-zero noise array, your compare still reports a spread over the seeds, so it draws new "
             "noise for each schedule (or run) instead of running every schedule on the same noise array it was "
             "given"),
            (mean_ok[0] and not np.all(mean_ok),
             lambda: (f"your first schedule matches but {names[int(np.flatnonzero(~mean_ok)[0])]!r} does not: are "
                      f"you drawing new noise for each schedule? Pass the same `noise` to every run")),
            (own is not None and self.agrees(own, finals),
             "your run_sgd is right, but compare's numbers are not the mean and std of run_sgd's final losses: "
             "compare must call run_sgd(lrs, noise, noise_sd, theta0) for every schedule (does it run an update "
             "of its own?)"),
            (not np.any(mean_ok),
             f"no schedule's mean matches (e.g. {names[0]!r}: yours {fmt(got['mean'][0])}, reference "
             f"{fmt(ref['mean'][0])}): is compare drawing new noise for each schedule instead of passing the "
             f"given `noise` to run_sgd?"),
        ]
        std_ok = close(got["std"], ref["std"], RTOL, 1e-14) | close(got["std"], ref["std1"], RTOL, 1e-14)
        wrong = np.flatnonzero(~(mean_ok & std_ok))
        i = int(wrong[0]) if wrong.size else 0
        checks.append((mean_ok[i], f"the mean for {names[i]!r} is right but the std is {fmt(got['std'][i])}, reference "
                                   f"{fmt(ref['std'][i])} (np.std of the final losses over seeds)"))
        checks.append((True, f"mean final loss for {names[i]!r}: yours {fmt(got['mean'][i])}, the reference "
                             f"{fmt(ref['mean'][i])}"))
        return self.first_hint(p, checks)

    def _score_question(self, p, inputs, values, got, ref):
        experiments = inputs["experiments"]
        tables = [finals_table(*_arrays(e)) for e in experiments]
        if np.array_equal(got, ref):
            return self.result(p, "")
        pick = closest_index if p.name == "closest" else consistent_index
        own = [_own_table(values, "own_final", i, t.shape) for i, t in enumerate(tables)]
        own_means = [_own_table(values, "own_mean", i, (t.shape[0],)) for i, t in enumerate(tables)]
        from_finals = [pick(o) if o is not None else r for o, r in zip(own, ref)]
        from_means = [int(np.argmin(m)) if m is not None else r for m, r in zip(own_means, ref)]
        for source, derived in (("run_sgd", from_finals), ("compare", from_means)):
            if np.array_equal(got, derived):
                return self.carried_forward(p, f"this answer is right for the results of your own {source}, whose "
                                               f"error is graded in its own part", source)
        basis = [o if o is not None else t for o, t in zip(own, tables)]
        names = [list(e["schedules"]) for e in experiments]
        i = int(np.flatnonzero(got != ref)[0])
        return self.first_hint(p, self._question_hints(p.name, basis, names, got, i))

    def _question_hints(self, part, basis, names, got, i) -> list:
        def answers(rule):
            return lambda: np.array_equal(got, [rule(f) for f in basis])

        def most_wins(f):
            return int(np.argmax(np.bincount(np.argmin(f, axis=0), minlength=f.shape[0])))

        def lowest_median(f):
            return int(np.argmin(np.median(f, axis=1)))

        finals, labels = basis[i], names[i]
        winners = ", ".join(labels[w] for w in np.argmin(finals, axis=0))
        mine = "None" if got[i] < 0 else repr(labels[int(got[i])])
        if part == "closest":
            best = closest_index(finals)
            return [
                (answers(lambda f: int(np.argmax(f.mean(axis=1)))), "you picked the highest mean final loss; the "
                                                                    "closest schedule has the lowest"),
                (answers(most_wins), lambda: "you picked the schedule that wins the most seeds" + (
                    " (here also the one with the lowest median)" if answers(lowest_median)() else "")
                 + "; 'closest on average' is the lowest mean final loss over the seeds"),
                (answers(lowest_median), "you picked the lowest median; the question asks for the lowest mean"),
                (answers(lambda f: int(np.argmin(f.std(axis=1)))), "you picked the smallest spread (std); the "
                                                                   "question asks for the lowest mean"),
                (answers(lambda f: int(np.argmin(f[:, 0]))), "you looked at the first seed only; average every "
                                                             "schedule's final loss over all seeds"),
                (True, f"in experiment {i + 1} the lowest mean final loss is {labels[best]!r} "
                       f"({fmt(finals[best].mean())}); yours is {mine}"),
            ]
        best = consistent_index(finals)
        return [
            (answers(closest_index), "you returned the schedule with the lowest mean; a consistent winner must have "
                                     f"the lowest final loss on every seed (experiment {i + 1}: {winners})"),
            (answers(most_wins), "you returned the schedule that wins the most seeds; it must win every seed, "
                                 f"otherwise return None (experiment {i + 1}: {winners})"),
            (best >= 0, f"in experiment {i + 1} {labels[max(best, 0)]!r} ends lowest on every seed, so it is the "
                        f"consistent winner; yours is {mine}"),
            (True, f"in experiment {i + 1} no schedule wins every seed (winners per seed: {winners}): return None; "
                   f"yours is {mine}"),
        ]


ASSIGNMENT = ScheduleComparison()

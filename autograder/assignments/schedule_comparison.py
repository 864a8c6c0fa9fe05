r"""Assignment ``schedule_comparison``: noisy SGD on :math:`J(\theta) = (\theta - 3)^2` under several schedules.

The noise is passed in, so every answer is checked exactly:

.. math::

    \theta_{k+1} = \theta_k - \eta_k\bigl(J'(\theta_k) + \sigma\,\xi_{s,k}\bigr), \qquad k = 0, \dots, T-1,

with ``xi = noise`` of shape ``(seeds, T)``, ``sigma = noise_sd`` and ``T = len(lrs)``; the result is
:math:`J(\theta_T)` per seed (reference :func:`lrcourse.simulate_sgd` with explicit ``noise``).

- ``run_sgd(lrs, noise, noise_sd, theta0)`` -> final losses, one per seed;
- ``compare(schedules, noise, noise_sd, theta0)`` -> ``{name: (mean, std)}`` of the final loss, every
  schedule driven by the *same* noise (common random numbers); ``std`` over seeds (``ddof`` 0 or 1);
- ``answer``: the letter of the multiple-choice conclusion.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lrcourse.dynamics.problems import exercise_quadratic
from lrcourse.dynamics.simulate import simulate_sgd

from ..assignment import Assignment, Plot
from ..parts import Part, SubmissionError, close, first_mismatch, fmt, result, to_floats

CHOICES = "ABCD"
ANSWER = "B"
RTOL = 1e-9

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


def _hint_compare(inputs, got, ref) -> str:
    names = list(inputs["schedules"])
    mean_ok = close(got["mean"], ref["mean"], RTOL, 1e-14)
    std_ok = close(got["std"], ref["std"], RTOL, 1e-14) | close(got["std"], ref["std1"], RTOL, 1e-14)
    if np.all(mean_ok & std_ok):
        return ""
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            same = inputs["schedules"][names[a]] == inputs["schedules"][names[b]]
            if same and not (close(got["mean"][a], got["mean"][b], 1e-12) and close(got["std"][a], got["std"][b], 1e-12)):
                return (f"schedules {names[a]!r} and {names[b]!r} are identical but your results differ: every "
                        f"schedule must be run on the same noise array (common random numbers)")
    if mean_ok[0] and not np.all(mean_ok):
        bad = names[int(np.flatnonzero(~mean_ok)[0])]
        return (f"your first schedule matches but {bad!r} does not: are you drawing new noise for each "
                f"schedule? Pass the same `noise` to every run")
    if not np.any(mean_ok):
        return (f"no schedule's mean matches (e.g. {names[0]!r}: yours {fmt(got['mean'][0])}, reference "
                f"{fmt(ref['mean'][0])}): if run_sgd is right, compare is not passing the given `noise` to "
                f"every schedule (are you drawing new noise for each schedule?)")
    i = int(np.flatnonzero(~(mean_ok & std_ok))[0])
    if mean_ok[i]:
        return (f"the mean for {names[i]!r} is right but the std is {fmt(got['std'][i])}, reference "
                f"{fmt(ref['std'][i])} (np.std of the final losses over seeds)")
    return f"mean final loss for {names[i]!r}: yours {fmt(got['mean'][i])}, the reference {fmt(ref['mean'][i])}"


class ScheduleComparison(Assignment):
    name = "schedule_comparison"
    title = "How the schedule changes the final loss of noisy SGD"
    parts = (
        Part("run_sgd", 4, "final loss per seed of SGD driven by the given noise", "run_sgd"),
        Part("compare", 4, "mean and spread of the final loss per schedule, same noise for every schedule", "compare"),
        Part("conclusion", 2, "the multiple-choice conclusion", "answer"),
    )
    forbidden = {"*": ('simulate_sgd', 'compare_schedules', 'SGDResult')}
    not_checked = ("conclusion",)  # check() only verifies the answer's form, never reveals whether it is right
    plot = Plot("compare", "schedule", "final loss (mean ± std over seeds)",
                "Final loss after 150 noisy SGD steps, 10 seeds (same noise for all)", kind="bar", logy=True)

    def make_inputs(self, part: str, seed: int) -> dict:
        """Hidden inputs from ``seed``: number of seeds and steps, noise draws, noise level, start, schedules."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part == "conclusion":
            return {}
        R, T = int(rng.integers(4, 13)), int(rng.integers(30, 160))
        common = {"noise": rng.standard_normal((R, T)).tolist(), "noise_sd": float(rng.uniform(0.05, 1.0)),
                  "theta0": float(rng.uniform(-3, 3))}
        if part == "run_sgd":
            return {"lrs": _random_schedule(rng, T).tolist(), **common}
        names = ["alpha", "bravo", "charlie", "delta", "echo"][: int(rng.integers(3, 6))]
        schedules = {n: _random_schedule(rng, T).tolist() for n in names}
        schedules[names[0] + "_again"] = list(schedules[names[0]])  # identical twin: must give identical results
        return {"schedules": schedules, **common}

    def visible_inputs(self, part: str) -> dict:
        """The notebook's experiment: 150 steps, 10 seeds, noise_sd = 0.3, theta0 = 0."""
        p = self.part(part)
        part = p.name
        if part == "conclusion":
            return {}
        common = {"noise": lecture_noise().tolist(), "noise_sd": 0.3, "theta0": 0.0}
        if part == "run_sgd":
            return {"lrs": lecture_schedules()["cosine"].tolist(), **common}
        return {"schedules": {k: v.tolist() for k, v in lecture_schedules().items()}, **common}

    def evaluate(self, part: str, target_obj, inputs: dict) -> dict:
        """Call the student's function (or read ``answer``); results as plain floats."""
        p = self.part(part)
        part = p.name
        if part == "conclusion":
            if not isinstance(target_obj, str) or target_obj.strip().upper() not in tuple(CHOICES):
                raise SubmissionError(f"answer must be one of the letters {', '.join(CHOICES)} as a string, "
                                      f"e.g. answer = \"A\"; got {target_obj!r}")
            return {"choice": [float(CHOICES.index(target_obj.strip().upper()))]}
        if not callable(target_obj):
            raise TypeError(f"{part} must be a function, got {type(target_obj).__name__}")
        noise = np.asarray(inputs["noise"], dtype=np.float64)
        if part == "run_sgd":
            out = target_obj(np.asarray(inputs["lrs"], dtype=np.float64), noise.copy(), inputs["noise_sd"],
                             inputs["theta0"])
            return {"final": to_floats(out, "run_sgd(lrs, noise, noise_sd, theta0)", size=noise.shape[0])}
        schedules = {k: np.asarray(v, dtype=np.float64) for k, v in inputs["schedules"].items()}
        out = target_obj(schedules, noise.copy(), inputs["noise_sd"], inputs["theta0"])
        if not isinstance(out, Mapping):
            raise SubmissionError(f"compare must return a dict {{name: (mean, std)}}, got {type(out).__name__}")
        missing = [k for k in schedules if k not in out]
        if missing:
            raise SubmissionError(f"compare's result has no entry for schedule(s) {', '.join(map(repr, missing))}")
        pairs = [to_floats(out[k], f"compare(...)[{k!r}]", size=2) for k in schedules]
        return {"mean": [m for m, _ in pairs], "std": [s for _, s in pairs]}

    def reference(self, part: str, inputs: dict) -> dict:
        """Reference results from :func:`lrcourse.simulate_sgd` (explicit noise, common to all schedules)."""
        part = getattr(part, "name", part)
        if part == "conclusion":
            return {"choice": [float(CHOICES.index(ANSWER))]}
        if part == "run_sgd":
            return {"final": _final_losses(inputs["lrs"], inputs["noise"], inputs["noise_sd"], inputs["theta0"]).tolist()}
        finals = [_final_losses(v, inputs["noise"], inputs["noise_sd"], inputs["theta0"])
                  for v in inputs["schedules"].values()]
        return {"mean": [float(np.mean(f)) for f in finals], "std": [float(np.std(f)) for f in finals],
                "std1": [float(np.std(f, ddof=1)) for f in finals]}

    def plot_values(self, target_obj) -> dict:
        """Mean ± std per schedule, the student's against the reference, in the notebook's experiment."""
        inputs = self.visible_inputs("compare")
        ref = self.reference("compare", inputs)
        mine = self.evaluate("compare", target_obj, inputs) if target_obj is not None else {"mean": None, "std": None}
        return {"x": list(inputs["schedules"]), "reference": ref["mean"], "reference_err": ref["std"],
                "student": mine["mean"], "student_err": mine["std"]}

    def score(self, part: str, inputs: dict, values: dict):
        """Compare with the reference; the hint names what is wrong."""
        p = self.part(part)
        part = p.name
        ref = self.reference(part, inputs)
        try:
            got = {k: np.asarray(values[k], dtype=np.float64).reshape(-1) for k in ref if k != "std1"}
        except (KeyError, TypeError, ValueError):
            return result(p, "no numeric result was recorded for this part")
        for k, v in got.items():
            if v.shape != (len(ref[k]),):
                return result(p, f"expected {len(ref[k])} value(s) for {k}, got {v.size}")
        if part == "conclusion":
            mine = CHOICES[int(got["choice"][0])] if 0 <= got["choice"][0] < len(CHOICES) else "?"
            return result(p, "" if mine == ANSWER else f"answer {mine} is not the best explanation; look again at "
                                                        f"where each schedule's learning rate ends")
        if part == "run_sgd":
            return result(p, _hint_run(inputs, got["final"], np.asarray(ref["final"])))
        return result(p, _hint_compare(inputs, got, ref))


ASSIGNMENT = ScheduleComparison()

r"""Assignment ``range_test``: the learning-rate range test on :math:`J(\theta) = (\theta - 3)^2`.

Three student functions, one part each:

- ``one_step_losses(lrs, theta0)``: the loss after one gradient step with every rate,
  :math:`L(\eta) = J(\theta_0 - \eta J'(\theta_0))` (reference :func:`lrcourse.stepsize.range_test.one_step_range_test`);
- ``useful_range(lrs, losses)``: ``(low, high)``, the first unbroken run of rates at which the loss is
  still falling as the rate grows, ``losses[i + 1] < losses[i]`` (the source exercise's definition;
  reference :func:`lrcourse.useful_range` with ``criterion="falling"``). The other reading, "loss below
  the start" (``criterion="below_start"``), is taught beside it and diagnosed as a mistake;
- ``suggest_lr(lrs, losses)``: the rate where the loss falls fastest against :math:`\log\eta`, the
  argmin of ``np.gradient(losses, np.log(lrs))`` (reference :func:`lrcourse.stepsize.range_test.suggest_steepest`).
"""

from __future__ import annotations

import numpy as np

from lrcourse import one_step_range_test, suggest_steepest
from lrcourse import useful_range as _ref_useful_range

from ..assignment import Assignment, Plot
from ..parts import Part, SubmissionError, call_vectorized, close, first_mismatch, fmt, result, to_floats

RTOL = 1e-9

def J(theta):
    """The exercise's loss :math:`(\\theta - 3)^2`."""
    return (np.asarray(theta, dtype=np.float64) - 3.0) ** 2


def _lecture_sweep():
    return np.logspace(-4, np.log10(2.0), 50)


def _curve(rng, flat_start=False):
    """A smooth, random range-test curve: ``(lrs, losses, start_loss)``; ``flat_start`` sometimes makes the
    first few losses equal to the start (a plateau before the curve begins to fall)."""
    lrs = np.logspace(rng.uniform(-5, -3), rng.uniform(-0.5, 0.7), int(rng.integers(25, 90)))
    start = float(rng.uniform(0.5, 50))
    if rng.random() < 0.5:  # one step on a quadratic of random curvature c: start * (1 - c lr)^2
        c = float(10 ** rng.uniform(-0.3, 1.0))
        losses = start * (1 - c * lrs) ** 2
    else:  # a training-like curve: a sigmoid drop in log(lr), then a blow-up
        x = np.log10(lrs)
        mid = float(rng.uniform(x[len(x) // 4], x[len(x) // 2]))
        width = float(rng.uniform(0.15, 0.5))
        depth = float(rng.uniform(0.4, 0.95))
        boom = float(rng.uniform(x[-len(x) // 5], x[-1] + 0.3))
        losses = start * (1 - depth / (1 + np.exp(-(x - mid) / width))) + start * 10 ** (3 * (x - boom))
    if flat_start and rng.random() < 0.3:  # a flat start (no change at the smallest rates): the range begins later
        losses[: int(rng.integers(2, len(lrs) // 4))] = start
    return lrs, losses, start


def _hint_one_step(inputs, got, ref) -> str:
    lrs = np.asarray(inputs["lrs"])
    theta0 = inputs["theta0"]
    g = 2.0 * (theta0 - 3.0)
    where = f"(theta0={fmt(theta0)})"
    if np.all(close(got, J(theta0), 1e-9)):
        return (f"every loss equals J(theta0) = {fmt(J(theta0))}: you evaluated the loss before taking the "
                f"step; evaluate J at theta0 - lr * dJ(theta0) {where}")
    if np.all(close(got, J(theta0 + lrs * g), 1e-9)):
        return f"your losses are J(theta0 + lr * dJ(theta0)): the step goes uphill; subtract the gradient {where}"
    if np.all(close(got, theta0 - lrs * g, 1e-9)):
        return f"you returned the new theta, not the loss J(theta) after the step {where}"
    i = first_mismatch(got, ref, RTOL)
    return f"first difference at lr={fmt(lrs[i])} {where}: your loss is {fmt(got[i])}, the reference is {fmt(ref[i])}"


def _hint_range(inputs, got, ref) -> str:
    lrs = np.asarray(inputs["lrs"])
    losses = np.asarray(inputs["losses"])
    n = len(lrs)
    low, high = got
    if all(float(v).is_integer() and 0 <= v < n for v in got) and not np.all(close(got, ref)):
        if np.all(close(lrs[got.astype(int)], ref)):
            return f"you returned indices ({fmt(low)}, {fmt(high)}), not learning rates; use lrs[index]"
    if np.all(close(got[::-1], ref)):
        return "you returned (high, low); return the smaller rate first"
    below = np.flatnonzero(losses < losses[0])
    if below.size and close(high, lrs[below[-1]]) and not close(high, ref[1]):
        return (f"your high end {fmt(high)} is the last rate whose loss is still below its starting level: that is the "
                f"'below the start' reading; the graded range ends where the loss stops falling, at {fmt(ref[1])}")
    i_ref = int(np.flatnonzero(close(lrs, ref[1]))[0])
    if not close(high, ref[1]) and i_ref + 1 < n and close(high, lrs[i_ref + 1]):
        return (f"your high end {fmt(high)} is the bottom of the curve; the range ends one rate earlier, at "
                f"{fmt(ref[1])}: a rate counts only when the next, larger rate still lowers the loss")
    j_ref = int(np.flatnonzero(close(lrs, ref[0]))[0])
    if not close(low, ref[0]) and j_ref + 1 < n and close(low, lrs[j_ref + 1]):
        return (f"your low end {fmt(low)} is one rate too late; the reference starts at {fmt(ref[0])}, the first "
                f"rate whose next, larger rate gives a lower loss")
    if not close(low, ref[0]):
        return (f"your low end is {fmt(low)}, the reference's is {fmt(ref[0])}: the first rate at which the loss "
                f"still falls as the rate grows (losses[i + 1] < losses[i])")
    return (f"your high end is {fmt(high)}, the reference's is {fmt(ref[1])}: the last rate of the first "
            f"unbroken run where the loss still falls as the rate grows")


def _hint_suggest(inputs, got, ref) -> str:
    lrs = np.asarray(inputs["lrs"])
    losses = np.asarray(inputs["losses"])
    mine = float(got[0])
    if close(mine, lrs[np.argmin(losses)]):
        return (f"{fmt(mine)} is the rate with the lowest loss; the suggestion is where the loss falls fastest "
                f"(most negative slope against log(lr)): {fmt(ref[0])}")
    if close(mine, lrs[np.argmin(np.gradient(losses, lrs))]):
        return (f"{fmt(mine)} is where the loss falls fastest per unit of lr; measure the slope against log(lr) "
                f"instead (reference {fmt(ref[0])})")
    forward = np.diff(losses) / np.diff(np.log(lrs))
    k = int(np.argmin(forward))
    if close(mine, lrs[k]) or close(mine, lrs[k + 1]):
        return (f"{fmt(mine)} comes from one-sided differences; use central differences, "
                f"np.gradient(losses, np.log(lrs)) (reference {fmt(ref[0])})")
    if np.isin(mine, lrs).any() or np.any(close(mine, lrs)):
        return f"your suggestion is {fmt(mine)}, the reference is {fmt(ref[0])}"
    return f"your suggestion {fmt(mine)} is not one of the swept rates; return lrs[i] (reference {fmt(ref[0])})"


class RangeTest(Assignment):
    name = "range_test"
    title = "The learning-rate range test"
    parts = (
        Part("one_step", 4, "loss after one gradient step from theta0 for every trial rate", "one_step_losses"),
        Part("useful_range", 3, "the first and last rate of the run where the loss is still falling", "useful_range"),
        Part("suggest", 3, "the rate where the loss falls fastest against log(lr)", "suggest_lr"),
    )
    forbidden = {"*": ('one_step_range_test', 'suggest_steepest', 'suggest_valley', 'suggest_min_over_10', 'lr_range_test')}
    plot = Plot("one_step_losses", "learning rate (log scale)", "loss after one step",
                "One-step range test from theta0 = 0 (50 rates from 1e-4 to 2)", logx=True)

    def make_inputs(self, part: str, seed: int) -> dict:
        """Hidden inputs from ``seed``: random starting points, sweeps and loss curves."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part == "one_step":
            lrs = np.logspace(rng.uniform(-5, -2), rng.uniform(0, 0.4), int(rng.integers(20, 81)))
            theta0 = float(rng.choice([-1, 1]) * rng.uniform(0.5, 8) + 3)
            return {"lrs": lrs.tolist(), "theta0": theta0}
        lrs, losses, start = _curve(rng, flat_start=part == "useful_range")
        return {"lrs": lrs.tolist(), "losses": losses.tolist()}

    def visible_inputs(self, part: str) -> dict:
        """The lecture's sweep: 50 rates from 1e-4 to 2, one step from theta0 = 0."""
        p = self.part(part)
        part = p.name
        lrs = _lecture_sweep()
        if part == "one_step":
            return {"lrs": lrs.tolist(), "theta0": 0.0}
        return {"lrs": lrs.tolist(), "losses": one_step_range_test(lrs, 0.0).tolist()}

    def evaluate(self, part: str, target_obj, inputs: dict) -> dict:
        """Call the student's function for ``part``; results as plain floats."""
        p = self.part(part)
        part = p.name
        if not callable(target_obj):
            raise TypeError(f"{p.target} must be a function, got {type(target_obj).__name__}")
        lrs = np.asarray(inputs["lrs"], dtype=np.float64)
        if part == "one_step":
            return {"losses": call_vectorized(target_obj, lrs, inputs["theta0"],
                                              what="one_step_losses(lrs, theta0)")}
        losses = np.asarray(inputs["losses"], dtype=np.float64)
        if part == "useful_range":
            out = target_obj(lrs.copy(), losses.copy())
            return {"range": to_floats(out, "useful_range(lrs, losses)", size=2)}
        out = target_obj(lrs.copy(), losses.copy())
        return {"lr": to_floats(out, "suggest_lr(lrs, losses)", size=1)}

    def reference(self, part: str, inputs: dict) -> dict:
        """Reference values from :mod:`lrcourse.stepsize.range_test`."""
        part = getattr(part, "name", part)
        lrs = np.asarray(inputs["lrs"], dtype=np.float64)
        if part in ("one_step", "plot"):
            return {"losses": one_step_range_test(lrs, inputs["theta0"]).tolist()}
        losses = np.asarray(inputs["losses"], dtype=np.float64)
        if part == "useful_range":
            return {"range": list(_ref_useful_range(lrs, losses, criterion="falling"))}
        return {"lr": [suggest_steepest(lrs, losses)]}

    def plot_values(self, target_obj) -> dict:
        """The student's one-step curve and the reference on the lecture's sweep."""
        inputs = self.visible_inputs("one_step")
        return {"x": inputs["lrs"], "reference": self.reference("plot", inputs)["losses"],
                "student": self.evaluate("one_step", target_obj, inputs)["losses"] if target_obj is not None else None}

    def score(self, part: str, inputs: dict, values: dict):
        """Compare with the reference; the hint names what is wrong."""
        p = self.part(part)
        part = p.name
        key = {"one_step": "losses", "useful_range": "range", "suggest": "lr"}[part]
        ref = np.asarray(self.reference(part, inputs)[key], dtype=np.float64)
        try:
            got = np.asarray(values[key], dtype=np.float64).reshape(-1)
        except (KeyError, TypeError, ValueError):
            return result(p, "no numeric result was recorded for this part")
        if got.shape != ref.shape:
            return result(p, f"expected {ref.size} number(s), got {got.size}")
        if np.all(close(got, ref, RTOL, 1e-12 * np.max(np.abs(ref)))):
            return result(p, "")
        return result(p, {"one_step": _hint_one_step, "useful_range": _hint_range, "suggest": _hint_suggest}[part](
            inputs, got, ref))


ASSIGNMENT = RangeTest()

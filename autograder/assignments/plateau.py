r"""Assignment ``plateau``: ReduceLROnPlateau's bookkeeping written as a plain function.

The student writes ``plateau_lrs(metrics, lr, factor, patience, threshold, threshold_mode, cooldown,
min_lr)`` returning the learning rate in force after each epoch's metric (mode ``"min"``), equal to
``lrcourse.ReduceLROnPlateau(lr, factor=..., ...).trace(metrics)`` (which is PyTorch's scheduler).
Epoch :math:`k` is better than the best so far :math:`b` when

.. math::

    m_k < b\,(1 - \tau) \quad (\texttt{"rel"}), \qquad m_k < b - \tau \quad (\texttt{"abs"});

after more than ``patience`` bad epochs in a row the rate becomes :math:`\max(\eta f, \eta_{\min})`,
and the next ``cooldown`` epochs are not counted.

Each part isolates one feature, so that a typical mistake costs exactly its part:

- ``patience``: threshold 0, no cooldown, no floor. Only this part pins down the ``>`` in
  "more than patience"; the other parts also accept the off-by-one convention (``>=``, which is the
  reference with ``patience - 1``), so one slip is not charged four times.
- ``threshold``: relative and absolute thresholds (no cooldown, no floor).
- ``cooldown``: threshold 0, no floor.
- ``min_lr``: threshold 0, no cooldown, enough cuts to reach the floor.

Inputs are several runs (``{"runs": [...]}``); ``evaluate`` returns the concatenated rates
``{"lr": [...]}`` and ``score`` splits them per run.
"""

from __future__ import annotations

import math

import numpy as np

from lrcourse import ReduceLROnPlateau

from ..assignment import Assignment, Plot
from ..parts import Part, close, first_mismatch, fmt, result, to_floats

RTOL = 1e-9
ARGS = ("lr", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr")

def _run(metrics, lr, factor, patience, threshold=0.0, threshold_mode="rel", cooldown=0, min_lr=0.0) -> dict:
    return {"metrics": [float(m) for m in metrics], "lr": float(lr), "factor": float(factor),
            "patience": int(patience), "threshold": float(threshold), "threshold_mode": threshold_mode,
            "cooldown": int(cooldown), "min_lr": float(min_lr)}


# --- a plain re-implementation, with switches for the typical mistakes ----------------------------

def _simulate(run, *, early=False, plain=False, abs_in_rel=False, rel_in_abs=False, best_low=False,
              no_cooldown=False, no_floor=False, skip_below=False, not_in_a_row=False, cool_short=False):
    """Rates, improvement flags and bests of ``run``; the keyword switches reproduce typical mistakes.

    ``early``: cut when the bad count reaches patience (``>=``); ``plain``: ``m < best``;
    ``abs_in_rel`` / ``rel_in_abs``: the other threshold rule; ``best_low``: the best follows every new
    low; ``no_cooldown``: cooldown ignored; ``no_floor``: ``lr * factor`` unclipped; ``skip_below``: a cut
    that would cross ``min_lr`` is skipped instead of clipped; ``not_in_a_row``: an improvement does not
    reset the count of bad epochs; ``cool_short``: the cooldown ignores one epoch too few.
    """
    lr, best, bad, cool = run["lr"], math.inf, 0, 0
    tau, rel = run["threshold"], run["threshold_mode"] == "rel"
    rel = (rel and not abs_in_rel) or rel_in_abs
    lrs, flags, bests = [], [], []
    for m in run["metrics"]:
        better = m < best if plain else (m < best * (1 - tau) if rel else m < best - tau)
        if better:
            best, bad = m, (bad if not_in_a_row else 0)
        else:
            bad += 1
        if best_low:
            best = min(best, m)
        if cool > 0 and not no_cooldown:
            cool, bad = cool - 1, 0
        if bad > run["patience"] - (1 if early else 0):
            new = lr * run["factor"]
            if skip_below and new < run["min_lr"]:
                new = lr
            elif not no_floor:
                new = max(new, run["min_lr"])
            lr, cool, bad = new, run["cooldown"] - (1 if cool_short and run["cooldown"] else 0), 0
        lrs.append(lr)
        flags.append(better)
        bests.append(best)
    return lrs, flags, bests


#: The mistakes each part must catch (switches of :func:`_simulate`).
_MISTAKES = {
    "patience": [{"early": True}],
    "threshold": [{"plain": True}, {"best_low": True}, {"abs_in_rel": True}, {"rel_in_abs": True}],
    "cooldown": [{"no_cooldown": True}],
    "min_lr": [{"no_floor": True}, {"skip_below": True}],
}


#: further mistakes the hints recognise (not required to show in every drawn input, unlike :data:`_MISTAKES`)
_MORE_MISTAKES = {"patience": [{"not_in_a_row": True}], "threshold": [{"not_in_a_row": True}],
                  "cooldown": [{"cool_short": True}, {"not_in_a_row": True}], "min_lr": [{"not_in_a_row": True}]}


def _reference_run(run, early=False) -> np.ndarray:
    """torch's rates (via :class:`lrcourse.ReduceLROnPlateau`); ``early`` shifts patience by one."""
    sched = ReduceLROnPlateau(run["lr"], mode="min", factor=run["factor"],
                              patience=run["patience"] - (1 if early else 0), threshold=run["threshold"],
                              threshold_mode=run["threshold_mode"], cooldown=run["cooldown"], min_lr=run["min_lr"])
    return sched.trace(run["metrics"])


# --- inputs ---------------------------------------------------------------------------------------

def _metrics(rng, n, patience, tau, mode, scale, plateau_lengths):
    """A loss-like sequence: short improving stretches separated by plateaus of the given lengths."""
    best = scale
    out = [scale]
    for length in plateau_lengths:
        for _ in range(int(rng.integers(1, 3))):  # improving epochs
            if tau == 0:
                best = best * (1 - rng.uniform(0.01, 0.08))
            elif mode == "rel":
                best = best * (1 - tau * rng.uniform(1.2, 3.0))
            else:
                best = best - tau * rng.uniform(1.2, 3.0)
            best = _round(best, 6)
            out.append(best)
        for _ in range(int(length)):  # bad epochs: equal, worse, or better by less than the threshold
            kind = rng.integers(0, 3 if tau > 0 else 2)
            if kind == 0:
                out.append(best)
            elif kind == 1:
                out.append(best * (1 + rng.uniform(0.002, 0.05)))
            else:
                dip = tau * rng.uniform(0.15, 0.85)
                out.append(best * (1 - dip) if mode == "rel" else best - dip)
        if len(out) >= n:
            break
    return [_round(x, 6) for x in out[:n]]


def _round(x, digits):
    """``x`` to ``digits`` significant digits (readable records and hints)."""
    return float(f"{x:.{digits}g}")


def _plateaus(rng, patience, cooldown, count):
    choices = [patience, patience + 1, patience + 2, 2 * patience + 2 + cooldown,
               3 * patience + 3 + 2 * cooldown, max(patience - 1, 0)]
    return [choices[int(i)] for i in rng.integers(0, len(choices), count)]


def _draw_run(rng, part, i):
    lr = _round(10 ** rng.uniform(-2, 0), 3)
    factor = _round(rng.uniform(0.1, 0.7), 3)
    scale = float(10 ** rng.choice([rng.uniform(-1.3, -0.5), rng.uniform(0.5, 1.5)]))
    patience = int(rng.integers(0 if part == "patience" else 1, 6))
    tau, mode, cooldown, min_lr = 0.0, "rel", 0, 0.0
    if part == "threshold":
        mode = "abs" if i == 2 else "rel"
        tau = _round(rng.uniform(0.01, 0.08) if mode == "rel" else scale * rng.uniform(0.002, 0.01), 3)
    if part == "cooldown":
        cooldown, patience = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    if part == "min_lr":
        patience = int(rng.integers(1, 4))
        k = int(rng.integers(1, 4))  # the floor sits between the k-th and (k+1)-th cut
        min_lr = _round(lr * factor ** (k + rng.uniform(0.2, 0.8)), 3)
    n = int(rng.integers(25, 41))
    metrics = _metrics(rng, n, patience, tau, mode, scale, _plateaus(rng, patience, cooldown, 40))
    return _run(metrics, lr, factor, patience, tau, mode, cooldown, min_lr)


def _usable(part, runs) -> bool:
    """Every run cuts at least once, eps never matters, and every typical mistake of the part shows."""
    bases = [False] if part == "patience" else [False, True]
    for run in runs:
        ref = _reference_run(run)
        if not np.any(ref < run["lr"]):
            return False
        for early in bases:
            exact = _reference_run(run, early)
            loose = ReduceLROnPlateau(run["lr"], factor=run["factor"], patience=run["patience"] - early,
                                      threshold=run["threshold"], threshold_mode=run["threshold_mode"],
                                      cooldown=run["cooldown"], min_lr=run["min_lr"], eps=0.0).trace(run["metrics"])
            if not np.array_equal(exact, loose) or np.min(exact) < 1e-7:
                return False
    refs = {e: [_reference_run(r, e) for r in runs] for e in bases}
    for mistake in _MISTAKES[part]:
        for early in bases:  # the mistake must fail under every convention the part accepts
            wrong = [np.asarray(_simulate(r, **{"early": early, **mistake})[0]) for r in runs]
            if any(all(_matches(w, r) for w, r in zip(wrong, refs[e])) for e in bases):
                return False
    return True


_DEMO = [1.0, 0.82, 0.7, 0.66, 0.655, 0.652, 0.66, 0.65, 0.6, 0.597, 0.6, 0.61, 0.598, 0.55, 0.552, 0.549,
         0.551, 0.56, 0.55, 0.548, 0.5, 0.499, 0.5, 0.502, 0.501, 0.5, 0.503, 0.499, 0.5, 0.501, 0.5, 0.498,
         0.5, 0.499, 0.5, 0.501, 0.502, 0.5, 0.499, 0.5]

_VISIBLE = {
    "patience": [
        _run([1.0, 0.8, 0.7, 0.71, 0.72, 0.7, 0.73, 0.69, 0.69, 0.7, 0.71, 0.72, 0.68, 0.66, 0.67, 0.67, 0.68,
              0.69, 0.7, 0.7], 0.1, 0.5, 3),
        _run([2.0, 1.5, 1.5, 1.4, 1.45, 1.45, 1.3, 1.3, 1.2], 1.0, 0.1, 1),
    ],
    "threshold": [
        _run([10.0, 9.0, 8.95, 8.93, 8.92, 8.5, 8.49, 8.0, 7.96, 7.905, 7.95, 7.94, 7.91, 7.8, 7.8, 7.795, 7.797, 7.796],
             0.1, 0.5, 2, 0.01, "rel"),
        _run([20.0, 18.0, 17.8, 17.6, 17.7, 16.0, 15.8, 15.9, 15.0, 14.0, 14.1, 14.2, 14.0],
             0.1, 0.5, 2, 0.5, "abs"),
    ],
    "cooldown": [
        _run([1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.85, 0.86, 0.86, 0.86, 0.86, 0.86, 0.86],
             0.1, 0.5, 1, cooldown=2),
    ],
    "min_lr": [
        _run([1.0, 0.9] + [0.95] * 14, 0.1, 0.5, 1, min_lr=0.02),
    ],
}


# --- evaluation and scoring -----------------------------------------------------------------------

def _split(inputs, values):
    sizes = [len(r["metrics"]) for r in inputs["runs"]]
    got = np.asarray(values["lr"], dtype=np.float64).reshape(-1)
    if got.size != sum(sizes):
        raise ValueError(f"expected {sum(sizes)} learning rates (one per epoch of each run), got {got.size}")
    return np.split(got, np.cumsum(sizes)[:-1])


def _matches(got, ref) -> bool:
    return got.shape == ref.shape and bool(np.all(close(got, ref, RTOL)))


# --- hints ----------------------------------------------------------------------------------------

def _cuts(run, lrs) -> list[int]:
    """1-based epochs after which the rate went down."""
    prev = np.concatenate([[run["lr"]], lrs[:-1]])
    return [int(i) + 1 for i in np.flatnonzero(lrs < prev * (1 - 1e-9))]


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")


def _setting(j, run) -> str:
    keys = ("lr", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr")
    shown = ", ".join(f"{k}={run[k]!r}" if isinstance(run[k], str) else f"{k}={fmt(run[k])}" for k in keys)
    return f"run {j + 1} ({shown}; {len(run['metrics'])} epochs)"


def _cut_story(run, got, ref) -> str:
    """'your first cut happens after epoch 6, the reference cuts after epoch 7', or '' if the cuts agree."""
    mine, theirs = _cuts(run, got), _cuts(run, ref)
    for k in range(max(len(mine), len(theirs))):
        a = mine[k] if k < len(mine) else None
        b = theirs[k] if k < len(theirs) else None
        if a != b:
            which = _ordinal(k + 1)
            if a is None:
                return f"you make no {which} cut, the reference's {which} cut happens after epoch {b}"
            if b is None:
                return f"your {which} cut happens after epoch {a}, the reference makes no {which} cut"
            return f"your {which} cut happens after epoch {a}, the reference cuts after epoch {b}"
    return ""


def _hint(j, run, got, ref, early, mistake) -> str:
    setting = _setting(j, run)
    note = " (compared with your own patience convention, which the 'patience' part grades)" if early else ""
    story = _cut_story(run, got, ref)
    wrong = _simulate(run, **{"early": early, **mistake}) if mistake else None
    if wrong is not None and _matches(got, np.asarray(wrong[0])):
        why = _why(run, mistake, _simulate(run, early=early), wrong, got, ref)
        return f"{setting}: {story + '; ' if story else ''}{why}{note}"
    if story:
        return f"{setting}: {story}{note}"
    i = first_mismatch(got, ref, RTOL)
    return (f"{setting}: after epoch {i + 1} your lr is {fmt(got[i])}, the reference is {fmt(ref[i])} "
            f"(a cut multiplies the rate by factor={fmt(run['factor'])}){note}")


def _why(run, mistake, base, wrong, got, ref) -> str:
    p, tau, m = run["patience"], run["threshold"], run["metrics"]
    name = next(iter(mistake))
    if name == "early":
        return (f"patience={p} means {p + 1} bad epochs in a row: the rate is cut only when the count of "
                f"bad epochs is MORE than patience (num_bad > patience, not >=)")
    if name == "not_in_a_row":
        return (f"an improvement must start the count of bad epochs again from 0: patience={p} counts bad "
                f"epochs IN A ROW, your function keeps counting across improvements")
    if name == "cool_short":
        c = run["cooldown"]
        return (f"after a cut the next cooldown={c} epochs are all ignored; your function ignores only {c - 1}, "
                f"so it starts counting bad epochs one epoch early")
    if name == "no_cooldown":
        c = run["cooldown"]
        mine, theirs = _cuts(run, got), _cuts(run, ref)
        k = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
        if k > 0:
            e = theirs[k - 1]
            return (f"after the cut after epoch {e}, epochs {e + 1}-{e + c} are the cooldown (cooldown={c}) and do "
                    f"not count as bad epochs, so the next cut can come after epoch {e + c + p + 1} at the "
                    f"earliest; your function ignores the cooldown")
        return (f"after each cut the next cooldown={c} epochs do not count as bad epochs, so the next cut "
                f"comes at least {c + p + 1} epochs later; your function ignores the cooldown")
    if name == "no_floor":
        i = int(np.flatnonzero(got < run["min_lr"] * (1 - 1e-9))[0])
        return (f"after epoch {i + 1} your lr is {fmt(got[i])}, below min_lr={fmt(run['min_lr'])}; a cut sets "
                f"the rate to max(lr * factor, min_lr)")
    if name == "skip_below":
        i = first_mismatch(got, ref, RTOL)
        return (f"after epoch {i + 1} the reference clips the cut to min_lr={fmt(run['min_lr'])}, your lr stays "
                f"at {fmt(got[i])}: a cut sets the rate to max(lr * factor, min_lr) even when lr * factor is "
                f"below min_lr")
    # threshold mistakes: name the first epoch judged differently (or the first best that differs)
    flags, bests = base[1], base[2]
    wflags, wbests = wrong[1], wrong[2]
    if name == "best_low":
        i = next(k for k in range(len(m)) if wbests[k] != bests[k])
        return (f"epoch {i + 1}'s metric {fmt(m[i])} does not beat the best {fmt(bests[i])} by the threshold, "
                f"so the best stays {fmt(bests[i])}; your function moves the best to every new low")
    i = next(k for k in range(len(m)) if wflags[k] != flags[k])
    b = bests[i - 1] if i else math.inf
    bar = b * (1 - tau) if run["threshold_mode"] == "rel" else b - tau
    rule = "best * (1 - threshold)" if run["threshold_mode"] == "rel" else "best - threshold"
    verdict = "an improvement" if flags[i] else "a bad epoch"
    theirs = "a bad epoch" if flags[i] else "an improvement"
    if name == "plain":
        detail = "you compare with the best itself, without the threshold"
    elif name == "abs_in_rel":
        detail = f"you use the absolute rule best - threshold = {fmt(b - tau)}"
    else:
        detail = f"you use the relative rule best * (1 - threshold) = {fmt(b * (1 - tau))}"
    return (f"epoch {i + 1}'s metric {fmt(m[i])} against the best {fmt(b)}: with threshold_mode="
            f"{run['threshold_mode']!r} it must be below {rule} = {fmt(bar)}, so the reference counts it as "
            f"{verdict}, you count it as {theirs} ({detail})")


class Plateau(Assignment):
    name = "plateau"
    title = "Reduce the learning rate on a plateau"
    parts = (
        Part("patience", 3, "cut by factor only after MORE than patience bad epochs in a row", "plateau_lrs"),
        Part("threshold", 3, "an epoch improves only if it beats the best by the threshold (rel or abs)",
             "plateau_lrs"),
        Part("cooldown", 2, "after a cut, the next cooldown epochs are not counted as bad", "plateau_lrs"),
        Part("min_lr", 2, "the rate never goes below min_lr: max(lr * factor, min_lr)", "plateau_lrs"),
    )
    forbidden = {"*": ('ReduceLROnPlateau', 'lr_scheduler')}
    reference_packages = ("torch",)  # PyTorch's own ReduceLROnPlateau is the reference too
    plot = Plot("plateau_lrs", "epoch", "learning rate after the epoch",
                "Plateau demo: lr=0.1, factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=0.005", logy=True)

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: three runs with random parameters and loss curves."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        for _ in range(200):
            runs = [_draw_run(rng, part, i) for i in range(3)]
            if _usable(part, runs):
                return {"runs": runs}
        raise RuntimeError(f"could not draw usable inputs for part {part!r} from seed {seed}")  # pragma: no cover

    def visible_inputs(self, part) -> dict:
        """Small hand-made runs whose cuts can be checked by hand (the notebook shows the first ones)."""
        return {"runs": [dict(r) for r in _VISIBLE[self.part(part).name]]}

    def evaluate(self, part, target_obj, inputs: dict) -> dict:
        """Call ``plateau_lrs(metrics, lr, factor, patience, threshold, threshold_mode, cooldown, min_lr)``
        on every run (positionally); ``{"lr": [floats of all runs, concatenated]}``."""
        if part != "plot":
            self.part(part)
        if not callable(target_obj):
            raise TypeError(f"plateau_lrs must be a function, got {type(target_obj).__name__}")
        out = []
        for run in inputs["runs"]:
            got = target_obj(list(run["metrics"]), *(run[k] for k in ARGS))
            out += to_floats(got, "plateau_lrs(metrics, ...)", size=len(run["metrics"]))
        return {"lr": out}

    def reference(self, part, inputs: dict) -> dict:
        """Reference rates from :class:`lrcourse.ReduceLROnPlateau` (``trace``), runs concatenated."""
        return {"lr": [float(x) for run in inputs["runs"] for x in _reference_run(run)]}

    def plot_values(self, target_obj) -> dict:
        inputs = {"runs": [_run(_DEMO, 0.1, 0.5, 2, 0.01, "rel", 1, 0.005)]}
        return {"x": list(range(1, len(_DEMO) + 1)), "reference": self.reference("plot", inputs)["lr"],
                "student": self.evaluate("plot", target_obj, inputs)["lr"] if target_obj is not None else None}

    def score(self, part, inputs: dict, values: dict):
        """All runs must match the reference (other parts than ``patience`` also accept its ``>=`` slip)."""
        p = self.part(part)
        try:
            runs_got = _split(inputs, values)
        except (KeyError, TypeError):
            return result(p, "no numeric learning rates were recorded for this part")
        except ValueError as exc:
            return result(p, str(exc))
        runs = inputs["runs"]
        bases = [False] if p.name == "patience" else [False, True]
        best = None
        for early in bases:
            refs = [_reference_run(r, early) for r in runs]
            ok = [_matches(g, r) for g, r in zip(runs_got, refs)]
            if all(ok):
                return result(p, "")
            if best is None or sum(ok) > best[0]:
                best = (sum(ok), early, refs, ok)
        _, early, refs, ok = best
        j = ok.index(False)
        # prefer a typical mistake that explains every run, then one that explains the first wrong run
        sims = [(m, [_simulate(r, **{"early": early, **m}) for r in runs])
                for m in _MISTAKES[p.name] + _MORE_MISTAKES.get(p.name, [])]
        found = [m for m, sim in sims if all(_matches(g, np.asarray(s[0])) for g, s in zip(runs_got, sim))]
        found += [m for m, sim in sims if _matches(runs_got[j], np.asarray(sim[j][0]))]
        return result(p, _hint(j, runs[j], runs_got[j], refs[j], early, found[0] if found else None))


ASSIGNMENT = Plateau()

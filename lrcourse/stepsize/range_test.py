r"""The learning-rate range test, in its one-step classroom form and in Smith's training-time form.

**One-step version.** From a fixed :math:`\theta_0`, take a single gradient step with each trial
rate and look at the loss:

.. math:: L(\eta) = J\big(\theta_0 - \eta\, J'(\theta_0)\big).

For :math:`J(\theta) = (\theta - 3)^2` this is :math:`(\theta_0 - 3)^2 (1 - 2\eta)^2`: below the start
for :math:`0 < \eta < 1`, falling for :math:`\eta < 1/2` and exactly zero at :math:`\eta = 1/2 = 1/J''`.

**Smith's version** (Smith 2017, "Cyclical learning rates"): during real training, raise the rate
every mini-batch from ``min_lr`` to ``max_lr`` (geometrically or linearly), smooth the noisy batch
losses with a bias-corrected exponential average, stop once the loss blows up, and read good
rates off the curve: where it falls fastest, a tenth of where it is lowest, or the middle of its
longest descending stretch (the "valley" rule).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as check

__all__ = [
    "quadratic_problem",
    "one_step_range_test",
    "useful_range",
    "RangeTestResult",
    "lr_range_test",
    "range_test_lrs",
    "smooth_losses",
    "smooth_centered",
    "RULES",
    "suggest_steepest",
    "suggest_min_over_10",
    "suggest_valley",
]


def _quadratic(theta):
    return (theta - 3.0) ** 2


def _quadratic_grad(theta):
    return 2.0 * (theta - 3.0)


def quadratic_problem():
    r"""The exercise problem :math:`J(\theta) = (\theta-3)^2`, as a ``(J, dJ)`` pair of ufunc-like callables."""
    return _quadratic, _quadratic_grad


def one_step_range_test(lrs, theta0=0.0, problem=None) -> np.ndarray:
    r"""Loss after one gradient step from ``theta0``, for every rate in ``lrs`` at once.

    .. math:: L(\eta) = J\big(\theta_0 - \eta\, \nabla J(\theta_0)\big)

    Parameters
    ----------
    lrs : array_like of float >= 0
        Trial learning rates (e.g. ``np.logspace(-4, np.log10(2), 50)``).
    theta0 : float or array_like
        Starting point (a vector for multi-dimensional problems).
    problem : (J, dJ) pair, optional
        Loss and gradient; :func:`quadratic_problem` by default. ``J`` must accept an array of points
        with the parameter axis last (a scalar problem just takes an array).

    Returns
    -------
    ndarray, same shape as ``lrs``
    """
    lrs = check.array("lrs", lrs, min_size=1)
    if np.any(lrs < 0):
        raise ValueError("lrs must be >= 0")
    J, dJ = quadratic_problem() if problem is None else _problem(problem)
    theta0 = check.array("theta0", theta0)
    g = np.asarray(dJ(theta0), dtype=np.float64)
    if g.shape != theta0.shape:
        raise ValueError(f"the gradient must have the shape of theta0 {theta0.shape}, got {g.shape}")
    moved = theta0 - lrs.reshape(lrs.shape + (1,) * theta0.ndim) * g
    return np.asarray(J(moved), dtype=np.float64).reshape(lrs.shape)


def _problem(problem):
    if not (isinstance(problem, (tuple, list)) and len(problem) == 2):
        raise TypeError("problem must be a (J, dJ) pair of callables")
    return check.function("problem[0]", problem[0]), check.function("problem[1]", problem[1])


def useful_range(lrs, losses, start_loss=None, *, criterion="below_start") -> tuple[float, float]:
    r"""The rates of the range test that are worth using.

    Parameters
    ----------
    lrs, losses : array_like, same 1-D shape
        A sweep (rates increasing).
    start_loss : float, optional
        Loss before the step; needed for ``criterion="below_start"``.
    criterion : {"below_start", "falling"}
        ``"below_start"``: the contiguous run of rates, starting at the first one that improves,
        whose loss stays below ``start_loss``. ``"falling"``: the first contiguous run over which the
        loss still decreases as the rate grows (the slope :math:`\Delta L / \Delta \eta < 0` between
        neighbouring rates; a rate counts when the segment to its right falls).

    Returns
    -------
    (low, high) : tuple of float
        Smallest and largest grid rates in the range. ``ValueError`` if no rate qualifies.
    """
    lrs = check.array("lrs", lrs, ndim=1, min_size=2)
    losses = check.array("losses", losses, ndim=1)
    if losses.shape != lrs.shape:
        raise ValueError(f"losses must have the shape of lrs {lrs.shape}, got {losses.shape}")
    if np.any(np.diff(lrs) <= 0):
        raise ValueError("lrs must be strictly increasing")
    criterion = check.choice("criterion", criterion, ("below_start", "falling"))
    if criterion == "below_start":
        if start_loss is None:
            raise ValueError("start_loss is required for criterion='below_start'")
        good = losses < check.real("start_loss", start_loss)
    else:
        good = np.append(np.diff(losses) < 0, False)
    idx = np.flatnonzero(good)
    if idx.size == 0:
        raise ValueError("no learning rate in the sweep satisfies the criterion")
    first = idx[0]
    breaks = np.flatnonzero(~good[first:])
    last = first + (breaks[0] - 1 if breaks.size else good.size - 1 - first)
    return float(lrs[first]), float(lrs[last])


def range_test_lrs(min_lr, max_lr, num_iter, mode="exp") -> np.ndarray:
    r"""The sweep's rates: :math:`\eta_i = \eta_{min} (\eta_{max}/\eta_{min})^{i/(N-1)}` (``"exp"``)
    or :math:`\eta_{min} + (\eta_{max} - \eta_{min})\, i/(N-1)` (``"linear"``), :math:`i = 0..N-1`."""
    min_lr = check.positive("min_lr", min_lr)
    max_lr = check.positive("max_lr", max_lr)
    if max_lr <= min_lr:
        raise ValueError(f"max_lr must be > min_lr, got max_lr={max_lr!r} <= min_lr={min_lr!r}")
    num_iter = check.integer("num_iter", num_iter, minimum=2)
    mode = check.choice("mode", mode, ("exp", "linear"))
    frac = np.arange(num_iter) / (num_iter - 1)
    if mode == "exp":
        return min_lr * (max_lr / min_lr) ** frac
    return min_lr + (max_lr - min_lr) * frac


def smooth_losses(losses, beta=0.98) -> np.ndarray:
    r"""Bias-corrected exponential moving average.

    .. math:: m_i = \beta m_{i-1} + (1-\beta) \ell_i, \quad m_{-1} = 0, \qquad
              \hat m_i = \frac{m_i}{1 - \beta^{i+1}}

    ``beta = 0`` returns the losses unchanged.
    """
    losses = check.array("losses", losses, ndim=1)
    beta = check.in_range("beta", beta, 0.0, 1.0, high_open=True)
    out = np.empty_like(losses)
    m = 0.0
    for i, loss in enumerate(losses):
        m = beta * m + (1.0 - beta) * loss
        out[i] = m / (1.0 - beta ** (i + 1))
    return out


def _check_curve(lrs, losses):
    lrs = check.array("lrs", lrs, ndim=1)
    losses = check.array("losses", losses, ndim=1)
    if lrs.shape != losses.shape:
        raise ValueError(f"losses must have the shape of lrs {lrs.shape}, got {losses.shape}")
    if lrs.size < 3:
        raise ValueError(f"need at least 3 points to suggest a learning rate, got {lrs.size}")
    if np.any(lrs <= 0):
        raise ValueError("lrs must be > 0")
    if np.any(np.diff(lrs) <= 0):
        raise ValueError("lrs must be strictly increasing (a sweep from the smallest rate to the largest)")
    return lrs, losses


def suggest_steepest(lrs, losses) -> float:
    r"""The rate where the loss falls fastest per decade: :math:`\arg\min_i\, dL/d\log\eta` (central
    differences, :func:`numpy.gradient`, on the given points)."""
    lrs, losses = _check_curve(lrs, losses)
    slope = np.gradient(losses, np.log(lrs))
    return float(lrs[int(np.argmin(slope))])


def suggest_min_over_10(lrs, losses) -> float:
    """A tenth of the rate with the lowest loss (a classic safety margin below the blow-up)."""
    lrs, losses = _check_curve(lrs, losses)
    return float(lrs[int(np.argmin(losses))] / 10.0)


def suggest_valley(lrs, losses, *, flat_fraction=0.05) -> float:
    r"""The "valley" rule: the middle of the longest descending stretch of the curve.

    1. Skip the initial plateau: the valley may only start once the loss has dropped below
       :math:`L_0 - f\,(L_0 - L_{min})` (``f = flat_fraction``), so that a long, almost flat start with
       tiny decreases does not count as descent.
    2. Among the remaining points, find the longest *strictly decreasing subsequence* of the losses
       (points need not be adjacent, so a small bump from noise does not end a valley). Ties between
       equally long subsequences go to the one ending first.
    3. Its first and last indices :math:`a < b` delimit the valley; the suggestion is the rate at
       index :math:`\lfloor (a+b)/2 \rfloor`, halfway along the valley in :math:`\log\eta` for a
       geometric sweep.

    The rule prefers rates well inside the region where training makes progress, away from both the
    flat start and the cliff at the end. It is our own implementation of the idea popularised by
    fastai's ``valley`` suggestion (which has no plateau rule).
    """
    lrs, losses = _check_curve(lrs, losses)
    flat_fraction = check.in_range("flat_fraction", flat_fraction, 0.0, 1.0, high_open=True)
    level = losses[0] - flat_fraction * (losses[0] - losses.min())
    below = np.flatnonzero(losses < level) if flat_fraction > 0 else np.arange(losses.size)
    offset = int(below[0]) if below.size else 0
    curve = losses[offset:]
    n = curve.size
    length = np.ones(n, dtype=np.int64)
    start = np.arange(n)
    for i in range(1, n):
        higher = curve[:i] > curve[i]
        if higher.any():
            cand = np.where(higher, length[:i], 0)
            j = int(np.argmax(cand))  # first predecessor with the longest chain
            length[i] = cand[j] + 1
            start[i] = start[j]
    end = int(np.argmax(length))
    a = int(start[end])
    return float(lrs[offset + (a + end) // 2])


#: Losses in the running median that feeds the stop rule's exponential average.
_STOP_MEDIAN = 5

#: Why each rule picks its rate (shown in the legend of :func:`lrcourse.plot.plot_range_test`).
RULES = {
    "steepest": "the loss falls fastest per decade of lr",
    "min/10": "a tenth of the rate with the lowest loss",
    "valley": "the middle of the longest descent",
}


def smooth_centered(losses, window=None) -> np.ndarray:
    r"""Zero-lag smoothing of a range-test curve: a running median of 5 (removes isolated spikes),
    then a centred moving average of ``window`` points (truncated at the ends).

    Unlike the exponential average of :func:`smooth_losses`, which trails the curve by about
    :math:`\beta/(1-\beta)` points (49 points for :math:`\beta = 0.98`, i.e. a decade or more of a short
    sweep), a centred window has no lag: a drop in the raw losses stays at the same rate. It needs the
    whole curve, so it is applied after the sweep. ``losses`` may be 1-D or 2-D (points x runs).

    Parameters
    ----------
    losses : array_like
        Finite losses, points along the first axis.
    window : int, optional
        Odd width of the moving average (default: about 5 % of the points, at least 3).
    """
    losses = check.array("losses", losses)
    if losses.ndim not in (1, 2) or losses.shape[0] == 0:
        raise ValueError(f"losses must be a non-empty 1-D or 2-D array, got shape {losses.shape}")
    n = losses.shape[0]
    if window is None:
        window = max(3, int(round(0.05 * n)) | 1)
    window = check.integer("window", window, minimum=1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd (centred), got {window}")
    cols = losses.reshape(n, -1)
    med = np.empty_like(cols)
    for i in range(n):
        med[i] = np.median(cols[max(0, i - 2):i + 3], axis=0)
    half = window // 2
    csum = np.vstack([np.zeros((1, cols.shape[1])), np.cumsum(med, axis=0)])
    lo = np.maximum(np.arange(n) - half, 0)
    hi = np.minimum(np.arange(n) + half + 1, n)
    out = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
    return out.reshape(losses.shape)


@dataclass(frozen=True)
class RangeTestResult:
    """Outcome of :func:`lr_range_test` (one or several runs swept together).

    Attributes
    ----------
    lrs : ndarray, shape (n,)
        The rates tried, in order (the sweep stops when every run has diverged).
    losses : ndarray, shape (n,) or (n, runs)
        The raw batch losses; NaN after a run's end. A run's last recorded point may be the
        non-finite or exploding loss that ended it (see ``ends``).
    smoothed : ndarray, like ``losses``
        Zero-lag smoothed losses (:func:`smooth_centered`) over each run's finite points, on which the
        suggestions are computed; NaN after a run's end.
    ema : ndarray, like ``losses``
        The causal average that decides when a run has diverged: the bias-corrected exponential average
        (as :func:`smooth_losses`) of the running median of the last 5 losses.
    ends : ndarray of int, shape (runs,)
        Index of each run's last point (``n - 1`` for a run that never diverged).
    end_reasons : tuple of str
        Per run: ``"completed"``, ``"diverged"`` (average above ``diverge_threshold`` times its best) or
        ``"non-finite"``.
    suggestions : dict
        ``{rule: rate}``: for several runs, the geometric median of the per-run suggestions.
    per_run : dict
        ``{rule: ndarray of the rate each run suggests}``.
    spread : dict
        ``{rule: (lowest, highest)}`` suggestion over the runs.
    burn_in : int
        Points skipped at the start before suggesting (warm-up noise, early spikes).
    ema_lag : float
        How many points the exponential average trails the raw curve, :math:`\\beta/(1-\\beta)`.
    references : dict
        ``{label: rate}`` known from theory (e.g. the one-step optimum ``1/J''`` of a quadratic),
        drawn beside the suggestions.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    ema: np.ndarray
    ends: np.ndarray
    end_reasons: tuple
    suggestions: dict = field(default_factory=dict)
    per_run: dict = field(default_factory=dict)
    spread: dict = field(default_factory=dict)
    burn_in: int = 0
    ema_lag: float = 0.0
    references: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return 1 if self.losses.ndim == 1 else self.losses.shape[1]

    @property
    def stopped_early(self) -> bool:
        """True when every run ended before the last rate of the sweep."""
        return any(r != "completed" for r in self.end_reasons)

    @property
    def stop_reason(self) -> str:
        """``"completed"`` or the reason that ended the (first) run."""
        return next((r for r in self.end_reasons if r != "completed"), "completed")

    def spread_decades(self, rule: str) -> float:
        """Width of a rule's suggestions over the runs, in decades (0 for one run)."""
        low, high = self.spread[rule]
        return float(np.log10(high / low))

    def table(self) -> str:
        """The suggestions as text: rate, spread over runs and the reason of each rule."""
        lines = []
        for rule, lr in self.suggestions.items():
            spread = "" if self.runs == 1 else (f"  [{self.spread[rule][0]:.3g} .. {self.spread[rule][1]:.3g}, "
                                                f"{self.spread_decades(rule):.2f} decades over {self.runs} runs]")
            lines.append(f"{rule:>9}: {lr:.4g}{spread}  ({RULES.get(rule, '')})")
        for label, lr in self.references.items():
            lines.append(f"{'theory':>9}: {lr:.4g}  ({label})")
        return "\n".join(lines)


def _as_runs(value, runs):
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":  # None, strings, bools, objects: not a loss
        raise TypeError(f"not a number (dtype {arr.dtype})")
    out = arr.astype(np.float64).reshape(-1)
    if runs is not None and out.size != runs:
        raise ValueError(f"step_fn must return the same number of losses every call: {runs}, then {out.size}")
    return out


def lr_range_test(step_fn, *, min_lr=1e-7, max_lr=10.0, num_iter=100, mode="exp", beta=0.98,
                  diverge_threshold=5.0, skip_start=None, skip_end=0, window=None, references=None,
                  progress=True) -> RangeTestResult:
    r"""Smith's learning-rate range test during training, for one run or several runs at once.

    For :math:`i = 0, 1, \dots` the rate :math:`\eta_i` (:func:`range_test_lrs`) is passed to
    ``step_fn``, which performs one mini-batch update at that rate and returns the batch loss, or one
    loss per run (an array) when it trains several models at once (e.g. several seeds). A run ends at
    its first non-finite loss, or (after the burn-in) when its bias-corrected exponential average
    :math:`\hat m_i` of the running median of its last 5 losses exceeds ``diverge_threshold`` times its
    best, so that one or two wild batches cannot end a run; that last point is kept and marked. The
    sweep stops when every run has ended.

    The suggestions are computed per run after the sweep, on a zero-lag smoothing of the raw losses
    (:func:`smooth_centered`: a running median that removes isolated spikes, then a centred moving
    average), over the points after the ``skip_start`` burn-in and before the run's end (minus
    ``skip_end``): the exponential average is only the stop rule, since it trails the curve by
    :math:`\beta/(1-\beta)` points. The derivatives are taken against :math:`\log\eta`. With several
    runs, ``suggestions`` holds the geometric median of the per-run values and ``spread`` their range,
    which tells how far to trust them.

    Parameters
    ----------
    step_fn : callable
        ``step_fn(lr) -> float or array of floats``: one update at rate ``lr``, returning its loss(es).
    min_lr, max_lr : float > 0
        First and last rate of the sweep.
    num_iter : int >= 2
        Number of rates (mini-batch updates).
    mode : {"exp", "linear"}
        Geometric or linear sweep.
    beta : float in [0, 1)
        Factor of the exponential average of the stop rule (0: stop on the raw losses).
    diverge_threshold : float > 1
        A run ends once its average exceeds this multiple of its best average.
    skip_start : int >= 0, optional
        Burn-in points ignored by the suggestions (default: 5 % of ``num_iter``, at least 2).
    skip_end : int >= 0
        Points before each run's end ignored by the suggestions.
    window : int, optional
        Width of the centred moving average (see :func:`smooth_centered`).
    references : dict, optional
        ``{label: rate}`` known from theory, stored in the result and drawn by the plot.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    RangeTestResult
    """
    check.function("step_fn", step_fn)
    lrs = range_test_lrs(min_lr, max_lr, num_iter, mode)
    beta = check.in_range("beta", beta, 0.0, 1.0, high_open=True)
    diverge_threshold = check.real("diverge_threshold", diverge_threshold)
    if diverge_threshold <= 1:
        raise ValueError(f"diverge_threshold must be > 1, got {diverge_threshold!r}")
    skip_start = max(2, int(round(0.05 * len(lrs)))) if skip_start is None else check.integer(
        "skip_start", skip_start, minimum=0)
    skip_end = check.integer("skip_end", skip_end, minimum=0)
    refs = {}
    for label, lr in dict(references or {}).items():
        refs[str(label)] = check.positive(f"references[{label!r}]", lr)
    from tqdm.auto import tqdm

    rows, emas = [], []
    runs = None
    avg = best = alive = ends = reasons = None
    bar = tqdm(lrs, desc="lr range test", disable=not progress, leave=False)
    for i, lr in enumerate(bar):
        raw = step_fn(float(lr))
        try:
            loss = _as_runs(raw, runs)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"step_fn({float(lr)!r}) must return a loss (a number or one per run), "
                             f"got {raw!r}: {exc}") from None
        if runs is None:
            runs = loss.size
            if runs == 0:
                raise ValueError("step_fn returned no loss")
            avg, best = np.zeros(runs), np.full(runs, np.inf)
            alive, ends = np.ones(runs, dtype=bool), np.full(runs, -1)
            reasons = ["completed"] * runs
        loss = np.where(alive, loss, np.nan)
        rows.append(loss)
        bad = alive & ~np.isfinite(loss)
        recent = np.array(rows[-_STOP_MEDIAN:])  # a running median: one or two wild batches cannot end a run
        with np.errstate(invalid="ignore", over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            level = np.nanmedian(recent, axis=0)
            avg = np.where(alive & ~bad, beta * avg + (1.0 - beta) * level, avg)
            smoothed = avg / (1.0 - beta ** (i + 1))
            best = np.where(alive & ~bad, np.minimum(best, smoothed), best)
            blown = alive & ~bad & (smoothed > diverge_threshold * best) & (i >= skip_start)
        for r in np.flatnonzero(bad | blown):
            reasons[r] = "non-finite" if bad[r] else "diverged"
            ends[r] = i
        emas.append(np.where(alive & ~bad, smoothed, np.nan))
        alive &= ~(bad | blown)
        if not alive.any():
            break
    bar.close()
    n = len(rows)
    ends = np.where(ends < 0, n - 1, ends)
    losses = np.array(rows)
    ema = np.array(emas)
    smooth = np.full_like(losses, np.nan)
    per_run = {rule: np.full(runs, np.nan) for rule in RULES}
    for r in range(runs):
        finite = int(ends[r]) + (1 if reasons[r] == "completed" else 0)  # the ending point is not used
        if finite > 0:
            smooth[:finite, r] = smooth_centered(losses[:finite, r], window) if finite >= 3 else losses[:finite, r]
        lo, hi = skip_start, finite - skip_end
        if hi - lo >= 3:
            for rule, value in _suggest(lrs[lo:hi], smooth[lo:hi, r]).items():
                per_run[rule][r] = value
    per_run = {k: v for k, v in per_run.items() if np.all(np.isfinite(v))}
    suggestions = {k: float(np.exp(np.median(np.log(v)))) for k, v in per_run.items()}
    spread = {k: (float(v.min()), float(v.max())) for k, v in per_run.items()}
    squeeze = (lambda a: a[:, 0]) if np.ndim(raw) == 0 else (lambda a: a)
    return RangeTestResult(lrs[:n], squeeze(losses), squeeze(smooth), squeeze(ema), ends, tuple(reasons),
                           suggestions, per_run, spread, skip_start, beta / (1.0 - beta) if beta else 0.0, refs)


def _suggest(lrs, curve) -> dict:
    """The three rules on one (smoothed, finite) curve; steepest only looks left of the minimum."""
    low = int(np.argmin(curve))
    descent = slice(0, max(low + 1, 3))
    return {"steepest": suggest_steepest(lrs[descent], curve[descent]),
            "min/10": suggest_min_over_10(lrs, curve),
            "valley": suggest_valley(lrs, curve)}

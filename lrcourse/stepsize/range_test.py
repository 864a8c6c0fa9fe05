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


@dataclass(frozen=True)
class RangeTestResult:
    """Outcome of :func:`lr_range_test`.

    Attributes
    ----------
    lrs, losses, smoothed : ndarray
        The rates actually tried, the raw batch losses and their smoothed version (same length).
    stopped_early : bool
        True when divergence ended the sweep before ``num_iter`` steps.
    suggestions : dict
        ``{"steepest": ..., "min/10": ..., "valley": ...}`` computed on the smoothed curve.
    stop_reason : str
        ``"completed"``, ``"diverged"`` (smoothed loss above the threshold) or ``"non-finite"``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool
    suggestions: dict = field(default_factory=dict)
    stop_reason: str = "completed"


def lr_range_test(step_fn, *, min_lr=1e-7, max_lr=10.0, num_iter=100, mode="exp", beta=0.98,
                  diverge_threshold=5.0, skip_start=0, skip_end=0, progress=True) -> RangeTestResult:
    r"""Smith's learning-rate range test during training.

    For :math:`i = 0, 1, \dots` the rate :math:`\eta_i` (see :func:`range_test_lrs`) is passed to
    ``step_fn``, which performs one mini-batch update at that rate and returns the batch loss. The
    losses are smoothed (:func:`smooth_losses`); the sweep stops when a loss is non-finite or when the
    smoothed loss exceeds ``diverge_threshold`` times the best smoothed loss so far (that last point
    is kept). Suggestions are computed on the smoothed curve after dropping ``skip_start`` and
    ``skip_end`` points.

    Parameters
    ----------
    step_fn : callable
        ``step_fn(lr) -> float``: one update of the model at rate ``lr``, returning its loss.
    min_lr, max_lr : float > 0
    num_iter : int >= 2
    mode : {"exp", "linear"}
    beta : float in [0, 1)
        Smoothing factor (0 disables smoothing).
    diverge_threshold : float > 1
    skip_start, skip_end : int >= 0
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
    skip_start = check.integer("skip_start", skip_start, minimum=0)
    skip_end = check.integer("skip_end", skip_end, minimum=0)
    from tqdm.auto import tqdm

    losses, smoothed = [], []
    avg, best = 0.0, math.inf
    reason = "completed"
    bar = tqdm(lrs, desc="lr range test", disable=not progress, leave=False)
    for i, lr in enumerate(bar):
        loss = float(step_fn(float(lr)))
        if not math.isfinite(loss):
            reason = "non-finite"
            break
        avg = beta * avg + (1.0 - beta) * loss
        s = avg / (1.0 - beta ** (i + 1))
        losses.append(loss)
        smoothed.append(s)
        best = min(best, s)
        if s > diverge_threshold * best:
            reason = "diverged"
            break
    bar.close()
    n = len(losses)
    tried = lrs[:n]
    sm = np.asarray(smoothed)
    suggestions = {}
    keep = slice(skip_start, n - skip_end if skip_end else n)
    if tried[keep].size >= 3:
        lr_k, sm_k = tried[keep], sm[keep]
        suggestions = {
            "steepest": suggest_steepest(lr_k, sm_k),
            "min/10": suggest_min_over_10(lr_k, sm_k),
            "valley": suggest_valley(lr_k, sm_k),
        }
    return RangeTestResult(tried, np.asarray(losses), sm, reason != "completed", suggestions, reason)

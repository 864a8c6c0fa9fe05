r"""scikit-learn's ``SGDRegressor`` schedules next to an lrcourse schedule, epoch by epoch.

scikit-learn's built-in ``learning_rate`` options (``t`` counts samples seen, from 1):

- ``"constant"``: :math:`\eta = \eta_0`;
- ``"optimal"``: :math:`\eta = 1 / (\alpha (t + t_0))` with Bottou's heuristic :math:`t_0`;
- ``"invscaling"``: :math:`\eta = \eta_0 / t^{p}` (``power_t`` = :math:`p`);
- ``"adaptive"``: :math:`\eta_0` until ``n_iter_no_change`` epochs fail to improve the training loss
  by ``tol``, then divided by 5.

**How the curves are recorded (one pass, no refits).** Calling ``fit(max_iter=k)`` for every
``k`` costs :math:`O(E^2)` epochs, and ``fit(warm_start=True, max_iter=1)`` is wrong: every ``fit``
resets the sample counter ``t_`` to 1, so ``invscaling``/``optimal`` would restart their decay each
epoch. ``partial_fit`` instead *keeps* ``t_``, so one model and one ``partial_fit`` per epoch run the
exact ``constant``/``invscaling``/``optimal`` rules in :math:`O(E)`. ``partial_fit`` always runs a
single epoch, so ``adaptive`` never triggers inside scikit-learn; it is driven from here with
:class:`~lrcourse.SklearnAdaptiveLR` on a constant-rate model, fed the epoch's training loss
:math:`\tfrac12\,\mathrm{MSE}` (scikit-learn itself uses the loss accumulated *during* the epoch,
so the epoch of a reduction can differ by one).

Every run, built-in or lrcourse, sees the same shuffled order each epoch (drawn from
``numpy.random.default_rng(random_state)``).

The lrcourse side uses ``learning_rate="constant"`` and ``partial_fit``, setting ``model.eta0``
from the schedule before every call: once per epoch (``step_per="epoch"``) or once per mini-batch
(``step_per="batch"``).

A run whose training MSE becomes non-finite or ``DIVERGE_FACTOR`` times the variance of ``y`` is
stopped: its curve holds the epochs before that (never NaN), a ``RuntimeWarning`` names the epoch,
and the returned :class:`Curves` records it in ``.diverged``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _validate as check
from ..schedules.base import user_number

__all__ = ["Curves", "regression_data", "sklearn_schedule_curves", "lrcourse_schedule_curve",
           "compare_sgd_regressor"]

BUILTIN = ("constant", "optimal", "invscaling", "adaptive")
DEFAULT_RULES = ("constant", "invscaling", "adaptive")
DIVERGE_FACTOR = 1e3


class Curves(dict):
    """``name -> training MSE per epoch`` (a plain dict) plus the divergence record.

    Attributes
    ----------
    diverged : dict
        ``name -> epoch`` (0-based) at which the run was stopped, for the runs that diverged only.
        A diverged run's curve holds the epochs before that one, so it may be empty.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.diverged = {}

    def __repr__(self):
        sizes = ", ".join(f"{k!r}: {len(v)} epochs" for k, v in self.items())
        return f"Curves({{{sizes}}}, diverged={self.diverged!r})"


def regression_data(n_features=10, n_samples=500, noise=25.0, random_state=42):
    """``make_regression`` data with standardized features: ``(X, y)``."""
    from sklearn.datasets import make_regression

    n_samples = check.integer("n_samples", n_samples, minimum=2)
    n_features = check.integer("n_features", n_features, minimum=1)
    check.memory("n_samples and n_features", 3 * 8.0 * n_samples * n_features, "the data set")
    noise = check.nonnegative("noise", noise)
    random_state = check.integer("random_state", random_state, minimum=0)
    X, y = make_regression(n_samples=n_samples, n_features=n_features, noise=noise, random_state=random_state)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def _mse(model, X, y):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean((model.predict(X) - y) ** 2))


def _diverged(mse, y) -> bool:
    """Non-finite, or ``DIVERGE_FACTOR`` times worse than predicting the mean of ``y``."""
    return not np.isfinite(mse) or mse > DIVERGE_FACTOR * (float(np.var(y)) + 1e-12)


def _warn_diverged(name, epoch):
    warnings.warn(f"{name}: training diverged at epoch {epoch}; the curve stops there", RuntimeWarning,
                  stacklevel=3)


def _check_xy(X, y):
    X = check.array("X", X, ndim=2, min_size=1)
    y = check.array("y", y, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} entries (one per row of X), got {y.shape[0]}")
    return X, y


def _check_rules(learning_rates):
    if isinstance(learning_rates, str):
        learning_rates = (learning_rates,)
    rules = tuple(check.choice("learning_rates", lr, BUILTIN) for lr in learning_rates)
    if len(set(rules)) != len(rules):
        raise ValueError(f"learning_rates must not repeat a rule, got {rules}")
    return rules


def _partial_fit(model, X, y) -> bool:
    """One ``partial_fit``; ``False`` if scikit-learn gave up on an overflow."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            model.partial_fit(X, y)
    except ValueError:  # scikit-learn's own "Floating-point under-/overflow" error
        return False
    return True


def _builtin_curve(X, y, name, *, epochs, eta0, power_t, alpha, tol, n_iter_no_change, random_state, bar):
    """Training MSE per epoch of one built-in rule; ``(curve, diverged_epoch or None)``."""
    from sklearn.linear_model import SGDRegressor

    from ..schedules.sklearn_rules import SklearnAdaptiveLR

    adaptive = SklearnAdaptiveLR(eta0, tol=tol, n_iter_no_change=n_iter_no_change) if name == "adaptive" else None
    model = SGDRegressor(learning_rate="constant" if adaptive else name, eta0=eta0, power_t=power_t, alpha=alpha,
                         shuffle=False, random_state=random_state)
    rng = np.random.default_rng(random_state)
    curve = []
    for epoch in range(epochs):
        order = rng.permutation(X.shape[0])
        ok = _partial_fit(model, X[order], y[order])
        mse = _mse(model, X, y) if ok else np.inf
        bar.update()
        if _diverged(mse, y):
            bar.update(epochs - epoch - 1)
            return np.asarray(curve), epoch
        curve.append(mse)
        if adaptive is not None:
            model.eta0 = adaptive.step(0.5 * mse)  # scikit-learn's squared loss is (p - y)^2 / 2
    return np.asarray(curve), None


def sklearn_schedule_curves(X, y, *, epochs=50, learning_rates=DEFAULT_RULES, eta0=0.01, power_t=0.25, alpha=1e-4,
                            tol=1e-3, n_iter_no_change=5, random_state=42, progress=False) -> Curves:
    r"""Training MSE after each epoch for scikit-learn's built-in schedules, in one pass each.

    One ``SGDRegressor`` per rule, one ``partial_fit`` per epoch over the shuffled data (the sample
    counter ``t_`` carries over, so ``invscaling``/``optimal`` decay exactly as in ``fit``);
    ``"adaptive"`` is driven by :class:`~lrcourse.SklearnAdaptiveLR` (see the module docstring).

    Parameters
    ----------
    X, y : arrays of shape (n, d) and (n,)
    epochs : int, default 50
    learning_rates : sequence of str, default ("constant", "invscaling", "adaptive")
        Any of ``"constant", "optimal", "invscaling", "adaptive"``. ``"optimal"`` is left out by
        default: its first rate :math:`\alpha^{-1/4}` (10 for ``alpha=1e-4``) makes it diverge on
        an unscaled regression target.
    eta0, power_t, alpha, tol, n_iter_no_change, random_state :
        As in ``SGDRegressor`` (``tol`` and ``n_iter_no_change`` only matter for ``"adaptive"``).
    progress : bool, default False
        tqdm bar over epochs.

    Returns
    -------
    Curves
        ``{learning_rate: ndarray of shape (epochs,)}``. A rule whose MSE becomes non-finite or
        ``DIVERGE_FACTOR`` (1000) times the variance of ``y`` is stopped: its curve is shorter
        (possibly empty, never NaN), ``.diverged[name]`` gives the epoch, and a ``RuntimeWarning``
        names it.
    """
    from tqdm.auto import tqdm

    X, y = _check_xy(X, y)
    epochs = check.integer("epochs", epochs, minimum=1)
    rules = _check_rules(learning_rates)
    settings = dict(epochs=epochs, eta0=check.positive("eta0", eta0), power_t=check.real("power_t", power_t),
                    alpha=check.nonnegative("alpha", alpha), tol=check.positive("tol", tol),
                    n_iter_no_change=check.integer("n_iter_no_change", n_iter_no_change, minimum=1),
                    random_state=check.integer("random_state", random_state, minimum=0))
    if "optimal" in rules and settings["alpha"] == 0:
        raise ValueError("alpha must be > 0 for learning_rate='optimal'")
    out = Curves()
    with tqdm(total=len(rules) * epochs, desc="sklearn schedules", disable=not progress, leave=False) as bar:
        for name in rules:
            out[name], stop = _builtin_curve(X, y, name, bar=bar, **settings)
            if stop is not None:
                out.diverged[name] = stop
                _warn_diverged(f"SGDRegressor(learning_rate={name!r})", stop)
    return out


def lrcourse_schedule_curve(X, y, schedule, *, epochs=50, step_per="epoch", batch_size=32, alpha=1e-4,
                            random_state=42) -> tuple[np.ndarray, np.ndarray]:
    r"""Training MSE per epoch of ``SGDRegressor.partial_fit`` driven by an lrcourse schedule.

    ``model.eta0 = schedule(t)`` before every ``partial_fit`` call, with ``learning_rate="constant"``;
    ``t`` counts epochs (one ``partial_fit`` over the shuffled data per epoch) or mini-batches.

    Returns
    -------
    (mse, lrs) : ndarrays
        MSE after each epoch (shape ``(epochs,)``) and the rate used at each ``partial_fit`` call.
        On divergence (as in :func:`sklearn_schedule_curves`) both stop at the last good epoch and a
        ``RuntimeWarning`` is issued.
    """
    mse, lrs, stop = _schedule_curve(X, y, schedule, epochs=epochs, step_per=step_per, batch_size=batch_size,
                                     alpha=alpha, random_state=random_state)
    if stop is not None:
        _warn_diverged("SGDRegressor driven by a schedule", stop)
    return mse, lrs


def _schedule_curve(X, y, schedule, *, epochs, step_per, batch_size, alpha, random_state, name="schedule"):
    """:func:`lrcourse_schedule_curve` without the warning: ``(mse, lrs, diverged_epoch or None)``."""
    from sklearn.linear_model import SGDRegressor

    X, y = _check_xy(X, y)
    check.function(name, schedule)
    epochs = check.integer("epochs", epochs, minimum=1)
    step_per = check.choice("step_per", step_per, ("epoch", "batch"))
    batch_size = check.integer("batch_size", batch_size, minimum=1)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size ({batch_size}) must not exceed the number of samples ({X.shape[0]})")
    random_state = check.integer("random_state", random_state, minimum=0)
    rng = np.random.default_rng(random_state)
    model = SGDRegressor(learning_rate="constant", eta0=1.0, alpha=check.nonnegative("alpha", alpha),
                         random_state=random_state, shuffle=False)
    mse, lrs = [], []
    t = 0
    for epoch in range(epochs):
        n_before = len(lrs)
        order = rng.permutation(X.shape[0])
        chunks = [order] if step_per == "epoch" else [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        for idx in chunks:
            lr = user_number(schedule, epoch if step_per == "epoch" else t, name)
            if lr == 0:
                raise ValueError(f"{name} must return a rate > 0, got 0 at step {t}")
            model.eta0 = lr
            if not _partial_fit(model, X[idx], y[idx]):
                break
            lrs.append(lr)
            t += 1
        value = _mse(model, X, y) if len(lrs) == n_before + len(chunks) else np.inf
        if _diverged(value, y):
            return np.asarray(mse), np.asarray(lrs[:n_before]), epoch
        mse.append(value)
    return np.asarray(mse), np.asarray(lrs), None


def compare_sgd_regressor(schedules=None, *, learning_rates=DEFAULT_RULES, epochs=50, eta0=0.01, step_per="epoch",
                          batch_size=32, n_features=10, n_samples=500, noise=25.0, random_state=42,
                          progress=False) -> Curves:
    """Built-in ``SGDRegressor`` schedules and lrcourse schedules on the same data and shuffles.

    Parameters
    ----------
    schedules : dict, optional
        ``name -> lrcourse schedule``; default: a cosine annealing from ``eta0`` over the run.
    learning_rates : sequence of str, default ("constant", "invscaling", "adaptive")
        The built-in rules to run (add ``"optimal"`` explicitly; ``()`` for none).
    epochs, eta0, step_per, batch_size : see :func:`lrcourse_schedule_curve`.
    n_features, n_samples, noise, random_state : passed to :func:`regression_data`.

    Returns
    -------
    Curves
        ``name -> MSE per epoch`` (built-ins under their scikit-learn names); ``.diverged`` maps
        every run that diverged to its epoch (its curve stops before it, with a ``RuntimeWarning``).
    """
    if schedules is not None and not isinstance(schedules, dict):
        raise TypeError("schedules must be a dict name -> schedule")
    epochs = check.integer("epochs", epochs, minimum=1)
    step_per = check.choice("step_per", step_per, ("epoch", "batch"))
    batch_size = check.integer("batch_size", batch_size, minimum=1)
    X, y = regression_data(n_features, n_samples, noise, random_state)
    out = sklearn_schedule_curves(X, y, epochs=epochs, learning_rates=learning_rates, eta0=eta0,
                                  random_state=random_state, progress=progress)
    if schedules is None:
        from ..schedules.pytorch import CosineAnnealingLR

        n = epochs if step_per == "epoch" else epochs * -(-n_samples // batch_size)
        schedules = {"lrcourse cosine": CosineAnnealingLR(lr=eta0, T_max=n)}
    for name, sched in schedules.items():
        if name in out:
            raise ValueError(f"schedules: name {name!r} clashes with a built-in rule")
        out[name], _, stop = _schedule_curve(X, y, sched, epochs=epochs, step_per=step_per, batch_size=batch_size,
                                             alpha=1e-4, random_state=random_state, name=f"schedules[{name!r}]")
        if stop is not None:
            out.diverged[name] = stop
            _warn_diverged(f"schedule {name!r}", stop)
    return out

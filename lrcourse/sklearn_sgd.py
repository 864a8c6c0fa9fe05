r"""scikit-learn's ``SGDRegressor`` schedules next to an lrcourse schedule, epoch by epoch.

scikit-learn's built-in ``learning_rate`` options (``t`` counts samples seen, from 1):

- ``"constant"``: :math:`\eta = \eta_0`;
- ``"optimal"``: :math:`\eta = 1 / (\alpha (t + t_0))` with Bottou's heuristic :math:`t_0`;
- ``"invscaling"``: :math:`\eta = \eta_0 / t^{p}` (``power_t`` = :math:`p`);
- ``"adaptive"``: :math:`\eta_0` until ``n_iter_no_change`` epochs fail to improve the training loss
  by ``tol``, then divided by 5.

**A pitfall this module avoids.** Calling ``fit`` with ``warm_start=True, max_iter=1`` once per
epoch looks like epoch-by-epoch training, but every ``fit`` resets the internal counter ``t_`` to 1
(so ``invscaling``/``optimal`` restart their decay each epoch) and ``adaptive`` never sees more than
one epoch. Here the built-in run's curve after :math:`k` epochs is the model from a fresh
``fit(max_iter=k)`` with the same ``random_state``: the first :math:`k` epochs of one long ``fit``
are exactly reproduced, since the shuffles come from the same seeded stream.

The lrcourse side uses ``learning_rate="constant"`` and ``partial_fit``, setting ``model.eta0``
from the schedule before every call: once per epoch (``step_per="epoch"``) or once per mini-batch
(``step_per="batch"``, mini-batches drawn from a shuffled order).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _validate as check

__all__ = ["regression_data", "sklearn_schedule_curves", "lrcourse_schedule_curve", "compare_sgd_regressor"]

BUILTIN = ("constant", "optimal", "invscaling", "adaptive")


def regression_data(n_features=10, n_samples=500, noise=25.0, random_state=42):
    """``make_regression`` data with standardized features: ``(X, y)``."""
    from sklearn.datasets import make_regression

    n_samples = check.integer("n_samples", n_samples, minimum=2)
    n_features = check.integer("n_features", n_features, minimum=1)
    noise = check.nonnegative("noise", noise)
    random_state = check.integer("random_state", random_state, minimum=0)
    X, y = make_regression(n_samples=n_samples, n_features=n_features, noise=noise, random_state=random_state)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


DIVERGE_FACTOR = 1e3


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


def sklearn_schedule_curves(X, y, *, epochs=50, learning_rates=BUILTIN, eta0=0.01, power_t=0.25, alpha=1e-4,
                            tol=1e-3, random_state=42, progress=False) -> dict:
    """Training MSE after each epoch for scikit-learn's built-in schedules.

    Returns ``{learning_rate: ndarray of shape (epochs,)}``. ``tol`` only matters for
    ``"adaptive"`` (the other runs use ``tol=None`` so they never stop early). A run whose MSE becomes
    non-finite or ``DIVERGE_FACTOR`` (1000) times the variance of ``y`` is stopped: its curve is
    shorter and a ``RuntimeWarning`` names the epoch. (``"optimal"``, designed around
    :math:`1/(\alpha t)` with a small ``alpha``, typically does this on unscaled regression targets.)
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDRegressor
    from tqdm.auto import tqdm

    X, y = _check_xy(X, y)
    epochs = check.integer("epochs", epochs, minimum=1)
    learning_rates = tuple(check.choice("learning_rates", lr, BUILTIN) for lr in learning_rates)
    eta0 = check.positive("eta0", eta0)
    power_t = check.real("power_t", power_t)
    alpha = check.nonnegative("alpha", alpha)
    tol = check.positive("tol", tol)
    random_state = check.integer("random_state", random_state, minimum=0)
    out = {}
    total = len(learning_rates) * epochs
    with tqdm(total=total, desc="sklearn schedules", disable=not progress, leave=False) as bar, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in learning_rates:
            curve = []
            for k in range(1, epochs + 1):
                model = SGDRegressor(learning_rate=name, eta0=eta0, power_t=power_t, alpha=alpha, max_iter=k,
                                     tol=tol if name == "adaptive" else None, n_iter_no_change=5,
                                     random_state=random_state, shuffle=True)
                try:
                    with np.errstate(over="ignore", invalid="ignore"):
                        model.fit(X, y)
                    mse = _mse(model, X, y) if model.n_iter_ == k else curve[-1]
                except ValueError:  # scikit-learn's own overflow error
                    mse = np.inf
                bar.update()
                if _diverged(mse, y):
                    _warn_diverged(f"SGDRegressor(learning_rate={name!r})", k - 1)
                    bar.update(epochs - k)
                    break
                curve.append(mse)
            out[name] = np.asarray(curve)
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
    from sklearn.linear_model import SGDRegressor

    X, y = _check_xy(X, y)
    check.function("schedule", schedule)
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
            lr = float(schedule(epoch if step_per == "epoch" else t))
            if not (np.isfinite(lr) and lr > 0):
                raise ValueError(f"schedule must return a finite rate > 0, got {lr!r} at step {t}")
            model.eta0 = lr
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    model.partial_fit(X[idx], y[idx])
            except ValueError:  # scikit-learn's own overflow error
                break
            lrs.append(lr)
            t += 1
        value = _mse(model, X, y) if len(lrs) == n_before + len(chunks) else np.inf
        if _diverged(value, y):
            _warn_diverged("SGDRegressor driven by a schedule", epoch)
            return np.asarray(mse), np.asarray(lrs[:n_before])
        mse.append(value)
    return np.asarray(mse), np.asarray(lrs)


def compare_sgd_regressor(schedules=None, *, epochs=50, eta0=0.01, step_per="epoch", batch_size=32,
                          n_features=10, n_samples=500, noise=25.0, random_state=42, progress=False) -> dict:
    """Built-in ``SGDRegressor`` schedules and lrcourse schedules on the same data.

    Parameters
    ----------
    schedules : dict, optional
        ``name -> lrcourse schedule``; default: a cosine annealing from ``eta0`` over ``epochs``.
    epochs, eta0, step_per, batch_size : see :func:`lrcourse_schedule_curve`.
    n_features, n_samples, noise, random_state : passed to :func:`regression_data`.

    Returns
    -------
    dict
        ``name -> MSE per epoch`` (built-ins under their scikit-learn names).
    """
    X, y = regression_data(n_features, n_samples, noise, random_state)
    out = sklearn_schedule_curves(X, y, epochs=epochs, eta0=eta0, random_state=random_state, progress=progress)
    if schedules is None:
        from .schedules import CosineAnnealingLR

        n = epochs if step_per == "epoch" else epochs * -(-n_samples // batch_size)
        schedules = {"lrcourse cosine": CosineAnnealingLR(lr=eta0, T_max=n)}
    if not isinstance(schedules, dict):
        raise TypeError("schedules must be a dict name -> schedule")
    for name, sched in schedules.items():
        out[name] = lrcourse_schedule_curve(X, y, sched, epochs=epochs, step_per=step_per, batch_size=batch_size,
                                            random_state=random_state)[0]
    return out

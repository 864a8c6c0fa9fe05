"""scikit-learn SGDRegressor schedules next to lrcourse schedules driving partial_fit."""

import numpy as np
import pytest

from lrcourse import ConstantSchedule, CosineAnnealingLR, ExponentialLR
from lrcourse.interop.sklearn_sgd import (
    compare_sgd_regressor,
    lrcourse_schedule_curve,
    regression_data,
    sklearn_schedule_curves,
)

X, Y = regression_data(n_samples=300, n_features=5, noise=10.0, random_state=0)


def _ols_mse(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(np.mean((A @ coef - y) ** 2))


def test_data_is_standardized():
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1)


def test_builtin_curves():
    curves = sklearn_schedule_curves(X, Y, epochs=20, eta0=0.01, learning_rates=("constant", "invscaling", "adaptive"))
    assert set(curves) == {"constant", "invscaling", "adaptive"}
    assert all(c.shape == (20,) for c in curves.values())
    ols = _ols_mse(X, Y)
    for name in ("constant", "invscaling", "adaptive"):
        assert np.all(curves[name] >= ols * (1 - 1e-9))  # nothing beats least squares on training MSE
        assert curves[name][-1] < 1.2 * ols
    # 'adaptive' runs at eta0 until it stops improving, so its first epochs replay 'constant' exactly,
    # which also shows that fit(max_iter=k) repeats the same seeded shuffles
    np.testing.assert_array_equal(curves["adaptive"][:3], curves["constant"][:3])
    # inverse scaling keeps decaying its step, so its late curve wobbles less than the constant one
    assert np.std(np.diff(curves["invscaling"][10:])) <= np.std(np.diff(curves["constant"][10:])) + 1e-9


@pytest.mark.parametrize("step_per", ["epoch", "batch"])
def test_lrcourse_schedule_reaches_least_squares(step_per):
    n = 40 if step_per == "epoch" else 40 * -(-len(X) // 32)
    sched = CosineAnnealingLR(lr=0.01, T_max=n)
    mse, lrs = lrcourse_schedule_curve(X, Y, sched, epochs=40, step_per=step_per, batch_size=32)
    np.testing.assert_allclose(lrs, sched(np.arange(n)))
    ols = _ols_mse(X, Y)
    assert mse[-1] == pytest.approx(ols, rel=0.02)
    assert mse[0] > mse[-1]


def test_same_random_state_is_reproducible():
    a = lrcourse_schedule_curve(X, Y, ExponentialLR(lr=0.01, gamma=0.9), epochs=5)[0]
    b = lrcourse_schedule_curve(X, Y, ExponentialLR(lr=0.01, gamma=0.9), epochs=5)[0]
    np.testing.assert_array_equal(a, b)


def test_compare_returns_all_curves():
    out = compare_sgd_regressor({"const": ConstantSchedule(0.01)}, epochs=5, n_samples=100, n_features=3)
    assert set(out) == {"constant", "invscaling", "adaptive", "const"}  # "optimal" only on request
    assert out.diverged == {}
    assert all(c.shape == (5,) and np.all(np.isfinite(c)) for c in out.values())
    out = compare_sgd_regressor(epochs=3, n_samples=100, n_features=3, learning_rates=())
    assert set(out) == {"lrcourse cosine"}


def test_compare_reports_a_diverged_rule():
    with pytest.warns(RuntimeWarning, match="'optimal'.*diverged at epoch 0"):
        out = compare_sgd_regressor(epochs=4, n_samples=100, n_features=3,
                                    learning_rates=("optimal", "constant"))
    assert out.diverged == {"optimal": 0}  # first rate alpha**-0.25 = 10 on an unscaled target
    assert out["optimal"].size == 0 and out["constant"].shape == (4,)
    with pytest.warns(RuntimeWarning, match="'huge'"):
        out = compare_sgd_regressor({"huge": ConstantSchedule(10.0)}, epochs=3, n_samples=100, n_features=3,
                                    learning_rates=())
    assert out.diverged == {"huge": 0}


def _numpy_sgd_invscaling(X, y, epochs, eta0, power_t, alpha, random_state):
    """Plain per-sample SGD on 0.5 (w.x + b - y)^2 + alpha/2 |w|^2 with eta_t = eta0 / t^p, t = 1, 2, ...

    scikit-learn's update: w <- (1 - eta alpha) w - eta (p - y) x, b <- b - eta (p - y), the gradient taken
    at the old w; the sample counter t never restarts, whatever the epoch.
    """
    rng = np.random.default_rng(random_state)
    w, b, t, curve = np.zeros(X.shape[1]), 0.0, 1, []
    for _ in range(epochs):
        for i in rng.permutation(len(X)):
            eta = eta0 / t ** power_t
            r = X[i] @ w + b - y[i]
            w = (1 - eta * alpha) * w - eta * r * X[i]
            b -= eta * r
            t += 1
        curve.append(np.mean((X @ w + b - y) ** 2))
    return np.array(curve)


def test_invscaling_keeps_decaying_across_epochs():
    # an independent NumPy SGD: the curve matches only if the counter t carries over between epochs
    curves = sklearn_schedule_curves(X, Y, epochs=4, eta0=0.05, power_t=0.5, learning_rates=("invscaling",))
    expected = _numpy_sgd_invscaling(X, Y, 4, 0.05, 0.5, 1e-4, 42)
    np.testing.assert_allclose(curves["invscaling"], expected, rtol=1e-9)


def test_one_pass_without_refitting(monkeypatch):
    from sklearn.linear_model import SGDRegressor

    def no_fit(self, *args, **kwargs):
        raise AssertionError("fit() restarts the rule; curves must come from one partial_fit per epoch")

    monkeypatch.setattr(SGDRegressor, "fit", no_fit)
    calls = []
    original = SGDRegressor.partial_fit
    monkeypatch.setattr(SGDRegressor, "partial_fit", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    sklearn_schedule_curves(X, Y, epochs=7, learning_rates=("constant", "invscaling", "adaptive"))
    assert len(calls) == 3 * 7


def test_adaptive_divides_by_five_after_a_plateau():
    # with a huge tol only the first epoch (best loss = inf before it) counts as an improvement; after
    # n_iter_no_change = 2 more epochs the rate drops to eta0 / 5, so the runs agree for 3 epochs only
    curves = sklearn_schedule_curves(X, Y, epochs=6, eta0=0.01, tol=1e6, n_iter_no_change=2,
                                     learning_rates=("adaptive", "constant"))
    np.testing.assert_array_equal(curves["adaptive"][:3], curves["constant"][:3])
    assert np.all(curves["adaptive"][3:] != curves["constant"][3:])


def test_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        lrcourse_schedule_curve(X, Y, ConstantSchedule(0.01), batch_size=10_000)
    with pytest.raises(TypeError, match="schedule"):
        lrcourse_schedule_curve(X, Y, 0.01)
    with pytest.raises(ValueError, match="rate > 0"):
        lrcourse_schedule_curve(X, Y, lambda t: 0.0, epochs=1)
    with pytest.raises(ValueError, match="learning_rates"):
        sklearn_schedule_curves(X, Y, learning_rates=("cosine",))
    with pytest.raises(ValueError, match="one per row"):
        sklearn_schedule_curves(X, Y[:-1])
    with pytest.raises(ValueError, match="repeat"):
        sklearn_schedule_curves(X, Y, learning_rates=("constant", "constant"))
    with pytest.raises(TypeError, match="schedules"):
        compare_sgd_regressor([ConstantSchedule(0.01)], epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        compare_sgd_regressor(epochs=1, step_per="batch", batch_size=0)
    with pytest.raises(ValueError, match=r"schedules\['bad'\]\(0\) returned a negative value"):
        compare_sgd_regressor({"bad": lambda t: -0.01}, epochs=1, learning_rates=())
    with pytest.raises(ValueError, match="n_samples and n_features"):
        regression_data(n_features=10**6, n_samples=10**6)



def test_divergence_is_reported_and_the_curve_stops():
    with pytest.warns(RuntimeWarning, match="diverged at epoch 0"):
        mse, lrs = lrcourse_schedule_curve(X, Y, ConstantSchedule(10.0), epochs=3)
    assert mse.size == 0 and lrs.size == 0
    with pytest.warns(RuntimeWarning, match="optimal"):
        curves = sklearn_schedule_curves(X, Y, epochs=5, learning_rates=("optimal", "constant"))
    assert curves["optimal"].size < 5 and np.all(np.isfinite(curves["optimal"]))
    assert curves.diverged == {"optimal": curves["optimal"].size}
    assert curves["constant"].size == 5

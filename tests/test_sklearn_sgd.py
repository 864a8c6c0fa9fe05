"""scikit-learn SGDRegressor schedules next to lrcourse schedules driving partial_fit."""

import numpy as np
import pytest

from lrcourse import ConstantSchedule, CosineAnnealingLR, ExponentialLR
from lrcourse.sklearn_sgd import (
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


@pytest.mark.filterwarnings("ignore:SGDRegressor:RuntimeWarning")
def test_compare_returns_all_curves():
    out = compare_sgd_regressor({"const": ConstantSchedule(0.01)}, epochs=5, n_samples=100, n_features=3)
    assert set(out) == {"constant", "optimal", "invscaling", "adaptive", "const"}
    out = compare_sgd_regressor(epochs=3, n_samples=100, n_features=3)
    assert "lrcourse cosine" in out


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



def test_divergence_is_reported_and_the_curve_stops():
    with pytest.warns(RuntimeWarning, match="diverged at epoch 0"):
        mse, lrs = lrcourse_schedule_curve(X, Y, ConstantSchedule(10.0), epochs=3)
    assert mse.size == 0 and lrs.size == 0
    with pytest.warns(RuntimeWarning, match="optimal"):
        curves = sklearn_schedule_curves(X, Y, epochs=5, learning_rates=("optimal", "constant"))
    assert curves["optimal"].size < 5 and np.all(np.isfinite(curves["optimal"]))
    assert curves["constant"].size == 5

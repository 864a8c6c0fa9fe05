"""The scikit-learn rules reproduce what SGDRegressor actually does, sample by sample."""

import numpy as np
import pytest
from sklearn.linear_model import SGDRegressor

import lrcourse as L


def _replay(lrs, x, y, alpha=0.0):
    """Plain SGD on squared loss for one weight (no intercept), with scikit-learn's L2 shrink."""
    w = 0.0
    for eta, xi, yi in zip(lrs, x, y):
        grad = w * xi - yi
        w = w * max(0.0, 1.0 - eta * alpha) - eta * grad * xi
    return w


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    return x, 2.0 * x + rng.normal(scale=0.1, size=200)


def test_invscaling_matches_sgdregressor(data):
    x, y = data
    model = SGDRegressor(learning_rate="invscaling", eta0=0.05, power_t=0.4, penalty=None, fit_intercept=False,
                         shuffle=False, max_iter=1, tol=None)
    model.partial_fit(x[:, None], y)
    lrs = L.SklearnInvScalingLR(eta0=0.05, power_t=0.4)(np.arange(x.size))
    assert model.coef_[0] == pytest.approx(_replay(lrs, x, y), rel=1e-10)


def test_optimal_matches_sgdregressor(data):
    x, y = data
    alpha = 0.01
    model = SGDRegressor(learning_rate="optimal", alpha=alpha, penalty="l2", fit_intercept=False,
                         shuffle=False, max_iter=1, tol=None)
    model.partial_fit(x[:, None], y)
    lrs = L.SklearnOptimalLR(alpha=alpha)(np.arange(x.size))
    assert model.coef_[0] == pytest.approx(_replay(lrs, x, y, alpha=alpha), rel=1e-10)


def test_adaptive_divides_by_five_after_n_stalls():
    rule = L.SklearnAdaptiveLR(eta0=0.1, tol=1e-3, n_iter_no_change=2)
    losses = [1.0, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2]
    # stall counts: -,0,1,2(cut),0,1,2(cut),1,2(cut)
    np.testing.assert_allclose(rule.trace(losses), [0.1, 0.1, 0.1, 0.02, 0.02, 0.02, 0.004, 0.004, 0.0008])
    assert rule.lr == 0.1  # trace works on a copy

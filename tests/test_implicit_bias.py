import numpy as np
import pytest
from scipy.optimize import minimize

from lrcourse import InversePowerDecay
from lrcourse.dynamics.implicit_bias import angle_between, implicit_bias_path, max_margin_direction, separable_data


def hard_margin_qp(X, y):
    """Independent reference: min |w|^2/2 s.t. y_i x_i.w >= 1, solved with SLSQP."""
    cons = {"type": "ineq", "fun": lambda w: y * (X @ w) - 1, "jac": lambda w: y[:, None] * X}
    w0 = np.linalg.lstsq(X, y, rcond=None)[0] * 10
    res = minimize(lambda w: 0.5 * w @ w, w0, jac=lambda w: w, constraints=[cons], method="SLSQP",
                   options={"ftol": 1e-12, "maxiter": 500})
    return res.x / np.linalg.norm(res.x)


def test_separable_data_is_separable():
    X, y, u = separable_data(80, 3, rng=np.random.default_rng(0), margin=0.3)
    assert X.shape == (80, 3) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.all(y * (X @ u) >= 0.3)


def test_svm_direction_matches_qp():
    X, y, _ = separable_data(40, 2, rng=np.random.default_rng(1))
    np.testing.assert_allclose(max_margin_direction(X, y), hard_margin_qp(X, y), atol=1e-3)


def test_angle_shrinks_along_training():
    # the convergence is slow (angle ~ 1/log t) and need not be monotone for every data set;
    # this data set (fixed seed) shows the typical steady decrease after the first phase
    X, y, _ = separable_data(50, 5, rng=np.random.default_rng(0))
    path = implicit_bias_path(X, y, InversePowerDecay(5.0, 0.5), 5000, record_every=250)
    ang = np.degrees(path.angle)
    assert ang[0] > 45                                    # starts far from the SVM direction
    assert np.all(np.diff(ang) < 0)                       # and keeps turning towards it
    assert ang[-1] < 0.7 * ang[1]
    assert np.all(np.diff(path.norm[1:]) > 0)             # the norm keeps growing
    assert 0 < path.margin[1] < path.margin[-1]             # separates, with a growing normalized margin
    assert path.margin[-1] <= path.svm_margin + 1e-9      # nothing beats the max margin
    assert np.all(np.diff(path.loss) <= 1e-12)            # full-batch GD with small steps descends


def test_angle_between():
    assert angle_between([1.0, 0.0], np.array([0.0, 2.0]), degrees=True) == pytest.approx(90.0)
    np.testing.assert_allclose(angle_between(np.array([[1.0, 1.0], [-1.0, 0.0]]), np.array([1.0, 0.0])),
                               [np.pi / 4, np.pi])
    with pytest.raises(ValueError):
        angle_between([0.0, 0.0], np.array([1.0, 0.0]))
    with pytest.raises(ValueError):
        angle_between([1.0, 0.0, 0.0], np.array([1.0, 0.0]))


def test_not_separable_raises():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    y = np.array([1.0, -1.0, 1.0])
    with pytest.raises(ValueError):
        max_margin_direction(X, y)
    with pytest.raises(TypeError):
        separable_data(10, rng=3)


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="w must be one vector"):
        angle_between(1.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="scale"):
        separable_data(10, rng=np.random.default_rng(0), scale=1e308)
    with pytest.raises(TypeError, match="rng"):
        separable_data(10, rng=1)
    with pytest.raises(ValueError, match="n and dim"):
        separable_data(10**9, 10**3, rng=np.random.default_rng(0))

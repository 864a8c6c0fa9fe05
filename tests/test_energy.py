import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse.dynamics.mechanics import (damping_from_momentum, energy, energy_change, energy_change_from_rest,
                             energy_injection_threshold, heavy_ball, momentum_from_damping)
from lrcourse.dynamics.problems import Quadratic, ScalarQuadratic


@settings(max_examples=60)
@given(st.floats(0.05, 20), st.floats(-5, 5).filter(lambda x: abs(x) > 1e-3), st.floats(0, 0.99))
def test_sign_of_energy_change_flips_at_threshold(lam, x, beta):
    eta_c = energy_injection_threshold(lam)
    assert eta_c == pytest.approx(2 / (lam + 1))
    below = energy_change(x, 0.0, lr=0.9 * eta_c, momentum=beta, curvature=lam)
    above = energy_change(x, 0.0, lr=1.1 * eta_c, momentum=beta, curvature=lam)
    at = energy_change(x, 0.0, lr=eta_c, momentum=beta, curvature=lam)
    assert below < 0 < above
    assert abs(at) <= 1e-9 * max(1.0, lam * x * x)


def test_closed_form_matches_direct_computation():
    lam, x = 3.0, 1.7
    lrs = np.linspace(0.0, 1.0, 41)
    direct = np.array([energy_change(x, 0.0, lr=e, momentum=0.5, curvature=lam) for e in lrs])
    np.testing.assert_allclose(energy_change_from_rest(x, lr=lrs, curvature=lam), direct, atol=1e-12)
    # the threshold lies below the divergence limit 2/lam: injection while the loss still decreases
    eta = 0.5 * (2 / (lam + 1) + 2 / lam)
    assert energy_change(x, 0.0, lr=eta, momentum=0.0, curvature=lam) > 0
    assert abs(1 - eta * lam) < 1


def test_heavy_ball_path_energy_bookkeeping():
    # scalar basin f = lam/2 (theta - c)^2 ; one restart step from rest above / below the threshold
    lam = 4.0
    p = ScalarQuadratic(curvature=lam, center=1.0)
    for factor, sign in ((0.8, -1), (1.2, +1)):
        lr = factor * energy_injection_threshold(lam)
        path = heavy_ball(p, lr, 1, momentum=0.9, theta0=np.array([3.0, -2.0]))
        assert np.all(np.sign(path.energy_change[:, 0]) == sign)
        x = np.array([3.0, -2.0]) - 1.0
        np.testing.assert_allclose(path.energy_change[:, 0], energy_change_from_rest(x, lr=lr, curvature=lam))


def test_energy_dissipates_for_small_steps_with_damping():
    p = Quadratic.from_condition_number(10.0, 4, rng=np.random.default_rng(0), minimizer=np.zeros(4))
    path = heavy_ball(p, 0.01, 300, momentum=0.8, theta0=np.ones(4))
    assert path.energy[0, -1] < 1e-3 * path.energy[0, 0]
    np.testing.assert_allclose(path.energy[:, 0], energy(p, np.ones((1, 4)), np.zeros((1, 4))))


def test_damping_mapping_roundtrip():
    beta = momentum_from_damping(2.0, 0.04)
    assert beta == pytest.approx(1 - 2.0 * 0.2)
    assert damping_from_momentum(beta, 0.04) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        momentum_from_damping(10.0, 0.04)


@pytest.mark.parametrize("call", [
    lambda: energy_injection_threshold(0.0),
    lambda: energy_change(1.0, 0.0, lr=-0.1, momentum=0.5, curvature=1),
    lambda: energy_change(1.0, 0.0, lr=0.1, momentum=1.5, curvature=1),
    lambda: heavy_ball(ScalarQuadratic(), 0.1, 3, momentum=0.5, theta0=np.ones((2, 2))),
    lambda: heavy_ball("f", 0.1, 3, momentum=0.5, theta0=1.0),
    lambda: energy(ScalarQuadratic(), np.ones(3), np.ones(2)),
    lambda: damping_from_momentum(0.5, 0.0),
])
def test_bad_input(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_old_keyword_beta_still_works_with_a_deprecation_warning():
    p = ScalarQuadratic(curvature=1.0, center=0.0)
    new = heavy_ball(p, 0.1, 20, momentum=0.7, theta0=1.0)
    with pytest.warns(DeprecationWarning, match=r"heavy_ball\(\): the keyword beta= is deprecated, use momentum="):
        old = heavy_ball(p, 0.1, 20, beta=0.7, theta0=1.0)
    np.testing.assert_array_equal(old.theta, new.theta)
    with pytest.warns(DeprecationWarning, match="beta"):
        assert energy_change(1.0, 0.5, lr=0.3, beta=0.4, curvature=2.0) == energy_change(
            1.0, 0.5, lr=0.3, momentum=0.4, curvature=2.0)
    with pytest.warns(DeprecationWarning, match="beta"):
        assert damping_from_momentum(beta=0.6, lr=0.04) == pytest.approx(2.0)
    with pytest.raises(TypeError, match="both momentum= and its old name beta="):
        heavy_ball(p, 0.1, 20, momentum=0.7, beta=0.7, theta0=1.0)


def test_heavy_ball_is_torch_sgd_momentum_at_a_constant_rate():
    # v = -lr * b for torch's buffer b = momentum * b + g: the same iterates when lr is constant
    p = ScalarQuadratic(curvature=3.0, center=1.0)
    path = heavy_ball(p, 0.1, 30, momentum=0.8, theta0=np.array([2.0, -1.0]))
    theta, b = np.array([2.0, -1.0]), np.zeros(2)
    for _ in range(30):
        b = 0.8 * b + 3.0 * (theta - 1.0)
        theta = theta - 0.1 * b
    np.testing.assert_allclose(path.theta[:, -1], theta, rtol=1e-12)


def test_energy_helpers_refuse_what_they_cannot_compute():
    with pytest.raises(TypeError, match="problem"):
        energy("quadratic", 1.0, 0.0)
    with pytest.raises(ValueError, match="heavy_ball: the iterates leave the float range at step"):
        heavy_ball(ScalarQuadratic(curvature=1.0, center=0.0), 1e200, 10, momentum=0.9, theta0=1e200)
    with pytest.raises(ValueError, match="energy_change_from_rest.*x, lr and curvature"):
        energy_change_from_rest(1e200, lr=1e200, curvature=1e200)

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from lrcourse import FunctionSchedule
from lrcourse.dynamics.nesterov import (critical_damping_lr, critically_damped_schedule,
                                        nesterov_iteration_matrix, nesterov_max_lr, nesterov_spectral_radius,
                                        nesterov_stable)
from lrcourse.dynamics.pac_bayes import pac_bayes_kl, pac_bayes_optimal_lr, sgd_posterior_variance
from lrcourse.dynamics.problems import ScalarQuadratic
from lrcourse.dynamics.simulate import simulate_sgd


@settings(max_examples=60)
@given(st.floats(0.0, 3.0), st.floats(0.0, 0.98), st.floats(0.1, 10))
def test_stability_region_matches_eigenvalues(h, mu, lam):
    lr = h / lam
    rho = np.max(np.abs(np.linalg.eigvals(nesterov_iteration_matrix(lr, mu, lam))))
    assert nesterov_spectral_radius(lr, mu, lam) == pytest.approx(rho, abs=1e-7)
    edge = lam * nesterov_max_lr(mu, lam)
    if abs(h - edge) > 1e-6 and h > 1e-6:
        assert nesterov_stable(lr, mu, lam) == (rho < 1)


def test_matrix_reproduces_the_nesterov_recursion():
    # the engine's Nesterov (PyTorch form) on a quadratic from rest follows the same characteristic roots:
    # compare the simulated decay rate with the spectral radius
    lam, lr, mu = 2.0, 0.3, 0.6
    res = simulate_sgd(ScalarQuadratic(lam, 0.0), lr, 200, theta0=1.0, momentum=mu, nesterov=True)
    th = np.abs(res.theta[0])
    rate = (th[200] / th[100]) ** (1 / 100)
    assert rate == pytest.approx(nesterov_spectral_radius(lr, mu, lam), rel=0.05)


@given(st.floats(0.0, 0.95), st.floats(0.1, 10))
def test_critical_damping_gives_double_root(mu, lam):
    lr = critical_damping_lr(mu, lam)
    h = lr * lam
    b, c = (1 - h) * (1 + mu), (1 - h) * mu
    assert b * b - 4 * c == pytest.approx(0.0, abs=1e-10)
    assert nesterov_stable(lr, mu, lam) or lr == 0


def test_critically_damped_is_fastest_nonoscillating():
    # along the critical locus the root is real and double; a slightly smaller lr is overdamped (real roots)
    lam, mu = 1.0, 0.5
    lr = critical_damping_lr(mu, lam)
    assert lr == pytest.approx((0.5 / 1.5) ** 2)
    M = nesterov_iteration_matrix(0.5 * lr, mu, lam)
    assert np.all(np.isreal(np.linalg.eigvals(M)))
    M2 = nesterov_iteration_matrix(2 * lr, mu, lam)
    assert not np.all(np.isreal(np.linalg.eigvals(M2)))


def test_joint_schedule():
    ramp = FunctionSchedule(lambda t: np.minimum(0.9, 0.5 + 0.01 * t))
    sched = critically_damped_schedule(ramp, curvature=4.0)
    t = np.arange(50)
    np.testing.assert_allclose(sched(t), (1 - ramp(t)) ** 2 / (1 + ramp(t)) ** 2 / 4.0)
    assert np.all(np.diff(sched(t)) <= 0)   # more momentum -> smaller critically damped step


def test_pac_bayes_optimum_minimizes_kl():
    lam, sigma, tau = 2.0, 3.0, 0.5
    eta = pac_bayes_optimal_lr(lam, sigma, tau)
    assert eta == pytest.approx(2 * lam * tau**2 / sigma**2)
    found = minimize_scalar(lambda e: pac_bayes_kl(e, curvature=lam, sigma=sigma, tau=tau, mean=0.3),
                            bounds=(1e-6, 10), method="bounded", options={"xatol": 1e-10}).x
    assert found == pytest.approx(eta, rel=1e-4)
    assert sgd_posterior_variance(eta, lam, sigma) == pytest.approx(tau**2)
    assert pac_bayes_kl(eta, curvature=lam, sigma=sigma, tau=tau) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("call", [
    lambda: nesterov_stable(0.1, 1.0, 1.0),
    lambda: nesterov_spectral_radius(-0.1, 0.5, 1.0),
    lambda: critical_damping_lr(0.5, 0.0),
    lambda: critically_damped_schedule(0.5, 1.0),
    lambda: pac_bayes_optimal_lr(1.0, 0.0, 1.0),
    lambda: pac_bayes_kl(0.0, curvature=1, sigma=1, tau=1),
])
def test_bad_input(call):
    with pytest.raises((ValueError, TypeError)):
        call()

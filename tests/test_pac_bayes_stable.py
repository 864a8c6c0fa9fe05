"""The PAC-Bayes rate with the exact stationary variance stays below the stability limit."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import ConstantSchedule, ScalarQuadratic, pac_bayes_optimal_lr, sgd_variance, simulate_sgd
from lrcourse import pac_bayes_stable_lr

positive = st.floats(1e-2, 1e2)


@settings(max_examples=80)
@given(positive, positive, positive)
def test_prior_variance_is_the_stationary_variance_of_sgd(lam, sigma, tau):
    # stationary = invariant: the exact variance recursion started at tau^2 stays there
    lr = pac_bayes_stable_lr(lam, sigma, tau)
    v = sgd_variance(ConstantSchedule(lr=lr), 5, a=lam, noise_sd=sigma, v0=tau**2)
    np.testing.assert_allclose(v, tau**2, rtol=1e-9)


@settings(max_examples=80)
@given(positive, positive, positive)
def test_rate_is_always_stable_and_positive(lam, sigma, tau):
    lr = pac_bayes_stable_lr(lam, sigma, tau)
    assert 0 < lr < 2 / lam


def test_small_step_limit_is_the_textbook_formula_and_large_curvature_falls_like_two_over_lambda():
    sigma, tau = 1.0, 1.0
    flat = 1e-3                                        # lam * tau / sigma << 1
    assert pac_bayes_stable_lr(flat, sigma, tau) == pytest.approx(pac_bayes_optimal_lr(flat, sigma, tau), rel=1e-5)
    sharp = 1e3
    assert pac_bayes_stable_lr(sharp, sigma, tau) == pytest.approx(2 / sharp, rel=1e-5)
    # the case of the lecture: the small-step formula says 20, a hundred times the limit 0.2
    assert pac_bayes_optimal_lr(10.0, sigma, tau) == pytest.approx(20.0)
    assert pac_bayes_stable_lr(10.0, sigma, tau) == pytest.approx(20 / 101)


def test_largest_rate_is_reached_at_curvature_sigma_over_tau():
    sigma, tau = 2.0, 0.5
    lams = np.geomspace(0.01, 100, 20001)
    rates = np.array([pac_bayes_stable_lr(lam, sigma, tau) for lam in lams])
    assert lams[rates.argmax()] == pytest.approx(sigma / tau, rel=1e-3)
    assert rates.max() == pytest.approx(tau / sigma, rel=1e-6)
    assert pac_bayes_stable_lr(sigma / tau, sigma, tau) == pytest.approx(tau / sigma, rel=1e-12)


def test_simulated_sgd_keeps_the_prior_spread():
    # end to end: 4000 runs started from the prior, 200 noisy steps at the rate, spread unchanged
    lam, sigma, tau, runs = 10.0, 1.0, 1.0, 4000
    rng = np.random.default_rng(5)
    lr = pac_bayes_stable_lr(lam, sigma, tau)
    res = simulate_sgd(ScalarQuadratic(curvature=lam, center=0.0), lr, 200, runs=runs,
                       theta0=rng.normal(0.0, tau, runs), noise_sd=sigma, rng=rng, record_every=200)
    stderr = tau**2 * math.sqrt(2 / runs)
    assert abs(res.theta[:, -1].var() - tau**2) < 4 * stderr


@pytest.mark.parametrize("name, args", [("curvature", (0.0, 1.0, 1.0)), ("sigma", (1.0, -1.0, 1.0)),
                                        ("tau", (1.0, 1.0, float("nan")))])
def test_bad_values_name_the_parameter(name, args):
    with pytest.raises(ValueError, match=name):
        pac_bayes_stable_lr(*args)


def test_wrong_type_names_the_parameter():
    with pytest.raises(TypeError, match="sigma"):
        pac_bayes_stable_lr(1.0, "1", 1.0)

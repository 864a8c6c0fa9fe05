import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import CosineAnnealingLR, InverseTimeDecay
from lrcourse.dynamics.diffusion import (constant_noise_lr, linear_scaling_rule, monte_carlo_variance, noise_scale,
                                ou_variance, ou_variance_hyperbolic, sgd_variance, stationary_variance)
from lrcourse.dynamics.problems import exercise_quadratic
from lrcourse.dynamics.simulate import simulate_sgd


@settings(max_examples=30)
@given(st.floats(0.1, 5), st.floats(0.1, 3), st.floats(0.05, 2), st.floats(0.01, 2), st.floats(0, 3))
def test_hyperbolic_closed_form_solves_the_ode(a, sigma, lr0, beta, v0):
    T = np.array([0.0, 0.5, 2.0, 7.0])
    closed = ou_variance_hyperbolic(T, a=a, sigma=sigma, lr0=lr0, beta=beta, v0=v0)
    sched = InverseTimeDecay(lr0, beta)
    np.testing.assert_allclose(ou_variance(sched, T, a=a, sigma=sigma, v0=v0), closed, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ou_variance(sched, T, a=a, sigma=sigma, v0=v0, method="ode"), closed,
                               rtol=1e-6, atol=1e-9)


def test_limits():
    assert ou_variance_hyperbolic(0, a=2, sigma=1, lr0=1, beta=0.5, v0=0.7) == pytest.approx(0.7)
    assert ou_variance_hyperbolic(1e9, a=2, sigma=1, lr0=1, beta=0.5, v0=0.7) == pytest.approx(0.25, rel=1e-6)
    assert stationary_variance(2, 1) == 0.25
    # beta = 0 is the constant rate: exponential relaxation
    assert ou_variance_hyperbolic(1.0, a=1, sigma=0, lr0=1, beta=0, v0=1) == pytest.approx(np.exp(-2))


def test_sgd_variance_recursion_against_monte_carlo():
    # discrete SGD on (theta-3)^2 (a = 2) with noise sd 0.3, cosine schedule; iterates are Gaussian,
    # so the sample variance has standard error V sqrt(2/(R-1)); allow 4 of them
    runs, T = 20000, 60
    sched = CosineAnnealingLR(0.3, T)
    res = simulate_sgd(exercise_quadratic(), sched, T, runs=runs, theta0=3.0, noise_sd=0.3,
                       rng=np.random.default_rng(7))
    exact = sgd_variance(sched, T, a=2.0, noise_sd=0.3)
    var = res.theta.var(axis=0, ddof=1)
    se = exact[1:] * np.sqrt(2 / (runs - 1))
    assert np.all(np.abs(var[1:] - exact[1:]) < 4 * se)
    # and the mean stays at the minimum within 4 standard errors
    assert np.all(np.abs(res.theta.mean(axis=0) - 3) <= 4 * np.sqrt(exact / runs) + 1e-15)


def test_monte_carlo_matches_ou_theory():
    sched = InverseTimeDecay(1.0, 0.5)
    chk = monte_carlo_variance(sched, 6.0, a=2.0, sigma=1.0, v0=1.0, dt=0.005, runs=8000,
                               rng=np.random.default_rng(11), record_every=100)
    assert chk.max_z() < 4.0                                  # sample vs exact discretized variance
    # the Euler-Maruyama recursion is within O(dt) of the SDE's closed form
    closed = ou_variance_hyperbolic(chk.times, a=2.0, sigma=1.0, lr0=1.0, beta=0.5, v0=1.0)
    np.testing.assert_allclose(chk.continuous, closed, rtol=1e-8)
    assert np.max(np.abs(chk.discrete - closed)) < 0.01
    # and the MC variance is within 4 SE + discretization bias of the closed form
    assert np.all(np.abs(chk.variance - closed) < 4 * chk.stderr + 0.01)


def test_discretization_bias_shrinks_with_dt():
    sched = InverseTimeDecay(1.0, 0.5)
    closed = ou_variance_hyperbolic(4.0, a=2.0, sigma=1.0, lr0=1.0, beta=0.5, v0=1.0)
    errs = []
    for dt in (0.04, 0.02, 0.01):
        steps = int(round(4.0 / dt))
        eta = sched(np.arange(steps) * dt) * dt
        V = sgd_variance(eta, steps, a=2.0, noise_sd=1.0 / np.sqrt(eta), v0=1.0)[-1]
        errs.append(abs(V - closed))
    assert errs[0] > errs[1] > errs[2]
    assert errs[1] / errs[2] == pytest.approx(2.0, rel=0.2)   # first order in dt


def test_noise_scale_and_linear_scaling():
    assert noise_scale(0.1, 32) == pytest.approx(0.1 / 32)
    np.testing.assert_allclose(noise_scale([0.1, 0.2], [10, 20]), [0.01, 0.01])
    new = linear_scaling_rule(0.1, 32, 256)
    assert new == pytest.approx(0.8)
    assert noise_scale(new, 256) == pytest.approx(noise_scale(0.1, 32))
    np.testing.assert_allclose(noise_scale(constant_noise_lr(0.001, [32, 64, 128]), [32, 64, 128]), 0.001)


@settings(max_examples=40)
@given(st.floats(0.05, 10), st.floats(0.005, 1.99), st.floats(0.0, 3.0))
def test_sgd_stationary_variance_is_the_fixed_point_of_the_recursion(a, a_lr, s):
    from lrcourse import sgd_stationary_variance

    lr = a_lr / a
    floor = sgd_stationary_variance(lr, a=a, noise_sd=s)
    # one step of the recursion leaves the floor where it is ...
    assert (1 - a * lr) ** 2 * floor + (lr * s) ** 2 == pytest.approx(floor, rel=1e-12, abs=1e-300)
    # ... and the recursion run from 0 climbs to it (geometrically, at the rate (1 - a lr)^2)
    steps = int(np.ceil(40 / -np.log((1 - a * lr) ** 2)))
    assert sgd_variance(lr, steps, a=a, noise_sd=s)[-1] == pytest.approx(floor, rel=1e-9, abs=1e-300)
    # small steps: the Ornstein-Uhlenbeck value sigma^2/(2a) with sigma^2 = lr s^2, exceeded by 2/(2 - a lr)
    assert floor == pytest.approx(stationary_variance(a, np.sqrt(lr) * s) * 2 / (2 - a * lr), rel=1e-12)


def test_sgd_stationary_variance_arrays_and_limits():
    from lrcourse import sgd_stationary_variance

    np.testing.assert_allclose(sgd_stationary_variance([0.5, 1.0, 1.5], a=1.0, noise_sd=1.0), [1 / 3, 1.0, 3.0])
    with pytest.raises(ValueError, match="stability limit 2/a = 1"):
        sgd_stationary_variance(1.0, a=2.0, noise_sd=1.0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        sgd_stationary_variance([0.1, 0.0], a=1.0, noise_sd=1.0)
    with pytest.raises(ValueError, match="noise_sd"):
        sgd_stationary_variance(0.1, a=1.0, noise_sd=-1.0)
    with pytest.raises(TypeError, match="lr"):
        sgd_stationary_variance("fast", a=1.0, noise_sd=1.0)


@pytest.mark.parametrize("call", [
    lambda: ou_variance_hyperbolic(-1, a=1, sigma=1, lr0=1, beta=1),
    lambda: ou_variance_hyperbolic(1, a=0, sigma=1, lr0=1, beta=1),
    lambda: ou_variance(InverseTimeDecay(1, 1), 1, a=1, sigma=1, method="euler"),
    lambda: sgd_variance(np.ones(3), 4, a=1, noise_sd=1),
    lambda: sgd_variance(0.1, 4, a=1, noise_sd=np.ones(3)),
    lambda: noise_scale(0.1, 0),
    lambda: noise_scale(-0.1, 4),
    lambda: linear_scaling_rule(0.1, 0, 4),
    lambda: monte_carlo_variance(lambda t: 0 * t, 1.0, a=1, sigma=1, rng=np.random.default_rng(0)),
])
def test_bad_input(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_plot_variance_check_smoke():
    from lrcourse.plot.style import use_headless_backend

    use_headless_backend()
    import matplotlib.pyplot as plt

    from lrcourse.plot.dynamics import plot_variance_check

    chk = monte_carlo_variance(InverseTimeDecay(1.0, 0.5), 1.0, a=1.0, sigma=1.0, dt=0.05, runs=200,
                               rng=np.random.default_rng(0))
    ax = plot_variance_check(chk)
    assert ax.get_xlabel() == "time t" and len(ax.get_lines()) >= 2
    plt.close("all")


def test_extreme_parameters_give_a_value_error_naming_them():
    from lrcourse import monte_carlo_variance, pac_bayes_optimal_lr, stationary_variance

    with pytest.raises(ValueError, match="a and sigma"):
        stationary_variance(a=1e-300, sigma=1e200)
    with pytest.raises(ValueError, match="curvature, sigma and tau"):
        pac_bayes_optimal_lr(curvature=1.0, sigma=1e-200, tau=1.0)
    with pytest.raises(ValueError, match="sigma"):
        monte_carlo_variance(CosineAnnealingLR(lr=1.0, T_max=10), 0.1, a=1.0, sigma=1e308, runs=10,
                             rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"T / dt"):
        monte_carlo_variance(CosineAnnealingLR(lr=1.0, T_max=10), 1e300, a=1.0, sigma=1.0, dt=1e-10,
                             rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="schedule"):
        ou_variance(lambda s: -1.0, 1.0, a=1.0, sigma=1.0)

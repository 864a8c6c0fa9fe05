"""Adaptive step-size methods: convergence on quadratics and the step-size rule of each method."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse.stepsize.online import adadelta, adgd, delta_bar_delta, regrettable_delta_bar_delta, vsgd

A = np.diag([1.0, 10.0])
B = np.array([1.0, 2.0])
X_STAR = np.linalg.solve(A, B)


def grad(x):
    return A @ x - B


def loss(x):
    return 0.5 * x @ A @ x - B @ x


def scripted(gradients):
    """A gradient oracle replaying a fixed sequence (ignores x): lets us predict every rate by hand."""
    it = iter(gradients)
    return lambda x: np.array([next(it)])


@pytest.mark.parametrize("method,kwargs", [
    (delta_bar_delta, dict(n_steps=300)),
    (regrettable_delta_bar_delta, dict(n_steps=300)),
    (adadelta, dict(n_steps=3000)),
    (adgd, dict(n_steps=200)),
])
def test_converges_on_quadratic(method, kwargs):
    res = method(grad, [0.0, 0.0], f=loss, **kwargs)
    assert not res.diverged
    np.testing.assert_allclose(res.x_final, X_STAR, atol=1e-6)
    assert res.f[-1] == pytest.approx(loss(X_STAR), abs=1e-10)
    assert res.x.shape == (res.lrs.shape[0] + 1, 2)


def test_dbd_raises_rate_additively_while_signs_agree():
    lr0, kappa = 1e-3, 1e-3
    res = delta_bar_delta(grad, [0.0, 0.0], lr0=lr0, kappa=kappa, n_steps=30)
    # from 0 with small steps, each coordinate approaches its target monotonically: g keeps its sign,
    # so step 0 (no average yet) keeps lr0 and step k adds k * kappa
    assert np.all(np.sign(np.diff(res.x, axis=0)) == np.sign(X_STAR))
    expected = lr0 + kappa * np.arange(30)
    np.testing.assert_allclose(res.lrs, np.column_stack([expected, expected]))


def test_dbd_cuts_rate_multiplicatively_when_sign_flips():
    # 1-D f = x^2 / 2: while the rate exceeds 1, x -> (1 - lr) x flips sign at every step
    phi = 0.2
    res = delta_bar_delta(lambda x: x, [1.0], lr0=3.0, phi=phi, kappa=0.5, theta=0.0, n_steps=5)
    np.testing.assert_allclose(res.lrs[:, 0], 3.0 * (1 - phi) ** np.arange(5))
    assert np.all(np.diff(np.sign(res.x[:, 0])) != 0)


def test_rdbd_regrets_exactly_per_documented_rule():
    grads = [1, 1, 1, -1, -1, -1]
    kw = dict(lr0=1.0, kappa=0.1, phi=0.5, theta=0.0, n_steps=6)
    dbd = delta_bar_delta(scripted(grads), [0.0], **kw)
    rdbd = regrettable_delta_bar_delta(scripted(grads), [0.0], **kw)
    # plain DBD: +0.1, +0.1, then the flip halves the rate, then +0.1, +0.1
    np.testing.assert_allclose(dbd.lrs[:, 0], [1.0, 1.1, 1.2, 0.6, 0.7, 0.8])
    # RDBD: at step 3, <g3,g2> * <g2,g1> < 0 -> undo step 2's increase (1.2 -> 1.1), no new change;
    # step 4 sees another sign change of the products: nothing left to undo; step 5 resumes DBD
    np.testing.assert_allclose(rdbd.lrs[:, 0], [1.0, 1.1, 1.2, 1.1, 1.1, 1.2])
    assert rdbd.method == "rdbd (2 regrets)"


def test_stochastic_dbd_is_reproducible_and_near_optimum():
    noisy = lambda x, rng: grad(x) + 0.5 * rng.standard_normal(2)  # noqa: E731
    r1 = delta_bar_delta(noisy, [0.0, 0.0], n_steps=2000, rng=np.random.default_rng(3))
    r2 = delta_bar_delta(noisy, [0.0, 0.0], n_steps=2000, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(r1.x, r2.x)
    np.testing.assert_allclose(r1.x[-500:].mean(axis=0), X_STAR, atol=0.1)


def test_adadelta_first_rate_matches_formula():
    rho, eps = 0.9, 1e-6
    res = adadelta(grad, [0.0, 0.0], rho=rho, eps=eps, n_steps=1)
    g0 = grad(np.zeros(2))
    np.testing.assert_allclose(res.lrs[0], math.sqrt(eps) / np.sqrt((1 - rho) * g0**2 + eps))
    np.testing.assert_allclose(res.x[1], -res.lrs[0] * g0)


@settings(max_examples=25)
@given(st.lists(st.floats(0.1, 20.0), min_size=2, max_size=4), st.integers(0, 10_000))
def test_adgd_step_rule_and_lower_bound(eigs, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    H = Q @ np.diag(eigs) @ Q.T
    b = rng.normal(size=len(eigs))
    res = adgd(lambda x: H @ x - b, np.zeros(len(eigs)), lr0=1e-3, n_steps=60)
    lam = res.lrs[:, 0]
    L = max(eigs)
    x, g = res.x, np.array([H @ xi - b for xi in res.x])
    for k in range(1, len(lam)):
        if np.linalg.norm(g[k]) < 1e-6:  # below this the gradient differences are round-off
            break
        dg = np.linalg.norm(g[k] - g[k - 1])
        local = np.linalg.norm(x[k] - x[k - 1]) / (2 * dg) if dg > 0 else np.inf
        growth = np.inf if k == 1 else math.sqrt(1 + lam[k - 1] / lam[k - 2]) * lam[k - 1]
        if np.isfinite(min(local, growth)):
            assert lam[k] == pytest.approx(min(local, growth), rel=1e-9)
        # |dx| / |dg| >= 1 / L on a quadratic, and the step never shrinks below the local bound
        assert lam[k] >= 1 / (2 * L) * (1 - 1e-6)


def test_vsgd_deterministic_is_diagonal_newton():
    res = vsgd(grad, lambda x: np.diag(A), [0.0, 0.0], n_steps=5)
    np.testing.assert_allclose(res.lrs[0], 1 / np.diag(A))
    np.testing.assert_allclose(res.x[1], X_STAR)  # a diagonal quadratic is solved in one step


def test_vsgd_stochastic_rates_shrink_below_newton_and_converge():
    noisy = lambda x, rng: grad(x) + rng.standard_normal(2)  # noqa: E731
    res = vsgd(noisy, lambda x, rng: np.diag(A), [0.0, 0.0], n_steps=3000, rng=np.random.default_rng(0))
    # gbar^2 <= vbar (Jensen on the same weights) so eta <= 1/h; noise makes it much smaller late on
    assert np.all(res.lrs <= 1 / np.diag(A) * (1 + 1e-12))
    assert np.all(res.lrs[-100:] < 0.1 / np.diag(A))
    np.testing.assert_allclose(res.x[-1000:].mean(axis=0), X_STAR, atol=0.05)


def test_bad_input():
    with pytest.raises(TypeError, match="rng"):
        delta_bar_delta(grad, [0.0, 0.0], rng=42)
    with pytest.raises(ValueError, match="phi"):
        delta_bar_delta(grad, [0.0, 0.0], phi=1.0)
    with pytest.raises(ValueError, match="grad must return shape"):
        adadelta(lambda x: np.zeros(3), [0.0, 0.0])
    with pytest.raises(ValueError, match="C must be"):
        vsgd(grad, lambda x: np.diag(A), [0.0, 0.0], C=0.5)
    with pytest.raises(ValueError, match="n_steps"):
        adgd(grad, [0.0, 0.0], n_steps=0)
    with pytest.raises(TypeError, match="grad must be callable"):
        regrettable_delta_bar_delta(None, [0.0])


def test_divergence_is_recorded():
    with np.errstate(over="ignore", invalid="ignore"):
        res = delta_bar_delta(lambda x: 10 * x, [1.0], lr0=1.0, kappa=0.0, phi=0.0, n_steps=2000)
    assert res.diverged
    assert np.all(np.isfinite(res.x))


def test_online_rules_report_bad_user_functions_by_name():
    with pytest.raises(ValueError, match="grad must return shape"):
        adadelta(lambda x: np.zeros(3), [0.0, 0.0])
    with pytest.raises(ValueError, match="curvature function must return shape"):
        vsgd(lambda x: x, lambda x: np.ones(5), [1.0, 1.0])
    with pytest.raises(TypeError, match="rng"):
        adadelta(lambda x, rng: x, [1.0], rng="seed")
    with pytest.raises(ValueError, match="x0"):
        adgd(lambda x: x, [np.nan])


def test_scalar_start_gives_vectors_to_the_online_rules():
    seen = []

    def grad(x):
        seen.append(np.shape(x))
        return 2 * x

    res = adadelta(grad, 1.0, n_steps=3)
    assert seen == [(1,)] * 3 and res.x.shape == (4, 1) and res.lrs.shape == (3, 1)


@pytest.mark.parametrize("method, kw", [
    (delta_bar_delta, dict(lr0=1e308)), (adadelta, dict(lr=1e308)), (adgd, dict(lr0=1e308)),
    (vsgd, dict(hess_diag=lambda x: np.ones(1), eps=1e308)),
])
def test_overflow_is_a_divergence_without_warnings(method, kw):
    import warnings

    kw = dict(kw)
    args = (lambda x: x, kw.pop("hess_diag")) if "hess_diag" in kw else (lambda x: x,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = method(*args, [1e308], n_steps=5, **kw)
    assert np.all(np.isfinite(res.x))  # the last finite iterate is kept
    assert res.diverged or res.x.shape[0] == 6  # either flagged, or every step stayed finite

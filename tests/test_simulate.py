import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import ConstantSchedule, CosineAnnealingLR, StepLR
from lrcourse.dynamics.problems import FunctionProblem, Quadratic, SampledQuadratic, ScalarQuadratic, exercise_quadratic
from lrcourse.dynamics.simulate import (DivergenceWarning, compare_schedules, lr_array, simulate_sgd,
                               standard_normal_draws, standard_schedules)


def test_deterministic_gd_closed_form():
    # theta_T - 3 = prod(1 - 2 lr_t) (theta_0 - 3)
    sched = CosineAnnealingLR(0.3, 40)
    res = simulate_sgd(exercise_quadratic(), sched, 40, theta0=0.0)
    lr = sched(np.arange(40))
    expected = 3 + np.concatenate([[1.0], np.cumprod(1 - 2 * lr)]) * (0.0 - 3)
    np.testing.assert_allclose(res.theta[0], expected, rtol=1e-12)
    np.testing.assert_allclose(res.loss[0], (expected - 3) ** 2, rtol=1e-12, atol=1e-15)
    assert res.theta.shape == (1, 41) and not res.diverged.any()


def test_explicit_noise_equals_generator_draws():
    p = Quadratic.from_condition_number(5.0, 3, rng=np.random.default_rng(0))
    kw = dict(runs=7, theta0=np.zeros(3), noise_sd=0.5, momentum=0.5)
    a = simulate_sgd(p, 0.05, 30, rng=np.random.default_rng(42), **kw)
    xi = standard_normal_draws(np.random.default_rng(42), 7, 30, (3,))
    b = simulate_sgd(p, 0.05, 30, noise=xi, **kw)
    np.testing.assert_array_equal(a.theta, b.theta)
    # and a hand-written loop using the same draws
    theta, v = np.zeros((7, 3)), np.zeros((7, 3))
    for t in range(30):
        g = p.grad(theta) + 0.5 * xi[:, t]
        v = 0.5 * v + g
        theta = theta - 0.05 * v
    np.testing.assert_allclose(a.final_theta, theta, rtol=1e-12, atol=1e-14)


def test_block_drawing_does_not_change_draws():
    # 3000 runs forces several noise blocks; the result must equal the explicit single draw
    xi = standard_normal_draws(np.random.default_rng(5), 3000, 800)
    a = simulate_sgd(exercise_quadratic(), 0.1, 800, runs=3000, noise_sd=0.3, rng=np.random.default_rng(5),
                     record_every=800)
    b = simulate_sgd(exercise_quadratic(), 0.1, 800, runs=3000, noise_sd=0.3, noise=xi, record_every=800)
    np.testing.assert_array_equal(a.final_theta, b.final_theta)


def test_common_random_numbers():
    scheds = {"a": CosineAnnealingLR(0.3, 100), "b": CosineAnnealingLR(0.3, 100), "c": StepLR(0.3, 25, 0.5)}
    comp = compare_schedules(exercise_quadratic(), scheds, 100, 50, noise_sd=0.3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(comp["a"].theta, comp["b"].theta)
    assert not np.array_equal(comp["a"].theta, comp["c"].theta)
    # each schedule equals its own single simulation on the same draws
    single = simulate_sgd(exercise_quadratic(), scheds["c"], 100, runs=50, noise_sd=0.3,
                          rng=np.random.default_rng(1))
    np.testing.assert_allclose(comp["c"].theta, single.theta, rtol=1e-13)
    assert [row["schedule"] for row in comp.table] == ["a", "b", "c"]
    row = comp.table[2]
    assert row["mean"] == pytest.approx(single.final_loss.mean())
    assert row["median"] == pytest.approx(np.median(single.final_loss))


def test_common_minibatches():
    p = SampledQuadratic.random(40, rng=np.random.default_rng(0))
    comp = compare_schedules(p, {"x": 0.1, "y": 0.1, "z": 0.2}, 30, 5, batch_size=8, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(comp["x"].theta, comp["y"].theta)


@pytest.mark.parametrize("replace", [False, True])
def test_batch_size_variance_scales_as_one_over_b(replace):
    # start at the minimum, one step with lr 1: theta_1 - c = a (mean of batch centers - c)
    p = SampledQuadratic.random(64, rng=np.random.default_rng(0), spread=1.0)
    runs = 20000
    variances = {}
    for B in (1, 4, 16):
        res = simulate_sgd(p, 1.0, 1, runs=runs, theta0=p.center, batch_size=B, replace=replace,
                           rng=np.random.default_rng(B))
        var = res.final_theta.var(ddof=1)
        exact = p.batch_noise_variance(B, replace=replace)
        # the batch mean is close to Gaussian; 4 standard errors of a sample variance
        assert abs(var - exact) < 4 * exact * np.sqrt(2 / (runs - 1)) * 1.5, (B, var, exact)
        variances[B] = var
    ratio = variances[1] / variances[16]
    expected = p.batch_noise_variance(1, replace=replace) / p.batch_noise_variance(16, replace=replace)
    assert ratio == pytest.approx(expected, rel=0.1)
    if replace:
        assert expected == pytest.approx(16.0)


def test_minibatch_epochs_visit_every_sample():
    # with B = n/4 and 4 steps (one epoch) from the minimum with a tiny lr, the mean batch gradient is exact
    p = SampledQuadratic(np.arange(8.0))
    seen = []

    class Spy(SampledQuadratic):
        def batch_grad(self, theta, idx):
            seen.append(idx.copy())
            return super().batch_grad(theta, idx)

    s = Spy(np.arange(8.0))
    simulate_sgd(s, 0.01, 4, runs=3, batch_size=2, rng=np.random.default_rng(0))
    allidx = np.concatenate(seen, axis=1)
    for r in range(3):
        assert sorted(allidx[r]) == list(range(8))
    assert p.n_samples == 8


def test_divergence_is_recorded_not_nan():
    # lr 1.5 on (theta-3)^2: |theta_t - 3| = 3 * 2^t
    with pytest.warns(DivergenceWarning, match="diverged"):
        res = simulate_sgd(exercise_quadratic(), 1.5, 60, runs=3, theta0=0.0, max_abs=1e6)
    assert res.diverged.all()
    t = np.arange(60)
    first = int(np.argmax(np.abs(3 - 3 * (-2.0) ** (t + 1)) > 1e6))
    assert (res.diverged_at == first).all()
    assert np.all(np.isfinite(res.theta)) and np.all(np.isfinite(res.loss))
    # stopped at the last finite value
    assert np.all(res.theta[:, first + 1:] == res.theta[:, [first]])
    assert np.isnan(res.summary()["mean"]) and res.summary()["diverged"] == 3


def test_nan_gradient_is_caught_per_run():
    # runs starting above 1 hit a NaN gradient; the others are fine
    p = FunctionProblem(lambda x: x**2, lambda x: np.where(x > 1, np.nan, 2 * x), dim=None, vectorized=True)
    with pytest.warns(DivergenceWarning):
        res = simulate_sgd(p, 0.1, 10, theta0=np.array([0.5, 2.0, -3.0]))
    np.testing.assert_array_equal(res.diverged, [False, True, False])
    np.testing.assert_array_equal(res.diverged_at, [-1, 0, -1])
    assert np.all(np.isfinite(res.theta))


def test_divergence_in_comparison_only_flags_bad_schedule():
    with pytest.warns(DivergenceWarning, match="big"):
        comp = compare_schedules(exercise_quadratic(), {"ok": 0.1, "big": 1.2}, 200, 10, noise_sd=0.1,
                                 rng=np.random.default_rng(0))
    assert comp["ok"].n_diverged == 0 and comp["big"].n_diverged == 10
    assert "diverged" in comp.format_table()


@pytest.mark.parametrize("decoupled", [False, True])
def test_weight_decay_product(decoupled):
    zero = FunctionProblem(lambda x: np.zeros(len(x)), lambda x: np.zeros_like(x), dim=2, vectorized=True)
    sched = StepLR(0.5, 10, 0.1)
    res = simulate_sgd(zero, sched, 30, theta0=np.array([1.0, -2.0]), weight_decay=0.4, decoupled=decoupled)
    lr = sched(np.arange(30))
    np.testing.assert_allclose(res.effective_decay, 0.4 * lr)
    expected = np.cumprod(np.concatenate([[1.0], 1 - 0.4 * lr]))
    np.testing.assert_allclose(res.decay_product, expected)
    np.testing.assert_allclose(res.theta[0], np.outer(expected, [1.0, -2.0]), rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("nesterov", [False, True])
def test_against_torch_sgd(nesterov):
    torch = pytest.importorskip("torch")
    p = Quadratic.from_condition_number(8.0, 3, rng=np.random.default_rng(3))
    lrs = CosineAnnealingLR(0.1, 25)(np.arange(25))
    res = simulate_sgd(p, lrs, 25, theta0=np.array([1.0, -1.0, 2.0]), momentum=0.8, nesterov=nesterov,
                       weight_decay=0.05)
    w = torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    A, b = torch.tensor(p.A), torch.tensor(p.b)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.8, nesterov=nesterov, weight_decay=0.05)
    for t in range(25):
        opt.param_groups[0]["lr"] = float(lrs[t])
        opt.zero_grad()
        (0.5 * w @ A @ w - b @ w).backward()
        opt.step()
    np.testing.assert_allclose(res.final_theta[0], w.detach().numpy(), rtol=1e-10)


def test_decoupled_matches_manual_sgdw():
    p = Quadratic.from_condition_number(4.0, 2)
    res = simulate_sgd(p, 0.1, 20, theta0=np.array([2.0, -1.0]), momentum=0.9, weight_decay=0.3, decoupled=True)
    theta, v = np.array([2.0, -1.0]), np.zeros(2)
    for _ in range(20):
        v = 0.9 * v + p.grad(theta)[0]
        theta = (1 - 0.1 * 0.3) * theta - 0.1 * v
    np.testing.assert_allclose(res.final_theta[0], theta, rtol=1e-12)


@settings(max_examples=25)
@given(st.lists(st.floats(0.0, 0.9), min_size=1, max_size=15), st.integers(1, 5), st.integers(0, 1000))
def test_batching_schedules_equals_separate_runs(lrs, runs, seed):
    lrs = np.array(lrs)
    T = len(lrs)
    comp = compare_schedules(exercise_quadratic(), {"a": lrs, "b": lrs[::-1].copy()}, T, runs, noise_sd=1.0,
                             rng=np.random.default_rng(seed))
    for name, arr in (("a", lrs), ("b", lrs[::-1].copy())):
        single = simulate_sgd(exercise_quadratic(), arr, T, runs=runs, noise_sd=1.0, rng=np.random.default_rng(seed))
        np.testing.assert_allclose(comp[name].theta, single.theta, rtol=1e-12, atol=1e-12)


@settings(max_examples=25)
@given(st.floats(0.01, 0.99), st.floats(-10, 10))
def test_zero_noise_contracts_monotonically(lr, theta0):
    # 0 < 2 lr < 2 : |theta - 3| shrinks by |1 - 2 lr| each step
    res = simulate_sgd(exercise_quadratic(), lr, 10, theta0=theta0)
    d = np.abs(res.theta[0] - 3)
    assert np.all(d[1:] <= d[:-1] * abs(1 - 2 * lr) + 1e-12)


def test_record_every_and_shapes():
    res = simulate_sgd(Quadratic(np.eye(2)), 0.1, 25, runs=4, theta0=np.ones(2), noise_sd=0.1,
                       rng=np.random.default_rng(0), record_every=10)
    np.testing.assert_array_equal(res.steps, [0, 10, 20, 25])
    assert res.theta.shape == (4, 4, 2) and res.loss.shape == (4, 4) and res.lr.shape == (25,)
    assert res.decay_product.shape == (26,)


def test_standard_schedules():
    s = standard_schedules(0.3, 100)
    assert list(s) == ["constant", "step", "exponential", "cosine", "warmup+cosine", "1/t"]
    assert all(sch(0) == pytest.approx(0.3) for k, sch in s.items() if k != "warmup+cosine")


@pytest.mark.parametrize("kwargs, exc", [
    (dict(schedule=np.ones(5)), ValueError),                          # wrong length
    (dict(schedule=-0.1), ValueError),                                # negative lr
    (dict(schedule=np.array([0.1] * 9 + [np.nan])), ValueError),      # non-finite lr
    (dict(schedule=np.inf), ValueError),
    (dict(noise_sd=0.1), ValueError),                                 # no rng / noise
    (dict(noise_sd=0.1, noise=np.zeros((3, 10))), ValueError),        # mismatched noise shape (runs=2)
    (dict(noise_sd=-1.0, rng=np.random.default_rng(0)), ValueError),
    (dict(noise_sd=0.1, batch_size=2, rng=np.random.default_rng(0)), ValueError),
    (dict(batch_size=2, rng=np.random.default_rng(0)), TypeError),    # not a finite sum
    (dict(noise=np.zeros((2, 10))), ValueError),                      # noise without noise_sd
    (dict(momentum=1.0), ValueError),
    (dict(nesterov=True), ValueError),
    (dict(weight_decay=-0.1), ValueError),
    (dict(theta0=np.zeros(3)), ValueError),
    (dict(noise_sd=0.1, rng=42), TypeError),
    (dict(steps=0), ValueError),
    (dict(runs=0), ValueError),
])
def test_bad_input(kwargs, exc):
    args = dict(schedule=0.1, steps=10, runs=2)
    args.update(kwargs)
    with pytest.raises(exc):
        simulate_sgd(exercise_quadratic(), args.pop("schedule"), args.pop("steps"), **args)


def test_batch_larger_than_data():
    p = SampledQuadratic(np.arange(10.0))
    with pytest.raises(ValueError, match="larger than the data"):
        simulate_sgd(p, 0.1, 5, batch_size=11, rng=np.random.default_rng(0))
    with pytest.raises(TypeError):
        simulate_sgd("not a problem", 0.1, 5)
    with pytest.raises(TypeError):
        compare_schedules(exercise_quadratic(), {}, 5, 2)


def test_lr_array_sources():
    np.testing.assert_allclose(lr_array(ConstantSchedule(0.2), 3), [0.2] * 3)
    np.testing.assert_allclose(lr_array(lambda t: 0.1 / (1 + t), 3), [0.1, 0.05, 0.1 / 3])
    np.testing.assert_allclose(lr_array(lambda t: 0.1 if t < 1 else 0.0, 3), [0.1, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lr_array(0.5, 4)


def test_plot_helpers_smoke():
    from lrcourse.plot.style import use_headless_backend

    use_headless_backend()
    import matplotlib.pyplot as plt

    from lrcourse.plot.dynamics import plot_final_losses, plot_loss_bands, plot_trajectories

    comp = compare_schedules(exercise_quadratic(), {"c": 0.1, "d": CosineAnnealingLR(0.3, 20)}, 20, 30,
                             noise_sd=0.3, rng=np.random.default_rng(0))
    ax = plot_loss_bands(comp)
    assert len(ax.get_lines()) == 2 and ax.get_ylabel() and ax.get_legend() is not None
    ax = plot_trajectories(comp["c"], max_runs=5)
    assert len(ax.get_lines()) == 6
    plot_final_losses(comp)
    with pytest.raises(TypeError):
        plot_loss_bands([1, 2])
    plt.close("all")


def test_absurd_sizes_are_refused_before_any_allocation():
    with pytest.raises(ValueError, match=r"runs and steps.*GiB.*MEMORY_BUDGET"):
        simulate_sgd(exercise_quadratic(), 0.1, 10, runs=10**12, keep_theta=False)
    with pytest.raises(ValueError, match=r"runs and steps"):
        compare_schedules(exercise_quadratic(), {"a": 0.1, "b": 0.2}, 1000, 200_000)
    with pytest.raises(ValueError, match=r"\bsteps\b.*limit"):
        simulate_sgd(exercise_quadratic(), 0.1, 10**9, record_every=10**9, keep_theta=False)
    with pytest.raises(ValueError, match=r"runs and steps"):
        standard_normal_draws(np.random.default_rng(0), 10**6, 10**6)
    # recording less lets the same run fit the budget
    res = simulate_sgd(exercise_quadratic(), 0.1, 1000, runs=20_000, keep_theta=False, record_every=1000)
    assert res.loss.shape == (20_000, 2)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(nesterov="yes", momentum=0.9), TypeError, "nesterov"),
    (dict(keep_theta=1), TypeError, "keep_theta"),
    (dict(record_every=0), ValueError, "record_every"),
    (dict(max_abs=np.inf), ValueError, "max_abs"),
    (dict(runs=2.5), TypeError, "runs"),
    (dict(theta0="0"), TypeError, "theta0"),
    (dict(noise_sd=0.1, rng=np.random.default_rng(0), batch_size=2), ValueError, "noise_sd"),
])
def test_options_are_validated_by_name(kwargs, error, name):
    with pytest.raises(error, match=name):
        simulate_sgd(exercise_quadratic(), 0.1, 10, **kwargs)


def test_compare_and_simulate_share_the_options_and_the_engine():
    p = Quadratic.from_condition_number(3.0, 2)
    kw = dict(theta0=np.array([1.0, -1.0]), noise_sd=0.2, momentum=0.5, nesterov=True, weight_decay=0.1,
              decoupled=True, record_every=3)
    one = simulate_sgd(p, 0.1, 20, runs=4, rng=np.random.default_rng(7), **kw)
    both = compare_schedules(p, {"x": 0.1}, 20, 4, rng=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(one.theta, both["x"].theta)
    a, b = dict(one.settings), dict(both["x"].settings)
    np.testing.assert_array_equal(a.pop("noise_sd"), b.pop("noise_sd"))
    assert a == b == dict(noise="gauss", batch_size=None, momentum=0.5, nesterov=True, weight_decay=0.1,
                          decoupled=True)

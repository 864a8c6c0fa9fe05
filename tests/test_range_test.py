"""The one-step range test (closed form) and Smith's range test on step functions with a known curve."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrcourse.stepsize.range_test import (
    lr_range_test,
    one_step_range_test,
    range_test_lrs,
    smooth_centered,
    smooth_losses,
    suggest_min_over_10,
    suggest_steepest,
    suggest_valley,
    useful_range,
)

finite = st.floats(-50, 50, allow_nan=False)


@given(finite, st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=30))
def test_one_step_matches_closed_form(theta0, lrs):
    lrs = np.array(lrs)
    # J(theta0 - lr * 2 (theta0 - 3)) = (theta0 - 3)^2 (1 - 2 lr)^2
    expected = (theta0 - 3.0) ** 2 * (1.0 - 2.0 * lrs) ** 2
    np.testing.assert_allclose(one_step_range_test(lrs, theta0), expected, rtol=1e-12, atol=1e-12)


def test_one_step_on_a_vector_problem():
    H = np.diag([1.0, 4.0])
    problem = (lambda th: 0.5 * np.einsum("...i,ij,...j->...", th, H, th), lambda th: H @ th)
    lrs = np.array([0.0, 0.25, 0.5, 1.0])
    theta0 = np.array([1.0, 1.0])
    # coordinates scale by (1 - lr h): loss = 0.5 * sum h (1 - lr h)^2
    expected = 0.5 * ((1 - lrs) ** 2 + 4 * (1 - 4 * lrs) ** 2)
    np.testing.assert_allclose(one_step_range_test(lrs, theta0, problem), expected)


def test_useful_range_of_the_quadratic_is_zero_to_one():
    lrs = np.logspace(-4, np.log10(2.0), 50)
    losses = one_step_range_test(lrs, 0.0)
    low, high = useful_range(lrs, losses, start_loss=9.0)
    assert low == lrs[0]
    assert high < 1.0 <= lrs[np.searchsorted(lrs, high) + 1]
    fine = np.linspace(1e-3, 1.999, 1999)
    low, high = useful_range(fine, one_step_range_test(fine, 0.0), start_loss=9.0)
    assert low == pytest.approx(0.0, abs=2e-3) and high == pytest.approx(1.0, abs=2e-3)
    # the loss still falls with the rate up to 1/J'' = 1/2
    low, high = useful_range(fine, one_step_range_test(fine, 0.0), criterion="falling")
    assert high == pytest.approx(0.5, abs=2e-3)


def test_useful_range_errors():
    lrs = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="start_loss"):
        useful_range(lrs, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="no learning rate"):
        useful_range(lrs, [5.0, 6.0, 7.0], start_loss=1.0)
    with pytest.raises(ValueError, match="shape"):
        useful_range(lrs, [1.0, 2.0], start_loss=1.0)
    with pytest.raises(ValueError, match="increasing"):
        useful_range([1.0, 1.0, 2.0], [1.0, 2.0, 3.0], start_loss=5.0)
    with pytest.raises(ValueError, match="criterion"):
        useful_range(lrs, [1.0, 2.0, 3.0], criterion="best")
    with pytest.raises(ValueError, match="lrs"):
        one_step_range_test([-0.1, 0.2])
    with pytest.raises(TypeError, match="problem"):
        one_step_range_test([0.1], problem=lambda t: t)


def test_sweep_rates():
    lrs = range_test_lrs(1e-6, 1.0, 13)
    assert lrs[0] == pytest.approx(1e-6) and lrs[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], 10**0.5)
    np.testing.assert_allclose(np.diff(range_test_lrs(0.1, 1.0, 10, mode="linear")), 0.1)
    with pytest.raises(ValueError, match="max_lr"):
        range_test_lrs(1.0, 0.5, 10)
    with pytest.raises(ValueError, match="num_iter"):
        range_test_lrs(0.1, 1.0, 1)


@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=40), st.floats(0.0, 0.99))
def test_smoothing_is_a_normalised_weighted_average(losses, beta):
    losses = np.array(losses)
    out = smooth_losses(losses, beta)
    for i in range(len(losses)):
        w = beta ** np.arange(i, -1, -1)  # weight beta^(i-j) on loss j
        assert out[i] == pytest.approx(np.sum(w * losses[: i + 1]) / np.sum(w), rel=1e-9, abs=1e-9)


def _curve(lr):
    """Known loss-vs-rate curve: falls fastest (per decade) at lr = 1e-3, blows up above ~10."""
    u = math.log10(lr)
    return 2.0 - math.tanh(u + 3.0) + 0.01 * math.exp(4.0 * u)


def test_suggestions_land_where_the_loss_falls_fastest():
    res = lr_range_test(_curve, min_lr=1e-7, max_lr=1e3, num_iter=201, progress=False)
    assert res.stopped_early and res.stop_reason == "diverged"
    assert res.ema[-1] > 5.0 * np.nanmin(res.ema)
    assert len(res.lrs) == len(res.losses) == len(res.smoothed) < 201
    # steepest descent of 2 - tanh(u + 3) in u = log10(lr) is at u = -3 (grid spacing 0.05 decades): the
    # zero-lag smoothing finds it exactly, where the default exponential average would lag 49 points
    assert abs(math.log10(res.suggestions["steepest"]) + 3.0) <= 0.051
    true_min = res.lrs[int(np.argmin(res.losses))]
    assert abs(math.log10(res.suggestions["min/10"] * 10 / true_min)) <= 0.051 * 3
    assert res.ema_lag == pytest.approx(49.0)


def test_the_exponential_average_lags_and_the_centred_curve_does_not():
    res = lr_range_test(_curve, min_lr=1e-7, max_lr=1e3, num_iter=201, beta=0.9, progress=False)
    medians = np.array([np.median(res.losses[max(0, i - 4):i + 1]) for i in range(len(res.losses))])
    np.testing.assert_allclose(res.ema[:-1], smooth_losses(medians, 0.9)[:-1])
    ema_steepest = res.lrs[int(np.argmin(np.gradient(res.ema[:-1], np.log(res.lrs[:-1]))))]
    assert math.log10(ema_steepest) + 3.0 > 0.2  # the causal average is late by about beta/(1-beta) points
    assert abs(math.log10(res.suggestions["steepest"]) + 3.0) <= 0.051
    np.testing.assert_allclose(res.smoothed[:-1], smooth_centered(res.losses[:-1]), rtol=1e-12)


def test_noisy_step_fn_still_finds_the_steep_region():
    rng = np.random.default_rng(0)
    res = lr_range_test(lambda lr: _curve(lr) + 0.02 * rng.standard_normal(), min_lr=1e-7, max_lr=1e3,
                        num_iter=1001, beta=0.9, progress=False)
    assert abs(np.log10(res.suggestions["steepest"]) + 3.0) < 0.25


def test_a_planted_early_spike_fools_no_rule():
    clean = lr_range_test(_curve, min_lr=1e-7, max_lr=1e3, num_iter=201, progress=False)
    calls = {"n": 0}

    def spiky(lr):
        calls["n"] += 1
        return _curve(lr) * (40.0 if calls["n"] in (12, 13) else 1.0)  # two huge batch losses early on

    res = lr_range_test(spiky, min_lr=1e-7, max_lr=1e3, num_iter=201, progress=False)
    for rule, lr in clean.suggestions.items():
        assert abs(math.log10(res.suggestions[rule] / lr)) <= 0.051, rule


def test_a_planted_nan_ends_the_run_and_is_marked_but_fools_no_rule():
    clean = lr_range_test(_curve, min_lr=1e-7, max_lr=1e3, num_iter=201, progress=False)
    cut = clean.lrs[-1] / 3  # NaN a little before the natural blow-up
    res = lr_range_test(lambda lr: math.nan if lr > cut else _curve(lr), min_lr=1e-7, max_lr=1e3, num_iter=201,
                        progress=False)
    assert res.stop_reason == "non-finite" and math.isnan(res.losses[-1]) and res.ends[0] == len(res.lrs) - 1
    assert np.all(np.isfinite(res.smoothed[:-1]))
    for rule, lr in clean.suggestions.items():
        assert lr <= cut and abs(math.log10(res.suggestions[rule] / lr)) <= 0.11, rule


def _noisy_quadratic(runs, seed=0, noise_sd=1.0):
    rng = np.random.default_rng(seed)
    state = {"theta": np.zeros(runs)}

    def step(lr):
        theta = state["theta"]
        with np.errstate(over="ignore", invalid="ignore"):
            state["theta"] = theta - lr * (2 * (theta - 3) + noise_sd * rng.standard_normal(runs))
        return (theta - 3) ** 2

    return step


def test_several_seeds_at_once_give_stable_suggestions_and_their_spread():
    res = lr_range_test(_noisy_quadratic(16), min_lr=1e-4, max_lr=10, num_iter=150, progress=False)
    assert res.runs == 16 and res.losses.shape == (len(res.lrs), 16)
    assert all(r == "diverged" for r in res.end_reasons) and np.all(res.lrs[res.ends] > 1.0)
    for rule in ("steepest", "min/10", "valley"):
        per_run = res.per_run[rule]
        assert per_run.shape == (16,) and np.all(np.isfinite(per_run))
        assert res.spread[rule] == (per_run.min(), per_run.max())
        assert res.spread[rule][0] <= res.suggestions[rule] <= res.spread[rule][1]
        # the noise floor is flat, so where its minimum falls is luck: min/10 is the least stable rule
        limit = 1.0 if rule == "min/10" else 0.6
        assert res.spread_decades(rule) < limit, f"{rule} moves {res.spread_decades(rule):.2f} decades across seeds"
    # a second set of seeds agrees with the first within the reported spread
    other = lr_range_test(_noisy_quadratic(16, seed=1), min_lr=1e-4, max_lr=10, num_iter=150, progress=False)
    for rule, (low, high) in res.spread.items():
        assert low / 2 <= other.suggestions[rule] <= high * 2
    assert "decades over 16 runs" in res.table()


def test_a_run_that_diverges_early_does_not_end_the_others():
    def step(lr):
        return np.array([_curve(lr), math.inf if lr > 1e-3 else _curve(lr)])

    res = lr_range_test(step, min_lr=1e-7, max_lr=1e3, num_iter=201, progress=False)
    assert res.end_reasons == ("diverged", "non-finite")
    assert res.lrs[res.ends[1]] > 1e-3 >= res.lrs[res.ends[1] - 1] and res.ends[0] > res.ends[1] + 50
    assert np.all(np.isnan(res.losses[res.ends[1] + 1:, 1]))


def test_step_fn_must_return_losses():
    with pytest.raises(ValueError, match="step_fn.*must return a loss"):
        lr_range_test(lambda lr: None, progress=False)
    with pytest.raises(ValueError, match="same number of losses"):
        sizes = iter([2, 3])
        lr_range_test(lambda lr: np.ones(next(sizes)), num_iter=5, progress=False)


def test_sgd_on_quadratic_step_fn():
    state = {"theta": 0.0}

    def step_fn(lr):
        loss = (state["theta"] - 3.0) ** 2
        state["theta"] -= lr * 2.0 * (state["theta"] - 3.0)
        return loss

    res = lr_range_test(step_fn, min_lr=1e-4, max_lr=10.0, num_iter=100, beta=0.0, progress=False)
    assert res.stopped_early  # rates above 1 make plain GD on this quadratic explode
    assert res.lrs[-1] > 1.0
    assert 1e-3 < res.suggestions["steepest"] < 1.0


def test_suggesters_and_range_test_errors():
    with pytest.raises(ValueError, match="at least 3"):
        suggest_steepest([0.1, 0.2], [1.0, 0.5])
    with pytest.raises(ValueError, match="lrs must be > 0"):
        suggest_valley([0.0, 0.1, 0.2], [1.0, 0.5, 0.2])
    assert suggest_min_over_10([0.1, 1.0, 10.0], [3.0, 1.0, 2.0]) == pytest.approx(0.1)
    with pytest.raises(TypeError, match="step_fn"):
        lr_range_test(3.0)
    with pytest.raises(ValueError, match="diverge_threshold"):
        lr_range_test(_curve, diverge_threshold=1.0)
    with pytest.raises(ValueError, match="beta"):
        lr_range_test(_curve, beta=1.0)
    with pytest.raises(ValueError, match="min_lr"):
        lr_range_test(_curve, min_lr=0.0)
    for rule in (suggest_steepest, suggest_min_over_10, suggest_valley):
        with pytest.raises(ValueError, match="lrs must be strictly increasing"):
            rule([0.3, 0.1, 0.2], [1.0, 0.5, 0.2])
        with pytest.raises(ValueError, match="losses must contain only finite"):
            rule([0.1, 0.2, 0.3], [1.0, np.nan, 0.2])
    with pytest.raises(ValueError, match="window must be odd"):
        smooth_centered([1.0, 2.0, 3.0], window=2)
    with pytest.raises(ValueError, match="references"):
        lr_range_test(_curve, references={"bad": -1.0})

"""Properties every schedule promises: bounds, monotonicity, periodicity, scalar == array."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lrcourse as L

lrs = st.floats(1e-5, 10.0)
steps = arrays(np.float64, st.integers(1, 50), elements=st.floats(0, 1e4))


def all_schedules(lr=0.1, T=100):
    return [
        L.StepLR(lr=lr, step_size=7, gamma=0.5),
        L.MultiStepLR(lr=lr, milestones=[10, 40], gamma=0.3),
        L.ExponentialLR(lr=lr, gamma=0.97),
        L.CosineAnnealingLR(lr=lr, T_max=T, eta_min=lr / 100),
        L.PolynomialLR(lr=lr, total_iters=T, power=2.0),
        L.LinearLR(lr=lr, start_factor=0.1, total_iters=10),
        L.ConstantLR(lr=lr, factor=0.5, total_iters=5),
        L.CosineAnnealingWarmRestarts(lr=lr, T_0=10, T_mult=2, eta_min=lr / 100),
        L.CyclicLR(base_lr=lr / 10, max_lr=lr, step_size_up=8),
        L.ExponentialDecay(lr=lr, lam=0.03),
        L.InverseTimeDecay(lr=lr, beta=0.1),
        L.InversePowerDecay(lr=lr, power=0.7),
        L.InverseSqrtDecay(lr=lr),
        L.NoamLR(d_model=64, warmup_steps=10),
        L.Warmup(L.CosineAnnealingLR(lr=lr, T_max=T), 10, mode="cosine"),
        L.WarmupStableDecay(lr=lr, warmup_steps=5, stable_steps=50, decay_steps=30, min_lr=lr / 10),
        L.SklearnOptimalLR(alpha=1e-3),
        L.SklearnInvScalingLR(eta0=lr, power_t=0.5),
        L.SequentialLR([L.ConstantSchedule(lr), L.ExponentialLR(lr=lr, gamma=0.9)], milestones=[20]),
    ]


@pytest.mark.parametrize("sched", all_schedules(), ids=lambda s: type(s).__name__)
@settings(max_examples=20)
@given(t=steps)
def test_scalar_equals_array_and_shapes(sched, t):
    out = sched(t)
    assert out.dtype == np.float64 and out.shape == t.shape
    assert np.all(np.isfinite(out)) and np.all(out >= 0)
    assert [sched(float(x)) for x in t] == list(out)
    assert isinstance(sched(int(t[0])), float)
    assert sched(t.reshape(-1, 1)).shape == (t.size, 1)


@pytest.mark.parametrize("sched", all_schedules(), ids=lambda s: type(s).__name__)
def test_immutable(sched):
    with pytest.raises(AttributeError):
        sched.lr = 1.0  # frozen dataclass


@settings(max_examples=40)
@given(lr=lrs, T_max=st.integers(1, 500), floor=st.floats(0, 1), t=steps)
def test_cosine_bounds_and_monotone_on_first_half_period(lr, T_max, floor, t):
    sched = L.CosineAnnealingLR(lr=lr, T_max=T_max, eta_min=lr * floor)
    out = sched(t)
    assert np.all(out >= lr * floor - 1e-12 * lr) and np.all(out <= lr * (1 + 1e-12))
    first = sched(np.arange(T_max + 1))
    assert np.all(np.diff(first) <= 1e-15 * lr)
    assert first[-1] == pytest.approx(lr * floor, abs=1e-12 * lr)


@settings(max_examples=40)
@given(lr=lrs, T_0=st.integers(1, 30), T_mult=st.integers(1, 3), floor=st.floats(0, 0.9))
def test_warm_restarts_restart_and_scale_each_cycle(lr, T_0, T_mult, floor):
    sched = L.CosineAnnealingWarmRestarts(lr=lr, T_0=T_0, T_mult=T_mult, eta_min=lr * floor)
    starts = np.concatenate(([0], L.restart_points(T_0, T_mult, 2000)))
    np.testing.assert_allclose(sched(starts), lr)  # every restart goes back to lr
    # cycle k of length T_0 m^k is the first cycle stretched by m^k (same cosine, rescaled time)
    for k, start in enumerate(starts[:4]):
        u = np.linspace(0, 0.999, 25)
        np.testing.assert_allclose(sched(start + u * T_0 * T_mult**k), sched(u * T_0), rtol=1e-9, atol=1e-12 * lr)
    if T_mult == 1:  # plain periodicity
        t = np.arange(0, 5 * T_0, 0.37)
        np.testing.assert_allclose(sched(t + T_0), sched(t), rtol=1e-9, atol=1e-12 * lr)


def test_sgdr_lecture_setting_restarts_at_10_30_70():
    sched = L.CosineAnnealingWarmRestarts(lr=0.1, T_0=10, T_mult=2, eta_min=1e-4)
    lr = sched(np.arange(100))
    jumps = np.flatnonzero(np.diff(lr) > 0) + 1
    assert list(jumps) == [10, 30, 70]
    assert lr[9] < 0.003 and lr[29] < 0.001


@settings(max_examples=30)
@given(lr=lrs, step_size=st.integers(1, 50), gamma=st.floats(0, 1), t=steps)
def test_step_decay_is_non_increasing_staircase(lr, step_size, gamma, t):
    sched = L.StepLR(lr=lr, step_size=step_size, gamma=gamma)
    s = np.sort(t)
    assert np.all(np.diff(sched(s)) <= 0)
    np.testing.assert_allclose(sched(s), lr * gamma ** np.floor(s / step_size))


@pytest.mark.parametrize("sched", [
    L.ExponentialDecay(lr=0.3, lam=0.01), L.InverseTimeDecay(lr=0.3, beta=0.5), L.InversePowerDecay(lr=0.3, power=0.6),
    L.PolynomialLR(lr=0.3, total_iters=50, power=1.5), L.SklearnOptimalLR(), L.SklearnInvScalingLR(),
], ids=lambda s: type(s).__name__)
def test_decays_are_monotone(sched):
    t = np.linspace(0, 1000, 5001)
    assert np.all(np.diff(sched(t)) <= 0)


def test_decay_formulas_match_the_lecture_definitions():
    t = np.arange(0, 200, 0.5)
    np.testing.assert_allclose(L.ExponentialDecay(lr=0.2, lam=0.04)(t), 0.2 * np.exp(-0.04 * t))
    np.testing.assert_allclose(L.InverseTimeDecay(lr=0.2, beta=0.1)(t), 0.2 / (1 + 0.1 * t))
    np.testing.assert_allclose(L.InverseSqrtDecay(lr=0.2)(t), 0.2 / np.sqrt(t + 1))
    # ExponentialLR with gamma = e^-lam is the same curve at integer steps
    n = np.arange(100)
    np.testing.assert_allclose(L.ExponentialLR(lr=0.2, gamma=np.exp(-0.04))(n), L.ExponentialDecay(lr=0.2, lam=0.04)(n))


def test_noam_peaks_at_warmup():
    sched = L.NoamLR(d_model=512, warmup_steps=4000)
    lr = sched(np.arange(20000))
    assert np.argmax(lr) == 3999  # s = t + 1 = W
    assert lr.max() == pytest.approx(sched.peak_lr)
    assert lr[10000] == pytest.approx(512**-0.5 * 10001**-0.5)


@pytest.mark.parametrize("mode", ["linear", "exponential", "cosine"])
@settings(max_examples=20)
@given(W=st.integers(1, 50), start=st.floats(0.01, 1.0), lr=lrs)
def test_warmup_ramps_monotonically_into_the_schedule(mode, W, start, lr):
    inner = L.CosineAnnealingLR(lr=lr, T_max=100)
    sched = L.Warmup(inner, W, mode=mode, start_factor=start)
    ramp = sched(np.arange(W + 1))
    assert np.all(np.diff(ramp) >= -1e-15 * lr)
    assert ramp[0] == pytest.approx(lr * start)
    t = np.arange(W, W + 150)
    np.testing.assert_array_equal(sched(t), inner(t - W))


def test_linear_warmup_formula():
    sched = L.Warmup(L.ConstantSchedule(0.4), 10)
    np.testing.assert_allclose(sched(np.arange(12)), [0.4 * t / 10 for t in range(10)] + [0.4, 0.4])


def test_warmup_stable_decay_shape():
    sched = L.WarmupStableDecay(lr=1.0, warmup_steps=10, stable_steps=50, decay_steps=40, min_lr=0.1)
    assert sched(5) == pytest.approx(0.5)
    assert np.all(sched(np.arange(10, 61)) == 1.0)
    assert sched(80) == pytest.approx(0.55)
    assert sched(100) == pytest.approx(0.1) and sched(1000) == pytest.approx(0.1)


def test_three_phase_one_cycle_is_the_lecture_policy():
    sched = L.three_phase_one_cycle(max_lr=1.0, total_steps=1000)
    lr = sched(np.arange(1000))  # phases end at steps 449, 898 and 999
    assert lr[0] == pytest.approx(0.1)
    assert np.argmax(lr) == 449 and lr.max() == pytest.approx(1.0)
    assert lr[898] == pytest.approx(0.1)
    assert lr[-1] == pytest.approx(0.01)
    assert np.all(np.diff(lr[:449]) > 0) and np.all(np.diff(lr[449:]) < 0)


def test_cyclic_stays_within_bounds_and_is_periodic():
    sched = L.CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=7, step_size_down=13)
    t = np.arange(0, 400, 0.25)
    assert np.all(sched(t) >= 0.01 - 1e-15) and np.all(sched(t) <= 0.1 + 1e-15)
    np.testing.assert_allclose(sched(t + 20), sched(t), atol=1e-15)
    m = sched.momentum(t)
    np.testing.assert_allclose(m - 0.9, -(sched(t) - 0.01) / 0.09 * 0.1, atol=1e-12)  # momentum mirrors the rate


def test_batch_size_scaled_rule_keeps_noise_scale():
    sizes = [32] * 10 + [64] * 10 + [128] * 10
    sched = L.BatchSizeScaledLR(noise_scale=1e-3, batch_size=sizes)
    t = np.arange(40)
    np.testing.assert_allclose(sched(t) / sched.batch_sizes(t), 1e-3)
    assert sched(35) == pytest.approx(0.128)
    doubling = L.BatchSizeScaledLR(noise_scale=1e-3, batch_size=lambda t: 32 * 2.0 ** (t // 10))
    assert doubling(25) == pytest.approx(0.128)


def test_custom_schedules():
    @L.schedule
    def halving(t):
        return 0.1 * 0.5 ** (t / 20)

    assert halving(20) == pytest.approx(0.05)
    assert isinstance(halving, L.Schedule)
    looped = L.FunctionSchedule(lambda t: 0.1 if t < 5 else 0.01, vectorized=False)
    np.testing.assert_allclose(looped(np.arange(7)), [0.1] * 5 + [0.01] * 2)

    class Triangle(L.Schedule):
        def _evaluate(self, t):
            return 0.1 * (1 - np.abs((t % 20) / 10 - 1))

    assert Triangle()(10) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="negative"):
        L.FunctionSchedule(lambda t: -t)(np.arange(3))


def test_replace_revalidates():
    sched = L.CosineAnnealingLR(lr=0.1, T_max=10)
    assert sched.replace(T_max=20).T_max == 20
    with pytest.raises(ValueError, match="T_max"):
        sched.replace(T_max=0)


def test_chained_requires_multiplicative_schedules_and_one_lr():
    with pytest.raises(ValueError, match="not multiplicative"):
        L.ChainedScheduler([L.CosineAnnealingLR(lr=0.1, T_max=10, eta_min=0.01), L.ExponentialLR(lr=0.1, gamma=0.9)])
    with pytest.raises(ValueError, match="share one lr"):
        L.ChainedScheduler([L.ExponentialLR(lr=0.2, gamma=0.9), L.ExponentialLR(lr=0.1, gamma=0.9)])

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lrcourse as L

seqs = arrays(np.float64, st.integers(2, 200), elements=st.floats(0, 1))


@settings(max_examples=50)
@given(x=seqs)
def test_total_variation_definition_and_bounds(x):
    tv = L.total_variation(x)
    assert tv == pytest.approx(sum(abs(b - a) for a, b in zip(x[:-1], x[1:])))
    assert tv >= abs(x[-1] - x[0]) - 1e-12  # never below the net change


def test_step_schedule_is_less_flat_than_cosine():
    t = np.arange(100)
    step = L.StepLR(lr=0.1, step_size=20, gamma=0.1)(t)
    cos = L.CosineAnnealingLR(lr=0.1, T_max=99, eta_min=step[-1])(t)
    assert L.total_variation(cos) == pytest.approx(0.1 - step[-1])  # monotone: exactly the drop
    restarts = L.CosineAnnealingWarmRestarts(lr=0.1, T_0=10, eta_min=1e-3)(t)
    assert L.total_variation(restarts) > 5 * L.total_variation(cos)


@settings(max_examples=50)
@given(x=seqs, window=st.integers(1, 30))
def test_moving_average_matches_definition_and_smooths(x, window):
    out = L.moving_average(x, window)
    expected = [np.mean(x[max(0, i - window + 1): i + 1]) for i in range(x.size)]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    if window == 1:
        np.testing.assert_allclose(out, x, atol=1e-12)


def test_moving_average_never_increases_variation_of_a_staircase():
    step = L.StepLR(lr=0.1, step_size=10, gamma=0.5)(np.arange(100))
    assert L.total_variation(L.moving_average(step, 7)) <= L.total_variation(step) + 1e-15


@pytest.mark.parametrize("sched, diverges, squares_converge", [
    (L.InverseTimeDecay(lr=0.1, beta=0.5), True, True),
    (L.InversePowerDecay(lr=0.1, power=0.75), True, True),
    (L.InverseSqrtDecay(lr=0.1), True, False),
    (L.InversePowerDecay(lr=0.1, power=1.5), False, True),
    (L.ExponentialDecay(lr=0.1, lam=0.01), False, True),
    (L.ExponentialLR(lr=0.1, gamma=0.99), False, True),
    (L.StepLR(lr=0.1, step_size=10, gamma=0.5), False, True),
    (L.ConstantSchedule(0.1), True, False),
    (L.CosineAnnealingLR(lr=0.1, T_max=100), True, False),
    (L.CosineAnnealingWarmRestarts(lr=0.1, T_0=10), True, False),
    (L.PolynomialLR(lr=0.1, total_iters=100), False, True),
    (L.NoamLR(d_model=64, warmup_steps=100), True, False),
    (L.SklearnOptimalLR(), True, True),
])
def test_robbins_monro_analytic(sched, diverges, squares_converge):
    verdict = L.robbins_monro(sched)
    assert verdict.method == "analytic"
    assert (verdict.sum_diverges, verdict.sum_squares_converges) == (diverges, squares_converge)
    assert verdict.satisfied == (diverges and squares_converge)


@pytest.mark.parametrize("p", [0.3, 0.75, 1.0, 2.0])
def test_robbins_monro_numerical_for_custom_schedules(p):
    custom = L.FunctionSchedule(lambda t: 0.5 / (t + 10.0) ** p)
    verdict = L.robbins_monro(custom)
    assert verdict.method == "numerical"
    assert verdict.sum_diverges == (p <= 1) and verdict.sum_squares_converges == (p > 0.5)


def test_robbins_monro_numerical_geometric():
    verdict = L.robbins_monro(L.FunctionSchedule(lambda t: 0.1 * 0.9999**t))
    assert not verdict.sum_diverges and verdict.sum_squares_converges

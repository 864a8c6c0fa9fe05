"""Validation-driven warm restarts and the epoch loop that feeds them a metric."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcourse as L


def test_without_stalls_and_with_steady_gains_it_is_plain_sgdr():
    # every epoch improves, so no cycle stalls and every cycle beats the previous one: period stays T_0
    sched = L.ValidationRestarts(lr=0.1, T_0=7, T_mult=2, eta_min=0.002, patience=100)
    metrics = np.linspace(10.0, 1.0, 40)
    rates = sched.trace(metrics)
    reference = L.CosineAnnealingWarmRestarts(lr=0.1, T_0=7, eta_min=0.002)(np.arange(1, 41))
    np.testing.assert_allclose(rates, reference, rtol=1e-12)


def test_cycles_that_bring_nothing_new_lengthen_the_period_like_t_mult():
    # every cycle reaches the same best value 1.0 on its last epoch: no cycle beats the earlier ones
    # after the first, so each later period is doubled, exactly SGDR with T_mult=2 from the second cycle
    periods, metrics = [4, 4, 8, 16], []
    for p in periods:
        metrics += list(np.linspace(2.0, 1.0, p))
    sched = L.ValidationRestarts(lr=0.1, T_0=4, T_mult=2, patience=100)
    for m in metrics:
        sched.step(m)
    assert [(r.epoch, r.reason, r.period) for r in sched.restarts] == [
        (4, "completed", 4), (8, "completed", 8), (16, "completed", 16), (32, "completed", 32)]
    assert sched.best == 1.0


def test_a_stall_in_the_second_half_restarts_early_and_the_first_half_is_never_cut():
    sched = L.ValidationRestarts(lr=0.1, T_0=10, patience=2)
    rates = [sched.step(m) for m in [5.0] + [6.0] * 7]
    # epochs 2-4 lie in the first half and do not count; epochs 5, 6, 7 are bad: the third one (> 2) restarts
    assert [(r.epoch, r.reason) for r in sched.restarts] == [(7, "stalled")]
    assert rates[6] == pytest.approx(0.1)
    assert sched.period == 10 and sched.epoch_in_cycle == 1


def test_abs_threshold_ignores_gains_smaller_than_it():
    sched = L.ValidationRestarts(lr=0.1, T_0=4, patience=0, threshold=0.5, threshold_mode="abs")
    sched.step(-3.0)
    sched.step(-3.2)            # a gain of 0.2 < 0.5 at epoch 2 = T_0/2: bad, more than patience 0
    assert [r.reason for r in sched.restarts] == ["stalled"]


@settings(max_examples=60, deadline=None)
@given(metrics=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=80),
       T_0=st.integers(1, 12), T_mult=st.integers(1, 3), patience=st.integers(0, 4))
def test_invariants_for_any_metric_sequence(metrics, T_0, T_mult, patience):
    sched = L.ValidationRestarts(lr=0.3, T_0=T_0, T_mult=T_mult, eta_min=0.01, patience=patience)
    previous_restart, period = 0, T_0
    for m in metrics:
        lr = sched.step(m)
        assert 0.01 - 1e-12 <= lr <= 0.3 + 1e-12
        expected = 0.01 + 0.29 * (1 + math.cos(math.pi * sched.epoch_in_cycle / sched.period)) / 2
        assert lr == pytest.approx(expected, rel=1e-12)
        if sched.restarts and sched.restarts[-1].epoch == sched.last_epoch:
            event = sched.restarts[-1]
            length = event.epoch - previous_restart
            if event.reason == "completed":
                assert length == period
            else:
                assert 2 * length >= period and length <= period
            assert event.period in (period, period * T_mult)
            previous_restart, period = event.epoch, event.period


def test_trace_leaves_the_object_untouched_and_reset_starts_over():
    sched = L.ValidationRestarts(lr=0.1, T_0=3, patience=0)
    first = [sched.step(m) for m in (3.0, 2.0, 2.5, 2.4)]
    assert sched.restarts
    state = (sched.last_epoch, sched.period, len(sched.restarts))
    np.testing.assert_allclose(sched.trace([3.0, 2.0, 2.5, 2.4]), first)
    assert (sched.last_epoch, sched.period, len(sched.restarts)) == state
    sched.reset()
    assert sched.lr == 0.1 and sched.restarts == [] and sched.last_epoch == 0


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(lr=-0.1, T_0=5), ValueError, "lr"),
    (dict(lr=0.1, T_0=0), ValueError, "T_0"),
    (dict(lr=0.1, T_0=5, T_mult=1.5), TypeError, "T_mult"),
    (dict(lr=0.1, T_0=5, eta_min=0.2), ValueError, "eta_min"),
    (dict(lr=0.1, T_0=5, patience=-1), ValueError, "patience"),
    (dict(lr=0.1, T_0=5, threshold_mode="pct"), ValueError, "threshold_mode"),
])
def test_bad_arguments_name_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=name):
        L.ValidationRestarts(**kwargs)


def test_bad_metrics_name_the_parameter():
    sched = L.ValidationRestarts(lr=0.1, T_0=5)
    with pytest.raises(ValueError, match="metric"):
        sched.step(float("nan"))
    with pytest.raises(TypeError, match="metric"):
        sched.step("low")
    with pytest.raises(ValueError, match="metric"):
        sched.trace([1.0, float("nan")])
    with pytest.raises(ValueError, match="metrics"):
        sched.trace(np.ones((2, 2)))


# --- the epoch loop -------------------------------------------------------------------------------

PROBLEM = L.ScalarQuadratic(curvature=1.0, center=0.0)


def test_a_fixed_schedule_matches_one_long_simulation_with_the_same_draws():
    schedule = L.StepLR(lr=0.4, step_size=2, gamma=0.5)
    epochs, per_epoch = 6, 5
    looped = L.simulate_with_metric(PROBLEM, schedule, epochs, per_epoch, theta0=np.full(50, 4.0),
                                    noise_sd=0.5, rng=np.random.default_rng(11))
    per_step = np.repeat(schedule(np.arange(epochs)), per_epoch)
    direct = L.simulate_sgd(PROBLEM, per_step, epochs * per_epoch, theta0=np.full(50, 4.0), noise_sd=0.5,
                            rng=np.random.default_rng(11), keep_theta=False)
    np.testing.assert_allclose(looped.lrs, schedule(np.arange(epochs)))
    np.testing.assert_allclose(looped.final_theta, direct.final_theta, rtol=1e-12)
    np.testing.assert_allclose(looped.metrics[-1], direct.final_loss.mean(), rtol=1e-12)


def test_a_metric_driven_scheduler_sees_every_epoch_metric():
    plateau = L.ReduceLROnPlateau(lr=0.5, factor=0.3, patience=1)
    run = L.simulate_with_metric(PROBLEM, plateau, 30, 10, theta0=np.full(40, 8.0), noise_sd=1.0,
                                 rng=np.random.default_rng(2))
    replay = L.ReduceLROnPlateau(lr=0.5, factor=0.3, patience=1).trace(run.metrics[:-1])
    np.testing.assert_allclose(run.lrs, np.concatenate([[0.5], replay]))
    assert run.lrs[-1] < 0.5                      # the noise floor stalls the metric: at least one cut
    assert run.final_theta.shape == run.final_loss.shape == (40,)


def test_the_loop_refuses_what_it_cannot_use():
    with pytest.raises(TypeError, match="scheduler"):
        L.simulate_with_metric(PROBLEM, 0.1, 3, 5, theta0=np.zeros(4))
    with pytest.raises(ValueError, match="epochs"):
        L.simulate_with_metric(PROBLEM, L.ConstantSchedule(lr=0.1), 0, 5, theta0=np.zeros(4))
    with pytest.raises(TypeError, match="steps_per_epoch"):
        L.simulate_with_metric(PROBLEM, L.ConstantSchedule(lr=0.1), 3, 2.5, theta0=np.zeros(4))

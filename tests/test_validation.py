"""Bad input gets a ValueError/TypeError that names the parameter."""

import numpy as np
import pytest

import lrcourse as L

BAD_CONSTRUCTORS = [
    (lambda: L.StepLR(lr=-0.1, step_size=3), ValueError, "lr"),
    (lambda: L.StepLR(lr=float("nan"), step_size=3), ValueError, "lr"),
    (lambda: L.StepLR(lr="0.1", step_size=3), TypeError, "lr"),
    (lambda: L.StepLR(lr=0.1, step_size=2.5), TypeError, "step_size"),
    (lambda: L.StepLR(lr=0.1, step_size=0), ValueError, "step_size"),
    (lambda: L.StepLR(lr=0.1, step_size=3, gamma=-1), ValueError, "gamma"),
    (lambda: L.MultiStepLR(lr=0.1, milestones=[30, 10]), ValueError, "milestones"),
    (lambda: L.MultiStepLR(lr=0.1, milestones=[10, 10]), ValueError, "milestones"),
    (lambda: L.MultiStepLR(lr=0.1, milestones="10"), TypeError, "milestones"),
    (lambda: L.MultiStepLR(lr=0.1, milestones=[-1, 5]), ValueError, r"milestones\[0\]"),
    (lambda: L.ExponentialLR(lr=0.1, gamma=0), ValueError, "gamma"),
    (lambda: L.CosineAnnealingLR(lr=0.1, T_max=0), ValueError, "T_max"),
    (lambda: L.CosineAnnealingLR(lr=0.1, T_max=10, eta_min=-1e-3), ValueError, "eta_min"),
    (lambda: L.CosineAnnealingLR(lr=0.1, T_max=np.inf), TypeError, "T_max"),
    (lambda: L.PolynomialLR(lr=0.1, total_iters=10, power=0), ValueError, "power"),
    (lambda: L.LinearLR(lr=0.1, start_factor=0), ValueError, "start_factor"),
    (lambda: L.LinearLR(lr=0.1, end_factor=1.5), ValueError, "end_factor"),
    (lambda: L.ConstantLR(lr=0.1, factor=2), ValueError, "factor"),
    (lambda: L.LambdaLR(lr=0.1, lr_lambda=3), TypeError, "lr_lambda"),
    (lambda: L.CosineAnnealingWarmRestarts(lr=0.1, T_0=0), ValueError, "T_0"),
    (lambda: L.CosineAnnealingWarmRestarts(lr=0.1, T_0=10, T_mult=1.5), TypeError, "T_mult"),
    (lambda: L.CyclicLR(base_lr=0.1, max_lr=0.01), ValueError, "max_lr"),
    (lambda: L.CyclicLR(base_lr=0.01, max_lr=0.1, mode="sawtooth"), ValueError, "mode"),
    (lambda: L.CyclicLR(base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=1.5), ValueError, "gamma"),
    (lambda: L.OneCycleLR(max_lr=0.1), ValueError, "total_steps"),
    (lambda: L.OneCycleLR(max_lr=0.1, total_steps=100, pct_start=1.5), ValueError, "pct_start"),
    (lambda: L.OneCycleLR(max_lr=0.1, total_steps=2, pct_start=0.3), ValueError, "phase 1"),
    (lambda: L.OneCycleLR(max_lr=0.1, total_steps=100, anneal_strategy="cosine"), ValueError, "anneal_strategy"),
    (lambda: L.SequentialLR([L.ConstantSchedule(0.1)], milestones=[5]), ValueError, "milestones"),
    (lambda: L.SequentialLR([L.ConstantSchedule(0.1), 0.1], milestones=[5]), TypeError, r"schedulers\[1\]"),
    (lambda: L.SequentialLR([], milestones=[]), ValueError, "schedulers"),
    (lambda: L.ReduceLROnPlateau(lr=0.1, factor=1.0), ValueError, "factor"),
    (lambda: L.ReduceLROnPlateau(lr=0.1, mode="lowest"), ValueError, "mode"),
    (lambda: L.ReduceLROnPlateau(lr=0.1, patience=-1), ValueError, "patience"),
    (lambda: L.ReduceLROnPlateau(lr=0.1, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda: L.Warmup(0.1, 10), TypeError, "schedule"),
    (lambda: L.Warmup(L.ConstantSchedule(0.1), 0), ValueError, "warmup_steps"),
    (lambda: L.Warmup(L.ConstantSchedule(0.1), 5, mode="exponential"), ValueError, "start_factor"),
    (lambda: L.Warmup(L.ConstantSchedule(0.1), 5, mode="quadratic"), ValueError, "mode"),
    (lambda: L.WarmupStableDecay(lr=0.1, warmup_steps=1, stable_steps=1, decay_steps=1, min_lr=0.5), ValueError, "min_lr"),
    (lambda: L.NoamLR(d_model=0, warmup_steps=10), ValueError, "d_model"),
    (lambda: L.BatchSizeScaledLR(noise_scale=1e-3, batch_size=[32, 0]), ValueError, "batch_size"),
    (lambda: L.InversePowerDecay(lr=0.1, power=-1), ValueError, "power"),
    (lambda: L.SklearnOptimalLR(alpha=0), ValueError, "alpha"),
    (lambda: L.SklearnAdaptiveLR(n_iter_no_change=0), ValueError, "n_iter_no_change"),
    (lambda: L.FunctionSchedule(42), TypeError, "fn"),
]


@pytest.mark.parametrize("make, error, name", BAD_CONSTRUCTORS)
def test_constructor_errors_name_the_parameter(make, error, name):
    with pytest.raises(error, match=name):
        make()


@pytest.mark.parametrize("bad, error", [
    (-1, ValueError), (np.array([0, 1, -2]), ValueError), (float("nan"), ValueError), (np.inf, ValueError),
    ("3", TypeError), (True, TypeError), ([1, "a"], TypeError), (np.array([1 + 2j]), TypeError),
])
def test_evaluating_at_a_bad_step_raises(bad, error):
    with pytest.raises(error, match=r"\bt\b"):
        L.CosineAnnealingLR(lr=0.1, T_max=10)(bad)


def test_plateau_step_rejects_non_numbers():
    plateau = L.ReduceLROnPlateau(lr=0.1)
    with pytest.raises(TypeError, match="metric"):
        plateau.step("low")
    with pytest.raises(ValueError, match="metric"):
        plateau.step(float("nan"))
    assert plateau.lr == 0.1 and plateau.last_epoch == 0  # nothing half-applied


def test_metrics_and_plot_validate():
    with pytest.raises(ValueError, match="window"):
        L.moving_average([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="lrs"):
        L.total_variation(3.0)
    with pytest.raises(TypeError, match="sched"):
        L.robbins_monro(lambda t: 1 / (t + 1))
    from lrcourse.plot import plot_schedules

    with pytest.raises(ValueError, match="schedules"):
        plot_schedules({})
    with pytest.raises(TypeError, match="schedules"):
        plot_schedules({"x": 3})

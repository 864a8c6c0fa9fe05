"""lrcourse schedules give the same numbers as torch.optim.lr_scheduler, over randomized parameters."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lrcourse as L

torch = pytest.importorskip("torch")
from lrcourse.torch import to_torch, trace  # noqa: E402

pytestmark = pytest.mark.torch

lrs = st.floats(1e-4, 2.0)
small_ints = st.integers(1, 40)
fractions = st.floats(0.01, 1.0)


def _optimizer():
    param = torch.nn.Parameter(torch.zeros(2))
    return torch.optim.SGD([param], lr=1.0, momentum=0.9)


def _assert_parity(sched, steps, **trace_kwargs):
    torch_lrs = trace(to_torch(sched, _optimizer()), steps, **trace_kwargs)
    ours = sched(np.arange(steps))
    scale = max(np.max(np.abs(torch_lrs)), 1e-300)
    np.testing.assert_allclose(ours, torch_lrs, rtol=1e-10, atol=1e-12 * scale, err_msg=repr(sched))
    assert ours[3] == sched(3)  # scalar and array evaluation agree


@settings(max_examples=25)
@given(lr=lrs, step_size=small_ints, gamma=st.floats(0.05, 1.0))
def test_step_lr(lr, step_size, gamma):
    _assert_parity(L.StepLR(lr=lr, step_size=step_size, gamma=gamma), 150)


@settings(max_examples=25)
@given(lr=lrs, milestones=st.lists(st.integers(0, 120), min_size=1, max_size=5, unique=True), gamma=fractions)
def test_multistep_lr(lr, milestones, gamma):
    _assert_parity(L.MultiStepLR(lr=lr, milestones=sorted(milestones), gamma=gamma), 150)


@settings(max_examples=25)
@given(lr=lrs, gamma=st.floats(0.8, 1.05))
def test_exponential_lr(lr, gamma):
    _assert_parity(L.ExponentialLR(lr=lr, gamma=gamma), 150)


@settings(max_examples=25)
@given(lr=lrs, T_max=st.integers(1, 60), floor=st.floats(0, 0.5))
def test_cosine_annealing_lr_including_past_T_max(lr, T_max, floor):
    _assert_parity(L.CosineAnnealingLR(lr=lr, T_max=T_max, eta_min=lr * floor), 5 * T_max + 7)


@settings(max_examples=25)
@given(lr=lrs, total_iters=small_ints, power=st.floats(0.1, 4.0))
def test_polynomial_lr(lr, total_iters, power):
    _assert_parity(L.PolynomialLR(lr=lr, total_iters=total_iters, power=power), 2 * total_iters + 10)


@settings(max_examples=25)
@given(lr=lrs, start=st.floats(0.01, 1.0), end=st.floats(0.0, 1.0), total_iters=small_ints)
def test_linear_lr(lr, start, end, total_iters):
    _assert_parity(L.LinearLR(lr=lr, start_factor=start, end_factor=end, total_iters=total_iters), 2 * total_iters + 10)


@settings(max_examples=25)
@given(lr=lrs, factor=st.floats(0.01, 1.0), total_iters=small_ints)
def test_constant_lr(lr, factor, total_iters):
    _assert_parity(L.ConstantLR(lr=lr, factor=factor, total_iters=total_iters), 2 * total_iters + 10)


@settings(max_examples=10)
@given(lr=lrs, k=st.floats(0.001, 0.2))
def test_lambda_and_multiplicative_lr(lr, k):
    _assert_parity(L.LambdaLR(lr=lr, lr_lambda=lambda e: 1.0 / (1.0 + k * e)), 100)
    _assert_parity(L.MultiplicativeLR(lr=lr, lr_lambda=lambda e: 1.0 - k / (e + 1)), 100)


@settings(max_examples=25)
@given(lr=lrs, T_0=st.integers(1, 20), T_mult=st.integers(1, 3), floor=st.floats(0, 0.5))
def test_cosine_warm_restarts_integer_steps(lr, T_0, T_mult, floor):
    _assert_parity(L.CosineAnnealingWarmRestarts(lr=lr, T_0=T_0, T_mult=T_mult, eta_min=lr * floor), 250)


@settings(max_examples=25)
@given(lr=lrs, T_0=st.integers(1, 20), T_mult=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_cosine_warm_restarts_fractional_epochs(lr, T_0, T_mult, seed):
    sched = L.CosineAnnealingWarmRestarts(lr=lr, T_0=T_0, T_mult=T_mult, eta_min=lr / 100)
    epochs = np.sort(np.random.default_rng(seed).uniform(0, 20 * T_0, size=60))
    torch_lrs = trace(to_torch(sched, _optimizer()), 0, fractional_epochs=epochs)
    np.testing.assert_allclose(sched(epochs), torch_lrs, rtol=1e-10, atol=1e-14)


@settings(max_examples=25)
@given(base=st.floats(1e-4, 0.1), ratio=st.floats(1.0, 20.0), up=small_ints, down=st.one_of(st.none(), small_ints),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]), gamma=st.floats(0.9, 1.0))
def test_cyclic_lr_and_momentum(base, ratio, up, down, mode, gamma):
    sched = L.CyclicLR(base_lr=base, max_lr=base * ratio, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma)
    _assert_parity(sched, 200)
    opt = _optimizer()
    torch_sched = to_torch(sched, opt)
    momenta = []
    for _ in range(50):
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        torch_sched.step()
    np.testing.assert_allclose(sched.momentum(np.arange(50)), momenta, rtol=1e-12)


@settings(max_examples=25)
@given(max_lr=lrs, total=st.integers(20, 300), pct=st.floats(0.05, 0.45),
       strategy=st.sampled_from(["cos", "linear"]), three=st.booleans(),
       div=st.floats(2, 100), final_div=st.floats(2, 1e4))
def test_one_cycle_lr_and_momentum(max_lr, total, pct, strategy, three, div, final_div):
    assume(pct * total > 1.5 and (not three or total * (1 - 2 * pct) > 1.5))  # every phase non-empty
    sched = L.OneCycleLR(max_lr=max_lr, total_steps=total, pct_start=pct, anneal_strategy=strategy,
                         three_phase=three, div_factor=div, final_div_factor=final_div)
    _assert_parity(sched, total)
    # t = total_steps is still allowed, as in torch, which extrapolates the last phase one step beyond its
    # end: lrcourse gives the same number, or refuses (naming t) where that number would be negative
    final = trace(to_torch(sched, _optimizer()), total + 1)[-1]
    if final >= 0:
        np.testing.assert_allclose(sched(total), final, rtol=1e-10, atol=1e-12 * max_lr)
    else:
        with pytest.raises(ValueError, match="t"):
            sched(total)
    opt = _optimizer()
    torch_sched = to_torch(sched, opt)
    momenta = []
    for _ in range(total):
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        torch_sched.step()
    np.testing.assert_allclose(sched.momentum(np.arange(total)), momenta, rtol=1e-12)


def test_one_cycle_past_total_steps_raises_like_torch():
    sched = L.OneCycleLR(max_lr=0.1, total_steps=50)
    opt = _optimizer()
    torch_sched = to_torch(sched, opt)
    with pytest.raises(ValueError):
        for _ in range(51):
            opt.step()
            torch_sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched(51)


@settings(max_examples=20)
@given(lr=lrs, warm=st.integers(1, 30), start=st.floats(0.01, 1.0), T=st.integers(1, 80))
def test_sequential_warmup_then_cosine(lr, warm, start, T):
    sched = L.SequentialLR([L.LinearLR(lr=lr, start_factor=start, end_factor=1.0, total_iters=warm),
                            L.CosineAnnealingLR(lr=lr, T_max=T, eta_min=0.0)], milestones=[warm])
    _assert_parity(sched, warm + 2 * T + 5)


@settings(max_examples=20)
@given(lr=lrs, gamma=st.floats(0.8, 1.0), factor=st.floats(0.05, 1.0), iters=small_ints, step=small_ints)
def test_chained_scheduler(lr, gamma, factor, iters, step):
    sched = L.ChainedScheduler([L.ConstantLR(lr=lr, factor=factor, total_iters=iters),
                                L.ExponentialLR(lr=lr, gamma=gamma), L.StepLR(lr=lr, step_size=step, gamma=0.5)])
    _assert_parity(sched, 120)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**31), mode=st.sampled_from(["min", "max"]), tmode=st.sampled_from(["rel", "abs"]),
       patience=st.integers(0, 5), cooldown=st.integers(0, 3), factor=st.floats(0.1, 0.9),
       threshold=st.floats(0, 0.1), min_lr=st.floats(0, 1e-3))
def test_reduce_lr_on_plateau(seed, mode, tmode, patience, cooldown, factor, threshold, min_lr):
    rng = np.random.default_rng(seed)
    metrics = np.cumsum(rng.normal(0, 1, 120)) * rng.choice([0.0, 1.0], 120, p=[0.3, 0.7])
    plateau = L.ReduceLROnPlateau(lr=0.1, mode=mode, factor=factor, patience=patience, threshold=threshold,
                                  threshold_mode=tmode, cooldown=cooldown, min_lr=min_lr)
    torch_lrs = trace(to_torch(plateau, _optimizer()), 121, metrics=metrics)
    np.testing.assert_array_equal(plateau.trace(metrics), torch_lrs[1:])
    # the stateful interface gives the same sequence one metric at a time
    assert [plateau.step(m) for m in metrics] == list(torch_lrs[1:])

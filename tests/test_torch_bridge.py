"""Driving real torch optimizers with lrcourse schedules."""

import numpy as np
import pytest

import lrcourse as L

torch = pytest.importorskip("torch")
from lrcourse.torch import as_torch_scheduler, set_lr, to_torch, trace  # noqa: E402

pytestmark = pytest.mark.torch


def _model():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 1)


@pytest.mark.parametrize("sched", [
    L.Warmup(L.CosineAnnealingLR(lr=0.05, T_max=40), 10),
    L.InverseTimeDecay(lr=0.1, beta=0.2),
    L.WarmupStableDecay(lr=0.1, warmup_steps=5, stable_steps=20, decay_steps=20),
], ids=lambda s: type(s).__name__)
def test_any_schedule_drives_a_torch_optimizer(sched):
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=sched(0))
    torch_sched = as_torch_scheduler(sched, opt)
    np.testing.assert_allclose(trace(torch_sched, 50), sched(np.arange(50)), rtol=1e-12)


def test_training_with_the_bridge_equals_manual_lr_setting():
    sched = L.CosineAnnealingWarmRestarts(lr=0.1, T_0=5, T_mult=2)
    x, y = torch.randn(64, 3, generator=torch.Generator().manual_seed(1)), torch.randn(64, 1)
    weights = []
    for use_bridge in (True, False):
        model = _model()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        bridge = as_torch_scheduler(sched, opt) if use_bridge else None
        for t in range(30):
            if not use_bridge:
                set_lr(opt, sched(t))
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            if bridge:
                bridge.step()
        weights.append(model.weight.detach().numpy().copy())
    np.testing.assert_array_equal(*weights)


def test_cycled_momentum_reaches_adam_betas():
    model = _model()
    sched = L.OneCycleLR(max_lr=0.01, total_steps=100)
    opt = torch.optim.Adam(model.parameters(), lr=sched(0))
    bridge = as_torch_scheduler(sched, opt)
    for t in range(1, 60):
        opt.step()
        bridge.step()
        assert opt.param_groups[0]["betas"][0] == pytest.approx(sched.momentum(t))


def test_param_groups_keep_their_ratio():
    model = _model()
    opt = torch.optim.SGD([{"params": [model.weight], "lr": 0.1}, {"params": [model.bias], "lr": 0.01}])
    bridge = as_torch_scheduler(L.ExponentialDecay(lr=0.1, lam=0.1), opt)
    for _ in range(5):
        opt.step()
        bridge.step()
    lrs = [g["lr"] for g in opt.param_groups]
    assert lrs[0] == pytest.approx(0.1 * np.exp(-0.5)) and lrs[1] == pytest.approx(lrs[0] / 10)


def test_bridge_errors():
    with pytest.raises(TypeError, match="schedule"):
        as_torch_scheduler(lambda t: 0.1, torch.optim.SGD(_model().parameters(), lr=0.1))
    with pytest.raises(TypeError, match="optimizer"):
        as_torch_scheduler(L.ConstantSchedule(0.1), object())
    with pytest.raises(ValueError, match="torch has no scheduler"):
        to_torch(L.InverseTimeDecay(lr=0.1, beta=1.0), torch.optim.SGD(_model().parameters(), lr=0.1))
    with pytest.raises(TypeError, match="schedule must be an lrcourse Schedule"):
        to_torch(lambda t: 0.1, torch.optim.SGD(_model().parameters(), lr=0.1))
    with pytest.raises(TypeError, match="scheduler"):
        trace(object(), 5)
    plateau = to_torch(L.ReduceLROnPlateau(lr=0.1), torch.optim.SGD(_model().parameters(), lr=0.1))
    with pytest.raises(ValueError, match="metrics must hold one value per step"):
        trace(plateau, 5, metrics=[1.0, 0.5])

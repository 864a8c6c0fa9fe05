"""``lrcourse.torch.range_test``: the sweep on a real model leaves model, optimizer and RNG exactly as they
were, runs every parameter group in its own range, and is reproducible from a seed."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrcourse.torch import TorchRangeTestResult, range_test  # noqa: E402

pytestmark = pytest.mark.torch


def _setup():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(16, 3))
    optimizer = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.05},
                                 {"params": model[3].parameters(), "lr": 0.01}], momentum=0.9, weight_decay=1e-4)
    x = torch.randn(256, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
    loss_fn = torch.nn.CrossEntropyLoss()
    for inputs, targets in batches[:3]:  # the optimizer already has momentum buffers
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
    model.eval()
    return model, optimizer, loss_fn, batches


def _snapshot(model, optimizer):
    return ({k: v.clone() for k, v in model.state_dict().items()},
            {k: {n: (t.clone() if torch.is_tensor(t) else t) for n, t in st.items()}
             for k, st in optimizer.state_dict()["state"].items()},
            [dict((k, v) for k, v in g.items() if k != "params") for g in optimizer.param_groups],
            model.training, torch.get_rng_state().clone())


def test_model_optimizer_and_rng_are_restored_exactly():
    model, optimizer, loss_fn, batches = _setup()
    before = _snapshot(model, optimizer)
    res = range_test(model, optimizer, loss_fn, batches, min_lr=[1e-4, 1e-5], max_lr=[10.0, 1.0], num_iter=80,
                     seed=3, progress=False)
    after = _snapshot(model, optimizer)
    assert isinstance(res, TorchRangeTestResult) and len(res.lrs) > 10
    for key, tensor in before[0].items():
        assert torch.equal(tensor, after[0][key]), key
    for key, state in before[1].items():
        for name, value in state.items():
            assert torch.equal(value, after[1][key][name]) if torch.is_tensor(value) else value == after[1][key][name]
    assert before[2] == after[2]  # every group's lr, momentum, weight decay...
    assert before[3] == after[3] is False  # eval mode kept
    assert torch.equal(before[4], after[4])  # the caller's random stream is untouched
    # and the model really was trained during the sweep (the restore is not a no-op)
    assert res.stopped_early or float(np.nanmin(res.losses)) < float(res.losses[0])


def test_each_group_sweeps_its_own_range():
    model, optimizer, loss_fn, batches = _setup()
    res = range_test(model, optimizer, loss_fn, batches, min_lr=[1e-4, 1e-5], max_lr=[10.0, 0.1], num_iter=60,
                     seed=1, progress=False)
    i = np.arange(len(res.lrs))
    np.testing.assert_allclose(res.group_lrs[:, 0], res.lrs)
    np.testing.assert_allclose(res.group_lrs[:, 0], 1e-4 * 1e5 ** (i / 59), rtol=1e-12)  # 5 decades
    np.testing.assert_allclose(res.group_lrs[:, 1], 1e-5 * 1e4 ** (i / 59), rtol=1e-12)  # 4 decades
    assert res.group_suggestions
    for rule, (g0, g1) in res.group_suggestions.items():
        assert g0 == pytest.approx(res.suggestions[rule])
        frac = np.log(g0 / 1e-4) / np.log(1e5)  # where in group 0's range the rule lands
        assert g1 == pytest.approx(1e-5 * 1e4 ** frac)


def test_same_seed_same_sweep():
    runs = []
    for _ in range(2):
        model, optimizer, loss_fn, batches = _setup()
        runs.append(range_test(model, optimizer, loss_fn, batches, num_iter=40, seed=7, progress=False))
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)


def test_bad_arguments():
    model, optimizer, loss_fn, batches = _setup()
    with pytest.raises(ValueError, match="min_lr must be one rate or one per parameter group"):
        range_test(model, optimizer, loss_fn, batches, min_lr=[1e-4, 1e-4, 1e-4])
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        range_test(object(), optimizer, loss_fn, batches)
    with pytest.raises(ValueError, match="batches ran out"):
        range_test(model, optimizer, loss_fn, iter(batches), num_iter=50, progress=False)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())  # a failed sweep restores too

"""The NumPy digits trainer: gradients, schedule plumbing, reproducibility, accuracy, bad input."""

import numpy as np
import pytest

from lrcourse import CosineAnnealingLR, OneCycleLR, StepLR
from lrcourse.interop.digits import (
    _grads,
    _init,
    digits_steps_per_epoch,
    load_digits_split,
    make_step_fn,
    super_convergence_demo,
    train,
    train_digits,
)

SPE = digits_steps_per_epoch(32)


def _loss(params, X, y, activation):
    from lrcourse.interop.digits import _forward, _loss_and_probs

    return _loss_and_probs(_forward(params, X, activation)[0], y)[0]


@pytest.mark.parametrize("model,activation", [("softmax", "relu"), ("mlp", "relu"), ("mlp", "tanh")])
def test_gradients_match_finite_differences(model, activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    params = _init(model, 5, 3, 4, rng)
    for v in params.values():  # non-zero everywhere so every entry is exercised
        v += 0.3 * rng.normal(size=v.shape)
    _, grads = _grads(params, X, y, activation)
    h = 1e-6
    for name, p in params.items():
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = _loss(params, X, y, activation)
            p[idx] = old - h
            down = _loss(params, X, y, activation)
            p[idx] = old
            assert grads[name][idx] == pytest.approx((up - down) / (2 * h), abs=1e-7)


def test_split_is_stratified_standardized_and_seeded():
    Xtr, ytr, Xva, yva = load_digits_split(0)
    assert Xtr.shape == (1347, 64) and Xva.shape == (450, 64)
    np.testing.assert_allclose(Xtr.mean(axis=0), 0, atol=1e-12)
    # stratified: class proportions agree to within one sample per class
    assert np.all(np.abs(np.bincount(ytr) / 3 - np.bincount(yva)) <= 1)
    assert not np.array_equal(load_digits_split(1)[1], ytr)


def test_one_cycle_softmax_reaches_95_percent_in_three_epochs():
    res = train_digits(OneCycleLR(max_lr=0.5, total_steps=3 * SPE), epochs=3, model="softmax")
    assert res.history["val_acc"][-1] >= 0.95
    assert set(res.history) == {"train_loss", "val_loss", "train_acc", "val_acc"}
    assert all(v.shape == (3,) for v in res.history.values())
    assert res.history["train_loss"][-1] < res.history["train_loss"][0]


def test_cosine_mlp_with_momentum_learns():
    res = train_digits(CosineAnnealingLR(lr=0.05, T_max=4 * SPE), epochs=4, model="mlp", momentum=0.9, hidden=64)
    assert res.history["val_acc"][-1] >= 0.95


@pytest.mark.parametrize("model", ["softmax", "mlp"])
def test_same_seed_is_bit_identical(model):
    kw = dict(epochs=2, model=model, momentum=0.5, weight_decay=1e-4, hidden=16)
    a, b = train_digits(0.05, seed=3, **kw), train_digits(0.05, seed=3, **kw)
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key])
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    c = train_digits(0.05, seed=4, **kw)
    assert not np.array_equal(a.history["train_loss"], c.history["train_loss"])


def test_schedule_is_evaluated_per_batch_or_per_epoch():
    sched = StepLR(lr=0.1, step_size=10, gamma=0.5)
    res = train_digits(sched, epochs=2)
    np.testing.assert_array_equal(res.lrs, sched(np.arange(2 * SPE)))
    res = train_digits(sched, epochs=2, step_per="epoch")
    np.testing.assert_array_equal(res.lrs, np.repeat(sched(np.arange(2)), SPE))


def test_momentum_schedule_is_used():
    one = OneCycleLR(max_lr=0.5, total_steps=2 * SPE)
    a = train_digits(one, epochs=2, momentum=one.momentum)
    b = train_digits(one, epochs=2, momentum=0.0)
    assert not np.array_equal(a.params["W"], b.params["W"])


def test_any_xy_dataset():
    rng = np.random.default_rng(0)
    centers = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    y = rng.integers(0, 3, size=300)
    X = centers[y] + 0.3 * rng.normal(size=(300, 2))
    res = train(X[:200], y[:200], X[200:], y[200:], 0.1, epochs=5, batch_size=16)
    assert res.history["val_acc"][-1] == 1.0


def test_divergence_is_recorded():
    res = train_digits(1e4, epochs=3, model="mlp")
    assert res.diverged
    assert all(np.all(np.isfinite(v)) for v in res.history.values())
    assert len({len(v) for v in res.history.values()}) == 1


def test_step_fn_for_range_test():
    a, b = make_step_fn(seed=1), make_step_fn(seed=1)
    la = [a(0.1) for _ in range(60)]
    assert la == [b(0.1) for _ in range(60)]
    assert np.mean(la[-10:]) < np.mean(la[:10]) and la[0] == pytest.approx(np.log(10))
    with pytest.raises(ValueError, match="lr"):
        a(-1.0)


def test_super_convergence_demo():
    out = super_convergence_demo(epochs=3, model="mlp")
    assert set(out) == {"one-cycle", "constant", "step decay"}
    for res in out.values():
        assert res.history["val_acc"].shape == (3,)
    acc = {k: r.history["val_acc"][-1] for k, r in out.items()}
    assert acc["one-cycle"] >= max(acc["constant"], acc["step decay"])
    longer = super_convergence_demo(epochs=1, baseline_epochs=2)
    assert longer["one-cycle"].history["val_acc"].shape == (1,)
    assert longer["constant"].history["val_acc"].shape == (2,)


def test_bad_input():
    Xtr, ytr, Xva, yva = load_digits_split(0)
    with pytest.raises(ValueError, match="batch_size"):
        train(Xtr, ytr, Xva, yva, 0.1, batch_size=5000)
    with pytest.raises(ValueError, match="model"):
        train_digits(0.1, model="cnn")
    with pytest.raises(ValueError, match="y must be 1-D"):
        train(Xtr, ytr[:-1], Xva, yva, 0.1)
    with pytest.raises(TypeError, match="integer class labels"):
        train(Xtr, ytr.astype(float), Xva, yva, 0.1)
    with pytest.raises(ValueError, match="features"):
        train(Xtr, ytr, Xva[:, :10], yva, 0.1)
    with pytest.raises(ValueError, match="schedule"):
        train_digits(-0.1)
    with pytest.raises(ValueError, match=r"schedule\(0\) returned a non-finite value"):
        train_digits(lambda t: float("nan"), epochs=1)
    with pytest.raises(ValueError, match=r"schedule\(0\) returned a negative value"):
        train_digits(lambda t: -0.1, epochs=1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\)"):
        train_digits(0.1, momentum=lambda t: 1.5, epochs=1)
    with pytest.raises(ValueError, match="n_classes"):
        train(Xtr, ytr, Xva, yva, 0.1, n_classes=3)
    with pytest.raises(ValueError, match="step_per"):
        train_digits(0.1, step_per="sample")
    with pytest.raises(ValueError, match="momentum"):
        train_digits(0.1, momentum=1.0)

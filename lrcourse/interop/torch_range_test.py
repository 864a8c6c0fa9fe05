"""The LR range test on a real PyTorch model (``lrcourse.torch.range_test``).

The sweep itself is :func:`lrcourse.lr_range_test` (suggestions on a zero-lag curve, burn-in, spikes
and NaN handled); this module only drives the model: one mini-batch update per rate, a rate range of
its own for every parameter group, a seed for reproducibility, and the model, the optimizer and the
random-number generator restored EXACTLY as they were once the sweep is over (the sweep trains the
model to divergence; you do not want to keep those weights).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as check
from ..stepsize.range_test import RangeTestResult, lr_range_test, range_test_lrs

__all__ = ["TorchRangeTestResult", "range_test"]


@dataclass(frozen=True)
class TorchRangeTestResult(RangeTestResult):
    """A :class:`~lrcourse.RangeTestResult` whose rates are those of parameter group 0, plus:

    Attributes
    ----------
    group_lrs : ndarray, shape (n, groups)
        The rate every parameter group had at each step.
    group_suggestions : dict
        ``{rule: [rate for each group]}``: the suggestion read at the same point of the sweep for every
        group (the groups move together, each inside its own range).
    """

    group_lrs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    group_suggestions: dict = field(default_factory=dict)


def _per_group(name, value, groups) -> list:
    values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value] * groups
    if len(values) != groups:
        raise ValueError(f"{name} must be one rate or one per parameter group ({groups}), got {len(values)}")
    return [check.positive(f"{name}[{g}]", v) for g, v in enumerate(values)]


def _batches(batches):
    """An endless stream of ``(inputs, targets)``: re-iterates a re-iterable (list, DataLoader)."""
    if iter(batches) is batches:  # a one-shot iterator: can only be read once
        yield from batches
        raise ValueError("batches ran out before the sweep ended: pass a list or a DataLoader (re-iterable)")
    while True:
        empty = True
        for item in batches:
            empty = False
            yield item
        if empty:
            raise ValueError("batches is empty")


def range_test(model, optimizer, loss_fn, batches, *, min_lr=1e-7, max_lr=10.0, num_iter=100, mode="exp",
               beta=0.98, diverge_threshold=5.0, skip_start=None, seed=None, progress=True) -> TorchRangeTestResult:
    r"""Smith's LR range test on a PyTorch model, leaving the model and optimizer untouched.

    At step :math:`i` every parameter group :math:`g` gets the rate
    :math:`\eta_{g,i} = \eta^{min}_g (\eta^{max}_g/\eta^{min}_g)^{i/(N-1)}` (``mode="exp"``; linear
    with ``"linear"``), the next batch is run through ``loss_fn(model(inputs), targets)``, and one
    ``optimizer.step()`` is taken. Then everything the sweep changed is put back: the model's
    ``state_dict`` (weights and buffers), the optimizer's ``state_dict`` (momentum buffers, step
    counts, every group's hyper-parameters), the model's train/eval mode and torch's CPU random state.

    Parameters
    ----------
    model : torch.nn.Module
    optimizer : torch.optim.Optimizer
        Built on ``model``'s parameters; one or several parameter groups.
    loss_fn : callable
        ``loss_fn(outputs, targets) -> scalar tensor``.
    batches : iterable of (inputs, targets)
        A list or a ``DataLoader`` (re-iterated when exhausted).
    min_lr, max_lr : float or sequence of float
        The range, the same for every group or one value per group.
    num_iter, mode, beta, diverge_threshold, skip_start
        As in :func:`lrcourse.lr_range_test`.
    seed : int, optional
        ``torch.manual_seed(seed)`` for the sweep (reproducible shuffling, dropout...); the previous
        random state is restored afterwards either way.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    TorchRangeTestResult
        ``lrs`` are group 0's rates; ``group_suggestions`` gives each rule's rate for every group.
    """
    from .torch import _check_optimizer, _torch

    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_optimizer(optimizer)
    check.function("loss_fn", loss_fn)
    if seed is not None:
        seed = check.integer("seed", seed, minimum=0)
    groups = len(optimizer.param_groups)
    lows, highs = _per_group("min_lr", min_lr, groups), _per_group("max_lr", max_lr, groups)
    sweeps = np.stack([range_test_lrs(lo, hi, num_iter, mode) for lo, hi in zip(lows, highs)], axis=1)
    stream = _batches(batches)
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    saved_rng = torch.get_rng_state()
    step = {"i": 0}

    def step_fn(_lr):
        for group, lr in zip(optimizer.param_groups, sweeps[step["i"]]):
            group["lr"] = float(lr)
        step["i"] += 1
        inputs, targets = next(stream)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor")
        value = float(loss.detach())
        if np.isfinite(value):
            loss.backward()
            optimizer.step()
        return value

    try:
        if seed is not None:
            torch.manual_seed(seed)
        model.train()
        base = lr_range_test(step_fn, min_lr=lows[0], max_lr=highs[0], num_iter=num_iter, mode=mode, beta=beta,
                             diverge_threshold=diverge_threshold, skip_start=skip_start, progress=progress)
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        model.train(was_training)
        torch.set_rng_state(saved_rng)
    per_group = {rule: [_same_point(lr, lows, highs, g, mode) for g in range(groups)]
                 for rule, lr in base.suggestions.items()}
    fields = {name: getattr(base, name) for name in RangeTestResult.__dataclass_fields__}
    return TorchRangeTestResult(**fields, group_lrs=sweeps[:len(base.lrs)], group_suggestions=per_group)


def _same_point(lr, lows, highs, g, mode) -> float:
    """Group ``g``'s rate at the point of the sweep where group 0's rate is ``lr``."""
    if mode == "exp":
        frac = np.log(lr / lows[0]) / np.log(highs[0] / lows[0])
        return float(lows[g] * (highs[g] / lows[g]) ** frac)
    frac = (lr - lows[0]) / (highs[0] - lows[0])
    return float(lows[g] + frac * (highs[g] - lows[g]))

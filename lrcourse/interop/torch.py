"""Bridges to PyTorch (``pip install lrcourse[torch]``); torch is imported only when used.

- :func:`as_torch_scheduler` drives a real ``torch.optim`` optimizer with any lrcourse schedule.
- :func:`to_torch` builds torch's own scheduler equivalent to an lrcourse one (torch-named classes).
- :func:`trace` steps a torch scheduler and returns its learning rates as a NumPy array.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from .. import _validate as check
from ..schedules.base import Schedule

__all__ = ["as_torch_scheduler", "to_torch", "trace", "set_lr"]


def _torch():
    try:
        return importlib.import_module("torch")
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("this needs PyTorch: pip install 'lrcourse[torch]' (torch==2.13.0)") from exc


def _check_optimizer(optimizer):
    torch = _torch()
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")


def set_lr(optimizer, lr) -> None:
    """Write one learning rate into every parameter group of ``optimizer``."""
    _check_optimizer(optimizer)
    lr = check.nonnegative("lr", lr)
    for group in optimizer.param_groups:
        group["lr"] = lr


def as_torch_scheduler(schedule: Schedule, optimizer):
    r"""A ``torch.optim.lr_scheduler.LRScheduler`` that follows ``schedule``.

    After ``t`` calls of ``step()`` each parameter group's rate is ``schedule(t)`` times the ratio of
    that group's initial rate to the rate of the first group (one group: exactly ``schedule(t)``).
    For :class:`~lrcourse.CyclicLR` and :class:`~lrcourse.OneCycleLR` the momentum (or Adam's
    ``beta1``) follows ``schedule.momentum(t)`` too.

    Examples
    --------
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)   # doctest: +SKIP
    >>> sched = as_torch_scheduler(CosineAnnealingLR(lr=0.1, T_max=100), opt)   # doctest: +SKIP
    >>> for epoch in range(100): train_one_epoch(); sched.step()   # doctest: +SKIP
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be an lrcourse Schedule, got {type(schedule).__name__}")
    _check_optimizer(optimizer)
    from torch.optim.lr_scheduler import LRScheduler

    class LRCourseScheduler(LRScheduler):
        def __init__(self, opt):
            self.schedule = schedule
            first = opt.param_groups[0]["lr"]
            self._scales = [g["lr"] / first if first else 1.0 for g in opt.param_groups]
            self._cycles_momentum = getattr(schedule, "cycle_momentum", False) and hasattr(schedule, "momentum")
            super().__init__(opt)

        def get_lr(self):
            t = self.last_epoch
            if self._cycles_momentum:
                m = schedule.momentum(t)
                for group in self.optimizer.param_groups:
                    if "betas" in group:
                        group["betas"] = (m, *group["betas"][1:])
                    elif "momentum" in group:
                        group["momentum"] = m
            lr = schedule(t)
            return [lr * s for s in self._scales]

    return LRCourseScheduler(optimizer)


def to_torch(schedule: Schedule, optimizer):
    """Build torch's scheduler matching an lrcourse schedule of the same name on ``optimizer``.

    The optimizer's learning rate is set to the schedule's ``lr`` first (torch reads it from there).
    Supports every torch-named class, including SequentialLR and ChainedScheduler of them.

    Examples
    --------
    >>> import torch
    >>> from lrcourse import StepLR
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> trace(to_torch(StepLR(lr=0.1, step_size=2, gamma=0.5), opt), 5)
    array([0.1  , 0.1  , 0.05 , 0.05 , 0.025])
    """
    from ..schedules.plateau import ReduceLROnPlateau

    if not isinstance(schedule, (Schedule, ReduceLROnPlateau)):
        raise TypeError(f"schedule must be an lrcourse Schedule or ReduceLROnPlateau, got {type(schedule).__name__}")
    _check_optimizer(optimizer)
    return _build(schedule, optimizer, set_initial=True)


def _build(schedule, optimizer, set_initial: bool):
    from torch.optim import lr_scheduler as tls

    name = type(schedule).__name__
    fields = dict(getattr(schedule, "__dataclass_fields__", {}))
    if name in ("SequentialLR", "ChainedScheduler"):
        set_lr(optimizer, schedule.schedulers[0].initial_lr)
        children = [_build(s, optimizer, set_initial=False) for s in schedule.schedulers]
        if name == "ChainedScheduler":
            return tls.ChainedScheduler(children, optimizer=optimizer)
        return tls.SequentialLR(optimizer, children, milestones=list(schedule.milestones))
    if name == "ReduceLROnPlateau":
        if set_initial:
            set_lr(optimizer, schedule.initial_lr)
        keys = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps")
        return tls.ReduceLROnPlateau(optimizer, **{k: getattr(schedule, k) for k in keys})
    cls = getattr(tls, name, None)
    if cls is None or not fields:
        raise ValueError(f"torch has no scheduler matching {name}")
    kwargs = {k: getattr(schedule, k) for k in fields}
    lr = kwargs.pop("lr", None)
    if lr is not None and set_initial:
        set_lr(optimizer, lr)
    if name == "MultiStepLR":
        kwargs["milestones"] = list(kwargs["milestones"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return cls(optimizer, **kwargs)


def trace(scheduler, steps: int, *, metrics=None, fractional_epochs=None) -> np.ndarray:
    """Learning rates of a torch scheduler: entry ``t`` is the rate after ``t`` calls of ``step()``.

    Parameters
    ----------
    scheduler : torch.optim.lr_scheduler.LRScheduler or ReduceLROnPlateau
    steps : int
        How many rates to record (``steps - 1`` calls of ``step``).
    metrics : array_like, optional
        Required for ``ReduceLROnPlateau``: ``metrics[k]`` is passed to the ``k``-th ``step``.
    fractional_epochs : array_like, optional
        For ``CosineAnnealingWarmRestarts``: call ``step(epoch)`` with each value instead and record
        the rate after each call (``steps`` is then ignored).
    """
    torch = _torch()
    kinds = (torch.optim.lr_scheduler.LRScheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if not isinstance(scheduler, kinds):
        raise TypeError(f"scheduler must be a torch.optim.lr_scheduler scheduler, got {type(scheduler).__name__}")
    steps = check.integer("steps", steps, minimum=0)
    check.loop_length("steps", steps, "scheduler steps")
    if metrics is not None:
        metrics = check.array("metrics", metrics, ndim=1, finite=False)
        if metrics.size < steps - 1:
            raise ValueError(f"metrics must hold one value per step() call ({steps - 1}), got {metrics.size}")
    optimizer = scheduler.optimizer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if fractional_epochs is not None:
            out = []
            for epoch in check.array("fractional_epochs", fractional_epochs, ndim=1):
                scheduler.step(float(epoch))
                out.append(float(optimizer.param_groups[0]["lr"]))
            return np.asarray(out)
        out = []
        for k in range(steps):
            out.append(float(optimizer.param_groups[0]["lr"]))
            if k == steps - 1:
                break
            optimizer.step()
            if metrics is not None:
                scheduler.step(float(metrics[k]))
            else:
                scheduler.step()
        return np.asarray(out, dtype=np.float64)


from .torch_range_test import TorchRangeTestResult, range_test  # noqa: E402  (lrcourse.torch.range_test)

__all__ += ["range_test", "TorchRangeTestResult"]

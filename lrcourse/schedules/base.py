"""The :class:`Schedule` base class and the way to write a custom schedule.

A schedule is a small immutable object mapping a step count ``t >= 0`` to a learning rate. Calling it
evaluates the closed form on a scalar or on a whole NumPy array at once::

    >>> from lrcourse import CosineAnnealingLR
    >>> sched = CosineAnnealingLR(lr=0.1, T_max=100)
    >>> sched(50)
    0.05000000000000001
    >>> sched(np.arange(100)).shape
    (100,)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .. import _validate as check

__all__ = ["Schedule", "Tail", "FunctionSchedule", "schedule"]


class Tail(NamedTuple):
    """How a schedule behaves as ``t -> infinity`` (used by :func:`lrcourse.robbins_monro`).

    ``kind`` is one of

    - ``"power"``: ``lr_t ~ c * t**(-rate)`` (``rate=0`` means a positive constant or a periodic
      schedule with a positive mean),
    - ``"geometric"``: ``lr_t ~ c * rate**t`` with ``0 <= rate < 1``,
    - ``"zero"``: ``lr_t == 0`` after finitely many steps.
    """

    kind: str
    rate: float


class Schedule:
    """Base class of every learning-rate schedule.

    Subclasses are frozen dataclasses that validate their fields in ``__post_init__`` and implement
    ``_evaluate(t)``, a vectorized closed form taking a float64 array of non-negative steps.

    Calling a schedule, ``sched(t)``, accepts an int, a float or an array of any shape and returns a
    Python float for a scalar and a float64 array of the same shape for an array. A negative or
    non-finite step raises ``ValueError``.
    """

    def __call__(self, t):
        arr, scalar = check.steps(t)
        # A scalar goes through the same vectorized code path as an array (as a 1-element array),
        # so that sched(t) == sched(np.array([t]))[0] to the last bit.
        flat = arr.reshape(-1)
        out = np.asarray(self._evaluate(flat), dtype=np.float64)
        if out.shape != flat.shape:
            out = np.broadcast_to(out, flat.shape).copy()
        return float(out[0]) if scalar else out.reshape(arr.shape)

    def _evaluate(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def initial_lr(self) -> float:
        """The learning rate at step 0."""
        return self(0)

    def _tail(self) -> Tail | None:
        """Asymptotic behaviour for the Robbins-Monro check; ``None`` when unknown."""
        return None

    def replace(self, **changes) -> "Schedule":
        """Return a copy with some parameters changed (and validated again)."""
        return dataclasses.replace(self, **changes)


def _set(obj, name, value):
    """Store a normalised field value on a frozen dataclass during ``__post_init__``."""
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class FunctionSchedule(Schedule):
    r"""A custom schedule from a function of the step: :math:`\eta_t = f(t)`.

    Parameters
    ----------
    fn : callable
        ``fn(t) -> lr``. If ``vectorized`` (the default) it receives a float64 NumPy array of steps
        and must return an array of the same shape; otherwise it is called once per step with a
        Python float.
    vectorized : bool, default True
        Whether ``fn`` works on whole arrays.
    name : str, optional
        A label for plots and reprs.

    Examples
    --------
    >>> half_life = FunctionSchedule(lambda t: 0.1 * 0.5 ** (t / 20), name="half-life 20")
    >>> half_life(20)
    0.05
    """

    fn: Callable
    vectorized: bool = True
    name: str | None = None

    def __post_init__(self):
        check.function("fn", self.fn)

    def _evaluate(self, t):
        if self.vectorized:
            out = np.asarray(self.fn(t), dtype=np.float64)
        else:
            flat = [float(self.fn(float(s))) for s in t.ravel()]
            out = np.asarray(flat, dtype=np.float64).reshape(t.shape)
        if out.shape != t.shape and out.size != 1:
            raise ValueError(f"fn must return one learning rate per step: got shape {out.shape} for steps {t.shape}")
        if not np.all(np.isfinite(out)):
            raise ValueError("fn returned a non-finite learning rate")
        if np.any(out < 0):
            raise ValueError("fn returned a negative learning rate")
        return out

    def __repr__(self):
        return f"FunctionSchedule({self.name or getattr(self.fn, '__name__', 'fn')})"


def schedule(fn: Callable | None = None, *, vectorized: bool = True, name: str | None = None):
    """Decorator turning a function of the step into a :class:`FunctionSchedule`.

    Examples
    --------
    >>> @schedule
    ... def triangle(t):
    ...     return 0.1 * (1 - abs((t % 20) / 10 - 1))
    >>> triangle(10)
    0.1
    """

    def wrap(f):
        return FunctionSchedule(f, vectorized=vectorized, name=name or getattr(f, "__name__", None))

    return wrap if fn is None else wrap(fn)

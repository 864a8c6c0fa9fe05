"""The :class:`Schedule` base class and the way to write a custom schedule.

A schedule is a small immutable object mapping a step count ``t >= 0`` to a learning rate. Calling it
evaluates the closed form on a scalar or on a whole NumPy array at once::

    >>> from lrcourse import CosineAnnealingLR
    >>> sched = CosineAnnealingLR(lr=0.1, T_max=100)
    >>> sched(50)
    0.05
    >>> sched(np.arange(100)).shape
    (100,)

A concrete schedule is a frozen dataclass whose fields declare their own check with :func:`param`;
:class:`Schedule` runs those checks on construction (and again on :meth:`Schedule.replace`), and
after every evaluation makes sure each rate is finite and non-negative.
"""

from __future__ import annotations

import dataclasses
import math
import sys
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

    Subclasses are frozen dataclasses whose fields are declared with :func:`param` (so they are
    validated on construction) and implement ``_evaluate(t)``, a vectorized closed form taking a
    float64 array of non-negative steps.

    Calling a schedule, ``sched(t)``, accepts an int, a float or an array of any shape and returns a
    Python float for a scalar and a float64 array of the same shape for an array. A negative or
    non-finite step raises ``ValueError``, and so does a step at which the formula leaves the float
    range (overflow) or would give a negative rate: the message names ``t`` and the schedule.
    """

    def __post_init__(self):
        for spec in dataclasses.fields(self):
            rule = spec.metadata.get("check")
            if rule is not None:
                object.__setattr__(self, spec.name, rule(spec.name, getattr(self, spec.name)))

    def __call__(self, t):
        return self.evaluate_checked(self._evaluate, t, "learning rate")

    def _evaluate(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate_checked(self, formula: Callable, t, what: str):
        """Validate the steps ``t``, apply the vectorized ``formula`` and check every value.

        The shared path of :meth:`__call__` and of the other per-step outputs of a schedule (its
        multiplicative factor, a cycled momentum). A scalar goes through the same vectorized code as
        an array (as a 1-element array), so that ``sched(t) == sched(np.array([t]))[0]`` to the
        last bit. Returns a float for a scalar ``t``, else an array of the shape of ``t``.
        """
        arr, scalar = check.steps(t)
        flat = arr.reshape(-1)
        with np.errstate(all="ignore"):  # overflow and nan are reported below, with the step
            out = np.asarray(formula(flat), dtype=np.float64)
        if out.shape != flat.shape:
            out = np.broadcast_to(out, flat.shape).copy()
        ok = np.isfinite(out) & (out >= 0)
        if not ok.all():
            i = int(np.argmin(ok))
            value = out[i]
            problem = ("overflows the float range" if np.isinf(value) else
                       "is not a number" if np.isnan(value) else f"is negative ({value:g})")
            raise ValueError(f"t={flat[i]:g}: the {what} of {self!r} {problem}; evaluate at smaller steps t "
                             "or choose parameters that keep it finite and >= 0")
        return float(out[0]) if scalar else out.reshape(arr.shape)

    @property
    def initial_lr(self) -> float:
        """The learning rate at step 0."""
        return self(0)

    def tail(self) -> Tail | None:
        """How the rate behaves as ``t -> infinity`` (a :class:`Tail`), ``None`` when unknown.

        Used by :func:`~lrcourse.robbins_monro`; subclasses say it by overriding ``_tail()``.
        """
        return self._tail()

    def _tail(self) -> Tail | None:
        return None

    def replace(self, **changes) -> "Schedule":
        """Return a copy with some parameters changed (and validated again)."""
        return dataclasses.replace(self, **changes)


def param(rule: Callable, *args, default=dataclasses.MISSING, optional: bool = False, **options):
    """A dataclass field of a schedule, checked and normalised by ``rule(name, value, *args, **options)``.

    ``rule`` is one of the checks of :mod:`lrcourse._validate` (they name the parameter in their
    errors). With ``optional=True`` the value ``None`` is accepted as is.

    Examples
    --------
    >>> from lrcourse import _validate as check
    >>> @dataclass(frozen=True)
    ... class Halving(Schedule):
    ...     lr: float = param(check.positive)
    ...     every: int = param(check.integer, minimum=1, default=10)
    ...     def _evaluate(self, t):
    ...         return self.lr * 0.5 ** np.floor(t / self.every)
    >>> Halving(lr=0.4, every=5)(10)
    0.1
    >>> Halving(lr=0.4, every=0)
    Traceback (most recent call last):
    ...
    ValueError: every must be an integer >= 1, got 0
    """

    def run(name, value):
        if optional and value is None:
            return None
        return rule(name, value, *args, **options)

    return dataclasses.field(default=default, metadata={"check": run})


class FactorSchedule(Schedule):
    """A schedule ``lr * factor(t)`` whose factor does not depend on ``lr``.

    These are the schedules torch's ``ChainedScheduler`` composes exactly (their factors multiply);
    a subclass whose factor is only sometimes independent of ``lr`` overrides :attr:`chainable`.
    Subclasses define the field ``lr`` and the vectorized ``_factor(t)``.
    """

    def _factor(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _evaluate(self, t):
        return self.lr * self._factor(t)

    def multiplier(self, t):
        """The multiplicative factor ``sched(t) / lr`` at step(s) ``t``, computed without dividing."""
        return self.evaluate_checked(self._factor, t, "factor")

    @property
    def chainable(self) -> bool:
        """Whether the factor is independent of ``lr`` (always, unless a subclass says otherwise)."""
        return True

    @property
    def initial_lr(self) -> float:
        return self.lr


_FLOAT_MAX = sys.float_info.max


def _step_argument(value: float):
    """A step as the user function sees it: a Python int when whole (as torch passes it), else a float."""
    return int(value) if float(value).is_integer() else float(value)


def user_number(fn: Callable, arg, name: str, *, nonnegative: bool = True) -> float:
    """``fn(arg)`` as a finite float (and ``>= 0`` unless ``nonnegative=False``); errors name ``name``."""
    result = fn(arg)
    if type(result) is float:  # the common cases, kept fast
        value = result
    elif type(result) is int:
        value = float(result) if abs(result) <= _FLOAT_MAX else math.inf
    else:
        if np.ndim(result) != 0:
            raise ValueError(f"{name}({arg!r}) must return one number, got shape {np.shape(result)}")
        try:
            value = check.real(name, result, allow_inf=True)
        except (TypeError, ValueError):
            raise ValueError(f"{name}({arg!r}) did not return a number, got {result!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}({arg!r}) returned a non-finite value {value!r}")
    if nonnegative and value < 0:
        raise ValueError(f"{name}({arg!r}) returned a negative value {value!r}; it must be >= 0")
    return value


def user_values(fn: Callable, t: np.ndarray, name: str, *, vectorized: bool | None = False,
                nonnegative: bool = True) -> np.ndarray:
    """Evaluate a user function of the step on the float64 array ``t``, checking what it returns.

    ``vectorized=True``: the function gets the whole array and must return one value per step (or a
    single value). ``vectorized=False``: it is called once per *distinct* step with
    :func:`user_number`, with a Python int for a whole step as torch passes it (at most
    ``LOOP_LIMIT`` steps). ``vectorized=None``: the whole array is tried first and a function that
    fails on it, or does not return one value per step, is called per step. Every value must be a
    finite number, and ``>= 0`` unless ``nonnegative=False``; the ``ValueError`` otherwise names
    ``name`` and the step.
    """
    out = None
    if vectorized is None:
        try:
            out = np.asarray(fn(t), dtype=np.float64)
        except Exception:  # e.g. ``if t < 10`` on an array: not a vectorized function
            out = None
        if out is not None and out.shape != t.shape:
            out = None
    elif vectorized:
        try:
            out = np.asarray(fn(t), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} did not return numbers: {exc}") from None
        if out.shape != t.shape and out.size != 1:
            raise ValueError(f"{name} must return one learning rate per step: got shape {out.shape} for steps "
                             f"{t.shape}")
        if out.shape != t.shape:
            out = np.full(t.shape, out.item())
    if out is None:
        check.loop_length("t", t.size, f"steps, each a Python call of {name} (pass a vectorized function)")
        distinct, where = np.unique(t, return_inverse=True)
        values = [user_number(fn, _step_argument(s), name, nonnegative=nonnegative) for s in distinct]
        return np.asarray(values, dtype=np.float64)[where].reshape(t.shape)
    steps, values = t.reshape(-1), out.reshape(-1)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} returned a non-finite value at step {steps[np.argmin(np.isfinite(values))]:g}")
    if nonnegative and np.any(values < 0):
        raise ValueError(f"{name} returned a negative learning rate at step {steps[np.argmax(values < 0)]:g}")
    return out


@dataclass(frozen=True)
class FunctionSchedule(Schedule):
    r"""A custom schedule from a function of the step: :math:`\eta_t = f(t)`.

    Parameters
    ----------
    fn : callable
        ``fn(t) -> lr``. If ``vectorized`` (the default) it receives a float64 NumPy array of steps
        and must return an array of the same shape; otherwise it is called once per distinct step
        with a Python int (a float for a fractional step).
    vectorized : bool, default True
        Whether ``fn`` works on whole arrays.
    name : str, optional
        A label for plots and reprs.

    Every value ``fn`` returns must be a finite number ``>= 0``; otherwise evaluating the schedule
    raises a ``ValueError`` that names ``fn`` and the step.

    Examples
    --------
    >>> half_life = FunctionSchedule(lambda t: 0.1 * 0.5 ** (t / 20), name="half-life 20")
    >>> half_life(20)
    0.05
    >>> FunctionSchedule(lambda t: 0.1 - 0.01 * t)(20)
    Traceback (most recent call last):
    ...
    ValueError: fn returned a negative learning rate at step 20
    """

    fn: Callable = param(check.function)
    vectorized: bool = param(check.flag, default=True)
    name: str | None = None

    def _evaluate(self, t):
        return user_values(self.fn, t, "fn", vectorized=self.vectorized)

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
    >>> triangle(np.array([0, 5, 10, 15]))
    array([0.  , 0.05, 0.1 , 0.05])
    """

    def wrap(f):
        return FunctionSchedule(f, vectorized=vectorized, name=name or getattr(f, "__name__", None))

    return wrap if fn is None else wrap(fn)

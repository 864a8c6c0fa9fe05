"""Argument checks shared by every public function.

Each helper raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for a value out of
range, and always names the parameter, so a student sees *which* argument was wrong and why.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

#: Largest integer parameter accepted anywhere (int64), so that every integer fits a NumPy array.
INT_MAX = 2**63 - 1
#: Longest Python loop over steps that any function runs (a user function called per step, the
#: simulation loop...). Larger requests are refused with a ValueError instead of running for hours.
LOOP_LIMIT = 10_000_000
#: Largest total size, in bytes, of the arrays one call may allocate (2 GiB). A request beyond it
#: (a simulation with absurdly many runs, a data set of a billion points) is refused with a
#: ValueError naming the parameters to lower, instead of exhausting the machine's memory.
MEMORY_BUDGET = 2 * 1024**3


def real(name: str, value, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            value = value.item()
        else:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be finite, got an integer beyond the float range") from None
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def positive(name: str, value) -> float:
    """A finite real number > 0."""
    value = real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def nonnegative(name: str, value) -> float:
    """A finite real number >= 0."""
    value = real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def _interval(low: float, high: float, low_open: bool, high_open: bool) -> str:
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def in_range(name: str, value, low: float, high: float, *, low_open=False, high_open=False) -> float:
    """Check ``low <= value <= high`` (either end may be open)."""
    value = real(name, value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        raise ValueError(f"{name} must be in {_interval(low, high, low_open, high_open)}, got {value!r}")
    return value


def in_range_array(name: str, values, low: float = -math.inf, high: float = math.inf, *, low_open=False,
                   high_open=False) -> np.ndarray:
    """A finite float64 array (or 0-d array) whose every entry lies in the interval, as :func:`in_range`."""
    arr = array(name, values)
    bad = (arr <= low if low_open else arr < low) | (arr >= high if high_open else arr > high)
    if np.any(bad):
        first = float(arr[bad].flat[0])
        raise ValueError(f"{name} must be in {_interval(low, high, low_open, high_open)}, got {first!r}")
    return arr


def integer(name: str, value, *, minimum: int | None = None, maximum: int = INT_MAX) -> int:
    """Return ``value`` as an int in ``[minimum, maximum]``; floats are refused so that ``2.5`` steps never sneak in.

    The default ``maximum`` is the largest int64, so that every integer parameter fits a NumPy array.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {value!r}")
    return value


def flag(name: str, value) -> bool:
    """A real boolean (``True``/``False``); ``"no"`` or ``0`` are refused rather than read as truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def generator(name: str, value) -> np.random.Generator:
    """A ``numpy.random.Generator`` (randomness is always passed in, never global)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
                        f"got {type(value).__name__}")
    return value


def loop_length(name: str, length, what: str) -> int:
    """Check that a Python loop of ``length`` iterations (``what`` they are) stays within :data:`LOOP_LIMIT`."""
    if length > LOOP_LIMIT:
        raise ValueError(f"{name} asks for {float(length):.4g} {what}, more than the limit of {LOOP_LIMIT:,} "
                         "(a Python loop that long would run for hours)")
    return int(length)


def memory(names: str, n_bytes: float, what: str) -> None:
    """Refuse an allocation of ``n_bytes`` (``what`` it holds) beyond :data:`MEMORY_BUDGET`; ``names`` to lower."""
    if n_bytes > MEMORY_BUDGET:
        raise ValueError(f"{names}: {what} would take {n_bytes / 2**30:.3g} GiB, more than the memory budget of "
                         f"{MEMORY_BUDGET / 2**30:g} GiB (lrcourse._validate.MEMORY_BUDGET)")


def choice(name: str, value, options: Sequence[str]) -> str:
    """One of the strings ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def function(name: str, value):
    """A callable."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def instance(name: str, value, kind: type, description: str):
    """An instance of ``kind`` (``description`` says what that is, for the error message)."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {description}, got {type(value).__name__}")
    return value


def increasing_integers(name: str, values: Iterable, *, strict: bool = True, minimum: int = 0) -> tuple[int, ...]:
    """A sequence of integers, each >= ``minimum``, sorted (strictly unless ``strict=False``)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence of integers, got {type(values).__name__}")
    out = tuple(integer(f"{name}[{i}]", v, minimum=minimum) for i, v in enumerate(values))
    for i in range(1, len(out)):
        if out[i] < out[i - 1] or (strict and out[i] == out[i - 1]):
            kind = "strictly increasing" if strict else "non-decreasing"
            raise ValueError(f"{name} must be {kind}, got {list(out)}")
    return out


def _object_reals(arr: np.ndarray, name: str) -> np.ndarray:
    """Real numbers held as Python objects (e.g. ints beyond int64) as float64; anything else is refused."""
    out = np.empty(arr.shape, dtype=np.float64)
    flat = out.reshape(-1)
    for i, item in enumerate(arr.reshape(-1)):
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise TypeError(f"{name} must hold numbers only, got {type(item).__name__} {item!r}")
        try:
            flat[i] = float(item)
        except OverflowError:
            raise ValueError(f"{name} must be finite, got an integer beyond the float range") from None
    return out


def _numbers(name: str, values, *, booleans: bool) -> np.ndarray:
    """``values`` as a float64 array; strings, complex numbers and other objects are a ``TypeError``."""
    if type(values) is np.ndarray and values.dtype == np.float64:  # the common case, kept fast
        return values
    try:
        raw = np.asarray(values)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers: {exc}") from None
    if raw.dtype == object:
        return _object_reals(raw, name)
    if raw.dtype.kind not in ("iuf" + ("b" if booleans else "")):
        raise TypeError(f"{name} must be a number or an array of numbers, got dtype {raw.dtype}")
    return raw.astype(np.float64, copy=False)


def steps(t, name: str = "t") -> tuple[np.ndarray, bool]:
    """Convert step(s) to a float64 array; return ``(array, was_scalar)``.

    Steps must be finite and non-negative. Booleans, complex numbers, strings and other objects are
    refused; integers beyond int64 become floats.
    """
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or an array of numbers, got bool")
    arr = _numbers(name, t, booleans=False)
    scalar = arr.ndim == 0
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite step(s)")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be >= 0 (steps count from 0), got {arr.min()!r}")
    return arr, scalar


def array(name: str, values, *, ndim: int | None = None, finite: bool = True, min_size: int = 0) -> np.ndarray:
    """A float64 array with an optional dimension check and a finiteness check."""
    arr = _numbers(name, values, booleans=True)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} element(s), got {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def per_step(name: str, value, steps: int) -> np.ndarray:
    """A non-negative number, or one non-negative value per step, as a float64 array of length ``steps``."""
    if np.ndim(value) == 0:
        return np.full(steps, nonnegative(name, value))
    arr = array(name, value, ndim=1)
    if arr.shape != (steps,):
        raise ValueError(f"{name} must be a number or one value per step ({steps}), got shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


def finite_result(names: str):
    """Decorator for a numerical helper: its result must be finite, else a ``ValueError`` names ``names``.

    The function runs with NumPy's floating-point warnings silenced; an overflow (``inf``), a ``nan``,
    or Python's own ``OverflowError``/``ZeroDivisionError`` on extreme arguments becomes one
    ``ValueError`` that names the parameters able to cause it. A 0-d result is returned as a float.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                with np.errstate(all="ignore"):
                    out = fn(*args, **kwargs)
            except (OverflowError, ZeroDivisionError):
                out = math.inf
            arr = np.asarray(out, dtype=np.float64)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{fn.__name__}: the result leaves the float range for these values of {names}")
            return float(arr) if arr.ndim == 0 else arr

        return wrapper

    return decorate


def renamed_keywords(**renames):
    """Decorator: accept old keyword names for one release, with a ``DeprecationWarning``.

    ``@renamed_keywords(beta="momentum")`` lets callers still write ``f(beta=0.9)``: the value is
    passed on as ``momentum`` and the warning names both. Giving both names is a ``TypeError``.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {new}= and its old name {old}=; give only {new}=")
                    warnings.warn(f"{fn.__name__}(): the keyword {old}= is deprecated, use {new}= (same meaning)",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper

    return decorate

"""Argument checks shared by every public function.

Each helper raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for a value out of
range, and always names the parameter, so a student sees *which* argument was wrong and why.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np


def real(name: str, value, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            value = value.item()
        else:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def positive(name: str, value) -> float:
    value = real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def nonnegative(name: str, value) -> float:
    value = real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def in_range(name: str, value, low: float, high: float, *, low_open=False, high_open=False) -> float:
    """Check ``low <= value <= high`` (either end may be open)."""
    value = real(name, value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return value


def integer(name: str, value, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int; floats are refused so that ``2.5`` steps never sneak in."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def choice(name: str, value, options: Sequence[str]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def function(name: str, value):
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
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


def steps(t, name: str = "t") -> tuple[np.ndarray, bool]:
    """Convert step(s) to a float64 array; return ``(array, was_scalar)``.

    Steps must be finite and non-negative. Booleans, strings and objects are refused.
    """
    scalar = np.ndim(t) == 0
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or an array of numbers, got bool")
    try:
        arr = np.asarray(t)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers: {exc}") from None
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a number or an array of numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite step(s)")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be >= 0 (steps count from 0), got {arr.min()!r}")
    return arr, scalar


def array(name: str, values, *, ndim: int | None = None, finite: bool = True, min_size: int = 0) -> np.ndarray:
    """A float64 array with an optional dimension check and a finiteness check."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
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

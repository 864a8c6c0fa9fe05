"""Building blocks shared by every assignment module: parts, results, and safe conversions.

An assignment module (``autograder/assignments/<A>.py``) describes its graded parts with :class:`Part`
and returns a :class:`PartResult` from ``score``. The helpers below turn whatever a student's function
returns (a float, a list, a NumPy array, a tuple...) into plain floats, and refuse anything that is not
numeric with a message a student can act on.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["Part", "PartResult", "SubmissionError", "to_floats", "to_float", "call_vectorized",
           "close", "first_mismatch", "fmt", "result"]


@dataclass(frozen=True)
class Part:
    """One graded part of an assignment (one nbgrader test cell).

    Attributes
    ----------
    name : str
        Identifier, also the nbgrader ``grade_id`` of the test cell.
    points : int
        Points awarded when the part is right (all or nothing).
    description : str
        What the part checks, in one sentence for the student.
    target : str
        Name of the student's function or variable this part grades.
    """

    name: str
    points: int
    description: str
    target: str


@dataclass(frozen=True)
class PartResult:
    """Outcome of one part: ``earned`` is ``points`` or 0; ``hint`` is empty when the part is right.

    ``note`` is information that does not change the points, e.g. that an error was carried forward from
    an earlier function and the part was graded with the reference's version of it.
    """

    name: str
    points: int
    earned: int
    hint: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.earned >= self.points


class SubmissionError(ValueError):
    """The student's object returned something that cannot be graded (wrong type or shape)."""


def result(part: Part, hint: str) -> PartResult:
    """Full points when ``hint`` is empty, zero otherwise."""
    return PartResult(part.name, part.points, 0 if hint else part.points, hint)


def to_float(value, what: str) -> float:
    """One real number as a Python float; :class:`SubmissionError` for anything else."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        raise SubmissionError(f"{what} is None: did you forget a `return` statement?")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SubmissionError(f"{what} must be a number, got {type(value).__name__} {_short(value)}")
    return float(value)


def to_floats(values, what: str, size: int | None = None) -> list[float]:
    """A flat list of Python floats from a list, tuple or array of numbers.

    ``size`` (when given) is the number of values expected; a scalar is broadcast to that size so a
    constant answer is still gradable (it is then simply wrong, with a precise hint).
    """
    if values is None:
        raise SubmissionError(f"{what} returned None: did you forget a `return` statement?")
    if isinstance(values, (str, bytes, dict, set)):
        raise SubmissionError(f"{what} must be numbers, got {type(values).__name__} {_short(values)}")
    try:
        arr = np.asarray(values, dtype=object)
    except Exception as exc:  # pragma: no cover - exotic containers
        raise SubmissionError(f"{what} could not be read as numbers: {exc}") from None
    if arr.ndim == 0:
        one = to_float(arr.item(), what)
        return [one] * (size if size is not None else 1)
    flat = [to_float(v, f"every value of {what}") for v in arr.reshape(-1)]
    if size is not None and len(flat) != size:
        raise SubmissionError(f"{what} has {len(flat)} values, expected {size} (shape {np.shape(arr)})")
    return flat


def call_vectorized(func, t, *args, what: str = "your function"):
    """Call ``func(t_array, *args)``; fall back to one call per element if that fails or misbehaves.

    A student may write a scalar-only function (``if t < T_0: ...`` raises on arrays) or a vectorized
    one (``t[mask]`` fails on scalars); both are correct answers and both are graded.
    """
    t = np.asarray(t)
    try:
        out = func(t.copy(), *args)
        flat = to_floats(out, what, size=t.size)
        if np.ndim(out) != 0 or t.size == 1:
            return flat
    except SubmissionError:
        pass
    except Exception:
        pass
    return [to_float(func(_scalar(x), *args), f"{what} at t={_scalar(x)!r}") for x in t.reshape(-1)]


def _scalar(x):
    """A NumPy element as a plain Python int or float (what a student's loop would see)."""
    return x.item() if isinstance(x, np.generic) else x


def close(a, b, rtol: float = 1e-9, atol: float = 0.0) -> np.ndarray:
    """Elementwise ``|a - b| <= atol + rtol |b|`` (``b`` is the reference); NaN never matches."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) <= atol + rtol * np.abs(b)


def first_mismatch(a, b, rtol: float = 1e-9, atol: float = 0.0) -> int:
    """Index of the first element where ``a`` and ``b`` disagree, or -1."""
    bad = np.flatnonzero(~close(a, b, rtol, atol))
    return int(bad[0]) if bad.size else -1


def fmt(x) -> str:
    """A number the way a hint shows it: 6 significant digits, integers without decimals."""
    x = float(x)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e9:
        return str(int(x))
    return f"{x:.6g}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def recorded_lrs(part: Part, values: dict, ref: np.ndarray, unit: str = "step"):
    """The recorded learning rates as a float array shaped like ``ref``, or ``(None, PartResult)``.

    Returns ``(got, None)`` when the record holds one number per ``unit``, otherwise
    ``(None, failing result)`` whose hint says what was recorded instead.
    """
    try:
        got = np.asarray(values["lr"], dtype=np.float64).reshape(-1)
    except (KeyError, TypeError, ValueError):
        return None, result(part, "no numeric learning rates were recorded for this part")
    if got.shape != ref.shape:
        return None, result(part, f"expected {ref.size} learning rates (one per {unit}), got {got.size}")
    return got, None

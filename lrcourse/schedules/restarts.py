"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2016)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, param
from .shapes import cosine_interp

__all__ = ["CosineAnnealingWarmRestarts", "restart_points"]


def _cycle_index(t: np.ndarray, T_0: int, T_mult: int) -> tuple[np.ndarray, np.ndarray]:
    """Start of the cycle containing each step ``t`` and that cycle's length ``T_0 m^n`` (float arrays).

    Cycle ``n`` starts at ``T_0 (m^n - 1)/(m - 1)``. The logarithm gives a first guess of ``n``; the
    exact boundaries then correct it, so integer steps on a restart boundary are never off by one
    because of rounding. Starts and lengths come from a table (exact, and faster than ``np.power``)
    that covers every finite ``t``; a cycle too long for a float has length ``inf``.
    """
    m = float(T_mult)
    longest = int(np.log(np.finfo(np.float64).max) / np.log(m)) + 3  # enough cycles for any finite t
    with np.errstate(over="ignore"):
        powers = m ** np.arange(longest)
        starts = T_0 * (powers - 1) / (m - 1)
    # log(t/T_0 (m - 1) + 1) written so that it cannot overflow for a huge t or T_mult
    guess = np.floor((np.log(t / T_0 + 1 / (m - 1)) + np.log(m - 1)) / np.log(m))
    guess = np.clip(guess, 0, longest - 2).astype(np.int64)
    guess -= starts[guess] > t
    guess += starts[guess + 1] <= t
    return starts[guess], T_0 * powers[guess]


def restart_points(T_0: int, T_mult: int = 1, horizon: int = 100) -> np.ndarray:
    """Steps ``< horizon`` at which :class:`CosineAnnealingWarmRestarts` restarts (excluding 0).

    With ``T_mult = 1`` these are the multiples of ``T_0``; a horizon that would give more than
    ``lrcourse._validate.LOOP_LIMIT`` (ten million) restarts is refused with a ``ValueError``. With
    ``T_mult >= 2`` there are at most 63 restarts below any int64 horizon.

    Examples
    --------
    >>> restart_points(10, 2, 100)
    array([10, 30, 70])
    >>> restart_points(10, 1, 45)
    array([10, 20, 30, 40])
    """
    T_0 = check.integer("T_0", T_0, minimum=1)
    T_mult = check.integer("T_mult", T_mult, minimum=1)
    horizon = check.integer("horizon", horizon, minimum=0)
    if T_mult == 1:
        count = check.loop_length("horizon", max(0, (horizon - 1) // T_0), f"restarts (one every T_0={T_0} steps)")
        return T_0 * np.arange(1, count + 1, dtype=np.int64)
    points, start, period = [], T_0, T_0
    while start < horizon:
        points.append(start)
        period *= T_mult
        start += period
    return np.asarray(points, dtype=np.int64)


@dataclass(frozen=True)
class CosineAnnealingWarmRestarts(Schedule):
    r"""Cosine annealing that restarts at ``lr``; each period is ``T_mult`` times the previous one.

    .. math::

        \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\Bigl(1 + \cos\frac{\pi T_{cur}}{T_i}\Bigr),
        \qquad T_i = T_0\,m^{i}

    where :math:`i` is the index of the current cycle and :math:`T_{cur}` the (possibly fractional)
    number of steps since the last restart. With :math:`m > 1` cycle :math:`i` starts at
    :math:`T_0 (m^i - 1)/(m - 1)`. Integer ``t`` equals torch after ``t`` calls of ``step()``;
    fractional ``t`` equals torch's ``step(epoch=t)`` (restarts within an epoch of mini-batches).

    Parameters
    ----------
    lr : float
        Learning rate at every restart, :math:`\eta_0 > 0`.
    T_0 : int
        Length of the first cycle, :math:`T_0 \ge 1`.
    T_mult : int, default 1
        Growth factor of the cycle length, :math:`m \ge 1` (``2`` doubles the period).
    eta_min : float, default 0.0
        Floor :math:`\eta_{\min} \ge 0`.

    Examples
    --------
    >>> sgdr = CosineAnnealingWarmRestarts(lr=0.1, T_0=10, T_mult=2, eta_min=1e-4)
    >>> sgdr(np.array([0, 10, 30, 70]))  # the restarts
    array([0.1, 0.1, 0.1, 0.1])
    """

    lr: float = param(check.positive)
    T_0: int = param(check.integer, minimum=1)
    T_mult: int = param(check.integer, minimum=1, default=1)
    eta_min: float = param(check.nonnegative, default=0.0)

    def position(self, t):
        """Return ``(T_cur, T_i)``: steps since the last restart and the current period, as arrays."""
        return self._position(check.steps(t)[0])

    def _position(self, t):
        if self.T_mult == 1:
            return np.mod(t, self.T_0), np.full_like(t, float(self.T_0))
        start, T_i = _cycle_index(t, self.T_0, self.T_mult)
        return t - start, T_i

    def _evaluate(self, t):
        T_cur, T_i = self._position(t)
        return cosine_interp(self.lr, self.eta_min, T_cur / T_i)

    def _tail(self):
        return Tail("power", 0.0)

"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2016)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .base import Schedule, Tail, _set

__all__ = ["CosineAnnealingWarmRestarts", "restart_points"]


def _cycle_index(t: np.ndarray, T_0: int, T_mult: int) -> tuple[np.ndarray, np.ndarray]:
    """Index ``n`` of the cycle containing step ``t`` and ``T_mult ** n`` (as float arrays).

    Cycle ``n`` starts at ``T_0 (m^n - 1)/(m - 1)``. The logarithm gives a first guess; the exact
    boundaries then correct it, so integer steps on a restart boundary are never off by one because
    of rounding. Powers come from a table (exact, and faster than ``np.power``).
    """
    if T_mult == 1:
        n = np.floor(t / T_0)
        return n, np.ones_like(n)
    longest = int(np.log(np.finfo(np.float64).max) / np.log(T_mult)) + 3  # enough cycles for any finite t
    with np.errstate(over="ignore"):
        powers = float(T_mult) ** np.arange(longest)
        starts = T_0 * (powers - 1) / (T_mult - 1)
    guess = np.floor(np.log(t / T_0 * (T_mult - 1) + 1) / np.log(T_mult)).astype(np.int64)
    guess -= starts[guess] > t
    guess += starts[guess + 1] <= t
    return guess.astype(np.float64), powers[guess]


def restart_points(T_0: int, T_mult: int = 1, horizon: int = 100) -> np.ndarray:
    """Steps ``< horizon`` at which :class:`CosineAnnealingWarmRestarts` restarts (excluding 0).

    Examples
    --------
    >>> restart_points(10, 2, 100)
    array([10, 30, 70])
    """
    T_0 = check.integer("T_0", T_0, minimum=1)
    T_mult = check.integer("T_mult", T_mult, minimum=1)
    horizon = check.integer("horizon", horizon, minimum=0)
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

    lr: float
    T_0: int
    T_mult: int = 1
    eta_min: float = 0.0

    def __post_init__(self):
        _set(self, "lr", check.positive("lr", self.lr))
        _set(self, "T_0", check.integer("T_0", self.T_0, minimum=1))
        _set(self, "T_mult", check.integer("T_mult", self.T_mult, minimum=1))
        _set(self, "eta_min", check.nonnegative("eta_min", self.eta_min))

    def position(self, t):
        """Return ``(T_cur, T_i)``: steps since the last restart and the current period, as arrays."""
        return self._position(check.steps(t)[0])

    def _position(self, t):
        if self.T_mult == 1:
            return np.mod(t, self.T_0), np.full_like(t, float(self.T_0))
        _, power = _cycle_index(t, self.T_0, self.T_mult)
        T_i = self.T_0 * power
        T_cur = t - self.T_0 * (power - 1) / (self.T_mult - 1)
        return T_cur, T_i

    def _evaluate(self, t):
        T_cur, T_i = self._position(t)
        return self.eta_min + (self.lr - self.eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2

    def _tail(self):
        return Tail("power", 0.0)

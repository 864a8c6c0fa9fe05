"""PyTorch's epoch-wise schedules as closed forms: same class names, parameter names and numbers.

``Sched(lr=..., ...)(t)`` equals ``optimizer.param_groups[0]["lr"]`` after ``t`` calls of
``scheduler.step()`` on the matching ``torch.optim.lr_scheduler`` class built on an optimizer whose
learning rate is ``lr`` (``t = 0`` is the value right after construction), for every ``t >= 0``.
The warm restarts and cyclic schedules live in :mod:`lrcourse.schedules.restarts` and :mod:`lrcourse.schedules.cyclic`,
the combinators in :mod:`lrcourse.schedules.compose`, the metric-driven one in :mod:`lrcourse.schedules.plateau`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import _validate as check
from .base import FactorSchedule, Tail, param, user_number, user_values
from .shapes import cosine_interp, linear_interp

__all__ = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "PolynomialLR",
    "LinearLR",
    "ConstantLR",
    "LambdaLR",
    "MultiplicativeLR",
]


def _growth_tail(rate: float, per: float = 1.0) -> Tail:
    if rate == 0:
        return Tail("zero", 0.0)
    if rate < 1:
        return Tail("geometric", rate ** (1.0 / per))
    return Tail("power", 0.0 if rate == 1 else -1.0)


@dataclass(frozen=True)
class StepLR(FactorSchedule):
    r"""Step decay: multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0\,\gamma^{\lfloor t / s \rfloor}

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    step_size : int
        Steps between two drops, :math:`s \ge 1`.
    gamma : float, default 0.1
        Multiplicative factor per drop, :math:`\gamma \ge 0`.

    Examples
    --------
    >>> StepLR(lr=0.1, step_size=30, gamma=0.1)(np.array([0, 29, 30, 60]))
    array([0.1  , 0.1  , 0.01 , 0.001])
    """

    lr: float = param(check.positive)
    step_size: int = param(check.integer, minimum=1)
    gamma: float = param(check.nonnegative, default=0.1)

    def _factor(self, t):
        return self.gamma ** np.floor(t / self.step_size)

    def _tail(self):
        return _growth_tail(self.gamma, self.step_size)


@dataclass(frozen=True)
class MultiStepLR(FactorSchedule):
    r"""Multiply the rate by ``gamma`` at each milestone.

    .. math:: \eta_t = \eta_0\,\gamma^{\#\{m_i \le t\}}

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    milestones : sequence of int
        Strictly increasing, non-negative steps at which the rate drops.
    gamma : float, default 0.1
        Factor applied at each milestone, :math:`\gamma \ge 0`.

    Examples
    --------
    >>> MultiStepLR(lr=1.0, milestones=[30, 80], gamma=0.5)(np.array([29, 30, 80]))
    array([1.  , 0.5 , 0.25])
    """

    lr: float = param(check.positive)
    milestones: tuple = param(check.increasing_integers)
    gamma: float = param(check.nonnegative, default=0.1)

    def _factor(self, t):
        drops = np.searchsorted(np.asarray(self.milestones, dtype=np.float64), t, side="right")
        return self.gamma ** drops.astype(np.float64)

    def _tail(self):
        if self.milestones and self.gamma == 0:
            return Tail("zero", 0.0)
        return Tail("power", 0.0)


@dataclass(frozen=True)
class ExponentialLR(FactorSchedule):
    r"""Exponential decay per step: :math:`\eta_t = \eta_0\,\gamma^{t}`.

    For the continuous-rate form :math:`\eta_0 e^{-\lambda t}` see
    :class:`~lrcourse.ExponentialDecay` (the two agree when :math:`\gamma = e^{-\lambda}`).

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    gamma : float
        Factor per step, :math:`\gamma > 0` (``gamma > 1`` grows, as in an LR range test; the rate
        then leaves the float range after :math:`\log(10^{308}/\eta_0)/\log\gamma` steps, and
        evaluating beyond raises ``ValueError``).

    Examples
    --------
    >>> ExponentialLR(lr=1.0, gamma=0.5)(np.arange(4))
    array([1.   , 0.5  , 0.25 , 0.125])
    >>> ExponentialLR(lr=0.1, gamma=1.5)(1e6)
    Traceback (most recent call last):
    ...
    ValueError: t=1e+06: the learning rate of ExponentialLR(lr=0.1, gamma=1.5) overflows the float range; evaluate at smaller steps t or choose parameters that keep it finite and >= 0
    """

    lr: float = param(check.positive)
    gamma: float = param(check.positive)

    def _factor(self, t):
        return self.gamma**t

    def _tail(self):
        return _growth_tail(self.gamma)


@dataclass(frozen=True)
class CosineAnnealingLR(FactorSchedule):
    r"""Cosine annealing from ``lr`` down to ``eta_min`` over ``T_max`` steps.

    .. math:: \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\bigl(1 + \cos(\pi t / T_{\max})\bigr)

    As in PyTorch the formula keeps going after ``T_max``: the rate climbs back to ``lr`` at
    ``2 T_max`` (a cosine with period ``2 T_max``). Use :class:`~lrcourse.SequentialLR` or
    :class:`~lrcourse.CosineAnnealingWarmRestarts` for other behaviour past the horizon.

    Parameters
    ----------
    lr : float
        Initial (maximum) learning rate :math:`\eta_0 > 0`.
    T_max : int
        Half period, in steps, :math:`T_{\max} \ge 1`.
    eta_min : float, default 0.0
        Floor :math:`\eta_{\min} \ge 0`.

    Examples
    --------
    >>> CosineAnnealingLR(lr=0.1, T_max=100)(np.array([0, 50, 100, 150, 200]))
    array([0.1 , 0.05, 0.  , 0.05, 0.1 ])
    """

    lr: float = param(check.positive)
    T_max: int = param(check.integer, minimum=1)
    eta_min: float = param(check.nonnegative, default=0.0)

    def _evaluate(self, t):
        return cosine_interp(self.lr, self.eta_min, t / self.T_max)

    def _factor(self, t):
        return cosine_interp(1.0, 0.0, t / self.T_max)

    @property
    def chainable(self) -> bool:
        """Multiplicative (chainable in torch) only when the floor is zero."""
        return self.eta_min == 0

    def _tail(self):
        return Tail("power", 0.0)


@dataclass(frozen=True)
class PolynomialLR(FactorSchedule):
    r"""Polynomial decay to zero over ``total_iters`` steps, then zero.

    .. math:: \eta_t = \eta_0\,\bigl(1 - \min(t, T)/T\bigr)^{p}

    ``power=1`` is linear decay. For the lecture form with a floor, compose with
    :class:`~lrcourse.SequentialLR` or use :class:`~lrcourse.WarmupStableDecay`.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    total_iters : int, default 5
        Steps to reach zero, :math:`T \ge 1`.
    power : float, default 1.0
        Exponent :math:`p > 0`.
    """

    lr: float = param(check.positive)
    total_iters: int = param(check.integer, minimum=1, default=5)
    power: float = param(check.positive, default=1.0)

    def _factor(self, t):
        return (1.0 - np.minimum(t, self.total_iters) / self.total_iters) ** self.power

    def _tail(self):
        return Tail("zero", 0.0)


@dataclass(frozen=True)
class LinearLR(FactorSchedule):
    r"""Linear change of the multiplicative factor from ``start_factor`` to ``end_factor``.

    .. math:: \eta_t = \eta_0\Bigl(s + (e - s)\,\frac{\min(t, T)}{T}\Bigr)

    With ``start_factor < end_factor = 1`` this is the usual linear warm-up.

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    start_factor : float, default 1/3
        :math:`s \in (0, 1]`.
    end_factor : float, default 1.0
        :math:`e \in [0, 1]`.
    total_iters : int, default 5
        Steps of the ramp, :math:`T \ge 1`.
    """

    lr: float = param(check.positive)
    start_factor: float = param(check.in_range, 0.0, 1.0, low_open=True, default=1.0 / 3)
    end_factor: float = param(check.in_range, 0.0, 1.0, default=1.0)
    total_iters: int = param(check.integer, minimum=1, default=5)

    def _factor(self, t):
        return linear_interp(self.start_factor, self.end_factor, np.minimum(t, self.total_iters) / self.total_iters)

    def _tail(self):
        return Tail("zero", 0.0) if self.end_factor == 0 else Tail("power", 0.0)


@dataclass(frozen=True)
class ConstantLR(FactorSchedule):
    r"""Scale the rate by ``factor`` for the first ``total_iters`` steps, then use ``lr``.

    .. math:: \eta_t = \eta_0 \cdot \begin{cases} f & t < T \\ 1 & t \ge T \end{cases}

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    factor : float, default 1/3
        :math:`f \in (0, 1]` (torch accepts 0 but then fails at step ``T``).
    total_iters : int, default 5
        :math:`T \ge 1`.
    """

    lr: float = param(check.positive)
    factor: float = param(check.in_range, 0.0, 1.0, low_open=True, default=1.0 / 3)
    total_iters: int = param(check.integer, minimum=1, default=5)

    def _factor(self, t):
        return np.where(t >= self.total_iters, 1.0, self.factor)

    def _tail(self):
        return Tail("power", 0.0)


@dataclass(frozen=True)
class LambdaLR(FactorSchedule):
    r"""A user factor of the step: :math:`\eta_t = \eta_0 \cdot f(t)`.

    Parameters
    ----------
    lr : float
        Base learning rate :math:`\eta_0 > 0`.
    lr_lambda : callable
        ``f(t) -> float``, called once per distinct step with a Python int (a float for fractional
        steps). It must return a finite number ``>= 0`` (a ``ValueError`` names ``lr_lambda``
        otherwise).

    Examples
    --------
    >>> LambdaLR(lr=0.1, lr_lambda=lambda t: 1 / (t + 1))(np.array([0, 1, 3]))
    array([0.1  , 0.05 , 0.025])
    """

    lr: float = param(check.positive)
    lr_lambda: Callable = param(check.function)

    def _factor(self, t):
        return user_values(self.lr_lambda, t, "lr_lambda")

    @property
    def chainable(self) -> bool:
        """torch's LambdaLR sets the rate from ``lr`` itself, so it does not chain."""
        return False


@dataclass(frozen=True)
class MultiplicativeLR(FactorSchedule):
    r"""Multiply the rate by a user factor at every step.

    .. math:: \eta_t = \eta_0 \prod_{s=1}^{\lfloor t \rfloor} f(s)

    The product has no closed form, so ``lr_lambda`` is called for ``s = 1 ... t``: evaluating at
    step ``t`` costs ``t`` calls (fewer once the product reaches exactly zero, where it stays). A
    step beyond ``lrcourse._validate.LOOP_LIMIT`` (ten million) is refused with a ``ValueError``, and
    so is a product that overflows.

    Parameters
    ----------
    lr : float
        Initial learning rate :math:`\eta_0 > 0`.
    lr_lambda : callable
        ``f(s) -> float``, called with the Python int ``s = 1, 2, ...``; each factor must be a
        finite number ``>= 0``.

    Examples
    --------
    >>> MultiplicativeLR(lr=1.0, lr_lambda=lambda s: 0.5)(np.array([0, 1, 2, 3]))
    array([1.   , 0.5  , 0.25 , 0.125])
    >>> MultiplicativeLR(lr=1.0, lr_lambda=lambda s: 0.9)(2**63)
    Traceback (most recent call last):
    ...
    ValueError: t asks for 9.223e+18 factors of lr_lambda (one call per step), more than the limit of 10,000,000 (a Python loop that long would run for hours)
    """

    lr: float = param(check.positive)
    lr_lambda: Callable = param(check.function)

    def _products(self, last: float) -> np.ndarray:
        """``[1, f(1), f(1) f(2), ...]`` up to step ``last``, or up to the first exact zero."""
        check.loop_length("t", np.floor(last), "factors of lr_lambda (one call per step)")
        products = [1.0]
        for s in range(1, int(last) + 1):
            products.append(products[-1] * user_number(self.lr_lambda, s, "lr_lambda"))
            if products[-1] == 0.0:
                break
            if products[-1] == np.inf:
                raise ValueError(f"lr_lambda: the product of its factors overflows the float range at step {s}")
        return np.asarray(products)

    def _factor(self, t):
        products = self._products(t.max() if t.size else 0.0)
        return products[np.minimum(np.floor(t), products.size - 1).astype(np.int64)]

r"""The interpolation shapes every schedule is built from, written once.

Each takes a start value, an end value and a fraction :math:`u` of the way (scalars or arrays that
broadcast). They are pure NumPy and do no validation: the schedules validate their parameters and
steps before they get here.

- :func:`linear_interp`: :math:`s + (e - s)\,u`;
- :func:`cosine_interp`: :math:`e + (s - e)\,\tfrac12(1 + \cos \pi u)`, the half cosine of cosine
  annealing, SGDR, the one-cycle policy and the cosine warm-up;
- :func:`inverse_power`: :math:`s\,(t + 1)^{-p}`, the polynomial decay shared by
  ``InversePowerDecay`` and scikit-learn's ``invscaling``.

>>> cosine_interp(1.0, 0.0, np.array([0.0, 0.5, 1.0]))
array([1. , 0.5, 0. ])
>>> linear_interp(0.1, 1.0, 0.5)
0.55
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []  # helpers of the schedules, not public names


def linear_interp(start, end, frac):
    r"""Straight line from ``start`` (at ``frac = 0``) to ``end`` (at ``frac = 1``): :math:`s + (e - s)u`."""
    return start + (end - start) * frac


def cosine_interp(start, end, frac):
    r"""Half cosine from ``start`` (``frac = 0``) to ``end`` (``frac = 1``).

    .. math:: e + (s - e)\,\tfrac12\bigl(1 + \cos(\pi u)\bigr)

    Past ``frac = 1`` the cosine keeps going (back to ``start`` at ``frac = 2``), as torch's
    ``CosineAnnealingLR`` does. The argument is first reduced modulo 2 (exact in floating point), so
    a huge ``frac`` still gives a value between ``start`` and ``end`` instead of ``nan``.
    """
    return end + (start - end) * (1 + np.cos(np.pi * np.fmod(frac, 2.0))) / 2


def inverse_power(scale, power, t):
    r"""Polynomial decay :math:`s\,(t + 1)^{-p}`; overflow of the power gives the limit 0."""
    with np.errstate(over="ignore"):
        return scale / (t + 1.0) ** power

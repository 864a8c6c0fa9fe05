"""The user's objective behind every step-size method: :class:`Oracle`.

Line search (:mod:`lrcourse.stepsize.linesearch`) and the online rules (:mod:`lrcourse.stepsize.online`)
all work on 1-D float vectors and call the user's ``f``, ``grad`` and, for some, a curvature. The
:class:`Oracle` wraps those functions once: it checks that they are callable, that ``x0`` is a finite
vector, that each gradient has the shape of ``x0`` and is finite, and counts the evaluations of ``f``.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as check

__all__: list[str] = []  # shared by the step-size methods; not itself a public name


class Oracle:
    """Checked access to ``f``, ``grad`` and a curvature ``hess`` at 1-D float vectors ``x``.

    Parameters
    ----------
    grad : callable
        ``grad(x)``, or ``grad(x, rng)`` when ``rng`` is given (a stochastic gradient).
    x0 : float or array_like
        The start; stored as a 1-D float vector :attr:`x0`.
    f : callable, optional
        The objective, called like ``grad`` but without ``rng``.
    hess : callable, optional
        The curvature (a Hessian, or its diagonal), called like ``grad``; see :meth:`hess`.
    rng : numpy.random.Generator, optional
    scalar_arguments : bool, default True
        For a scalar ``x0``, call the user's functions with a Python float (as the line searches
        document) rather than with a 1-element vector (as the online rules do).
    """

    def __init__(self, grad, x0, *, f=None, hess=None, rng=None, scalar_arguments: bool = True):
        self.grad_user = check.function("grad", grad)
        self.f_user = None if f is None else check.function("f", f)
        self.hess_user = None if hess is None else check.function("hess", hess)
        self.rng = None if rng is None else check.generator("rng", rng)
        self.scalar = scalar_arguments and np.ndim(x0) == 0
        self.x0 = check.array("x0", np.atleast_1d(check.array("x0", x0)), ndim=1, min_size=1)
        self.n_evals = 0

    def _arg(self, x):
        return float(x[0]) if self.scalar else x

    def _call(self, fn, x):
        return fn(self._arg(x), self.rng) if self.rng is not None else fn(self._arg(x))

    def f(self, x) -> float:
        """``f(x)`` as a float (``nan``/``inf`` are passed on: the methods treat them as divergence)."""
        self.n_evals += 1
        value = np.asarray(self.f_user(self._arg(x)), dtype=np.float64)
        if value.size != 1:
            raise ValueError(f"f must return one number, got shape {value.shape}")
        return float(value.reshape(()))

    def grad(self, x) -> np.ndarray:
        """The gradient at ``x``, a vector of the shape of :attr:`x0`."""
        g = np.atleast_1d(np.asarray(self._call(self.grad_user, x), dtype=np.float64))
        if g.shape != self.x0.shape:
            raise ValueError(f"grad must return shape {self.x0.shape}, got {g.shape}")
        return g

    def hess(self, x, *, diagonal: bool = False) -> np.ndarray:
        """The curvature at ``x``: a ``(d, d)`` matrix, or with ``diagonal=True`` a length-``d`` vector.

        With ``diagonal=True`` the user's function may return the diagonal or the full matrix.
        """
        d = self.x0.size
        h = np.asarray(self._call(self.hess_user, x), dtype=np.float64)
        if diagonal:
            if h.ndim == 2:
                h = np.diag(h)
            h = np.atleast_1d(h)
            want = (d,)
        else:
            h = h.reshape(d, d) if h.size == d * d else h
            want = (d, d)
        if h.shape != want:
            raise ValueError(f"the curvature function must return shape {want}, got {h.shape}")
        return h

    def f_history(self, xs) -> np.ndarray | None:
        """``f`` at every iterate of ``xs`` (``None`` without ``f``)."""
        if self.f_user is None:
            return None
        return np.array([self.f(x) for x in xs])

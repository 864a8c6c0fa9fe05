r"""Adaptive step sizes: rules that set the learning rate from what the optimizer observes.

Unlike a schedule, which fixes :math:`\eta_t` in advance, these methods adapt it online:

- :func:`delta_bar_delta` (Jacobs 1988): per-parameter rates, raised additively while the gradient
  keeps its sign, cut multiplicatively when it flips;
- :func:`regrettable_delta_bar_delta` (Song & Yang 2023): the same, but a rate change that the next
  gradient contradicts is taken back;
- :func:`adadelta` (Zeiler 2012): the ratio of two running RMS values acts as an inverse curvature;
- :func:`adgd` (Malitsky & Mishchenko 2019): a local Lipschitz estimate from two gradients;
- :func:`vsgd` (Schaul, Zhang & LeCun 2013): the variance-aware per-parameter rate
  :math:`\bar g_i^2 / (\bar h_i \bar v_i)`.

Every function takes ``grad`` and ``x0``. A deterministic gradient is called ``grad(x)``; pass
``rng`` (a :class:`numpy.random.Generator`) for a stochastic one, which is then called
``grad(x, rng)``. Optionally pass ``f`` to record function values. Each returns an
:class:`AdaptiveResult` with the iterate history ``x`` (shape ``(n_steps + 1, d)``) and the
step-size history ``lrs`` (shape ``(n_steps, d)``; the same value in every column for methods with a
single global rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as check
from .oracle import Oracle

__all__ = ["AdaptiveResult", "delta_bar_delta", "regrettable_delta_bar_delta", "adadelta", "adgd", "vsgd"]


@dataclass(frozen=True)
class AdaptiveResult:
    """Histories of an adaptive-step-size run.

    Attributes
    ----------
    x : ndarray, shape (n+1, d)
        Iterates (``x[0] = x0``).
    lrs : ndarray, shape (n, d)
        Per-coordinate learning rate used for step ``k`` (``x[k+1] = x[k] - lrs[k] * g_k`` for the
        plain-gradient methods).
    f : ndarray or None
        Function values at the iterates when ``f`` was given.
    diverged : bool
        True when a non-finite iterate stopped the run early.
    method : str
    """

    x: np.ndarray
    lrs: np.ndarray
    f: np.ndarray | None
    diverged: bool
    method: str

    @property
    def x_final(self) -> np.ndarray:
        """The last iterate."""
        return self.x[-1]


def _oracle(grad, x0, rng, f=None, hess=None) -> Oracle:
    """The online rules call the user's functions with vectors, also for a scalar ``x0``."""
    return Oracle(grad, x0, f=f, hess=hess, rng=rng, scalar_arguments=False)


def _iterate(o: Oracle, n: int, update, x=None):
    """The loop the online rules share: ``update(x, g) -> (x_new, rate)`` at each of ``n`` steps.

    Starts from ``x`` (default ``o.x0``) and stops early at the first non-finite iterate (the last
    finite one is kept). Returns ``(iterates, rates, diverged)``.
    """
    x = o.x0.copy() if x is None else x
    xs, lrs = [x.copy()], []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is the divergence reported here
        for _ in range(n):
            x_new, rate = update(x, o.grad(x))
            if not np.all(np.isfinite(x_new)):
                diverged = True
                break
            x = x_new
            xs.append(x.copy())
            lrs.append(np.broadcast_to(rate, x.shape).copy())
    return np.array(xs), np.array(lrs, dtype=np.float64).reshape(len(lrs), o.x0.size), diverged


def _result(o: Oracle, xs, rates, diverged: bool, method: str) -> AdaptiveResult:
    return AdaptiveResult(xs, rates, o.f_history(xs), diverged, method)


def _n_steps(n_steps):
    return check.integer("n_steps", n_steps, minimum=1)


def _dbd_update(lr, g, gbar_prev, kappa, phi):
    """One Delta-Bar-Delta rate change (vectorized over coordinates)."""
    agree = g * gbar_prev
    return np.where(agree > 0, lr + kappa, np.where(agree < 0, lr * (1.0 - phi), lr))


def _run_dbd(grad, x0, lr0, kappa, phi, theta, n_steps, rng, f, *, regrettable: bool) -> AdaptiveResult:
    """The Delta-Bar-Delta loop; with ``regrettable`` it also takes back rate changes (RDBD)."""
    lr0, kappa, phi, theta = _dbd_parameters(lr0, kappa, phi, theta)
    n = _n_steps(n_steps)
    o = _oracle(grad, x0, rng, f)
    lr = np.full_like(o.x0, lr0)
    lr_before_last = lr.copy()
    gbar = np.zeros_like(o.x0)
    g_prev = c_prev = None
    regrets = 0

    def update(x, g):
        nonlocal lr, lr_before_last, gbar, g_prev, c_prev, regrets
        c = None if g_prev is None or not regrettable else float(g @ g_prev)
        if c is not None and c_prev is not None and c * c_prev < 0:
            lr = lr_before_last.copy()  # take back the previous change
            lr_before_last = lr.copy()  # nothing new to regret at the next step
            regrets += 1
        else:
            lr_before_last = lr.copy()
            lr = _dbd_update(lr, g, gbar, kappa, phi)
        gbar = (1.0 - theta) * g + theta * gbar
        g_prev, c_prev = g, c
        return x - lr * g, lr

    xs, rates, diverged = _iterate(o, n, update)
    return _result(o, xs, rates, diverged, f"rdbd ({regrets} regrets)" if regrettable else "dbd")


def _dbd_parameters(lr0, kappa, phi, theta):
    """Validated ``(lr0, kappa, phi, theta)`` shared by both Delta-Bar-Delta variants."""
    return (check.positive("lr0", lr0), check.nonnegative("kappa", kappa),
            check.in_range("phi", phi, 0.0, 1.0, high_open=True),
            check.in_range("theta", theta, 0.0, 1.0, high_open=True))


def delta_bar_delta(grad, x0, *, lr0=0.01, kappa=0.001, phi=0.1, theta=0.7, n_steps=200, rng=None,
                    f=None) -> AdaptiveResult:
    r"""Jacobs' Delta-Bar-Delta: one learning rate per parameter, adapted by gradient-sign agreement.

    With :math:`\bar g_t = (1-\theta) g_t + \theta \bar g_{t-1}` (an exponential average,
    :math:`\bar g_{-1} = 0`), each step does

    .. math::

        \eta_{t,i} = \begin{cases}
            \eta_{t-1,i} + \kappa & \text{if } \bar g_{t-1,i}\, g_{t,i} > 0 \\
            (1 - \phi)\, \eta_{t-1,i} & \text{if } \bar g_{t-1,i}\, g_{t,i} < 0 \\
            \eta_{t-1,i} & \text{otherwise}
        \end{cases}
        \qquad x_{t+1} = x_t - \eta_t \odot g_t .

    The increase is additive (slow, safe) and the decrease multiplicative (fast), so a rate that
    overshoots is corrected within a few steps.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` or, with ``rng``, ``grad(x, rng)``.
    x0 : array_like
    lr0 : float > 0
        Initial rate of every parameter.
    kappa : float >= 0
        Additive increase.
    phi : float in [0, 1)
        Fractional decrease.
    theta : float in [0, 1)
        Weight of the past in the gradient average.
    n_steps : int
    rng : numpy.random.Generator, optional
    f : callable, optional
        Objective, to record ``f`` values.
    """
    return _run_dbd(grad, x0, lr0, kappa, phi, theta, n_steps, rng, f, regrettable=False)


def regrettable_delta_bar_delta(grad, x0, *, lr0=0.01, kappa=0.001, phi=0.1, theta=0.7, n_steps=200,
                                rng=None, f=None) -> AdaptiveResult:
    r"""Regrettable Delta-Bar-Delta (RDBD, Song & Yang 2023).

    Our precise reading of the rule (the paper states it in words and pseudo-code; this is the
    version implemented and tested here):

    1. At step :math:`t` the gradient :math:`g_t` arrives. Let
       :math:`c_t = \langle g_t, g_{t-1}\rangle` (inner product over *all* parameters).
    2. If :math:`c_{t-1}\, c_t < 0` (the correlation of successive gradients changed sign, so the
       rate change made at step :math:`t-1` pushed the iterate the wrong way), the change is
       *regretted*: the rates are restored to the values they had before step :math:`t-1`'s update,
       and no new change is made at step :math:`t`.
    3. Otherwise the ordinary Delta-Bar-Delta change (see :func:`delta_bar_delta`) is applied.
    4. :math:`x_{t+1} = x_t - \eta_t \odot g_t`.

    The first two steps (when :math:`c_{t-1}` is not defined yet) follow plain Delta-Bar-Delta.
    Parameters are those of :func:`delta_bar_delta`. The returned result also reports in
    ``method`` how many regrets happened: ``"rdbd (k regrets)"``.
    """
    return _run_dbd(grad, x0, lr0, kappa, phi, theta, n_steps, rng, f, regrettable=True)


def adadelta(grad, x0, *, rho=0.95, eps=1e-6, lr=1.0, n_steps=500, rng=None, f=None) -> AdaptiveResult:
    r"""AdaDelta (Zeiler 2012): a unit-consistent step with no global learning rate to tune.

    .. math::

        E[g^2]_t &= \rho E[g^2]_{t-1} + (1-\rho) g_t^2 \\
        \Delta x_t &= -\frac{\sqrt{E[\Delta x^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t \\
        E[\Delta x^2]_t &= \rho E[\Delta x^2]_{t-1} + (1-\rho) \Delta x_t^2

    The ratio of RMS values mimics the inverse curvature :math:`\Delta x / g \approx 1/h` of a
    Newton step. ``lr`` multiplies the update (1 in the paper, as in ``torch.optim.Adadelta``).
    The recorded rate is :math:`\eta_{t,i} = lr \cdot \sqrt{E[\Delta x^2]_{t-1,i} + \epsilon}
    / \sqrt{E[g^2]_{t,i} + \epsilon}`.
    """
    rho = check.in_range("rho", rho, 0.0, 1.0, high_open=True)
    eps = check.positive("eps", eps)
    lr = check.positive("lr", lr)
    n = _n_steps(n_steps)
    o = _oracle(grad, x0, rng, f)
    eg2 = np.zeros_like(o.x0)
    edx2 = np.zeros_like(o.x0)

    def update(x, g):
        nonlocal eg2, edx2
        eg2 = rho * eg2 + (1.0 - rho) * g * g
        rate = lr * np.sqrt(edx2 + eps) / np.sqrt(eg2 + eps)
        dx = -rate * g
        edx2 = rho * edx2 + (1.0 - rho) * dx * dx
        return x + dx, rate

    return _result(o, *_iterate(o, n, update), "adadelta")


def adgd(grad, x0, *, lr0=1e-6, n_steps=200, f=None) -> AdaptiveResult:
    r"""Adaptive gradient descent without descent (Malitsky & Mishchenko 2019, Algorithm 1).

    Start with :math:`x_1 = x_0 - \lambda_0 \nabla f(x_0)` and :math:`\theta_0 = +\infty`; then

    .. math::

        \lambda_k &= \min\Big\{ \sqrt{1 + \theta_{k-1}}\, \lambda_{k-1},\;
                     \frac{\|x_k - x_{k-1}\|}{2 \|\nabla f(x_k) - \nabla f(x_{k-1})\|} \Big\} \\
        x_{k+1} &= x_k - \lambda_k \nabla f(x_k), \qquad \theta_k = \lambda_k / \lambda_{k-1}.

    The second term is half the inverse of a local Lipschitz (curvature) estimate
    :math:`L_k = \|\Delta g\| / \|\Delta x\|`; the first lets the step grow, but not too fast. No
    function values and no line search are needed; for convex, locally smooth :math:`f` the gap
    falls as :math:`O(1/k)`. When the gradient did not change (:math:`\Delta g = 0`) the second term
    is :math:`+\infty`; if both are infinite the previous step is kept.

    This method is deterministic (no ``rng``): its curvature estimate assumes exact gradients.
    The recorded ``lrs[k]`` is :math:`\lambda_k` (``lrs[0] = lr0``).
    """
    lr0 = check.positive("lr0", lr0)
    n = _n_steps(n_steps)
    o = _oracle(grad, x0, None, f)
    x_prev = o.x0.copy()
    g_prev = o.grad(x_prev)
    lam_prev, theta_prev = lr0, math.inf
    with np.errstate(over="ignore", invalid="ignore"):
        x1 = x_prev - lam_prev * g_prev
    if not np.all(np.isfinite(x1)):  # the very first step overflows
        return _result(o, x_prev[None], np.empty((0, o.x0.size)), True, "adgd")

    def update(x, g):
        nonlocal x_prev, g_prev, lam_prev, theta_prev
        dg = float(np.linalg.norm(g - g_prev))
        local = math.inf if dg == 0 else float(np.linalg.norm(x - x_prev)) / (2.0 * dg)
        lam = min(math.sqrt(1.0 + theta_prev) * lam_prev, local)
        if math.isinf(lam):
            lam = lam_prev
        theta_prev, lam_prev = lam / lam_prev, lam
        x_prev, g_prev = x, g
        return x - lam * g, lam

    xs, rates, diverged = _iterate(o, n - 1, update, x=x1)
    return _result(o, np.concatenate([o.x0[None], xs]), np.concatenate([np.full((1, o.x0.size), lr0), rates]),
                   diverged, "adgd")


def vsgd(grad, hess_diag, x0, *, n_steps=500, n0=10, C=1.0, eps=1e-12, rng=None, f=None) -> AdaptiveResult:
    r"""vSGD with per-parameter rates (Schaul, Zhang & LeCun 2013, "No more pesky learning rates").

    Each coordinate keeps moving averages with its own memory :math:`\tau_i` of the gradient
    :math:`\bar g`, of its square :math:`\bar v` and of the curvature :math:`\bar h` (the Hessian
    diagonal, ``hess_diag(x)``, possibly noisy):

    .. math::

        \bar g_i &\leftarrow (1 - \tau_i^{-1})\,\bar g_i + \tau_i^{-1} g_i, \quad
        \bar v_i \leftarrow (1 - \tau_i^{-1})\,\bar v_i + \tau_i^{-1} g_i^2, \quad
        \bar h_i \leftarrow (1 - \tau_i^{-1})\,\bar h_i + \tau_i^{-1} h_i \\
        \eta_i &= \frac{\bar g_i^2}{\bar h_i\, \bar v_i}, \qquad
        x_i \leftarrow x_i - \eta_i g_i, \qquad
        \tau_i \leftarrow \Big(1 - \frac{\bar g_i^2}{\bar v_i}\Big) \tau_i + 1 .

    :math:`\bar g^2/\bar v \in [0, 1]` measures how much of the gradient is signal: the rate is the
    Newton step :math:`1/\bar h` shrunk by that factor, and the memory grows while the signal is
    weak. With exact gradients and ``C = 1`` the rate is exactly :math:`1/\bar h` (diagonal Newton).

    Slow start: the averages are initialized from ``n0`` gradient/curvature samples at ``x0``
    (no step taken), with :math:`\bar v` and :math:`\bar h` multiplied by ``C >= 1`` (a cautious
    first rate) and :math:`\tau = n_0`.

    Parameters
    ----------
    grad, hess_diag : callable
        ``grad(x)`` / ``hess_diag(x)``, or ``(x, rng)`` when ``rng`` is given. Curvatures are
        clipped below at ``eps`` (vSGD assumes positive curvature).
    x0 : array_like
    n_steps, n0 : int
    C : float >= 1
    eps : float > 0
    rng : numpy.random.Generator, optional
    f : callable, optional
    """
    n = _n_steps(n_steps)
    n0 = check.integer("n0", n0, minimum=1)
    C = check.real("C", C)
    if C < 1:
        raise ValueError(f"C must be >= 1, got {C!r}")
    eps = check.positive("eps", eps)
    o = _oracle(grad, x0, rng, f, hess=check.function("hess_diag", hess_diag))

    def curvature(x):
        return np.maximum(o.hess(x, diagonal=True), eps)

    x = o.x0.copy()
    gs = np.array([o.grad(x) for _ in range(n0)])
    hs = np.array([curvature(x) for _ in range(n0)])
    with np.errstate(over="ignore", invalid="ignore"):  # huge averages make the first step diverge
        gbar = gs.mean(axis=0)
        vbar = C * (gs**2).mean(axis=0)
        hbar = C * hs.mean(axis=0)
    tau = np.full_like(x, float(n0))

    def update(x, g):
        nonlocal gbar, vbar, hbar, tau
        h = curvature(x)
        w = 1.0 / tau
        gbar = (1 - w) * gbar + w * g
        vbar = (1 - w) * vbar + w * g * g
        hbar = (1 - w) * hbar + w * h
        signal = np.divide(gbar**2, vbar, out=np.zeros_like(x), where=vbar > 0)
        eta = signal / hbar
        tau = (1.0 - signal) * tau + 1.0
        return x - eta * g, eta

    return _result(o, *_iterate(o, n, update), "vsgd")

"""Answers to the ``line_search`` lab written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations


def _backtracking(test="f(x - t * g) <= fx - alpha * t * (g @ g)", start="1.0", after="", keep_x0=True):
    """A backtracking loop; the keywords write the typical slips into it."""
    first = "[x.copy()]" if keep_x0 else "[]"
    return f'''
def backtracking_path(f, grad, x0, alpha, beta, n_steps):
    x = np.array(x0, dtype=float)
    points, steps = {first}, []
    t = 1.0
    for _ in range(n_steps):
        g = grad(x)
        fx = f(x)
        t = {start}
        while not ({test}):
            t = t * beta{after}
        x = x - t * g
        points.append(x.copy())
        steps.append(t)
    return points, steps
'''


_LOOPS = {
    "backtracking_solution": '''
def backtracking_path(f, grad, x0, alpha, beta, n_steps):
    x = [float(v) for v in x0]
    xs, ts = [x], []
    for k in range(n_steps):
        g = grad(np.array(x))
        gg = g[0] ** 2 + g[1] ** 2
        j = 0
        while f(np.array([x[0] - beta ** j * g[0], x[1] - beta ** j * g[1]])) > f(np.array(x)) - alpha * beta ** j * gg:
            j += 1
        t = beta ** j
        x = [x[0] - t * g[0], x[1] - t * g[1]]
        xs.append(x)
        ts.append(t)
    return xs, ts
''',
    "exact_solution": '''
import math

def golden(phi, hi):
    """Minimize a convex phi on [0, hi] by golden-section search."""
    r = (math.sqrt(5) - 1) / 2
    a, b = 0.0, hi
    c, d = b - r * (b - a), a + r * (b - a)
    while b - a > 1e-13 * hi:
        if phi(c) < phi(d):
            b, d = d, c
            c = b - r * (b - a)
        else:
            a, c = c, d
            d = a + r * (b - a)
    return (a + b) / 2

def exact_path(f, grad, x0, n_steps):
    x = np.array(x0, dtype=float)
    xs, ts = [x], []
    for k in range(n_steps):
        g = grad(x)
        phi = lambda t: f(x - t * g)
        hi = 1e-3
        while phi(2 * hi) < phi(hi):      # walk out until the function rises again
            hi = 2 * hi
        t = golden(phi, 2 * hi)
        x = x - t * g
        xs.append(x)
        ts.append(t)
    return xs, ts
''',
    "angles_solution": '''
import math

def turn_angles(xs):
    out = []
    for k in range(len(xs) - 2):
        u = [xs[k + 1][i] - xs[k][i] for i in range(2)]
        v = [xs[k + 2][i] - xs[k + 1][i] for i in range(2)]
        c = (u[0] * v[0] + u[1] * v[1]) / (math.hypot(*u) * math.hypot(*v))
        out.append(math.degrees(math.acos(max(-1.0, min(1.0, c)))))
    return out
''',
    "rate_solution": '''
import math

def fitted_rate(f_values, f_star):
    y = [math.log(v - f_star) for v in f_values]
    n = len(y)
    kbar, ybar = (n - 1) / 2, sum(y) / n
    num = sum((k - kbar) * (yk - ybar) for k, yk in enumerate(y))
    den = sum((k - kbar) ** 2 for k in range(n))
    return math.exp(num / den)
''',
    "bound_solution": '''
def rate_bound(hessian):
    lam = np.linalg.eig(np.asarray(hessian))[0].real
    kappa = max(lam) / min(lam)
    return (1 - 2 / (kappa + 1)) ** 2          # the same number, written differently
''',
    "conclusion_solution": '''
import math

def fewer_iterations(f_backtracking, f_exact, f_star, tol):
    def first(values):
        for k, v in enumerate(values):
            if v - f_star <= tol:
                return k
        return math.inf
    b, e = first(f_backtracking), first(f_exact)
    if b == e:
        return "Tie"                             # any capitalisation is accepted
    return "backtracking" if b < e else "exact"
''',
}

_BOUNDED = {
    **_LOOPS,
    "exact_solution": '''
from scipy.optimize import minimize_scalar

def exact_path(f, grad, x0, n_steps):
    x = np.asarray(x0, dtype=float)
    xs, ts = [x], []
    for _ in range(n_steps):
        g = grad(x)
        with np.errstate(invalid="ignore"):     # a trial far out is inf; scipy's parabola through it is nan
            t = minimize_scalar(lambda s: f(x - s * g), bounds=(0, 2), method="bounded", options={"xatol": 1e-12}).x
        x = x - t * g
        xs.append(x)
        ts.append(t)
    return np.stack(xs), np.array(ts)
''',
    "angles_solution": '''
def turn_angles(xs):
    d = np.diff(xs, axis=0)
    u, v = d[:-1] / np.linalg.norm(d[:-1], axis=1, keepdims=True), d[1:] / np.linalg.norm(d[1:], axis=1, keepdims=True)
    return np.rad2deg(np.arctan2(np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]), np.sum(u * v, axis=1)))
''',
    "rate_solution": '''
def fitted_rate(f_values, f_star):
    k = np.arange(len(f_values))
    slope, _ = np.linalg.lstsq(np.stack([k, np.ones_like(k)], axis=1).astype(float),
                               np.log10(np.asarray(f_values) - f_star), rcond=None)[0]
    return 10 ** slope                           # log base 10 and 10**slope: the same factor
''',
}


VARIANTS = {
    "loops": (_LOOPS, set()),
    "scipy_bounded": (_BOUNDED, set()),
    "bt_warm_start": ({**_LOOPS, "backtracking_solution": _backtracking(start="t")}, {"backtracking"}),
    "bt_norm_not_squared": ({**_LOOPS, "backtracking_solution": _backtracking(
        test="f(x - t * g) <= fx - alpha * t * np.linalg.norm(g)")}, {"backtracking"}),
    "bt_shrinks_once_more": ({**_LOOPS, "backtracking_solution": _backtracking(after="\n        t = t * beta")},
                             {"backtracking"}),
    "bt_without_x0": ({**_LOOPS, "backtracking_solution": _backtracking(keep_x0=False)}, {"backtracking"}),
    "exact_is_backtracking": ({**_LOOPS, "exact_solution": '''
def exact_path(f, grad, x0, n_steps):
    return backtracking_path(f, grad, x0, ALPHA, BETA, n_steps)
'''}, {"exact"}),
    "exact_on_a_grid": ({**_LOOPS, "exact_solution": '''
def exact_path(f, grad, x0, n_steps):
    x = np.asarray(x0, dtype=float)
    xs, ts = [x], []
    grid = np.linspace(0, 1, 2001)[1:]
    for _ in range(n_steps):
        g = grad(x)
        t = grid[np.argmin([f(x - s * g) for s in grid])]
        x = x - t * g
        xs.append(x)
        ts.append(t)
    return xs, ts
'''}, {"exact"}),
    "exact_plus_direction": ({**_LOOPS, "exact_solution": '''
from scipy.optimize import minimize_scalar

def exact_path(f, grad, x0, n_steps):
    x = np.asarray(x0, dtype=float)
    xs, ts = [x], []
    for _ in range(n_steps):
        g = grad(x)
        t = minimize_scalar(lambda s: f(x + s * g), bracket=(-1e-3, 0.0), tol=1e-10).x   # t comes out negative
        x = x + t * g
        xs.append(x)
        ts.append(t)
    return xs, ts
'''}, {"exact"}),
    "angles_in_radians": ({**_LOOPS, "angles_solution": '''
def turn_angles(xs):
    d = np.diff(xs, axis=0)
    cos = np.sum(d[:-1] * d[1:], axis=1) / np.linalg.norm(d[:-1], axis=1) / np.linalg.norm(d[1:], axis=1)
    return np.arccos(np.clip(cos, -1, 1))
'''}, {"angles"}),
    "angles_not_clipped": ({**_LOOPS, "angles_solution": '''
def turn_angles(xs):
    d = np.diff(xs, axis=0)
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arccos(np.sum(d[:-1] * d[1:], axis=1) / np.linalg.norm(d[:-1], axis=1)
                                    / np.linalg.norm(d[1:], axis=1)))
'''}, {"angles"}),
    "angles_of_points": ({**_LOOPS, "angles_solution": '''
def turn_angles(xs):
    u, v = xs[:-2], xs[1:-1]                     # positions, not steps
    cos = np.sum(u * v, axis=1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))
'''}, {"angles"}),
    "rate_is_the_slope": ({**_LOOPS, "rate_solution": '''
def fitted_rate(f_values, f_star):
    return np.polyfit(np.arange(len(f_values)), np.log(np.asarray(f_values) - f_star), 1)[0]
'''}, {"rate"}),
    "rate_without_f_star": ({**_LOOPS, "rate_solution": '''
def fitted_rate(f_values, f_star):
    return np.exp(np.polyfit(np.arange(len(f_values)), np.log(np.abs(f_values)), 1)[0])
'''}, {"rate"}),
    "rate_from_endpoints": ({**_LOOPS, "rate_solution": '''
def fitted_rate(f_values, f_star):
    gaps = np.asarray(f_values) - f_star
    return (gaps[-1] / gaps[0]) ** (1 / (len(gaps) - 1))
'''}, {"rate"}),
    "bound_not_squared": ({**_LOOPS, "bound_solution": '''
def rate_bound(hessian):
    lam = np.linalg.eigvalsh(hessian)
    return (lam[-1] - lam[0]) / (lam[-1] + lam[0])
'''}, {"bound"}),
    "bound_one_minus": ({**_LOOPS, "bound_solution": '''
def rate_bound(hessian):
    lam = np.linalg.eigvalsh(hessian)
    return 1 - lam[0] / lam[-1]
'''}, {"bound"}),
    "bound_from_diagonal": ({**_LOOPS, "bound_solution": '''
def rate_bound(hessian):
    h = np.diag(hessian)
    kappa = h.max() / h.min()
    return ((kappa - 1) / (kappa + 1)) ** 2
'''}, {"bound"}),
    "conclusion_lowest_at_the_end": ({**_LOOPS, "conclusion_solution": '''
def fewer_iterations(f_backtracking, f_exact, f_star, tol):
    b, e = f_backtracking[-1], f_exact[-1]
    return "tie" if b == e else ("backtracking" if b < e else "exact")
'''}, {"conclusion"}),
    "conclusion_never_tie": ({**_LOOPS, "conclusion_solution": '''
def fewer_iterations(f_backtracking, f_exact, f_star, tol):
    b = np.argmax(np.asarray(f_backtracking) - f_star <= tol)
    e = np.argmax(np.asarray(f_exact) - f_star <= tol)
    return "backtracking" if b < e else "exact"
'''}, {"conclusion"}),
    "conclusion_without_f_star": ({**_LOOPS, "conclusion_solution": '''
def fewer_iterations(f_backtracking, f_exact, f_star, tol):
    b = np.argmax(np.asarray(f_backtracking) <= tol)
    e = np.argmax(np.asarray(f_exact) <= tol)
    return "tie" if b == e else ("backtracking" if b < e else "exact")
'''}, {"conclusion"}),
    "blank": ({}, {"backtracking", "exact", "angles", "rate", "bound", "conclusion"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "loops",
    "bram": "bt_warm_start",
    "chiara": "exact_is_backtracking",
    "dmitri": "angles_not_clipped",
    "elif": "conclusion_lowest_at_the_end",
}

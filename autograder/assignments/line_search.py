r"""Assignment ``line_search``: backtracking (Armijo) and exact line search, and what their runs show.

The course function and its relatives (hidden inputs vary ``a`` and ``c``; the course has ``a = 3``,
``c = 0.1``):

.. math::

    f(x) = e^{x_1 + a x_2 - c} + e^{x_1 - a x_2 - c} + e^{-x_1 - c}, \qquad
    x^\star = (-\tfrac12 \ln 2,\, 0), \qquad f^\star = 2\sqrt2\, e^{-c}.

Six student functions, one part each (``f`` and ``grad`` are passed in, so the student's code runs on
functions it has not seen):

- ``backtracking_path(f, grad, x0, alpha, beta, n_steps)`` -> ``(xs, steps)``: gradient descent whose
  step starts at 1 every iteration and shrinks by ``beta`` until :math:`f(x - tg) \le f(x) - \alpha t \|g\|^2`
  (reference :func:`lrcourse.backtracking_descent`);
- ``exact_path(f, grad, x0, n_steps)`` -> ``(xs, steps)``: the step minimizes :math:`f(x - tg)` over
  :math:`t > 0` (reference :func:`lrcourse.exact_line_search_descent`; compared to the accuracy of a
  1-D solver);
- ``turn_angles(xs)``: degrees between successive steps (reference :func:`lrcourse.step_angles`);
- ``fitted_rate(f_values, f_star)``: :math:`e^{\text{slope}}` of the least-squares line through
  :math:`\ln(f_k - f^\star)` (reference :func:`lrcourse.linear_convergence_rate`);
- ``rate_bound(hessian)``: :math:`((\kappa-1)/(\kappa+1))^2` (reference
  :func:`lrcourse.exact_line_search_rate_bound`);
- ``fewer_iterations(f_backtracking, f_exact, f_star, tol)``: the conclusion, ``"backtracking"``,
  ``"exact"`` or ``"tie"``: which run first gets within ``tol`` of :math:`f^\star`. Graded on several
  pairs of real runs whose winners differ (reference :func:`lrcourse.iterations_to_tolerance`).
"""

from __future__ import annotations

import math

import numpy as np

from lrcourse import (
    backtracking_descent,
    exact_line_search_descent,
    exact_line_search_rate_bound,
    iterations_to_tolerance,
    linear_convergence_rate,
    step_angles,
)

from ..assignment import DiagnosedAssignment, Plot
from ..parts import Part, SubmissionError, close, fmt, to_floats

COURSE = {"a": 3.0, "c": 0.1}
X0 = [-1.0, 1.0]
VERDICTS = ("backtracking", "exact", "tie")
RTOL = 1e-9
EXACT_RTOL, EXACT_ATOL = 1e-5, 1e-6  # a 1-D solver finds the minimizing step to ~sqrt(machine eps)
RATE_RTOL = 1e-7
ANGLE_ATOL = 1e-5  # degrees: arccos near 0 and 180 turns a rounding of the cosine into ~1e-6 degrees


def exp_function(a: float, c: float):
    r"""``(f, grad)`` of :math:`e^{x_1 + a x_2 - c} + e^{x_1 - a x_2 - c} + e^{-x_1 - c}` at one point ``x``.

    A far trial point overflows to ``inf`` quietly (a line search treats it as "too far").
    """

    def terms(x):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(over="ignore"):
            return np.exp(x[0] + a * x[1] - c), np.exp(x[0] - a * x[1] - c), np.exp(-x[0] - c)

    def f(x):
        p, q, r = terms(x)
        return float(p + q + r)

    def grad(x):
        p, q, r = terms(x)
        with np.errstate(invalid="ignore"):
            return np.array([p + q - r, a * (p - q)])

    return f, grad


def f_star(c: float) -> float:
    """Minimum value :math:`2\\sqrt2 e^{-c}` (at :math:`x^\\star = (-\\ln 2 / 2, 0)`, for every ``a``)."""
    return 2.0 * math.sqrt(2.0) * math.exp(-c)


def _hessian(a: float, c: float, x) -> list:
    r""":math:`\begin{pmatrix} p+q+r & a(p-q) \\ a(p-q) & a^2(p+q) \end{pmatrix}` at ``x`` (``p, q, r``: the terms)."""
    p, q, r = (math.exp(x[0] + a * x[1] - c), math.exp(x[0] - a * x[1] - c), math.exp(-x[0] - c))
    return [[p + q + r, a * (p - q)], [a * (p - q), a * a * (p + q)]]


def _backtracking(inputs, tol=0.0):
    f, grad = exp_function(inputs["a"], inputs["c"])
    return backtracking_descent(f, grad, np.array(inputs["x0"]), alpha=inputs["alpha"], beta=inputs["beta"],
                                t0=1.0, max_iter=inputs["n_steps"], tol=tol, max_backtracks=400)


def _exact(inputs, tol=0.0, xtol=1e-10):
    f, grad = exp_function(inputs["a"], inputs["c"])
    return exact_line_search_descent(f, grad, np.array(inputs["x0"]), max_iter=inputs["n_steps"], tol=tol, xtol=xtol)


def _armijo_trial(f, grad, x, alpha, beta, *, start=1.0, squared=True):
    """First ``start * beta**j`` that passes the Armijo test at ``x``.

    The reference starts at 1; ``start`` (the previous step) and ``squared=False`` (testing with ``|g|``
    instead of ``|g|^2``) reproduce two typical slips.
    """
    g = grad(x)
    norm = float(g @ g) if squared else float(np.linalg.norm(g))
    fx, t = f(x), float(start)
    for _ in range(400):
        if f(x - t * g) <= fx - alpha * t * norm:
            return t
        t *= beta
    return t


def _setting(inputs) -> str:
    keys = [k for k in ("x0", "alpha", "beta", "n_steps") if k in inputs]
    shown = ", ".join(f"{k}={[fmt(v) for v in inputs[k]] if k == 'x0' else fmt(inputs[k])}".replace("'", "")
                      for k in keys)
    family = "" if (inputs["a"], inputs["c"]) == (COURSE["a"], COURSE["c"]) else \
        f" on f with a={fmt(inputs['a'])}, c={fmt(inputs['c'])}"
    return f"({shown}{family})"


def _path_shape(got_x, got_t, n):
    """A hint when the recorded path is not ``n + 1`` points and ``n`` steps, else ``""``."""
    if got_x.size == 2 * n and got_t.size == n:
        return f"your path has {n} points; put x0 first: n_steps={n} steps make n_steps + 1 = {n + 1} points"
    if got_x.size != 2 * (n + 1):
        return f"expected {n + 1} points of 2 coordinates (x0 and one per step), got {got_x.size} numbers"
    if got_t.size != n:
        return f"expected {n} step sizes (one per step), got {got_t.size}"
    return ""


def _rate_inputs(rng) -> dict:
    """A noisy, linearly converging history whose fitted factor differs from the endpoint ratio and from
    the mean ratio by more than 1% (so neither shortcut passes by luck)."""
    for _ in range(100):
        rate, scale, star = float(rng.uniform(0.1, 0.9)), float(10 ** rng.uniform(-1, 2)), float(rng.uniform(-3, 3))
        # the smallest gap stays above 1e-6, so f - f_star is known to ~1e-10 of itself
        n = min(int(rng.integers(5, 30)), int(math.log(1e-6 / scale) / math.log(rate)))
        gaps = scale * rate ** np.arange(n) * np.exp(rng.normal(0, 0.3, size=n))
        fitted = linear_convergence_rate(gaps, 0.0)
        shortcuts = ((gaps[-1] / gaps[0]) ** (1 / (n - 1)), float(np.mean(gaps[1:] / gaps[:-1])))
        if all(abs(s / fitted - 1) > 0.01 for s in shortcuts):
            break
    return {"f_values": (star + gaps).tolist(), "f_star": star}


def _slips_show(inputs, run) -> bool:
    """Whether two typical backtracking slips change this path: a step that grows again (a search that
    starts from the previous step cannot follow) and a step that |g| instead of |g|^2 would pick differently."""
    f, grad = exp_function(inputs["a"], inputs["c"])
    grows = bool(np.any(np.diff(run.steps) > 0))
    norm_slip = any(not close(_armijo_trial(f, grad, x, inputs["alpha"], inputs["beta"], squared=False), t, 1e-9)
                    for x, t in zip(run.x[:-1], run.steps))
    return grows and norm_slip


def _random_spd(rng, dim):
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    q = q * np.sign(np.diag(r))
    lam = np.sort(10 ** rng.uniform(-1, 1.3, size=dim))
    return (q * lam) @ q.T


def _zigzag_candidates(rng):
    """A random path that also goes straight on and turns back (angles 0 and 180 whose cosines round past 1)."""
    for _ in range(200):
        steps = list(rng.standard_normal((int(rng.integers(3, 8)), 2)))
        d = rng.standard_normal(2)
        steps += [d, float(rng.uniform(0.3, 3)) * d, -float(rng.uniform(0.3, 3)) * d]
        steps += list(rng.standard_normal((int(rng.integers(1, 4)), 2)))
        path = np.cumsum(np.vstack([rng.uniform(-2, 2, size=(1, 2)), *steps]), axis=0)
        s = np.diff(path, axis=0)
        raw = np.einsum("ki,ki->k", s[:-1], s[1:]) / np.linalg.norm(s[:-1], axis=1) / np.linalg.norm(s[1:], axis=1)
        if np.any(np.abs(raw) > 1):
            return path
    return path  # pragma: no cover - 200 draws always contain one


class LineSearch(DiagnosedAssignment):
    name = "line_search"
    title = "Line search on the course function: backtracking (Armijo) against exact"
    parts = (
        Part("backtracking", 3, "iterates and step sizes of gradient descent with backtracking (Armijo) from t = 1",
             "backtracking_path"),
        Part("exact", 2, "iterates and step sizes of gradient descent with exact line search", "exact_path"),
        Part("angles", 1, "the angle in degrees between each step and the next", "turn_angles"),
        Part("rate", 1, "the linear convergence factor fitted to log(f - f*) by least squares", "fitted_rate"),
        Part("bound", 1, "the exact-line-search bound ((kappa - 1) / (kappa + 1))^2 of a Hessian", "rate_bound"),
        Part("conclusion", 2, "which method gets within tol of f* in fewer iterations, on given runs",
             "fewer_iterations"),
    )
    forbidden = {"*": ("boyd_function", "boyd_gradient", "boyd_hessian", "armijo_holds", "backtracking_descent",
                       "exact_line_search_descent", "DescentResult", "step_angles", "linear_convergence_rate",
                       "iterations_to_tolerance", "exact_line_search_rate_bound")}
    plot = Plot("backtracking_path", "x1", "x2",
                "Backtracking path from x0 = (-1, 1) (alpha = 0.3, beta = 0.5, 10 steps)")

    # --- inputs ---------------------------------------------------------------------------------------

    def make_inputs(self, part, seed: int) -> dict:
        """Hidden inputs from ``seed``: another member of the function family, start, parameters, runs."""
        part = self.part(part).name
        rng = self.rng(part, seed)
        if part in ("backtracking", "exact"):
            return self._path_inputs(part, rng)
        if part == "angles":
            return {"xs": _zigzag_candidates(rng).tolist()}
        if part == "rate":
            return _rate_inputs(rng)
        if part == "bound":
            return {"hessian": _random_spd(rng, int(rng.integers(2, 5))).tolist()}
        return {"cases": self._cases(rng)}

    def _path_inputs(self, part, rng) -> dict:
        """A member of the family, a start and the search's parameters whose reference path runs every
        step and ends well above the round-off floor (a start on the x1 axis would finish in one step)."""
        for _ in range(100):
            inputs = {"a": float(rng.uniform(2.0, 4.0)), "c": float(rng.uniform(-0.5, 0.5)),
                      "x0": [float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-0.8, 0.8))]}
            if part == "exact":
                inputs["n_steps"] = int(rng.integers(5, 11))
                run = _exact(inputs)
            else:
                inputs.update(alpha=float(rng.uniform(0.05, 0.45)), beta=float(rng.uniform(0.3, 0.8)),
                              n_steps=int(rng.integers(6, 15)))
                run = _backtracking(inputs)
            if (run.n_iter == inputs["n_steps"] and run.f[-1] - f_star(inputs["c"]) > 1e-9
                    and (part == "exact" or _slips_show(inputs, run))):
                break
        return inputs

    def _cases(self, rng, quota=None) -> list:
        """Pairs of real runs (backtracking, exact) on random members of the family; every verdict occurs."""
        quota = dict(quota or {"backtracking": 2, "exact": 2, "tie": 1})
        extra = int(rng.integers(0, 3))
        cases = []
        for _ in range(300):
            a, c = float(rng.uniform(2.0, 4.0)), float(rng.uniform(-0.5, 0.5))
            setting = {"a": a, "c": c, "x0": [float(rng.uniform(-2, 2)), float(rng.uniform(-1, 1))],
                       "alpha": float(rng.uniform(0.05, 0.45)), "beta": float(rng.uniform(0.3, 0.8))}
            case = self.case(setting, float(10 ** rng.uniform(-7, -2)), tuple(int(e) for e in rng.integers(1, 10, 2)))
            if case is None:
                continue
            verdict = self.reference("conclusion", {"cases": [case]})["verdicts"][0]
            if quota.get(VERDICTS[int(verdict)], 0) > 0:
                quota[VERDICTS[int(verdict)]] -= 1
            elif extra > 0 and not any(quota.values()):
                extra -= 1
            else:
                continue
            cases.append(case)
            if not any(quota.values()) and extra == 0:
                break
        order = rng.permutation(len(cases))
        return [cases[i] for i in order]

    @staticmethod
    def case(setting: dict, tol: float, extra=(3, 3)):
        """One conclusion case: both runs from ``setting`` (a, c, x0, alpha, beta), each cut ``extra`` iterations
        after it gets within ``tol`` of f* (None if one of them does not). Runs of different lengths make
        "which one ends lower" a poor answer to "which one got there first".

        The runs stop once the gradient is below ``0.1 sqrt(tol)``: the gap is then about
        ``|g|^2 / (2 lambda)``, far below ``tol`` near the minimum, and the slow round-off tail is skipped.
        """
        gtol = 0.1 * math.sqrt(tol)
        bt = _backtracking({**setting, "n_steps": 200}, gtol)
        ex = _exact({**setting, "n_steps": 200}, gtol, xtol=1e-7)  # f is what counts here, not t to the last digit
        star = f_star(setting["c"])
        ks = [iterations_to_tolerance(r.f, star, tol) for r in (bt, ex)]
        if None in ks:
            return None
        return {"f_backtracking": bt.f[: ks[0] + extra[0] + 1].tolist(), "f_exact": ex.f[: ks[1] + extra[1] + 1].tolist(),
                "f_star": star, "tol": tol}

    def visible_inputs(self, part) -> dict:
        """The notebook's experiment: the course function from x0 = (-1, 1)."""
        part = self.part(part).name
        if part == "backtracking":
            return {**COURSE, "x0": X0, "alpha": NOTEBOOK_SEARCH[0], "beta": NOTEBOOK_SEARCH[1], "n_steps": 10}
        if part == "exact":
            return {**COURSE, "x0": X0, "n_steps": 8}
        if part == "angles":
            return {"xs": _zigzag_candidates(np.random.default_rng(3)).tolist()}
        if part == "rate":
            return {"f_values": _exact({**COURSE, "x0": X0, "n_steps": 8}).f.tolist(), "f_star": f_star(COURSE["c"])}
        if part == "bound":  # at x0 the Hessian is not diagonal (at the minimum it is)
            return {"hessian": _hessian(COURSE["a"], COURSE["c"], X0)}
        return {"cases": [self.case({**COURSE, **s}, NOTEBOOK_TOL, e) for s, e in zip(NOTEBOOK_RUNS, NOTEBOOK_EXTRA)]}

    def plot_inputs(self) -> dict:
        return self.visible_inputs("backtracking")

    # --- calling the student's functions ----------------------------------------------------------------

    def evaluate(self, part, target, inputs: dict) -> dict:
        """Call the student's function for ``part``; plain floats in a dict."""
        p = self.part(part)
        target = self.callable_target(p.name, target)
        if p.name in ("backtracking", "exact"):
            f, grad = exp_function(inputs["a"], inputs["c"])
            args = (inputs["alpha"], inputs["beta"]) if p.name == "backtracking" else ()
            out = target(f, grad, np.array(inputs["x0"]), *args, inputs["n_steps"])
            what = f"{p.target}(...)"
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise SubmissionError(f"{what} must return a pair (xs, steps), got {type(out).__name__}")
            return {"x": to_floats(out[0], f"{what}[0] (the iterates)"), "steps": to_floats(out[1], f"{what}[1] (the steps)")}
        if p.name == "angles":
            return {"angles": to_floats(target(np.array(inputs["xs"])), "turn_angles(xs)")}
        if p.name == "rate":
            out = target(np.array(inputs["f_values"]), inputs["f_star"])
            return {"rate": to_floats(out, "fitted_rate(f_values, f_star)", size=1)}
        if p.name == "bound":
            return {"bound": to_floats(target(np.array(inputs["hessian"])), "rate_bound(hessian)", size=1)}
        verdicts = []
        for case in inputs["cases"]:
            out = target(np.array(case["f_backtracking"]), np.array(case["f_exact"]), case["f_star"], case["tol"])
            if not isinstance(out, str) or out.strip().lower() not in VERDICTS:
                raise SubmissionError(f"fewer_iterations must return one of the strings {', '.join(map(repr, VERDICTS))}, "
                                      f"got {out!r}")
            verdicts.append(float(VERDICTS.index(out.strip().lower())))
        return {"verdicts": verdicts}

    # --- the reference --------------------------------------------------------------------------------

    def reference(self, part, inputs: dict) -> dict:
        """Reference values from :mod:`lrcourse.stepsize` (line search and convergence)."""
        part = "backtracking" if part == "plot" else self.part(part).name
        if part in ("backtracking", "exact"):
            run = _backtracking(inputs) if part == "backtracking" else _exact(inputs)
            return {"x": run.x.ravel().tolist(), "steps": run.steps.tolist()}
        if part == "angles":
            return {"angles": step_angles(inputs["xs"]).tolist()}
        if part == "rate":
            return {"rate": [linear_convergence_rate(inputs["f_values"], inputs["f_star"])]}
        if part == "bound":
            return {"bound": [exact_line_search_rate_bound(inputs["hessian"])]}
        return {"verdicts": [float(_verdict(c, _first_below)) for c in inputs["cases"]]}

    def plot_values(self, target) -> dict:
        """The student's backtracking path drawn over the reference's, in the (x1, x2) plane."""
        inputs = self.plot_inputs()
        ref = np.reshape(self.reference("plot", inputs)["x"], (-1, 2))
        data = {"x": ref[:, 0].tolist(), "reference": ref[:, 1].tolist(), "student": None}
        if target is not None:
            mine = np.reshape(self.evaluate("backtracking", target, inputs)["x"], (-1, 2))
            data.update(student_x=mine[:, 0].tolist(), student=mine[:, 1].tolist())
        return data

    # --- scoring: the ordered diagnoses of each part (DiagnosedAssignment.score calls them) ---------------

    def diagnose_backtracking(self, inputs, got, ref) -> list:
        n = inputs["n_steps"]
        shape = _path_shape(got["x"], got["steps"], n)
        if shape:
            return [(True, shape)]
        if np.all(close(got["x"], ref["x"], RTOL, 1e-12)) and np.all(close(got["steps"], ref["steps"], RTOL)):
            return []
        xs, ts = got["x"].reshape(-1, 2), got["steps"]
        f, grad = exp_function(inputs["a"], inputs["c"])
        setting = _setting(inputs)
        return [
            (not np.all(close(xs[0], inputs["x0"], RTOL, 1e-12)),
             f"your path starts at {fmt(xs[0][0])}, {fmt(xs[0][1])}; the first point must be x0 {setting}"),
            (True, lambda: _step_diagnosis(f, grad, xs, ts, inputs, setting)),
            (True, lambda: _first_difference("point", got["x"].reshape(-1, 2), ref["x"].reshape(-1, 2), setting)),
        ]

    def diagnose_exact(self, inputs, got, ref) -> list:
        n = inputs["n_steps"]
        shape = _path_shape(got["x"], got["steps"], n)
        if shape:
            return [(True, shape)]
        xs, ts = got["x"].reshape(-1, 2), got["steps"]
        f, grad = exp_function(inputs["a"], inputs["c"])
        # a step is judged by the move it makes: t * |g| within EXACT_ATOL (or a relative EXACT_RTOL)
        speed = np.array([np.linalg.norm(grad(x)) for x in ref["x"].reshape(-1, 2)[:-1]])
        if (np.all(close(got["x"], ref["x"], 0.0, EXACT_ATOL))
                and np.all(close(ts * speed, ref["steps"] * speed, EXACT_RTOL, EXACT_ATOL))):
            return []
        setting = _setting(inputs)
        return [
            (not np.all(close(xs[0], inputs["x0"], RTOL, 1e-12)),
             f"your path starts at {fmt(xs[0][0])}, {fmt(xs[0][1])}; the first point must be x0 {setting}"),
            (np.all(close(xs.ravel(), ref["x"], 0.0, EXACT_ATOL)) and np.all(close(ts * speed, -ref["steps"] * speed,
                                                                                   EXACT_RTOL, EXACT_ATOL)),
             f"your points are right but your step sizes are negative ({fmt(ts[0])}): you searched along +grad; "
             f"report t > 0 with x_next = x - t * grad(x) {setting}"),
            (lambda: _is_armijo_path(f, grad, xs, ts),
             f"your steps are the backtracking (Armijo) steps of the notebook's search; exact line search takes the "
             f"t > 0 that minimizes f(x - t * grad(x)) along each line {setting}"),
            (True, lambda: _exactness_diagnosis(grad, xs, ts, setting)),
            (True, lambda: _first_difference("point", xs, ref["x"].reshape(-1, 2), setting)),
        ]

    def diagnose_angles(self, inputs, got, ref) -> list:
        a = ref["angles"]
        if got["angles"].shape != a.shape:
            return [(True, f"expected {a.size} angles (one per pair of successive steps, {a.size + 2} points), "
                           f"got {got['angles'].size}")]
        mine = got["angles"]
        if np.all(close(mine, a, 0.0, ANGLE_ATOL)):
            return []
        xs = np.asarray(inputs["xs"])
        return [
            (np.any(np.isnan(mine)),
             lambda: f"angle {int(np.flatnonzero(np.isnan(mine))[0])} is nan: for (anti)parallel steps the cosine "
                     f"rounds to just past +-1; clip it to [-1, 1] before arccos"),
            (np.all(close(mine, np.radians(a), 1e-9, 1e-9)), "your angles are in radians; return degrees"),
            (np.all(close(mine, 180.0 - a, 0.0, ANGLE_ATOL)),
             "your angles are 180 minus the reference's: measure the angle between step k and step k+1, both "
             "pointing forward (x[k+1] - x[k] and x[k+2] - x[k+1])"),
            (lambda: np.all(close(mine, _angles_between_points(xs), 0.0, ANGLE_ATOL)),
             "you measured the angle between the points x[k] and x[k+1] as vectors from the origin; measure it "
             "between the steps x[k+1] - x[k] and x[k+2] - x[k+1]"),
            (True, lambda: _first_value_difference("angle", mine, a, "degrees")),
        ]

    def diagnose_rate(self, inputs, got, ref) -> list:
        mine, r = float(got["rate"][0]), float(ref["rate"][0])
        if close(mine, r, RATE_RTOL):
            return []
        f = np.asarray(inputs["f_values"])
        gaps = f - inputs["f_star"]
        k = np.arange(f.size)
        slope = np.polyfit(k, np.log(gaps), 1)[0]
        return [
            (close(mine, slope, 1e-6), f"{fmt(mine)} is the slope of log(f - f*) itself; the factor is exp(slope) = "
                                        f"{fmt(r)}"),
            (close(mine, math.exp(slope / math.log(10)), 1e-6),
             "you fitted log10 of the gaps and then used exp: with log10 the factor is 10**slope"),
            (bool(np.all(f != 0)) and close(mine, math.exp(np.polyfit(k, np.log(np.abs(f)), 1)[0]), 1e-6),
             f"you fitted log(f) instead of log(f - f*): subtract f_star={fmt(inputs['f_star'])} first"),
            (close(mine, (gaps[-1] / gaps[0]) ** (1 / (f.size - 1)), 1e-6),
             f"{fmt(mine)} is the endpoint ratio (gap_K / gap_0)^(1/K); fit a least-squares line through all "
             f"{f.size} values of log(f - f*) (reference {fmt(r)})"),
            (close(mine, float(np.mean(gaps[1:] / gaps[:-1])), 1e-6),
             f"{fmt(mine)} is the mean of the ratios gap[k+1]/gap[k]; fit a least-squares line through "
             f"log(f - f*) instead (reference {fmt(r)})"),
            (True, f"your factor is {fmt(mine)}, the reference's is {fmt(r)}: exp of the least-squares slope of "
                   f"log(f_k - f*) against k"),
        ]

    def diagnose_bound(self, inputs, got, ref) -> list:
        mine, b = float(got["bound"][0]), float(ref["bound"][0])
        if close(mine, b, 1e-9, 1e-15):
            return []
        h = np.asarray(inputs["hessian"])
        eig = np.linalg.eigvalsh(h)
        kappa = eig[-1] / eig[0]
        diag = np.diag(h)
        kappa_diag = diag.max() / diag.min()
        return [
            (close(mine, (kappa - 1) / (kappa + 1), 1e-9),
             f"{fmt(mine)} = (kappa - 1)/(kappa + 1) with kappa={fmt(kappa)}: the factor for f - f* is its square"),
            (close(mine, 1 - 1 / kappa, 1e-9),
             f"{fmt(mine)} = 1 - 1/kappa is the looser bound 1 - m/M; the part asks for the Kantorovich bound "
             f"((kappa - 1)/(kappa + 1))^2"),
            (not close(kappa_diag, kappa, 1e-6) and close(mine, ((kappa_diag - 1) / (kappa_diag + 1)) ** 2, 1e-9),
             f"you took kappa from the diagonal entries ({fmt(kappa_diag)}); kappa is the ratio of the largest to "
             f"the smallest eigenvalue ({fmt(kappa)}), np.linalg.eigvalsh"),
            (True, f"your bound is {fmt(mine)}, the reference's is {fmt(b)} (kappa={fmt(kappa)})"),
        ]

    def diagnose_conclusion(self, inputs, got, ref) -> list:
        cases, mine, right = inputs["cases"], got["verdicts"], ref["verdicts"]
        ties = right == 2

        def first_wrong(i):
            ks = [_first_below(cases[i][key], cases[i]["f_star"], cases[i]["tol"]) for key in ("f_backtracking", "f_exact")]
            yours, answer = VERDICTS[int(mine[i])], VERDICTS[int(right[i])]
            return [
                (bool(ties[i]) and np.array_equal(mine[~ties], right[~ties]),
                 f"run pair {i}: both reach tol at iteration {ks[0]}, so the answer is 'tie'; yours is {yours!r} "
                 f"(your other answers are right)"),
                (True, f"run pair {i}: backtracking gets within tol={fmt(cases[i]['tol'])} at iteration {ks[0]}, "
                       f"exact at {ks[1]}, so the answer is {answer!r}; yours is {yours!r}"),
            ]

        return self.diagnose_cases(inputs, mine, right, [
            (lambda c: _verdict(c, _lowest_at_the_end),
             "you compared where the runs end; the question is which run gets within tol of f* first (the "
             "iteration at which f - f* <= tol)"),
            (lambda c: _verdict(c, _first_below_without_star),
             "you compared f itself with tol; compare the gap f - f_star with tol"),
        ], first_wrong)


# --- the conclusion's rules: the right one and the typical slips ---------------------------------------

def _first_below(f, star, tol):
    k = iterations_to_tolerance(f, star, tol)
    return math.inf if k is None else k


def _first_below_without_star(f, star, tol):
    below = np.flatnonzero(np.asarray(f) <= tol)
    return int(below[0]) if below.size else math.inf


def _lowest_at_the_end(f, star, tol):
    return float(np.asarray(f)[-1])


def _verdict(case, rule) -> int:
    """0, 1 or 2 (backtracking, exact, tie) for the method with the smaller ``rule(f, f_star, tol)``."""
    b, e = (rule(case[key], case["f_star"], case["tol"]) for key in ("f_backtracking", "f_exact"))
    return 2 if b == e else (0 if b < e else 1)


# --- step-by-step diagnoses of a path -----------------------------------------------------------------

def _step_diagnosis(f, grad, xs, ts, inputs, setting) -> str:
    """What is wrong with the student's own path: its moves, then which slip explains every step size."""
    alpha, beta = inputs["alpha"], inputs["beta"]
    for k in range(len(ts)):
        if not np.all(close(xs[k + 1], xs[k] - ts[k] * grad(xs[k]), 1e-9, 1e-12)):
            return f"point {k + 1} is not x - t * grad(x) with your step t={fmt(ts[k])} from point {k} {setting}"
    want = [_armijo_trial(f, grad, x, alpha, beta) for x in xs[:-1]]
    wrong = [k for k in range(len(ts)) if not close(ts[k], want[k], 1e-9)]
    if not wrong:
        return ""
    k = wrong[0]
    where = f"at iteration {k} your step is {fmt(ts[k])}, the rule gives {fmt(want[k])}"
    test = "f(x - t g) <= f(x) - alpha t |g|^2"
    slips = (  # (the step size the slip takes at iteration j, what the slip is), most common first
        (lambda j: _armijo_trial(f, grad, xs[j], alpha, beta, start=ts[j - 1] if j else 1.0),
         f"your search starts from the previous step ({fmt(ts[k - 1]) if k else 1}); start every search at t = 1"),
        (lambda j: _armijo_trial(f, grad, xs[j], alpha, beta, squared=False),
         "your test uses |g| where the Armijo condition has |g|^2 = g . g"),
        (lambda j: want[j] * beta, f"you shrink once too often: t={fmt(want[k])} already passes {test}"),
        (lambda j: min(1.0, want[j] / beta), f"you stop one shrink early: t={fmt(ts[k])} fails {test}"),
    )
    for step, slip in slips:
        if all(close(ts[j], step(j), 1e-9) for j in range(len(ts))):
            return f"{where}: {slip} {setting}"
    return f"{where} (the first beta**j from 1 with {test}) {setting}"


def _is_armijo_path(f, grad, xs, ts) -> bool:
    """Whether every step is the backtracking choice with the notebook's ``(alpha, beta)``."""
    return all(close(float(ts[k]), _armijo_trial(f, grad, xs[k], *NOTEBOOK_SEARCH), 1e-9) for k in range(len(ts)))


def _exactness_diagnosis(grad, xs, ts, setting) -> str:
    """The first step whose end point does not make the new gradient orthogonal to the old one."""
    for k in range(len(ts)):
        g, g_new = grad(xs[k]), grad(xs[k + 1])
        cos = float(g @ g_new) / (np.linalg.norm(g) * np.linalg.norm(g_new))
        if abs(cos) > 1e-2:
            side = "too short: f still falls further along the line" if cos > 0 else "too long: f rose again before"
            return (f"step {k} ({fmt(ts[k])}) is not the minimizer along -grad: the new gradient makes "
                    f"{fmt(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))} degrees with the old one instead of 90, "
                    f"the step is {side} {setting}")
    return ""


def _first_difference(what, mine, ref, setting) -> str:
    i = int(np.flatnonzero(~np.all(close(mine, ref, 1e-9, 1e-9), axis=1))[0])
    return (f"first difference at {what} {i}: yours is ({fmt(mine[i][0])}, {fmt(mine[i][1])}), the reference's is "
            f"({fmt(ref[i][0])}, {fmt(ref[i][1])}) {setting}")


def _first_value_difference(what, mine, ref, unit) -> str:
    i = int(np.flatnonzero(~close(mine, ref, 0.0, ANGLE_ATOL))[0])
    return f"first difference at {what} {i}: yours is {fmt(mine[i])}, the reference's is {fmt(ref[i])} {unit}"


def _angles_between_points(xs):
    """Angles between the position vectors x[k] and x[k+1], k = 0..K-2 (a typical slip: points, not steps)."""
    u, v = xs[:-2], xs[1:-1]
    cos = np.einsum("ki,ki->k", u, v) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


#: The notebook's backtracking parameters (alpha, beta).
NOTEBOOK_SEARCH = (0.3, 0.5)
#: The notebook's three starts for the conclusion (course function, tol 1e-6): exact wins, backtracking
#: wins, tie (14 vs 7, 12 vs 14 and 15 vs 15 iterations).
NOTEBOOK_RUNS = tuple({"x0": x0, "alpha": NOTEBOOK_SEARCH[0], "beta": NOTEBOOK_SEARCH[1]}
                      for x0 in ([-1.0, 1.0], [-1.5, 0.5], [1.0, 0.25]))
NOTEBOOK_TOL = 1e-6
#: How many iterations each visible run goes on after reaching the tolerance (the later finisher runs longer).
NOTEBOOK_EXTRA = ((8, 1), (1, 6), (5, 1))

ASSIGNMENT = LineSearch()

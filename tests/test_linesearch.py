"""Line search, Newton and diagonal preconditioning on the course's exponential test function."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

from lrcourse.stepsize.linesearch import (
    BOYD_MINIMIZER,
    BOYD_MINIMUM,
    armijo_holds,
    backtracking_descent,
    boyd_function,
    boyd_gradient,
    boyd_hessian,
    diagonal_preconditioned_descent,
    exact_line_search_descent,
    newton_1d,
    newton_descent,
)

X0 = np.array([-1.0, 1.0])
coords = st.floats(-1.5, 1.5, allow_nan=False)


def test_known_minimizer_is_stationary_and_matches_scipy():
    # closed form: x2 = 0 and 2 e^{x1} = e^{-x1}  =>  x1 = -ln(2)/2, f* = 2 sqrt(2) e^{-0.1}
    assert BOYD_MINIMIZER[0] == pytest.approx(-math.log(2) / 2)
    assert boyd_function(BOYD_MINIMIZER) == pytest.approx(2 * math.sqrt(2) * math.exp(-0.1), rel=1e-15)
    assert np.abs(boyd_gradient(BOYD_MINIMIZER)).max() < 1e-15
    assert np.all(np.linalg.eigvalsh(boyd_hessian(BOYD_MINIMIZER)) > 0)
    ref = minimize(boyd_function, [0.5, 0.5], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    np.testing.assert_allclose(ref.x, BOYD_MINIMIZER, atol=1e-6)
    assert ref.fun == pytest.approx(BOYD_MINIMUM, rel=1e-12)


@given(coords, coords)
def test_gradient_and_hessian_match_finite_differences(a, b):
    x = np.array([a, b])
    h = 1e-6
    eye = np.eye(2)
    fd_grad = np.array([(boyd_function(x + h * e) - boyd_function(x - h * e)) / (2 * h) for e in eye])
    fd_hess = np.array([(boyd_gradient(x + h * e) - boyd_gradient(x - h * e)) / (2 * h) for e in eye])
    scale = 1 + np.abs(boyd_gradient(x)).max()
    np.testing.assert_allclose(boyd_gradient(x), fd_grad, atol=1e-5 * scale)
    np.testing.assert_allclose(boyd_hessian(x), fd_hess, atol=1e-4 * scale)


def test_function_is_vectorized_over_leading_axes():
    pts = np.random.default_rng(0).normal(size=(3, 4, 2))
    vals = boyd_function(pts)
    assert vals.shape == (3, 4)
    assert vals[1, 2] == boyd_function(pts[1, 2])
    assert boyd_hessian(pts).shape == (3, 4, 2, 2)


@pytest.mark.parametrize("alpha,beta", [(0.1, 0.7), (0.3, 0.8), (0.45, 0.5)])
def test_backtracking_reaches_minimum_and_every_step_satisfies_armijo(alpha, beta):
    res = backtracking_descent(boyd_function, boyd_gradient, X0, alpha=alpha, beta=beta, t0=1.0, tol=1e-6)
    assert res.converged and not res.diverged
    np.testing.assert_allclose(res.x_final, BOYD_MINIMIZER, atol=1e-6)
    assert res.f_final == pytest.approx(BOYD_MINIMUM, abs=1e-11)
    for k, t in enumerate(res.steps):
        g = boyd_gradient(res.x[k])
        gg = float(g @ g)
        assert res.f[k + 1] <= res.f[k] - alpha * t * gg + 1e-15
        # the accepted step is the first of t0, beta t0, ... to pass: the previous trial failed
        if t < 1.0:
            larger = t / beta
            assert not armijo_holds(boyd_function(res.x[k] - larger * g), res.f[k], larger, gg, alpha)
    assert np.all(np.diff(res.f) < 0)


def test_exact_line_search_reaches_minimum_with_optimal_steps():
    for max_step in (None, 2.0):
        res = exact_line_search_descent(boyd_function, boyd_gradient, X0, max_step=max_step)
        assert res.converged
        np.testing.assert_allclose(res.x_final, BOYD_MINIMIZER, atol=1e-6)
        assert res.f_final == pytest.approx(BOYD_MINIMUM, abs=1e-11)
        for k in range(min(8, res.n_iter)):
            x, t = res.x[k], res.steps[k]
            g = boyd_gradient(x)
            phi = lambda s: boyd_function(x - s * g)  # noqa: E731
            assert phi(t) <= min(phi(0.9 * t), phi(1.1 * t))
            # exact line search: the new gradient is orthogonal to the search direction
            g_next = boyd_gradient(res.x[k + 1])
            assert abs(g_next @ g) <= 1e-4 * np.linalg.norm(g) * np.linalg.norm(g_next) + 1e-12


def test_exact_search_from_far_out_treats_overflow_as_infinite_without_warning():
    import warnings

    for start in ([1.26, -0.99], [2.0, 1.0]):  # overflow in f; then inf - inf inside scipy's Brent step
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Brent's bracket expansion tries huge steps: e^(x1 + 3 x2) overflows
            res = exact_line_search_descent(boyd_function, boyd_gradient, np.array(start), max_iter=60)
        assert not res.diverged and np.all(np.diff(res.f) < 0)
        assert res.f_final == pytest.approx(BOYD_MINIMUM, abs=1e-9)


def test_exact_search_beats_backtracking_per_iteration_on_first_step():
    exact = exact_line_search_descent(boyd_function, boyd_gradient, X0)
    armijo = backtracking_descent(boyd_function, boyd_gradient, X0)
    assert exact.f[1] <= armijo.f[1]


def test_scalar_problem_keeps_scalar_shapes():
    res = backtracking_descent(lambda x: (x - 3) ** 2, lambda x: 2 * (x - 3), 0.0, t0=1.0)
    assert res.x.shape == (res.n_iter + 1,)
    assert res.converged and res.x_final == pytest.approx(3.0, abs=1e-6)


def test_newton_1d_uses_inverse_curvature():
    res = newton_1d(lambda x: (x - 3) ** 2, lambda x: 2 * (x - 3), lambda x: 2.0, 0.0)
    assert res.n_iter == 1 and res.steps[0] == 0.5 and res.x_final == 3.0
    # f = e^x - 2x has minimum at ln 2; steps are 1 / e^{x_k}
    res = newton_1d(np.exp, lambda x: np.exp(x) - 2, np.exp, 2.0)
    assert res.x_final == pytest.approx(math.log(2), abs=1e-12)
    np.testing.assert_allclose(res.steps, np.exp(-res.x[:-1]))
    errors = np.abs(res.x - math.log(2))[:-1]
    assert errors[3] < errors[2] ** 2  # quadratic convergence


def test_newton_1d_rejects_negative_curvature():
    with pytest.raises(ValueError, match="d2f"):
        newton_1d(lambda x: -(x**2), lambda x: -2 * x, lambda x: -2.0, 1.0)


@pytest.mark.parametrize("damped", [False, True])
def test_newton_converges_in_few_steps(damped):
    res = newton_descent(boyd_function, boyd_gradient, boyd_hessian, X0, damped=damped)
    assert res.converged and res.n_iter <= 10
    np.testing.assert_allclose(res.x_final, BOYD_MINIMIZER, atol=1e-10)


def test_diagonal_preconditioning_solves_diagonal_quadratic_in_one_step():
    A = np.array([1.0, 100.0])
    b = np.array([2.0, -5.0])
    res = diagonal_preconditioned_descent(lambda x: 0.5 * x @ (A * x) - b @ x, lambda x: A * x - b,
                                          lambda x: A, [0.0, 0.0])
    np.testing.assert_allclose(res.x[1], b / A)
    np.testing.assert_allclose(res.steps[0], 1 / A)
    res = diagonal_preconditioned_descent(boyd_function, boyd_gradient, boyd_hessian, X0)
    assert res.converged
    np.testing.assert_allclose(res.x_final, BOYD_MINIMIZER, atol=1e-8)
    assert res.steps.shape == (res.n_iter, 2)


def test_divergence_is_recorded_not_silent():
    with np.errstate(over="ignore"):
        res = diagonal_preconditioned_descent(lambda x: float(x @ x), lambda x: 2 * x, lambda x: np.array([2.0]),
                                              [1.0], lr=3.0, max_iter=5000)
    assert res.diverged and not res.converged
    assert np.all(np.isfinite(res.x)) and np.all(np.isfinite(res.f))


def test_bad_input():
    f, g = boyd_function, boyd_gradient
    with pytest.raises(ValueError, match="alpha"):
        backtracking_descent(f, g, X0, alpha=0.7)
    with pytest.raises(ValueError, match="beta"):
        backtracking_descent(f, g, X0, beta=1.0)
    with pytest.raises(TypeError, match="f must be callable"):
        backtracking_descent(3, g, X0)
    with pytest.raises(ValueError, match="grad must return shape"):
        backtracking_descent(f, lambda x: np.zeros(3), X0)
    with pytest.raises(ValueError, match="x0"):
        exact_line_search_descent(f, g, [np.nan, 0.0])
    with pytest.raises(ValueError, match="max_step"):
        exact_line_search_descent(f, g, X0, max_step=-1)
    with pytest.raises(ValueError, match="max_iter"):
        newton_descent(f, g, boyd_hessian, X0, max_iter=0)
    with pytest.raises(ValueError, match="lr"):
        diagonal_preconditioned_descent(f, g, boyd_hessian, X0, lr=0)
    with pytest.raises(RuntimeError, match="sufficient decrease"):
        backtracking_descent(f, lambda x: -boyd_gradient(x), X0)  # wrong-sign gradient


def test_bad_user_functions_and_points_are_reported_by_name():
    with pytest.raises(ValueError, match="hess is singular"):
        newton_descent(lambda x: float(x @ x), lambda x: 2 * x, lambda x: np.zeros((2, 2)), [1.0, 1.0])
    with pytest.raises(ValueError, match="hess returned a non-finite"):
        newton_descent(lambda x: float(x @ x), lambda x: 2 * x, lambda x: np.full((2, 2), np.nan), [1.0, 1.0])
    with pytest.raises(ValueError, match="f must return one number"):
        backtracking_descent(lambda x: x, lambda x: 2 * x, [1.0, 1.0])
    with pytest.raises(ValueError, match="curvature function must return shape"):
        diagonal_preconditioned_descent(lambda x: float(x @ x), lambda x: 2 * x, lambda x: np.ones(3), [1.0, 1.0])
    with pytest.raises(ValueError, match="x0"):
        backtracking_descent(boyd_function, boyd_gradient, [np.inf, 0.0])
    with pytest.raises(TypeError, match="x0"):
        backtracking_descent(boyd_function, boyd_gradient, ["a", 0.0])
    with pytest.raises(TypeError, match="damped"):
        newton_descent(boyd_function, boyd_gradient, boyd_hessian, X0, damped="yes")
    with pytest.raises(ValueError, match="last axis of length 2"):
        boyd_function([1.0, 2.0, 3.0])


def test_far_points_of_the_test_function_are_inf_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert boyd_function([1e4, 0.0]) == np.inf
        assert np.all(np.isinf(boyd_gradient([0.0, 1e4])[..., 1]))

"""Reading a descent run: step angles, the fitted linear rate, iterations to a tolerance, the bound."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import (
    BOYD_MINIMIZER,
    BOYD_MINIMUM,
    backtracking_descent,
    boyd_function,
    boyd_gradient,
    boyd_hessian,
    exact_line_search_descent,
    exact_line_search_rate_bound,
    iterations_to_tolerance,
    linear_convergence_rate,
    step_angles,
)


def test_angles_of_a_hand_drawn_path():
    # right, up, up-right, back down-left: 90, 45, 180 degrees
    path = [[0, 0], [1, 0], [1, 1], [2, 2], [1, 1]]
    np.testing.assert_allclose(step_angles(path), [90.0, 45.0, 180.0], atol=1e-12)


def test_parallel_steps_give_zero_not_nan():
    # 0.1 + 0.2 style rounding makes the raw cosine of these parallel steps exceed 1
    d = np.array([0.1, 0.7])
    path = np.cumsum([np.zeros(2), d, 3 * d, 0.3 * d], axis=0)
    raw = [np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b) for a, b in zip(np.diff(path, axis=0)[:-1],
                                                                                  np.diff(path, axis=0)[1:])]
    assert max(raw) > 1.0  # the case the clipping is for
    np.testing.assert_array_equal(step_angles(path), [0.0, 0.0])


def test_a_path_on_the_real_line():
    np.testing.assert_allclose(step_angles([0.0, 2.0, 1.0, 0.5]), [180.0, 0.0])


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-3, 1e3), angle=st.floats(0, 2 * math.pi))
def test_angles_do_not_change_under_rotation_scaling_and_shift(seed, scale, angle):
    path = np.random.default_rng(seed).standard_normal((6, 2))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    moved = scale * path @ rot.T + np.array([5.0, -2.0])
    np.testing.assert_allclose(step_angles(moved), step_angles(path), atol=1e-6)
    assert np.all((step_angles(path) >= 0) & (step_angles(path) <= 180))


def test_exact_line_search_turns_by_right_angles_and_backtracking_does_not():
    x0 = np.array([-1.0, 1.0])
    exact = exact_line_search_descent(boyd_function, boyd_gradient, x0, max_iter=6)
    # the 1-D search finds each step to ~sqrt(machine eps), so the right angles hold to ~1e-4 degrees
    np.testing.assert_allclose(step_angles(exact.x), 90.0, atol=1e-3)
    armijo = backtracking_descent(boyd_function, boyd_gradient, x0, alpha=0.1, beta=0.7, max_iter=8)
    assert np.max(np.abs(step_angles(armijo.x) - 90.0)) > 10.0


@settings(max_examples=40)
@given(c=st.floats(0.05, 0.99), big=st.floats(1e-3, 1e3), n=st.integers(2, 60))
def test_rate_of_an_exact_geometric_sequence(c, big, n):
    assert linear_convergence_rate(big * c ** np.arange(n), 0.0) == pytest.approx(c, rel=1e-9)
    # with f* != 0 the gaps must stay well above the rounding of f* itself
    short = min(n, 6)
    assert linear_convergence_rate(-1.5 + big * c ** np.arange(short), -1.5) == pytest.approx(c, rel=1e-6)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_rate_is_the_least_squares_fit_numpy_finds(seed):
    rng = np.random.default_rng(seed)
    gaps = np.exp(np.cumsum(rng.uniform(-2.0, 0.1, size=int(rng.integers(3, 30)))))
    slope = np.polyfit(np.arange(gaps.size), np.log(gaps), 1)[0]
    assert linear_convergence_rate(gaps, 0.0) == pytest.approx(math.exp(slope), rel=1e-9)


def test_rate_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"f\[2\] = 1.0 is not above f_star=1.0"):
        linear_convergence_rate([3.0, 2.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="at least 2 values"):
        linear_convergence_rate([3.0], 1.0)
    with pytest.raises(TypeError, match="f_star must be a real number"):
        linear_convergence_rate([3.0, 2.0], "0")


def test_iterations_to_tolerance():
    f = [10.0, 5.0, 2.5, 1.25, 1.0]
    assert iterations_to_tolerance(f, 1.0, 1.5) == 2       # gaps 9, 4, 1.5: reached at k = 2 (<=)
    assert iterations_to_tolerance(f, 1.0, 100.0) == 0
    assert iterations_to_tolerance(f, 0.0, 0.5) is None
    with pytest.raises(ValueError, match="tol must be > 0"):
        iterations_to_tolerance(f, 1.0, 0.0)


def test_bound_of_the_course_function_at_its_minimizer():
    # Hessian e^-0.1 diag(2 sqrt 2, 9 sqrt 2): kappa = 4.5, bound (3.5 / 5.5)^2
    assert exact_line_search_rate_bound(boyd_hessian(BOYD_MINIMIZER)) == pytest.approx((3.5 / 5.5) ** 2, rel=1e-12)
    assert exact_line_search_rate_bound(np.eye(3)) == 0.0


@settings(max_examples=20)
@given(m=st.floats(0.1, 10.0), kappa=st.floats(1.0, 50.0), angle=st.floats(0, math.pi))
def test_bound_is_the_worst_case_of_exact_steps_on_a_quadratic(m, kappa, angle):
    """Brute force: the exact-step ratio over many starting directions never exceeds the bound and reaches it."""
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    H = rot @ np.diag([m, m * kappa]) @ rot.T
    phis = np.linspace(0, math.pi, 20001)
    x = np.stack([np.cos(phis), np.sin(phis)], axis=1) @ rot.T
    g = x @ H                                                 # f = x'Hx/2, f* = 0
    t = np.einsum("ki,ki->k", g, g) / np.einsum("ki,ki->k", g @ H, g)
    x1 = x - t[:, None] * g
    ratio = np.einsum("ki,ki->k", x1 @ H, x1) / np.einsum("ki,ki->k", x @ H, x)
    bound = exact_line_search_rate_bound(H)
    assert np.max(ratio) <= bound * (1 + 1e-9) + 1e-15
    assert np.max(ratio) == pytest.approx(bound, abs=1e-6)


def test_bound_refuses_what_is_not_a_positive_definite_matrix():
    with pytest.raises(ValueError, match="hessian must be square"):
        exact_line_search_rate_bound(np.ones((2, 3)))
    with pytest.raises(ValueError, match="hessian must be symmetric"):
        exact_line_search_rate_bound([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="hessian must be positive definite"):
        exact_line_search_rate_bound([[1.0, 0.0], [0.0, -1.0]])


def test_exact_search_on_the_course_function_is_faster_than_its_bound():
    res = exact_line_search_descent(boyd_function, boyd_gradient, np.array([-1.0, 1.0]), max_iter=10)
    measured = linear_convergence_rate(res.f, BOYD_MINIMUM)
    assert 0 < measured < exact_line_search_rate_bound(boyd_hessian(BOYD_MINIMIZER))


def test_step_angle_errors():
    with pytest.raises(ValueError, match="at least 3 iterates"):
        step_angles([[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="step 1 has length 0"):
        step_angles([[0, 0], [1, 1], [1, 1]])
    with pytest.raises(ValueError, match="x must contain only finite values"):
        step_angles([[0, 0], [1, np.nan], [1, 1]])

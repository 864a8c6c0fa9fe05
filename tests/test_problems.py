import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrcourse.dynamics.problems import (FunctionProblem, LogisticLoss, Quadratic, SampledQuadratic, ScalarQuadratic,
                               exercise_quadratic)


def numeric_grad(problem, theta, h=1e-6):
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    out = np.zeros_like(theta)
    for i in range(theta.shape[1]):
        e = np.zeros(theta.shape[1])
        e[i] = h
        out[:, i] = (problem.loss(theta + e) - problem.loss(theta - e)) / (2 * h)
    return out


def test_exercise_quadratic_matches_formula():
    p = exercise_quadratic()
    th = np.array([0.0, 3.0, 5.5])
    np.testing.assert_allclose(p.loss(th), (th - 3) ** 2)
    np.testing.assert_allclose(p.grad(th), 2 * (th - 3))
    assert p.minimizer == 3.0 and p.min_loss == 0.0 and p.dim is None


def test_quadratic_minimizer_and_gradient():
    rng = np.random.default_rng(0)
    p = Quadratic.from_condition_number(50.0, 5, rng=rng)
    assert p.condition_number == pytest.approx(50.0)
    np.testing.assert_allclose(p.minimizer, np.ones(5), atol=1e-10)
    np.testing.assert_allclose(p.grad(p.minimizer), 0.0, atol=1e-10)
    th = rng.standard_normal((4, 5))
    np.testing.assert_allclose(p.grad(th), numeric_grad(p, th), rtol=1e-5, atol=1e-6)
    # loss above the minimum by 0.5 (x - x*)^T A (x - x*)
    d = th - p.minimizer
    np.testing.assert_allclose(p.loss(th) - p.min_loss, 0.5 * np.einsum("ri,ij,rj->r", d, p.A, d))


def test_diagonal_without_rng():
    p = Quadratic.from_condition_number(10.0, 3)
    np.testing.assert_allclose(np.diag(np.diag(p.A)), p.A)
    np.testing.assert_allclose(np.diag(p.A), np.geomspace(1, 10, 3))


def test_logistic_gradient_and_labels():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 3))
    y01 = (rng.random(30) > 0.5).astype(float)
    p = LogisticLoss(X, y01, l2=0.1)
    q = LogisticLoss(X, 2 * y01 - 1, l2=0.1)
    w = rng.standard_normal((2, 3))
    np.testing.assert_allclose(p.loss(w), q.loss(w))
    np.testing.assert_allclose(p.grad(w), numeric_grad(p, w), rtol=1e-5, atol=1e-7)
    # zero weights: loss log 2
    assert p.loss(np.zeros(3))[0] == pytest.approx(np.log(2))
    # full batch gradient == batch gradient over all samples
    idx = np.tile(np.arange(30), (2, 1))
    np.testing.assert_allclose(p.batch_grad(w, idx), p.grad(w))


def test_function_problem_loop_and_vectorized_agree():
    f = lambda x: float(np.sum(x**4))  # noqa: E731
    g = lambda x: 4 * x**3  # noqa: E731
    a = FunctionProblem(f, g, dim=2)
    b = FunctionProblem(lambda X: np.sum(X**4, axis=1), lambda X: 4 * X**3, dim=2, vectorized=True)
    th = np.array([[1.0, 2.0], [-1.0, 0.5]])
    np.testing.assert_allclose(a.loss(th), b.loss(th))
    np.testing.assert_allclose(a.grad(th), b.grad(th))


@given(st.floats(0.1, 10), st.floats(-5, 5), st.floats(-10, 10))
def test_scalar_quadratic_gradient_property(a, c, x):
    p = ScalarQuadratic(a, c)
    h = 1e-5
    num = (p.loss(np.array([x + h])) - p.loss(np.array([x - h]))) / (2 * h)
    assert p.grad(np.array([x]))[0] == pytest.approx(num[0], rel=1e-5, abs=1e-5)


def test_sampled_quadratic_structure():
    p = SampledQuadratic.random(50, rng=np.random.default_rng(2), center=3.0, spread=2.0)
    assert p.center == pytest.approx(3.0) and p.spread == pytest.approx(2.0)
    # batch of all samples gives the exact gradient
    idx = np.tile(np.arange(50), (3, 1))
    th = np.array([0.0, 1.0, 5.0])
    np.testing.assert_allclose(p.batch_grad(th, idx), p.grad(th))
    assert p.batch_noise_variance(50) == 0.0
    assert p.batch_noise_variance(1, replace=True) == pytest.approx((2.0 * 2.0) ** 2)


@pytest.mark.parametrize("call, exc", [
    (lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]]), ValueError),           # not symmetric
    (lambda: Quadratic([[1.0, 0.0], [0.0, -1.0]]), ValueError),          # not positive definite
    (lambda: Quadratic(np.eye(2), [1.0, 2.0, 3.0]), ValueError),         # b mismatched
    (lambda: Quadratic.from_condition_number(0.5, 3), ValueError),
    (lambda: LogisticLoss(np.ones((3, 2)), [0, 1]), ValueError),         # y length
    (lambda: LogisticLoss(np.ones((3, 2)), [0, 1, 2]), ValueError),      # bad labels
    (lambda: ScalarQuadratic(-1.0), ValueError),
    (lambda: exercise_quadratic().loss(np.ones((2, 2))), ValueError),    # wrong theta shape
    (lambda: Quadratic(np.eye(2)).grad(np.ones((4, 3))), ValueError),
    (lambda: SampledQuadratic.random(5, rng=0), TypeError),
    (lambda: SampledQuadratic([1.0, 2.0]).batch_noise_variance(3), ValueError),
    (lambda: FunctionProblem(1, lambda x: x), TypeError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_extreme_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="centers"):
        SampledQuadratic([1e308, 1.7e308, -1e308])
    with pytest.raises(ValueError, match="center=1e\\+308"):
        SampledQuadratic.random(10, rng=np.random.default_rng(0), center=1e308, spread=1e308)
    with pytest.raises(ValueError, match="smallest \\* condition_number"):
        Quadratic.from_condition_number(1e300, 3, smallest=1e10)
    with pytest.raises(ValueError, match="dim"):
        Quadratic.from_condition_number(10.0, 10**6)
    with pytest.raises(TypeError, match="rng"):
        Quadratic.from_condition_number(10.0, 3, rng=0)
    with pytest.raises(TypeError, match="vectorized"):
        FunctionProblem(lambda x: x, lambda x: x, vectorized="yes")

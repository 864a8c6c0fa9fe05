"""The ``line_search`` lab: its function family, its references against brute force, the graded
conclusion, the hints, and one grading run of a small class through the real pipeline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import lrcourse as L
from autograder.assignments import get
from autograder.assignments.line_search import VERDICTS, exp_function, f_star
from autograder.authoring import variants

LAB = get("line_search")
SEEDS = st.integers(min_value=0, max_value=2**31 - 2)


# --- the function family --------------------------------------------------------------------------

@settings(max_examples=30)
@given(x1=st.floats(-2, 2), x2=st.floats(-1, 1))
def test_the_course_member_is_lrcourse_boyd_function(x1, x2):
    f, grad = exp_function(3.0, 0.1)
    x = np.array([x1, x2])
    assert f(x) == pytest.approx(float(L.boyd_function(x)), rel=1e-14)
    np.testing.assert_allclose(grad(x), L.boyd_gradient(x), rtol=1e-13, atol=1e-13)


@settings(max_examples=20)
@given(a=st.floats(2, 4), c=st.floats(-0.5, 0.5), x1=st.floats(-1.5, 1.5), x2=st.floats(-0.8, 0.8))
def test_gradient_is_the_finite_difference_of_f(a, c, x1, x2):
    f, grad = exp_function(a, c)
    x, h = np.array([x1, x2]), 1e-6
    numeric = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad(x), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("a", "c"), [(3.0, 0.1), (2.2, -0.4), (3.9, 0.45)])
def test_minimum_value_matches_a_numerical_minimizer(a, c):
    f, grad = exp_function(a, c)
    res = minimize(f, np.array([0.5, 0.3]), jac=grad, tol=1e-12)
    assert res.fun == pytest.approx(f_star(c), rel=1e-10)
    np.testing.assert_allclose(res.x, [-0.5 * math.log(2), 0.0], atol=1e-5)


# --- the references against brute force ------------------------------------------------------------

@settings(max_examples=15)
@given(seed=SEEDS)
def test_backtracking_reference_takes_the_first_power_of_beta_that_passes_armijo(seed):
    inputs = LAB.make_inputs("backtracking", seed)
    ref = LAB.reference("backtracking", inputs)
    f, grad = exp_function(inputs["a"], inputs["c"])
    xs, ts = np.reshape(ref["x"], (-1, 2)), ref["steps"]
    assert len(ts) == inputs["n_steps"] and np.allclose(xs[0], inputs["x0"])
    for x, x_next, t in zip(xs[:-1], xs[1:], ts):
        g = grad(x)
        j = round(math.log(t) / math.log(inputs["beta"]))
        assert t == pytest.approx(inputs["beta"] ** j, rel=1e-12)

        def passes(s):
            return f(x - s * g) <= f(x) - inputs["alpha"] * s * (g @ g)

        assert passes(t) and (j == 0 or not passes(t / inputs["beta"]))
        np.testing.assert_allclose(x_next, x - t * g, rtol=1e-13, atol=1e-14)


@settings(max_examples=10)
@given(seed=SEEDS)
def test_exact_reference_steps_minimize_along_the_line(seed):
    inputs = LAB.make_inputs("exact", seed)
    ref = LAB.reference("exact", inputs)
    f, grad = exp_function(inputs["a"], inputs["c"])
    xs = np.reshape(ref["x"], (-1, 2))
    for x, t in zip(xs[:-1], ref["steps"]):
        g = grad(x)
        phi = [f(x - s * g) for s in (0.999 * t, t, 1.001 * t)]
        assert phi[1] <= min(phi[0], phi[2])
        g_new = grad(x - t * g)
        assert abs(g @ g_new) <= 1e-4 * np.linalg.norm(g) * np.linalg.norm(g_new) + 1e-14  # the right angle


def test_hidden_angle_paths_contain_parallel_steps_whose_raw_cosine_rounds_past_one():
    for seed in range(10):
        d = np.diff(np.array(LAB.make_inputs("angles", seed)["xs"]), axis=0)
        raw = np.sum(d[:-1] * d[1:], axis=1) / np.linalg.norm(d[:-1], axis=1) / np.linalg.norm(d[1:], axis=1)
        assert np.any(np.abs(raw) > 1)


def test_bound_of_the_visible_hessian_is_computed_from_its_eigenvalues():
    h = np.array(LAB.visible_inputs("bound")["hessian"])
    assert abs(h[0, 1]) > 1  # at x0 = (-1, 1) the Hessian is far from diagonal
    lam = np.linalg.eigvalsh(h)
    kappa = lam[1] / lam[0]
    assert LAB.reference("bound", {"hessian": h.tolist()})["bound"][0] == pytest.approx(((kappa - 1) / (kappa + 1)) ** 2)


# --- the conclusion ---------------------------------------------------------------------------------

def _count_by_hand(values, star, tol):
    for k, v in enumerate(values):
        if v - star <= tol:
            return k
    raise AssertionError("every graded run reaches the tolerance")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_hidden_conclusion_cases_hold_every_verdict_and_the_reference_counts_right(seed):
    inputs = LAB.make_inputs("conclusion", seed)
    verdicts = LAB.reference("conclusion", inputs)["verdicts"]
    assert {0.0, 1.0, 2.0} <= set(verdicts)
    for case, verdict in zip(inputs["cases"], verdicts):
        b = _count_by_hand(case["f_backtracking"], case["f_star"], case["tol"])
        e = _count_by_hand(case["f_exact"], case["f_star"], case["tol"])
        assert VERDICTS[int(verdict)] == ("tie" if b == e else "backtracking" if b < e else "exact")
    # runs of different lengths: the one that ends lower is not always the one that got there first
    lower_at_end = [float(c["f_backtracking"][-1] > c["f_exact"][-1]) for c in inputs["cases"]]
    assert lower_at_end != verdicts


def test_visible_conclusion_is_the_notebooks_three_starts():
    """From (-1, 1), (-1.5, 0.5) and (1, 0.25) with alpha=0.3, beta=0.5, tol=1e-6: exact, backtracking, tie."""
    inputs = LAB.visible_inputs("conclusion")
    assert [VERDICTS[int(v)] for v in LAB.reference("conclusion", inputs)["verdicts"]] == [
        "exact", "backtracking", "tie"]
    counts = [(_count_by_hand(c["f_backtracking"], c["f_star"], 1e-6), _count_by_hand(c["f_exact"], c["f_star"], 1e-6))
              for c in inputs["cases"]]
    assert counts == [(14, 7), (12, 14), (15, 15)]


def test_conclusion_answers_must_be_the_three_words():
    space = variants.namespace("line_search", "loops")
    inputs = LAB.visible_inputs("conclusion")
    assert LAB.evaluate("conclusion", space["fewer_iterations"], inputs)["verdicts"] == [1.0, 0.0, 2.0]
    with pytest.raises(ValueError, match="one of the strings 'backtracking', 'exact', 'tie'"):
        LAB.evaluate("conclusion", lambda *a: "exact wins", inputs)


# --- hints ------------------------------------------------------------------------------------------

def _hint(variant, part, seed=None):
    space = variants.namespace("line_search", variant)
    inputs = LAB.visible_inputs(part) if seed is None else LAB.make_inputs(part, seed)
    res = LAB.score(part, inputs, LAB.evaluate(part, space[LAB.part(part).target], inputs))
    assert res.earned == 0
    return res.hint


@pytest.mark.parametrize(("variant", "part", "words"), [
    ("bt_warm_start", "backtracking", "at iteration 1 your step is 0.03125, the rule gives 0.25: your search starts "
                                      "from the previous step"),
    ("bt_norm_not_squared", "backtracking", "your test uses |g| where the Armijo condition has |g|^2"),
    ("bt_shrinks_once_more", "backtracking", "you shrink once too often: t=0.03125 already passes"),
    ("bt_without_x0", "backtracking", "your path has 10 points; put x0 first"),
    ("exact_is_backtracking", "exact", "your steps are the backtracking (Armijo) steps"),
    ("exact_on_a_grid", "exact", "is not the minimizer along -grad: the new gradient makes"),
    ("exact_plus_direction", "exact", "your step sizes are negative"),
    ("angles_in_radians", "angles", "in radians"),
    ("angles_not_clipped", "angles", "is nan"),
    ("angles_of_points", "angles", "as vectors from the origin"),
    ("rate_is_the_slope", "rate", "is the slope of log(f - f*) itself"),
    ("rate_without_f_star", "rate", "subtract f_star=2.55927"),
    ("rate_from_endpoints", "rate", "is the endpoint ratio"),
    ("bound_not_squared", "bound", "the factor for f - f* is its square"),
    ("bound_one_minus", "bound", "is the looser bound 1 - m/M"),
    ("bound_from_diagonal", "bound", "you took kappa from the diagonal entries"),
    ("conclusion_lowest_at_the_end", "conclusion", "you compared where the runs end"),
    ("conclusion_never_tie", "conclusion", "run pair 2: both reach tol at iteration 15, so the answer is 'tie'"),
    ("conclusion_without_f_star", "conclusion", "compare the gap f - f_star with tol"),
])
def test_each_mistake_gets_its_diagnosis(variant, part, words):
    assert words in _hint(variant, part)


@pytest.mark.parametrize("seed", [11, 12])
def test_diagnoses_hold_on_hidden_inputs_too(seed):
    assert "your search starts from the previous step" in _hint("bt_warm_start", "backtracking", seed)
    assert "uses |g| where" in _hint("bt_norm_not_squared", "backtracking", seed)
    assert "is nan" in _hint("angles_not_clipped", "angles", seed)
    assert "the looser bound" in _hint("bound_one_minus", "bound", seed)
    assert "so the answer is 'tie'" in _hint("conclusion_never_tie", "conclusion", seed)


# --- instant feedback ---------------------------------------------------------------------------------

def test_check_reports_every_part_and_draws_the_students_path_in_the_plane(capsys):
    import matplotlib

    matplotlib.use("Agg")
    from lrcourse.feedback import check

    space = variants.namespace("line_search", "bt_warm_start")
    summary = check("line_search", space)
    assert summary.earned == 7 and "start every search at t = 1" in summary.hints()["backtracking"]
    assert "start every search at t = 1" in capsys.readouterr().out
    lines = {line.get_label(): line for line in summary.figure.axes[0].get_lines()}
    mine = np.asarray(space["backtracking_path"](*exp_function(3.0, 0.1), np.array([-1.0, 1.0]), 0.3, 0.5, 10)[0])
    np.testing.assert_allclose(lines["yours"].get_xdata(), mine[:, 0])
    np.testing.assert_allclose(lines["yours"].get_ydata(), mine[:, 1])
    assert not np.allclose(lines["reference"].get_xdata(), mine[:, 0])  # the warm start takes another path
    assert summary.figure.axes[0].get_xlabel() == "x1"


# --- one grading run through the real pipeline --------------------------------------------------------

CLASS = {"loops": {}, "bt_warm_start": {"backtracking": "start every search at t = 1"},
         "exact_plus_direction": {"exact": "you searched along +grad"},
         "conclusion_never_tie": {"conclusion": "so the answer is 'tie'"}, "blank": {}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from labs import grade_fixtures

    return grade_fixtures("line_search", CLASS, tmp_path_factory.mktemp("line-search-class"))


@pytest.mark.grading
def test_pipeline_points_hints_and_report(graded):
    parts = LAB.part_names
    for student, hints in CLASS.items():
        assert graded.points(student, parts) == {k: float(v) for k, v in
                                                 variants.expected_points("line_search", student).items()}
        page = graded.feedback(student)
        for hint in hints.values():
            assert hint in page
    assert float(graded.rows["loops"]["score"]) == 10 and float(graded.rows["blank"]["score"]) == 0
    report = (graded.out / "report.md").read_text()
    assert "| loops | 10/10 | ok |  |" in report and "reference-implementation" not in report

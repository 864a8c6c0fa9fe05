"""The ``adaptive_step`` lab: AdGD's reference checked against its formula, the best constant rate
against brute force and theory, the crossover rule, the hints, check(), and one pipeline run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignments import get
from autograder.assignments.adaptive_step import EXAMPLES, notebook_sweep, point_functions
from autograder.authoring import variants
from lrcourse import Quadratic

LAB = get("adaptive_step")
SEEDS = st.integers(min_value=0, max_value=2**31 - 2)


def _quadratic(inputs):
    return Quadratic(np.array(inputs["A"]), np.array(inputs["b"]))


@settings(max_examples=15)
@given(seed=SEEDS)
def test_adgd_reference_follows_the_formula_step_by_step(seed):
    inputs = LAB.make_inputs("adgd", seed)
    ref = LAB.reference("adgd", inputs)
    grad = point_functions(_quadratic(inputs))[1]
    d = len(inputs["x0"])
    xs, lam = np.reshape(ref["x"], (-1, d)), np.array(ref["lrs"])
    assert lam.shape == (inputs["n_steps"],) and lam[0] == inputs["lr0"]
    np.testing.assert_array_equal(xs[0], inputs["x0"])
    theta = math.inf
    for k in range(inputs["n_steps"]):
        if k > 0:
            curvature = np.linalg.norm(xs[k] - xs[k - 1]) / (2 * np.linalg.norm(grad(xs[k]) - grad(xs[k - 1])))
            assert lam[k] == pytest.approx(min(math.sqrt(1 + theta) * lam[k - 1], curvature), rel=1e-12)
            theta = lam[k] / lam[k - 1]
        np.testing.assert_allclose(xs[k + 1], xs[k] - lam[k] * grad(xs[k]), rtol=1e-12, atol=1e-12)


@settings(max_examples=15)
@given(seed=SEEDS)
def test_best_constant_reference_is_the_brute_force_argmin(seed):
    inputs = LAB.make_inputs("best_constant", seed)
    q = _quadratic(inputs)
    finals = []
    for lr in inputs["lrs"]:
        x = np.array(inputs["x0"])
        for _ in range(inputs["n_steps"]):
            x = x - lr * (q.A @ x - q.b)
        finals.append(0.5 * x @ q.A @ x - q.b @ x)
    assert LAB.reference("best_constant", inputs)["lr"] == [inputs["lrs"][int(np.argmin(finals))]]


def test_best_grid_rate_is_next_to_the_theory_rate_2_over_m_plus_M():
    """With equal energy in the extreme eigen-directions the final loss after n steps is about
    (1 - eta m)^(2n) + (eta M - 1)^(2n), smallest where the two factors nearly balance: at 2/(m+M),
    shifted by a relative ln(kappa) / (2n) at most. The run is kept above the round-off floor."""
    for kappa in (10.0, 40.0):
        lam = np.array([1.0, 3.0, kappa])
        q = Quadratic(np.diag(lam), np.ones(3))
        n = int(math.log(1e-8) / (2 * math.log((kappa - 1) / (kappa + 1))))
        grid = np.geomspace(0.1 / kappa, 4 / kappa, 200)
        x0 = q.minimizer + 1 / np.sqrt(lam)
        inputs = {"A": q.A.tolist(), "b": q.b.tolist(), "x0": x0.tolist(), "lrs": grid.tolist(), "n_steps": n}
        best = LAB.reference("best_constant", inputs)["lr"][0]
        assert abs(best / (2 / (1 + kappa)) - 1) <= math.log(kappa) / (2 * n) + (grid[1] / grid[0] - 1)


@pytest.mark.parametrize("seed", range(6))
def test_crossover_reference_is_the_definition_and_the_sweeps_cover_every_pattern(seed):
    cases = LAB.make_inputs("crossover", seed)["cases"]
    answers = LAB.reference("crossover", {"cases": cases})["kappa"]
    for case, answer in zip(cases, answers):
        wins = [a < c for a, c in zip(case["steps_adgd"], case["steps_constant"])]
        lasting = [j for j in range(len(wins)) if all(wins[j:])]
        assert answer == (case["kappas"][lasting[0]] if lasting else math.inf)
    assert math.inf in answers                                        # AdGD loses at the end of some sweep
    assert any(a == c["kappas"][0] for a, c in zip(answers, cases))   # ... and wins all of another
    assert any(np.any(np.equal(c["steps_adgd"], c["steps_constant"])) for c in cases)  # a tie somewhere


def test_worked_examples_and_the_notebook_sweep():
    assert LAB.reference("crossover", {"cases": list(EXAMPLES)})["kappa"] == [8.0, 8.0]
    sweep = notebook_sweep()
    adgd, const = np.array(sweep["steps_adgd"]), np.array(sweep["steps_constant"])
    kappas = np.array(sweep["kappas"])
    assert np.all(adgd[kappas <= 2] > const[kappas <= 2])         # well conditioned: the tuned rate wins
    assert np.all(adgd[kappas >= 16] < const[kappas >= 16] / 1.3)  # ill conditioned: AdGD wins clearly
    # constant-rate descent slows down in proportion to kappa (about kappa/4 ln(1e8) iterations)
    assert const[-1] / const[kappas == 16][0] == pytest.approx(4.0, rel=0.25)


def test_adgd_takes_steps_beyond_the_stability_limit_of_a_constant_rate():
    inputs = LAB.visible_inputs("adgd")
    lam = np.array(LAB.reference("adgd", inputs)["lrs"])
    M = np.linalg.eigvalsh(np.array(inputs["A"]))[-1]
    assert np.mean(lam > 2 / M) > 0.25 and lam.max() > 4 / M


# --- hints ------------------------------------------------------------------------------------------

def _hint(variant, part, seed=None):
    space = variants.namespace("adaptive_step", variant)
    inputs = LAB.visible_inputs(part) if seed is None else LAB.make_inputs(part, seed)
    res = LAB.score(part, inputs, LAB.evaluate(part, space[LAB.part(part).target], inputs))
    assert res.earned == 0
    return res.hint


@pytest.mark.parametrize(("variant", "part", "words"), [
    ("adgd_without_the_two", "adgd", "at iteration 1 your step size is 0.0244843, the rule gives 0.0122422: your "
                                     "curvature term lacks the 2"),
    ("adgd_theta_starts_at_zero", "adgd", "theta starts at 0; it starts at +inf"),
    ("adgd_theta_inverted", "adgd", "your theta is lambda_{k-2} / lambda_{k-1}"),
    ("adgd_curvature_only", "adgd", "your step is the curvature term alone"),
    ("best_of_one_step", "best_constant", "is the best rate for ONE step"),
    ("best_index", "best_constant", "you returned the index 31; return the rate itself"),
    ("best_on_average", "best_constant", "lowest loss averaged over the run"),
    ("crossover_first_win", "crossover", "a win counts only if AdGD also wins at every larger kappa"),
    ("crossover_tie_counts", "crossover", "you count a tie as a win"),
    ("crossover_last_loss", "crossover", "the answer is the next one"),
])
def test_each_mistake_gets_its_diagnosis(variant, part, words):
    assert words in _hint(variant, part)


@pytest.mark.parametrize("seed", [21, 22])
def test_diagnoses_hold_on_hidden_inputs_too(seed):
    assert "at iteration 1 " in _hint("adgd_theta_starts_at_zero", "adgd", seed)  # shows at once on any problem
    assert "lacks the 2" in _hint("adgd_without_the_two", "adgd", seed)
    assert "curvature term alone" in _hint("adgd_curvature_only", "adgd", seed)
    assert "for ONE step" in _hint("best_of_one_step", "best_constant", seed)
    assert "a win counts only if" in _hint("crossover_first_win", "crossover", seed)


def test_check_plots_the_students_step_sizes_on_a_log_axis(capsys):
    import matplotlib

    matplotlib.use("Agg")
    from lrcourse.feedback import check

    space = variants.namespace("adaptive_step", "adgd_theta_inverted")
    summary = check("adaptive_step", space)
    assert summary.earned == 6 and "your theta is" in capsys.readouterr().out
    ax = summary.figure.axes[0]
    assert ax.get_yscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    mine = np.asarray(space["adgd_path"](point_functions(_quadratic(LAB.visible_inputs("adgd")))[1],
                                         np.array(LAB.visible_inputs("adgd")["x0"]), 1e-6, 60)[1])
    np.testing.assert_allclose(lines["yours"].get_ydata(), mine)


# --- one grading run through the real pipeline --------------------------------------------------------

CLASS = {"vectorized": {}, "adgd_without_the_two": {"adgd": "lacks the 2"},
         "best_of_one_step": {"best_constant": "for ONE step"},
         "crossover_tie_counts": {"crossover": "you count a tie as a win"}, "blank": {}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from labs import grade_fixtures

    return grade_fixtures("adaptive_step", CLASS, tmp_path_factory.mktemp("adaptive-step-class"))


@pytest.mark.grading
def test_pipeline_points_hints_and_report(graded):
    for student, hints in CLASS.items():
        assert graded.points(student, LAB.part_names) == {
            k: float(v) for k, v in variants.expected_points("adaptive_step", student).items()}
        for hint in hints.values():
            assert hint in graded.feedback(student)
    assert float(graded.rows["vectorized"]["score"]) == 10 and float(graded.rows["blank"]["score"]) == 0
    report = (graded.out / "report.md").read_text()
    assert "| vectorized | 10/10 | ok |  |" in report and "reference-implementation" not in report

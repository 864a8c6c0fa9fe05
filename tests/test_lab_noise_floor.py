"""The ``noise_floor`` lab: references against independent computations, the conclusion the notebook
draws, the hints of typical mistakes, and one run of the real grading pipeline on the lab's fixtures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignments import get
from autograder.assignments import noise_floor as nf
from autograder.authoring import variants

from labs import check_pipeline_run, hint

SEEDS = st.integers(min_value=0, max_value=2**31 - 2)
LAB = get("noise_floor")


def _iterates(inputs, values_key="thetas"):
    R, T = np.shape(inputs["noise"])
    return np.asarray(LAB.reference("simulate", inputs)[values_key]).reshape(R, T + 1)


@settings(max_examples=15)
@given(seed=SEEDS)
def test_reference_iterates_follow_the_recursion_and_the_product_formula(seed):
    inputs = LAB.make_inputs("simulate", seed)
    lrs, xi = np.asarray(inputs["lrs"]), np.asarray(inputs["noise"])
    a, s, theta0 = inputs["a"], inputs["noise_sd"], inputs["theta0"]
    thetas = _iterates(inputs)
    # an independent loop over runs and steps, in plain Python floats
    for r in range(xi.shape[0]):
        theta = theta0
        for t, lr in enumerate(lrs):
            theta = theta - lr * (a * theta + s * xi[r, t])
            assert thetas[r, t + 1] == pytest.approx(theta, rel=1e-12, abs=1e-12 * abs(theta0))
    # without noise every run is theta0 * prod(1 - a lr_t)
    quiet = LAB.reference("simulate", dict(inputs, noise=np.zeros_like(xi).tolist()))["thetas"]
    closed = theta0 * np.concatenate([[1.0], np.cumprod(1 - a * lrs)])
    np.testing.assert_allclose(np.reshape(quiet, thetas.shape), np.tile(closed, (xi.shape[0], 1)),
                               rtol=1e-12, atol=1e-14 * abs(theta0))


def test_measured_floor_agrees_with_the_exact_floor_not_with_the_small_step_one():
    """The lab's first conclusion on a larger experiment than the notebook's: measurement = fixed point."""
    rng = np.random.default_rng(5)
    a, s, runs, steps, burn_in = 1.0, 0.5, 4000, 200, 60
    xi = rng.standard_normal((runs, steps))
    problem = nf.ScalarQuadratic(curvature=a, center=0.0)
    for lr in (0.2, 1.0, 1.5):
        thetas = LAB.sgd_iterates(problem, np.full(steps, lr), s * xi, 0.0)
        measured = LAB.reference("measure", {"thetas": thetas.tolist(), "burn_in": burn_in})["variance"][0]
        exact = LAB.reference("theory", {"cases": [[lr, a, s]]})["variance"][0]
        # standard error of the across-run variance is V sqrt(2/R) per step; averaging only helps
        assert measured == pytest.approx(exact, rel=4 * np.sqrt(2 / runs))
        assert abs(measured / (lr * s**2 / (2 * a)) - 1) > 0.08  # the shortcut is visibly off
    assert measured == pytest.approx(4 * lr * s**2 / (2 * a), rel=0.1)  # a lr = 1.5: four times the shortcut


def _brute_force_lead(loss_constant, loss_decaying):
    mc, md = loss_constant.mean(axis=0), loss_decaying.mean(axis=0)
    for k in range(mc.size):
        if all(md[j] < mc[j] for j in range(k, mc.size)):
            return k
    return -1


@settings(max_examples=10)
@given(seed=SEEDS)
def test_crossover_reference_is_the_brute_force_definition_and_the_experiments_show_both_outcomes(seed):
    inputs = LAB.make_inputs("crossover", seed)
    cases = [(np.asarray(c["loss_constant"]), np.asarray(c["loss_decaying"])) for c in inputs["cases"]]
    ref = LAB.reference("crossover", inputs)["step"]
    assert ref == [_brute_force_lead(c, d) for c, d in cases]
    assert -1 in ref, "one experiment's decay freezes the run: no lasting lead"
    assert any(0 < r and nf.first_lead(c, d) < r for r, (c, d) in zip(ref, cases)), "a lead is lost again"
    assert all(nf._robust(case) for case in inputs["cases"]), "no near-tie decides the answer"


def test_the_notebooks_race_ends_as_the_notebook_says():
    """Hyperbolic decay takes a lasting lead after the constant reached its floor; 10 runs blur it; 0.8^t never."""
    steps = [int(s) for s in LAB.reference("crossover", LAB.visible_inputs("crossover"))["step"]]
    assert steps[0] > 0 and steps[1] > steps[0] and steps[2] == -1
    case = LAB.visible_inputs("crossover")["cases"][0]
    mc, md = (np.mean(case[k], axis=0) for k in ("loss_constant", "loss_decaying"))
    assert np.any(md[: steps[0]] > mc[: steps[0]]), "the constant rate leads at first"
    floor = 0.5 * nf.A * nf.sgd_stationary_variance(nf.LR, a=nf.A, noise_sd=nf.NOISE_SD)
    assert mc[steps[0]] == pytest.approx(floor, rel=0.2), "the constant is on its floor when it is overtaken"


@pytest.mark.parametrize(("variant", "part", "phrase"), [
    ("noise_outside_rate", "simulate", "without the learning rate"),
    ("noise_unscaled", "simulate", "the noise is not scaled"),
    ("variance_over_time", "measure", "along each run (over time)"),
    ("keeps_transient", "measure", "drop the transient"),
    ("small_step_formula", "theory", "small-step (SDE) approximation"),
    ("first_lead", "crossover", "a lead that is lost again does not count"),
    ("never_not_handled", "crossover", "return -1"),
])
def test_hints_name_the_mistake_on_visible_and_hidden_inputs(variant, part, phrase):
    assert phrase in hint("noise_floor", variant, part)
    assert phrase in hint("noise_floor", variant, part, seed=17)


def test_a_missing_start_column_is_refused_with_its_reason():
    space = variants.namespace("noise_floor", "no_start_column")
    with pytest.raises(ValueError, match="one column short: column 0 must hold the starting point"):
        LAB.evaluate("simulate", space["sgd_iterates"], LAB.make_inputs("simulate", 3))
    right = variants.namespace("noise_floor", "stacked")["sgd_iterates"]
    with pytest.raises(ValueError, match="it is transposed: one row per run"):
        LAB.evaluate("simulate", lambda *args: right(*args).T, LAB.make_inputs("simulate", 3))


@pytest.mark.parametrize(("mistake", "phrase"), [
    (lambda th, b: np.var(th[:, b:]), "pooled every value"),
    (lambda th, b: np.mean(np.var(th[:, b + 1:], axis=0)), "you started at step"),
    (lambda th, b: np.mean(th[:, b:] ** 2), "second moment"),
    (lambda th, b: np.mean(np.std(th[:, b:], axis=0)), "averaged standard deviations"),
])
def test_more_measurement_mistakes_are_diagnosed(mistake, phrase):
    inputs = LAB.make_inputs("measure", 8)
    res = LAB.score("measure", inputs, LAB.evaluate("measure", mistake, inputs))
    assert res.earned == 0 and phrase in res.hint


def test_crossover_must_be_a_whole_step():
    with pytest.raises(ValueError, match="whole step number"):
        LAB.evaluate("crossover", lambda c, d: 2.5, LAB.visible_inputs("crossover"))


def test_feedback_plot_draws_the_variance_per_step():
    import matplotlib

    matplotlib.use("Agg")
    from lrcourse.feedback import check

    space = variants.namespace("noise_floor", "loops")
    summary = check("noise_floor", space)
    assert summary.ok
    ax = summary.figure.axes[0]
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert set(lines) == {"reference", "yours"}
    np.testing.assert_allclose(lines["yours"], lines["reference"], rtol=1e-9)
    assert lines["reference"][0] == 0 and lines["reference"][-1] > 0  # every run starts at theta0


# --- the real grading pipeline on the lab's fixtures ----------------------------------------------

@pytest.fixture(scope="module")
def pipeline(graded_run):
    return graded_run("noise_floor")[1]


@pytest.mark.grading
def test_pipeline_scores_every_fixture_with_its_hints(pipeline):
    check_pipeline_run("noise_floor", pipeline)

"""The ``batch_scaling`` lab: references against independent computations, the conclusion the notebook
draws, the hints of typical mistakes, and one run of the real grading pipeline on the lab's fixtures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignments import batch_scaling as bs
from autograder.assignments import get
from autograder.authoring import variants
from labs import check_pipeline_run, hint
from lrcourse import noise_scale

SEEDS = st.integers(min_value=0, max_value=2**31 - 2)
LAB = get("batch_scaling")


def test_measured_noise_is_a2_s2_over_b_the_sampling_formula():
    """Many batches of the notebook's data: the reference measurement converges to a^2 s^2 / B (with
    replacement), the value of SampledQuadratic.batch_noise_variance."""
    centers, _ = bs.notebook_data()
    data = bs.SampledQuadratic(centers, curvature=2.0)
    rng = np.random.default_rng(0)
    for B in (1, 7, 64):
        draws = 200_000 // B
        measured = LAB.reference("noise", {"centers": centers, "batches": rng.integers(0, centers.size, (draws, B)),
                                           "a": 2.0})["variance"][0]
        exact = data.batch_noise_variance(B, replace=True)
        assert exact == pytest.approx(4 * centers.var() / B, rel=1e-12)
        assert measured == pytest.approx(exact, rel=5 * np.sqrt(2 / draws))


@settings(max_examples=12)
@given(seed=SEEDS)
def test_reference_iterates_are_the_per_sample_average_in_plain_python(seed):
    inputs = LAB.make_inputs("sgd", seed)
    batches = np.asarray(inputs["batches"])
    R, T, B = batches.shape
    ref = np.reshape(LAB.reference("sgd", inputs)["thetas"], (R, T + 1))
    c, a, q = inputs["centers"], inputs["a"], inputs["q"]
    for r in range(R):
        theta = inputs["theta0"]
        for t, lr in enumerate(inputs["lrs"]):
            grad = sum(a * (theta - c[i]) + q * theta**3 for i in batches[r, t]) / B
            theta -= lr * grad
            assert ref[r, t + 1] == pytest.approx(theta, rel=1e-10, abs=1e-12)
    assert np.all(np.isfinite(ref)) and np.max(np.abs(ref)) < 3 * abs(inputs["theta0"]) + 3  # stable by design


@settings(max_examples=20)
@given(seed=SEEDS)
def test_schedule_reference_is_the_linear_rule_with_a_linear_ramp(seed):
    inputs = LAB.make_inputs("schedule", seed)
    expected = []
    for s in inputs["settings"]:
        peak = s["base_lr"] * s["batch"] / s["base_batch"]
        expected += [peak * min(t / s["warmup_steps"], 1.0) for t in s["t"]]
        assert s["t"][-1] > s["warmup_steps"], "the hidden steps go past the ramp"
    np.testing.assert_allclose(LAB.reference("schedule", inputs)["lr"], expected, rtol=1e-12)


def _brute_force_samples(losses, batch, target):
    for t in range(losses.shape[1]):
        column = losses[:, t]
        if np.all(np.isfinite(column)) and sum(column) / len(column) <= target:
            return t * batch
    return -1


@settings(max_examples=10)
@given(seed=SEEDS)
def test_target_reference_is_the_brute_force_count_and_the_experiments_cover_each_outcome(seed):
    inputs = LAB.make_inputs("target", seed)
    ref = LAB.reference("target", inputs)["samples"]
    cases = [(np.asarray(c["losses"], dtype=float), c["batch_size"], c["target"]) for c in inputs["cases"]]
    assert ref == [_brute_force_samples(*c) for c in cases]
    assert sum(r > 0 for r in ref) == 1 and ref.count(-1) == 2
    nan_case = next(c for c in cases if np.isnan(c[0]).any())
    kept = np.where(np.isnan(nan_case[0]), 0, nan_case[0]).sum(0) / (~np.isnan(nan_case[0])).sum(0)
    assert np.any(kept <= nan_case[2]), "skipping the runs that blew up would (wrongly) reach the target"
    assert all(bs._robust(c) for c in inputs["cases"])


def test_the_notebooks_experiment_ends_as_the_notebook_says():
    """Same noise scale everywhere; k = 4 works as is, k = 16 only with a warm-up, k = 64 never (a eta > 2)."""
    centers, stream = bs.notebook_data()
    outcome = {}
    for k in (1, 4, 16, 64):
        B = k * bs.BASE_BATCH
        steps = bs.SAMPLES // B
        for warm in (False, True):
            warmup = bs.WARMUP_SAMPLES // B if warm else 0
            lrs = bs.scaled_warmup(bs.BASE_LR, bs.BASE_BATCH, B, warmup)(np.arange(steps))
            assert noise_scale(lrs[-1], B) == pytest.approx(bs.BASE_LR / bs.BASE_BATCH)
            losses = bs.run_losses(centers, stream.reshape(bs.RUNS, steps, B), lrs, bs.A, bs.Q, bs.THETA0)
            outcome[k, warm] = bs.reached(losses, B, bs.TARGET)
    assert all(outcome[k, warm] > 0 for k in (1, 4) for warm in (False, True))
    assert outcome[16, False] == -1 and outcome[16, True] > 0
    assert outcome[64, False] == outcome[64, True] == -1
    assert outcome[4, False] // 32 < outcome[1, False] // 8 / 3, "a quarter of the steps, roughly"


@pytest.mark.parametrize(("variant", "part", "phrase"), [
    ("noise_without_a", "noise", "factor a^2"),
    ("noise_single_samples", "noise", "variance over single samples"),
    ("sgd_full_gradient", "sgd", "do not depend on the batches"),
    ("sgd_pools_runs", "sgd", "each run has its own batch"),
    ("sgd_no_quartic", "sgd", "the quartic term is missing"),
    ("sqrt_scaling", "schedule", "square-root rule"),
    ("warmup_from_step_one", "schedule", "at t=0 the warm-up rate is 0"),
    ("steps_not_samples", "target", "step * batch_size"),
    ("never_is_zero", "target", "return -1, not 0"),
])
def test_hints_name_the_mistake_on_visible_and_hidden_inputs(variant, part, phrase):
    assert phrase in hint("batch_scaling", variant, part)
    assert phrase in hint("batch_scaling", variant, part, seed=23)


@pytest.mark.parametrize(("part", "mistake", "phrase"), [
    ("target", lambda x, b, lev: bs.reached(np.nanmean(x, axis=0)[None], b, lev), "do not skip such runs"),
    ("target", lambda x, b, lev: bs.reached(x.T, b, lev), "wrong axis"),
    ("target", lambda x, b, lev: (bs.reached(x, 1, lev) + 1) * b if bs.reached(x, 1, lev) >= 0 else -1,
     "one step too many"),
    ("schedule", lambda t, lr, b0, b, W: lr * b0 / b * np.minimum(np.asarray(t) / W, 1), "must grow with the batch"),
    ("schedule", lambda t, lr, b0, b, W: np.where(np.asarray(t) < W, lr * np.asarray(t) / W, lr * b / b0),
     "not to base_lr"),
    ("schedule", lambda t, lr, b0, b, W: lr * b / b0 + 0 * np.asarray(t), "does not warm up"),
    ("noise", lambda c, bt, a: np.std(a * c[bt].mean(axis=1)), "standard deviation"),
])
def test_more_mistakes_are_diagnosed_on_hidden_inputs(part, mistake, phrase):
    for seed in (2, 9):
        inputs = LAB.make_inputs(part, seed)
        res = LAB.score(part, inputs, LAB.evaluate(part, mistake, inputs))
        assert res.earned == 0 and phrase in res.hint, res.hint


def test_an_answer_must_be_a_whole_number_of_samples():
    with pytest.raises(ValueError, match="whole number of samples"):
        LAB.evaluate("target", lambda x, b, lev: 0.5, LAB.visible_inputs("target"))


def test_feedback_plot_draws_the_mean_loss_per_step():
    import matplotlib

    matplotlib.use("Agg")
    from lrcourse.feedback import check

    summary = check("batch_scaling", variants.namespace("batch_scaling", "loops"))
    assert summary.ok
    ax = summary.figure.axes[0]
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert set(lines) == {"reference", "yours"} and ax.get_yscale() == "log"
    np.testing.assert_allclose(lines["yours"], lines["reference"], rtol=1e-9)
    assert lines["reference"][0] == pytest.approx(0.5 * bs.THETA0**2 + 0.25 * bs.THETA0**4)


# --- the real grading pipeline on the lab's fixtures ----------------------------------------------

@pytest.fixture(scope="module")
def pipeline(graded_run):
    return graded_run("batch_scaling")[1]


@pytest.mark.grading
def test_pipeline_scores_every_fixture_with_its_hints(pipeline):
    check_pipeline_run("batch_scaling", pipeline)

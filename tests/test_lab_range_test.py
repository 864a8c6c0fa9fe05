"""The ``range_test`` exercise graded on the source's useful range (the loss still falls as the rate
grows): the reference against the closed form, the other reading taught beside it, and one pipeline run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignments import get
from autograder.authoring import variants
from lrcourse import useful_range

LAB = get("range_test")
SEEDS = st.integers(min_value=0, max_value=2**31 - 2)


@settings(max_examples=30)
@given(low=st.floats(-5, -2), high=st.floats(0.05, 0.6), n=st.integers(10, 80), theta0=st.floats(-5, 2.5))
def test_falling_range_of_the_quadratic_is_the_closed_form(low, high, n, theta0):
    """L(eta) = (theta0 - 3)^2 (1 - 2 eta)^2 falls from eta_i to eta_(i+1) exactly when eta_i + eta_(i+1) < 1."""
    lrs = np.logspace(low, high, n)
    losses = (theta0 - 3) ** 2 * (1 - 2 * lrs) ** 2
    ref = LAB.reference("useful_range", {"lrs": lrs.tolist(), "losses": losses.tolist()})["range"]
    below_one = np.flatnonzero(lrs[:-1] + lrs[1:] < 1)
    assert ref == [lrs[0], lrs[below_one[-1]]]
    # the other reading ends at the stability limit 2/h = 1 instead of the Newton step 1/h = 1/2
    start = (theta0 - 3) ** 2
    assert useful_range(lrs, losses, start, criterion="below_start")[1] == lrs[lrs < 1][-1]


def test_the_given_below_start_range_is_the_other_reading():
    space = variants.namespace("range_test", "vectorized")
    for seed in range(20):
        inputs = LAB.make_inputs("useful_range", seed)
        lrs, losses = np.array(inputs["lrs"]), np.array(inputs["losses"])
        start = losses[0] * 1.0001
        assert space["below_start_range"](lrs, losses, start) == useful_range(lrs, losses, start,
                                                                              criterion="below_start")


def test_hidden_curves_fall_in_one_unbroken_stretch_and_some_start_flat():
    flat = 0
    for seed in range(40):
        losses = np.array(LAB.make_inputs("useful_range", seed)["losses"])
        falling = np.diff(losses) < 0
        runs = np.flatnonzero(np.diff(falling.astype(int)) == 1).size + int(falling[0])
        assert runs == 1, "the falling rates must form one run, so every reasonable reading of 'first run' agrees"
        flat += bool(losses[1] == losses[0])
    assert flat >= 4


@pytest.mark.parametrize("seed", [None, 5, 6])
def test_the_source_reading_scores_and_the_other_reading_is_named(seed):
    inputs = LAB.visible_inputs("useful_range") if seed is None else LAB.make_inputs("useful_range", seed)
    points = {}
    for variant in ("range_where_falling", "loops", "below_start"):
        target = variants.namespace("range_test", variant)["useful_range"]
        points[variant] = LAB.score("useful_range", inputs, LAB.evaluate("useful_range", target, inputs))
    assert points["range_where_falling"].earned == points["loops"].earned == 3
    assert points["below_start"].earned == 0 and "'below the start' reading" in points["below_start"].hint


CLASS = {"range_where_falling": {}, "below_start": {"useful_range": "that is the 'below the start' reading"},
         "range_includes_bottom": {"useful_range": "is the bottom of the curve"}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from labs import grade_fixtures

    return grade_fixtures("range_test", CLASS, tmp_path_factory.mktemp("range-test-class"))


@pytest.mark.grading
def test_pipeline_points_and_hints(graded):
    for student, hints in CLASS.items():
        assert graded.points(student, LAB.part_names) == {
            k: float(v) for k, v in variants.expected_points("range_test", student).items()}
        for hint in hints.values():
            assert hint in graded.feedback(student)
    assert float(graded.rows["range_where_falling"]["score"]) == 10

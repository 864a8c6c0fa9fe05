"""``schedule_comparison``'s restored questions (closest on average, a winner on every seed), graded on the
student's own results: references, hidden experiments, errors carried forward, hints, and the real
grading pipeline on the fixtures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignments import get
from autograder.assignments import schedule_comparison as sc
from autograder.authoring import variants
from labs import check_pipeline_run, hint

SEEDS = st.integers(min_value=0, max_value=2**31 - 2)
LAB = get("schedule_comparison")


def _finals_by_hand(experiment):
    """Final losses (schedules, seeds) from a plain loop over seeds and steps."""
    out = []
    for lrs in experiment["schedules"].values():
        row = []
        for xi in experiment["noise"]:
            theta = experiment["theta0"]
            for lr, x in zip(lrs, xi):
                theta -= lr * (2 * (theta - 3) + experiment["noise_sd"] * x)
            row.append((theta - 3) ** 2)
        out.append(row)
    return np.array(out)


@settings(max_examples=8)
@given(seed=SEEDS)
def test_answers_are_the_definitions_applied_to_a_plain_simulation(seed):
    for part in ("closest", "consistent"):
        inputs = LAB.make_inputs(part, seed)
        expected = []
        for experiment in inputs["experiments"]:
            finals = _finals_by_hand(experiment)
            winners = finals.argmin(axis=0)
            if part == "closest":
                expected.append(float(np.argmin(finals.mean(axis=1))))
            else:
                expected.append(float(winners[0]) if len(set(winners)) == 1 else -1.0)
        assert LAB.reference(part, inputs)["answer"] == expected


@settings(max_examples=8)
@given(seed=SEEDS)
def test_hidden_experiments_separate_the_questions(seed):
    """One experiment has a winner on every seed, one has none and there the best mean is neither the most
    frequent winner nor the lowest median; no answer hinges on a near-tie."""
    experiments = LAB.make_inputs("consistent", seed)["experiments"]
    tables = [sc.finals_table(*sc._arrays(e)) for e in experiments]
    assert any(sc.consistent_index(t) >= 0 for t in tables)
    assert any(sc.consistent_index(t) == -1
               and np.argmax(np.bincount(t.argmin(axis=0), minlength=len(t))) != sc.closest_index(t)
               and np.argmin(np.median(t, axis=1)) != sc.closest_index(t) for t in tables)
    for t in tables:
        assert sc._separated(t.mean(axis=1)) and all(sc._separated(column) for column in t.T)
    compare = LAB.make_inputs("compare", seed)
    assert len(compare["noise"]) > len(compare["schedules"]), "more seeds than schedules: a swapped axis shows"


def _score(variant, part, seed=None):
    space = variants.namespace("schedule_comparison", variant)
    inputs = LAB.visible_inputs(part) if seed is None else LAB.make_inputs(part, seed)
    return LAB.score(part, inputs, LAB.evaluate(part, space[LAB.part(part).target], inputs))


@pytest.mark.parametrize(("variant", "part", "source"), [
    ("ignores_noise", "compare", "run_sgd"), ("ignores_noise", "closest", "run_sgd"),
    ("ignores_noise", "consistent", "run_sgd"), ("compare_wrong_axis", "closest", "compare"),
    ("new_noise_per_schedule", "closest", "compare"),
])
def test_an_upstream_error_is_charged_once_and_noted_downstream(variant, part, source):
    for seed in (None, 4):
        res = _score(variant, part, seed)
        assert res.ok and not res.hint and res.note.startswith(f"carried forward from {source}"), res.note


def test_a_correct_answer_carries_no_note():
    for part in ("compare", "closest", "consistent"):
        res = _score("vectorized", part, 4)
        assert res.ok and res.hint == ""


def test_missing_or_malformed_own_results_give_no_credit():
    """Without the student's own results (a forged or broken record), a wrong answer is simply wrong."""
    inputs = LAB.make_inputs("closest", 3)
    space = variants.namespace("schedule_comparison", "ignores_noise")
    values = LAB.evaluate("closest", space["closest_schedule"], inputs)
    if values["answer"] == LAB.reference("closest", inputs)["answer"]:
        pytest.skip("the wrong run_sgd happens to give the right answers on this seed")
    for forged in (None, [[0.0]] * 3, "x", [[float("nan")] * 100] * 3):
        assert LAB.score("closest", inputs, {**values, "own_final": forged, "own_mean": forged}).earned == 0


@pytest.mark.parametrize(("variant", "part", "phrase"), [
    ("compare_wrong_axis", "compare", "averaged over the wrong axis"),
    ("new_noise_per_schedule", "compare", "on the same noise array"),
    ("compare_own_update", "compare", "does it run an update of its own?"),
    ("closest_most_wins", "closest", "wins the most seeds"),
    ("consistent_lowest_mean", "consistent", "lowest final loss on every seed"),
])
def test_hints_name_the_mistake(variant, part, phrase):
    assert phrase in hint("schedule_comparison", variant, part)
    assert phrase in hint("schedule_comparison", variant, part, seed=11)


def _most_wins(s, xi, sd, th):
    finals = np.array([sc._final_losses(v, xi, sd, th) for v in s.values()])
    return list(s)[int(np.argmax(np.bincount(finals.argmin(axis=0), minlength=len(s))))]


@pytest.mark.parametrize(("part", "answer", "phrase"), [
    ("closest", lambda s, xi, sd, th: max(s, key=lambda k: np.mean(sc._final_losses(s[k], xi, sd, th))),
     "highest mean"),
    ("closest", lambda s, xi, sd, th: min(s, key=lambda k: np.median(sc._final_losses(s[k], xi, sd, th))),
     "lowest median"),
    ("closest", lambda s, xi, sd, th: min(s, key=lambda k: np.std(sc._final_losses(s[k], xi, sd, th))),
     "smallest spread"),
    ("consistent", _most_wins, "wins the most seeds"),
    ("consistent", lambda *args: None, "ends lowest on every seed"),
])
def test_more_mistakes_on_the_questions_are_diagnosed(part, answer, phrase):
    """On the first hidden inputs where the mistake changes an answer, its hint names it."""
    for seed in range(6, 30):
        inputs = LAB.make_inputs(part, seed)
        res = LAB.score(part, inputs, LAB.evaluate(part, answer, inputs))
        if res.earned == 0:
            assert phrase in res.hint, res.hint
            return
    pytest.fail("the mistake never changed an answer")


# --- the real grading pipeline on the fixtures ------------------------------------------------------

@pytest.fixture(scope="module")
def pipeline(graded_run):
    return graded_run("schedule_comparison")[1]


@pytest.mark.grading
def test_pipeline_scores_every_fixture_with_its_hints(pipeline):
    check_pipeline_run("schedule_comparison", pipeline)
    notes = pipeline.students["ignores_noise"].parts
    assert notes["compare"]["note"].startswith("carried forward from run_sgd") and notes["compare"]["earned"] == 3
    assert not notes["compare"]["hint"]

"""The graded assignments: right answers in any style earn full marks, each typical mistake loses
exactly the part it breaks, hints say what is wrong, and the references agree with closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.assignment import Assignment, Plot
from autograder.assignments import ASSIGNMENTS, get
from autograder.authoring import variants
from autograder.authoring.build import build_notebook, hidden_block, main as build_main, parse, SOURCES
from autograder.parts import Part, PartResult, SubmissionError, to_floats

SEEDS = st.integers(min_value=0, max_value=2**31 - 2)


def _solution_namespace(assignment):
    """Given code + the source notebook's own solution cells (the reference solution)."""
    space = {"__name__": "__student__"}
    exec(variants.given_code(assignment), space)
    for kind, _, src in parse((SOURCES / f"{assignment}.cells.txt").read_text()):
        if kind == "solution":
            exec(src, space)
    return space


def _points(assignment, space, seed=None):
    """{part: earned} on the visible inputs (seed None) or the hidden inputs of ``seed``."""
    module = get(assignment)
    earned = {}
    for part in module.parts:
        inputs = module.visible_inputs(part.name) if seed is None else module.make_inputs(part.name, seed)
        try:
            values = module.evaluate(part.name, space.get(part.target), inputs)
        except Exception:
            earned[part.name] = 0
            continue
        json.dumps(values)  # what the harness records must be JSON
        earned[part.name] = module.score(part.name, inputs, values).earned
    return earned


def _full(assignment):
    return {p.name: p.points for p in get(assignment).parts}


# --- the contract's module API -------------------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_module_api(assignment):
    module = get(assignment)
    assert isinstance(module, Assignment) and module.name == assignment and module.title
    assert module is get(assignment), "one instance per assignment"
    assert module.plot is None or isinstance(module.plot, Plot)
    names = [p.name for p in module.parts]
    assert len(names) == len(set(names)) >= 2
    assert all(isinstance(p, Part) and isinstance(p.points, int) and p.points > 0 for p in module.parts)
    assert sum(p.points for p in module.parts) == 10
    assert set(module.forbidden) <= {"*", *names}
    assert all(isinstance(n, str) for p in names for n in module.forbidden_for(p))
    for part in module.parts:
        a, b = module.make_inputs(part.name, 7), module.make_inputs(part.name, 7)
        assert json.dumps(a) == json.dumps(b), "inputs must be a pure function of the seed"
        json.dumps(module.visible_inputs(part.name))
        # a Part object is accepted wherever a part name is
        assert json.dumps(module.make_inputs(part, 7)) == json.dumps(a)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_inputs_vary_with_the_seed(assignment):
    module = get(assignment)
    for part in module.parts:
        if part.name == "conclusion":
            continue
        drawn = {json.dumps(module.make_inputs(part.name, s)) for s in range(6)}
        assert len(drawn) == 6
        assert json.dumps(module.make_inputs(part.name, 1)) != json.dumps(module.visible_inputs(part.name))


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="has no part 'nope'"):
        get("sgdr").make_inputs("nope", 1)
    with pytest.raises(ValueError, match="unknown assignment"):
        get("nope")


# --- the reference solution and the variants -----------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_solution_scores_full_on_visible_inputs(assignment):
    assert _points(assignment, _solution_namespace(assignment)) == _full(assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@settings(max_examples=12)
@given(seed=SEEDS)
def test_source_solution_scores_full_on_hidden_inputs(assignment, seed):
    assert _points(assignment, _solution_namespace(assignment), seed) == _full(assignment)


CASES = [(a, v) for a, vs in variants.VARIANTS.items() for v in vs]


@pytest.mark.parametrize(("assignment", "variant"), CASES)
def test_variant_loses_exactly_its_broken_parts(assignment, variant):
    space = variants.namespace(assignment, variant)
    expected = variants.expected_points(assignment, variant)
    assert _points(assignment, space) == expected
    for seed in (1, 2, 3):
        assert _points(assignment, space, seed) == expected


CORRECT = [(a, v) for a, v in CASES if not variants.VARIANTS[a][v][1]]


@pytest.mark.parametrize(("assignment", "variant"), CORRECT)
@settings(max_examples=10)
@given(seed=SEEDS)
def test_correct_variants_score_full_for_any_seed(assignment, variant, seed):
    assert _points(assignment, variants.namespace(assignment, variant), seed) == _full(assignment)


MISTAKES = [("sgdr", "off_by_one_restart"), ("sgdr", "period_not_doubling"), ("sgdr", "floor_ignored"),
            ("sgdr", "rounds_epochs"), ("range_test", "before_the_step"), ("range_test", "below_start"),
            ("range_test", "range_includes_bottom"), ("range_test", "range_starts_late"),
            ("range_test", "slope_against_lr"), ("schedule_comparison", "new_noise_per_schedule"),
            ("schedule_comparison", "compare_wrong_axis"), ("schedule_comparison", "ignores_noise"),
            ("schedule_comparison", "closest_most_wins"), ("schedule_comparison", "consistent_lowest_mean"),
            ("warmup_cosine", "ramp_one_step_short"), ("warmup_cosine", "clock_not_shifted"),
            ("warmup_cosine", "cosine_too_long"), ("warmup_cosine", "floor_ignored"),
            ("one_cycle", "peak_one_step_late"), ("one_cycle", "ends_too_low"), ("plateau", "patience_ge"),
            ("plateau", "no_threshold"), ("plateau", "always_relative"), ("plateau", "best_every_low"),
            ("plateau", "no_cooldown"), ("plateau", "below_min_lr"), ("plateau", "skips_last_cut"),
            ("noise_floor", "noise_outside_rate"), ("noise_floor", "variance_over_time"),
            ("noise_floor", "small_step_formula"), ("noise_floor", "first_lead"), ("noise_floor", "never_not_handled"),
            ("batch_scaling", "noise_without_a"), ("batch_scaling", "sgd_pools_runs"), ("batch_scaling", "sgd_no_quartic"),
            ("batch_scaling", "sqrt_scaling"), ("batch_scaling", "warmup_from_step_one"),
            ("batch_scaling", "never_is_zero")]


@pytest.mark.parametrize(("assignment", "variant"), MISTAKES)
@settings(max_examples=8)
@given(seed=SEEDS)
def test_typical_mistakes_lose_their_part_for_any_seed(assignment, variant, seed):
    space = variants.namespace(assignment, variant)
    assert _points(assignment, space, seed) == variants.expected_points(assignment, variant)


# --- hints say what is wrong ---------------------------------------------------------------------

def _hint(assignment, variant, part, seed=None):
    module = get(assignment)
    space = variants.namespace(assignment, variant)
    target = next(p.target for p in module.parts if p.name == part)
    inputs = module.visible_inputs(part) if seed is None else module.make_inputs(part, seed)
    res = module.score(part, inputs, module.evaluate(part, space[target], inputs))
    assert isinstance(res, PartResult) and res.earned == 0
    return res.hint


def test_hint_off_by_one_restart_names_both_epochs():
    assert "your lr restarts at epoch 11, the reference restarts at 10" in _hint("sgdr", "off_by_one_restart",
                                                                                 "restarts")


def test_hint_period_not_doubling_names_both_periods():
    assert "your second period is 10, the reference's is 20" in _hint("sgdr", "period_not_doubling", "doubling")


def test_hint_floor_and_fractional():
    assert "decays towards 0 instead of eta_min=0.0001" in _hint("sgdr", "floor_ignored", "floor")
    assert "fractional epochs are rounded down" in _hint("sgdr", "rounds_epochs", "fractional")


def test_hint_lr_never_reaching_the_floor():
    module = get("sgdr")
    inputs = module.visible_inputs("floor")
    ref = np.array(module.reference("floor", inputs)["lr"])
    t = np.array(inputs["t"], dtype=float)
    lifted = np.where(np.isin(t + 1, inputs["ignore"]), ref + 0.01, ref)  # stays high at every cycle end
    hint = module.score("floor", inputs, {"lr": lifted.tolist()}).hint
    assert hint.startswith("your lr never reaches the floor")


def test_hint_range_test_before_the_step():
    hint = _hint("range_test", "before_the_step", "one_step")
    assert "before taking the step" in hint and "J(theta0) = 9" in hint


def test_hint_range_and_suggestion():
    assert "that is the 'below the start' reading" in _hint("range_test", "below_start", "useful_range")
    assert "is the bottom of the curve; the range ends one rate earlier" in _hint(
        "range_test", "range_includes_bottom", "useful_range")
    assert "one rate too late" in _hint("range_test", "range_starts_late", "useful_range")
    assert "against log(lr)" in _hint("range_test", "slope_against_lr", "suggest")


def test_hint_new_noise_per_schedule():
    assert "new noise for each schedule" in _hint("schedule_comparison", "new_noise_per_schedule", "compare")
    # the hidden inputs contain an identical twin schedule, which pins the mistake down exactly
    assert "are identical but your results differ" in _hint("schedule_comparison", "new_noise_per_schedule",
                                                             "compare", seed=5)


def test_hint_ignoring_the_noise():
    assert "do not depend on the noise" in _hint("schedule_comparison", "ignores_noise", "run_sgd")


def test_hints_warmup_cosine():
    assert "reaches the peak at step 9; it should reach it at step 10" in _hint(
        "warmup_cosine", "ramp_one_step_short", "warmup")
    assert "runs on t instead of t - warmup" in _hint("warmup_cosine", "clock_not_shifted", "decay")
    assert "reaches the floor at step 110" in _hint("warmup_cosine", "cosine_too_long", "decay")
    assert "decays to 0 instead of floor=0.0001" in _hint("warmup_cosine", "floor_ignored", "decay")


def test_hints_one_cycle():
    hint = _hint("one_cycle", "peak_one_step_late", "rise")
    assert "reaches 1 at step 90; the reference reaches it at step 89 (= 0.45 * total - 1)" in hint
    assert "max_lr/1000" in _hint("one_cycle", "ends_too_low", "final")


def test_hints_plateau():
    hint = _hint("plateau", "patience_ge", "patience")
    assert "your first cut happens after epoch 6, the reference cuts after epoch 7" in hint
    assert "patience=3 means 4 bad epochs" in hint
    hint = _hint("plateau", "no_threshold", "threshold")
    assert "epoch 3's metric 8.95 against the best 9" in hint and "below best * (1 - threshold) = 8.91" in hint
    assert "moves the best to every new low" in _hint("plateau", "best_every_low", "threshold")
    assert "you use the relative rule" in _hint("plateau", "always_relative", "threshold")
    hint = _hint("plateau", "no_cooldown", "cooldown")
    assert "your second cut happens after epoch 6, the reference cuts after epoch 8" in hint
    assert "epochs 5-6 are the cooldown" in hint
    assert "your lr is 0.0125, below min_lr=0.02" in _hint("plateau", "below_min_lr", "min_lr")
    assert "clips the cut to min_lr=0.02, your lr stays at 0.025" in _hint("plateau", "skips_last_cut", "min_lr")


def test_plateau_other_parts_do_not_charge_the_patience_slip_again():
    """A `>=` answer is the reference with patience - 1: it loses 'patience' only, with any seed."""
    for seed in range(4):
        points = _points("plateau", variants.namespace("plateau", "patience_ge"), seed)
        assert points == {"patience": 0, "threshold": 3, "cooldown": 2, "min_lr": 2}


# --- non-numeric answers are refused with a clear message ----------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    (None, "forget a `return`"), ("0.1", "must be a number, got str"), ({"a": 1}, "must be a number, got dict"),
    ([0.1, "x"], "must be a number"), (True, "must be a number"),
])
def test_non_numeric_results_are_refused(value, message):
    module = get("sgdr")
    inputs = module.visible_inputs("first_cycle")
    with pytest.raises(SubmissionError, match=message):
        module.evaluate("first_cycle", lambda *a: value, inputs)


def test_conversion_accepts_lists_tuples_arrays_and_numpy_scalars():
    assert to_floats((1, np.float32(2.5), np.int64(3)), "x") == [1.0, 2.5, 3.0]
    assert to_floats(np.array([[1.0], [2.0]]), "x", size=2) == [1.0, 2.0]
    assert to_floats(np.float64(4.0), "x", size=3) == [4.0, 4.0, 4.0]
    with pytest.raises(SubmissionError, match="has 3 values, expected 2"):
        to_floats([1, 2, 3], "x", size=2)


def test_wrong_shapes_and_nan_fail_the_part():
    module = get("sgdr")
    inputs = module.visible_inputs("restarts")
    n = len(inputs["t"])
    assert "expected" in module.score("restarts", inputs, {"lr": [0.1] * (n - 1)}).hint
    ref = module.reference("restarts", inputs)["lr"]
    assert module.score("restarts", inputs, {"lr": ref}).earned == 3
    broken = list(ref)
    broken[4] = math.nan
    assert module.score("restarts", inputs, {"lr": broken}).earned == 0
    assert module.score("restarts", inputs, {}).earned == 0


def test_questions_answer_with_a_schedule_name_or_none():
    module = get("schedule_comparison")
    inputs = module.visible_inputs("consistent")
    with pytest.raises(SubmissionError, match="must return the name of a schedule .* or None"):
        module.evaluate("consistent", lambda *args: "B", inputs)
    with pytest.raises(SubmissionError, match="must return the name of a schedule"):
        module.evaluate("closest", lambda *args: None, module.visible_inputs("closest"))
    assert module.evaluate("consistent", lambda *args: None, inputs)["answer"] == [-1.0, -1.0]


# --- the references agree with independent closed forms ------------------------------------------

def test_sgdr_reference_matches_hand_computed_values():
    module = get("sgdr")
    inputs = {"T_0": 10, "T_mult": 2, "eta_max": 0.1, "eta_min": 0.0, "t": [0, 5, 10, 20, 30, 50, 70, 12.5],
              "ignore": []}
    lr = module.reference("restarts", inputs)["lr"]
    half_cos = [0.1, 0.05, 0.1, 0.05, 0.1, 0.05, 0.1, 0.05 * (1 + math.cos(math.pi * 2.5 / 20))]
    np.testing.assert_allclose(lr, half_cos, rtol=1e-12)


@settings(max_examples=20)
@given(seed=SEEDS)
def test_range_test_reference_is_the_closed_form(seed):
    module = get("range_test")
    inputs = module.make_inputs("one_step", seed)
    lrs = np.array(inputs["lrs"])
    closed = (inputs["theta0"] - 3) ** 2 * (1 - 2 * lrs) ** 2
    np.testing.assert_allclose(module.reference("one_step", inputs)["losses"], closed, rtol=1e-9, atol=1e-12)


@settings(max_examples=20)
@given(seed=SEEDS)
def test_sgd_reference_without_noise_is_the_product_formula(seed):
    module = get("schedule_comparison")
    inputs = module.make_inputs("run_sgd", seed)
    inputs["noise"] = np.zeros_like(np.array(inputs["noise"])).tolist()
    lrs = np.array(inputs["lrs"])
    distance = abs(inputs["theta0"] - 3) * np.abs(np.prod(1 - 2 * lrs))
    # the simulation iterates on theta (not theta - 3): each step may round theta by ~eps * |theta|, so the
    # distance to the optimum is known to within T * eps * max|theta| (this matters only near convergence)
    slack = lrs.size * 4e-16 * (3 + abs(inputs["theta0"]))
    final = np.asarray(module.reference("run_sgd", inputs)["final"])
    np.testing.assert_allclose(np.sqrt(final), distance, rtol=1e-9, atol=slack)


def test_plateau_reference_matches_hand_counted_cuts():
    """patience=3, factor 0.5: cuts after the 4th bad epoch in a row (epochs 7, 12 and 18), worked by hand."""
    module = get("plateau")
    lr = module.reference("patience", {"runs": module.visible_inputs("patience")["runs"][:1]})["lr"]
    expected = [0.1] * 6 + [0.05] * 5 + [0.025] * 6 + [0.0125] * 3
    np.testing.assert_allclose(lr, expected, rtol=1e-15)
    # cooldown=2, patience=1: cut after 4; 5-6 ignored, 7-8 bad: cut after 8; 9-10 ignored (10 improves),
    # 11-12 bad: cut after 12; 13-14 ignored, 15-16 bad: cut after 16
    lr = module.reference("cooldown", module.visible_inputs("cooldown"))["lr"]
    cuts = [i + 1 for i in range(len(lr)) if lr[i] < (lr[i - 1] if i else 0.1)]
    assert cuts == [4, 8, 12, 16]


@pytest.mark.torch
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_plateau_reference_matches_torch_on_hidden_inputs(seed):
    torch = pytest.importorskip("torch")
    module = get("plateau")
    for part in module.parts:
        inputs = module.make_inputs(part.name, seed)
        ours = np.split(np.array(module.reference(part.name, inputs)["lr"]),
                        np.cumsum([len(r["metrics"]) for r in inputs["runs"]])[:-1])
        for run, lrs in zip(inputs["runs"], ours):
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=run["lr"])
            sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
                opt, mode="min", factor=run["factor"], patience=run["patience"], threshold=run["threshold"],
                threshold_mode=run["threshold_mode"], cooldown=run["cooldown"], min_lr=run["min_lr"])
            got = []
            for m in run["metrics"]:
                sched.step(m)
                got.append(opt.param_groups[0]["lr"])
            np.testing.assert_allclose(lrs, got, rtol=1e-12)


def test_the_notebooks_answers_to_the_two_questions():
    """What the notebook's text says: 'step' is closest on average yet wins at most one seed, no schedule wins
    every seed, and against the constant rate step and cosine win every seed but exponential does not."""
    module = get("schedule_comparison")
    inputs = module.visible_inputs("compare")
    means = dict(zip(inputs["schedules"], module.reference("compare", inputs)["mean"]))
    assert min(means, key=means.get) == "step" and max(means, key=means.get) == "constant"
    assert all(np.isfinite(list(means.values())))
    names = list(inputs["schedules"])
    from autograder.assignments.schedule_comparison import consistent_index, finals_table

    finals = finals_table(inputs["schedules"], np.asarray(inputs["noise"]), inputs["noise_sd"], inputs["theta0"])
    assert consistent_index(finals) == -1 and np.sum(np.argmin(finals, axis=0) == names.index("step")) <= 1
    for rival, wins_all in (("step", True), ("cosine", True), ("exponential", False)):
        pair = finals[[names.index("constant"), names.index(rival)]]
        assert (consistent_index(pair) == 1) is wins_all, rival


# --- the source notebooks ------------------------------------------------------------------------

def test_source_notebooks_are_built_from_the_text_sources():
    assert build_main(["--check"]) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_metadata(assignment):
    nb = build_notebook(assignment)
    module = get(assignment)
    tests = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"] for c in tests} == _full(
        assignment)
    for cell in tests:
        meta = cell["metadata"]["nbgrader"]
        assert meta["locked"] and not meta["solution"]
        assert "".join(cell["source"]).endswith(hidden_block(assignment, meta["grade_id"]))
    solutions = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert solutions and all("### BEGIN SOLUTION" in "".join(c["source"]) for c in solutions)
    checks = [c for c in nb["cells"] if "check(" in "".join(c["source"]) and c["cell_type"] == "code"]
    assert any(f'check("{assignment}"' in "".join(c["source"]) for c in checks)
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids))
    assert {p.target for p in module.parts} <= set("".join("".join(c["source"]) for c in solutions).replace(
        "(", " ").replace("=", " ").split())


# --- end to end through the real grading pipeline (H5's autograder.grade) -------------------------

@pytest.fixture(scope="module")
def graded(graded_run):
    """``graded[assignment]``: the output folder of the real pipeline on that assignment's fixtures (each
    assignment is graded once per session, when a test first asks for it)."""

    class Lazy(dict):
        def __missing__(self, assignment):
            self[assignment] = graded_run(assignment)[0]
            return self[assignment]

    return Lazy()


@pytest.mark.grading
@pytest.mark.parametrize(("assignment", "variant"), CASES)
def test_pipeline_grades_each_variant_part_by_part(graded, assignment, variant):
    import csv

    with open(graded[assignment] / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    row = rows[variant]
    expected = variants.expected_points(assignment, variant)
    assert {part: float(row[part]) for part in expected} == {k: float(v) for k, v in expected.items()}
    assert float(row["score"]) == sum(expected.values())
    assert float(row["max_score"]) == 10

"""Feedback that diagnoses (issue 10): every part of sgdr, warmup_cosine, one_cycle and plateau names the
cause of at least two distinct wrong implementations; an unimplemented stub is "not implemented yet"; an
error in an earlier function is carried forward and costs one part only.

Each wrong implementation below is written the way a student would write it (not with the assignment's
own mistake switches), then run on the visible inputs of ``check()``.
"""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest

from autograder.assignments import get
from autograder.parts import PartResult
from lrcourse.feedback import check

_CYCLES = """
    t = np.asarray(t, dtype=float)
    start = np.zeros_like(t)
    length = np.full_like(t, float(T_0))
    for _ in range(60):
        done = t >= start + length
        start = np.where(done, start + length, start)
        length = np.where(done, length * T_mult, length)
"""


def _sgdr(body: str, cycles: bool = True):
    return "def sgdr(t, T_0, T_mult, eta_max, eta_min):" + (_CYCLES if cycles else "\n") + textwrap.indent(
        textwrap.dedent(body), "    ")


def _peel(test="t >= period", grow="period * T_mult", epoch="t"):
    """A loop that peels whole cycles off the epoch, as many students write SGDR."""
    return (f"import math\ndef sgdr(t, T_0, T_mult, eta_max, eta_min):\n    t, period = {epoch}, T_0\n"
            f"    while {test}:\n        t, period = t - period, {grow}\n"
            "    return eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / period)) / 2\n")


SGDR = {  # student: (code, part, words the hint must contain)
    "no_half": (_sgdr("return eta_min + (eta_max - eta_min) * (1 + np.cos(np.pi * (t - start) / length))"),
                "first_cycle", "factor 1/2 is missing"),
    "full_period": (_sgdr("return eta_min + 0.5 * (eta_max - eta_min) * (1 + np.cos(2 * np.pi * (t - start) / length))"),
                    "first_cycle", "full period"),
    "restart_late": (_peel(test="t > period"), "restarts", "your lr restarts at epoch 11, the reference restarts at 10"),
    "no_reset": (_sgdr("return eta_min + 0.5 * (eta_max - eta_min) * (1 + np.cos(np.pi * t / T_0))", cycles=False),
                 "restarts", "never jumps back to eta_max"),
    "period_fixed": (_peel(grow="period"), "doubling", "your second period is 10, the reference's is 20"),
    "cosine_on_T0": (_sgdr("return eta_min + 0.5 * (eta_max - eta_min) * (1 + np.cos(np.pi * (t - start) / T_0))"),
                     "doubling", "cosine still uses T_0"),
    "floor_zero": (_sgdr("return 0.5 * eta_max * (1 + np.cos(np.pi * (t - start) / length))"),
                   "floor", "decays towards 0 instead of eta_min"),
    "floor_on_top": (_sgdr("return eta_min + 0.5 * eta_max * (1 + np.cos(np.pi * (t - start) / length))"),
                     "floor", "sits on top of eta_min"),
    "floor_of_t": (_peel(epoch="math.floor(t)"), "fractional", "fractional epochs are rounded down"),
    "round_t": (_peel(epoch="round(t)"), "fractional", "fractional epochs are rounded;"),
}

_WC = """def warmup_cosine(t, total, warmup, peak, floor):
    t = np.asarray(t, dtype=float)
    ramp = {ramp}
    progress = ({clock}) / ({span})
    cosine = {low} + 0.5 * (peak - {low}) * (1 + np.cos(np.pi * progress))
    return np.where(t < warmup, ramp, cosine)
"""


def _wc(ramp="peak * t / warmup", clock="t - warmup", span="total - warmup", low="floor"):
    return _WC.format(ramp=ramp, clock=clock, span=span, low=low)


WARMUP_COSINE = {
    "ramp_short": (_wc(ramp="peak * t / (warmup - 1)"), "warmup", "reaches the peak at step 9; it should reach it at step 10"),
    "ramp_from_step_one": (_wc(ramp="peak * (t + 1) / warmup"), "warmup", "starts at peak / warmup"),
    "ramp_integer_steps": (_wc(ramp="peak * np.floor(t) / warmup"), "warmup", "fractional steps are rounded down"),
    "clock_not_shifted": (_wc(clock="t", span="total - warmup"), "decay", "runs on t instead of t - warmup"),
    "cosine_too_long": (_wc(span="total"), "decay", "reaches the floor at step 110"),
    "floor_ignored": (_wc(low="0.0"), "decay", "decays to 0 instead of floor=0.0001"),
}

_OC = "def one_cycle(t, total, max_lr):\n    return np.interp(t, [0, {c1}, {c2}, {c3}], [{s}, max_lr, max_lr / 10, {e}])\n"


def _oc(c1="0.45 * total - 1", c2="0.9 * total - 2", c3="total - 1", s="max_lr / 10", e="max_lr / 100"):
    return _OC.format(c1=c1, c2=c2, c3=c3, s=s, e=e)


_OC_COS = """def one_cycle(t, total, max_lr):
    t = np.asarray(t, dtype=float)
    corners = [(0.0, max_lr / 10), (0.45 * total - 1, max_lr), (0.9 * total - 2, max_lr / 10), (total - 1, max_lr / 100)]
    out = np.empty_like(t)
    for k, ((a, ya), (b, yb)) in enumerate(zip(corners, corners[1:])):
        inside = (t >= a) & (t <= b) if k == 0 else (t > a) & (t <= b)
        out[inside] = yb + (ya - yb) * (1 + np.cos(np.pi * (t[inside] - a) / (b - a))) / 2
    return out
"""

ONE_CYCLE = {
    "peak_late": (_oc(c1="0.45 * total"), "rise", "reaches 1 at step 90; the reference reaches it at step 89"),
    "cosine": (_OC_COS, "rise", "follows a cosine"),
    "div25": (_oc(s="max_lr / 25"), "rise", "max_lr/25"),
    "fall_late": (_oc(c2="0.9 * total - 1"), "fall", "reaches 0.1 at step 179; the reference reaches it at step 178"),
    "cosine_fall": (_OC_COS, "fall", "follows a cosine"),
    "ends_too_low": (_oc(e="max_lr / 1000"), "final", "max_lr/1000"),
    "ends_at_total": (_oc(c3="total"), "final", "reaches 0.01 at step 200; the reference reaches it at step 199"),
    "cosine_final": (_OC_COS, "final", "follows a cosine"),
}

_PL = """def plateau_lrs(metrics, lr, factor, patience, threshold, threshold_mode, cooldown, min_lr):
    best, bad, wait = math.inf, 0, 0
    out = []
    for m in metrics:
        bar = best * (1 - threshold) if threshold_mode == "rel" else best - threshold
        if {better}:
            best = m
            bad = {reset}
        else:
            bad += 1
        {track}
        if wait:
            wait -= 1
            bad = 0
        if {cut}:
            lr = {new}
            wait = {cool}
            bad = 0
        out.append(lr)
    return out
"""


def _pl(better="m < bar", reset="0", track="pass", cut="bad > patience", new="max(lr * factor, min_lr)",
        cool="cooldown"):
    return _PL.format(better=better, reset=reset, track=track, cut=cut, new=new, cool=cool)


PLATEAU = {
    "cuts_at_patience": (_pl(cut="bad >= patience"), "patience", "num_bad > patience, not >="),
    "counts_across_improvements": (_pl(reset="bad"), "patience", "IN A ROW"),
    "no_threshold": (_pl(better="m < best"), "threshold", "without the threshold"),
    "best_follows_lows": (_pl(track="best = min(best, m)"), "threshold", "moves the best to every new low"),
    "relative_always": (_pl(better="m < best * (1 - threshold)"), "threshold", "you use the relative rule"),
    "no_cooldown": (_pl(cool="0"), "cooldown", "ignores the cooldown"),
    "cooldown_short": (_pl(cool="max(cooldown - 1, 0)"), "cooldown", "ignores only 1"),
    "no_floor": (_pl(new="lr * factor"), "min_lr", "below min_lr=0.02"),
    "skip_last_cut": (_pl(new="lr * factor if lr * factor >= min_lr else lr"), "min_lr", "clips the cut to min_lr"),
}

CASES = [(a, name, *case) for a, table in (("sgdr", SGDR), ("warmup_cosine", WARMUP_COSINE),
                                           ("one_cycle", ONE_CYCLE), ("plateau", PLATEAU))
         for name, case in table.items()]


def _function(code: str, name: str):
    space = {"np": np, "math": math}
    exec(compile(code, f"<student {name}>", "exec"), space)
    return space


def _visible(assignment, part, space) -> PartResult:
    module = get(assignment)
    inputs = module.visible_inputs(part)
    return module.score_record(part, inputs, module.observe(part, space, inputs))


@pytest.mark.parametrize(("assignment", "student", "code", "part", "words"), CASES,
                         ids=[f"{a}-{s}" for a, s, *_ in CASES])
def test_the_hint_names_the_cause(assignment, student, code, part, words):
    result = _visible(assignment, part, _function(code, student))
    assert result.earned == 0
    assert words in result.hint, result.hint


@pytest.mark.parametrize("assignment", ["sgdr", "warmup_cosine", "one_cycle", "plateau"])
def test_every_part_has_two_distinct_diagnoses(assignment):
    module = get(assignment)
    for part in module.part_names:
        causes = {words for a, _, _, p, words in CASES if a == assignment and p == part}
        assert len(causes) >= 2, f"{assignment}.{part}: {causes}"


def test_a_diagnosis_holds_on_hidden_inputs_too():
    """The same cause is named for inputs the student never saw (a few seeds)."""
    module = get("sgdr")
    space = _function(SGDR["cosine_on_T0"][0], "cosine_on_T0")
    for seed in (3, 11, 29):
        inputs = module.make_inputs("doubling", seed)
        result = module.score_record("doubling", inputs, module.observe("doubling", space, inputs))
        assert "cosine still uses T_0" in result.hint


# --- not implemented yet --------------------------------------------------------------------------

STUB = "def sgdr(t, T_0, T_mult, eta_max, eta_min):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def test_the_released_stub_is_not_implemented_yet_in_check(capsys):
    summary = check("sgdr", _function(STUB, "stub")["sgdr"], plot=False)
    assert summary.earned == 0
    for result in summary.results:
        assert result.hint.startswith("`sgdr` is not implemented yet"), result.hint
        assert "NotImplementedError: " not in result.hint
    assert "is not implemented yet" in capsys.readouterr().out


def test_the_released_stub_is_not_implemented_yet_in_the_record():
    module = get("sgdr")
    inputs = module.make_inputs("floor", 5)
    record = module.observe("floor", _function(STUB, "stub"), inputs)
    assert record["error"]["kind"] == "not-implemented"
    json.dumps(record)  # the kernel prints it as JSON
    hint = module.score_record("floor", inputs, record).hint
    assert hint.startswith("`sgdr` is not implemented yet") and "line 3" in hint


def test_an_undefined_function_is_named():
    module = get("one_cycle")
    inputs = module.visible_inputs("rise")
    hint = module.score_record("rise", inputs, module.observe("rise", {}, inputs)).hint
    assert hint.startswith("`one_cycle` is not defined")


def test_a_crash_names_the_exception_and_the_line():
    code = "def one_cycle(t, total, max_lr):\n    scale = max_lr / 10\n    return scale * undefined_thing\n"
    module = get("one_cycle")
    inputs = module.visible_inputs("fall")
    hint = module.score_record("fall", inputs, module.observe("fall", _function(code, "crash"), inputs)).hint
    assert hint.startswith("NameError: name 'undefined_thing' is not defined") and "line 3" in hint


# --- errors carried forward from an earlier function -------------------------------------------

DEPENDENT = '''
"""A test-only assignment: schedule_comparison whose `compare` is graded with the reference's run_sgd."""
import numpy as np

from autograder.assignments import get
from lrcourse import exercise_quadratic, simulate_sgd


def reference_run_sgd(lrs, noise, noise_sd, theta0):
    lrs, noise = np.asarray(lrs, dtype=float), np.asarray(noise, dtype=float)
    res = simulate_sgd(exercise_quadratic(), lrs, lrs.size, runs=noise.shape[0], theta0=float(theta0),
                       noise_sd=float(noise_sd), noise=noise, keep_theta=False)
    return res.loss[:, -1]


class {cls}(type(get("schedule_comparison"))):
    name = "{name}"
    depends_on = {{"compare": "run_sgd"}}
    credit_carried_forward = {credit}

    def reference_function(self, target):
        return reference_run_sgd if target == "run_sgd" else None


ASSIGNMENT = {cls}()
'''

_RUN_SGD = """def run_sgd(lrs, noise, noise_sd, theta0):
    theta = np.full(noise.shape[0], float(theta0))
    for k, lr in enumerate(lrs):
        theta = theta - lr * (2 * (theta - 3) + {scale} * noise[:, k])
    return (theta - 3) ** 2
"""
_COMPARE = """def compare(schedules, noise, noise_sd, theta0):
    out = {}
    for name, lrs in schedules.items():
        final = run_sgd(lrs, noise, noise_sd, theta0)
        out[name] = (float(np.mean(final)), float(np.std(final)))
    return out
"""


@pytest.fixture()
def dependent(tmp_path, monkeypatch):
    """Two extra assignments (credit for a carried-forward error, and none) in $LRCOURSE_EXTRA_ASSIGNMENTS."""
    for name, cls, credit in (("carried_credit", "CarriedCredit", True), ("carried_blame", "CarriedBlame", False)):
        (tmp_path / f"{name}.py").write_text(DEPENDENT.format(name=name, cls=cls, credit=credit))
    monkeypatch.setenv("LRCOURSE_EXTRA_ASSIGNMENTS", str(tmp_path))
    return {"credit": get("carried_credit"), "blame": get("carried_blame")}


def _space(scale: str) -> dict:
    return _function(_RUN_SGD.format(scale=scale) + _COMPARE, "dependent")


def test_a_wrong_earlier_function_costs_one_part(dependent):
    module = dependent["credit"]
    space = _space("1.0")  # the noise is not scaled by noise_sd: run_sgd is wrong, compare is right
    run = _visible_with(module, "run_sgd", space)
    assert run.earned == 0 and "not scaled" in run.hint
    comp = _visible_with(module, "compare", space)
    assert comp.earned == comp.points
    assert comp.note.startswith("carried forward from run_sgd")


def test_without_credit_the_hint_says_carried_forward(dependent):
    comp = _visible_with(dependent["blame"], "compare", _space("1.0"))
    assert comp.earned == 0 and comp.hint.startswith("carried forward from run_sgd")


def test_a_right_earlier_function_needs_no_note(dependent):
    comp = _visible_with(dependent["credit"], "compare", _space("noise_sd"))
    assert comp.earned == comp.points and comp.note == ""


def test_a_mistake_of_the_later_function_itself_is_still_charged(dependent):
    space = _function(_RUN_SGD.format(scale="noise_sd") + _COMPARE.replace("np.std(final)", "np.var(final)"), "own_mistake")
    comp = _visible_with(dependent["credit"], "compare", space)
    assert comp.earned == 0 and "carried forward" not in comp.hint


def test_an_unimplemented_earlier_function_is_carried_forward_in_check(dependent, capsys):
    code = ("def run_sgd(lrs, noise, noise_sd, theta0):\n    raise NotImplementedError()\n" + _COMPARE)
    space = _function(code, "half_done")
    summary = check("carried_blame", space, plot=False)
    hints = summary.hints()
    assert hints["run_sgd"].startswith("`run_sgd` is not implemented yet")
    assert hints["compare"].startswith("carried forward from run_sgd")
    assert "`compare` calls `run_sgd`, which is not implemented yet" in hints["compare"]


def test_the_kernel_harness_records_both_evaluations(dependent, monkeypatch):
    from autograder.harness import observe_part

    space = _space("1.0")
    record, inputs, calls = observe_part(dependent["credit"], "compare", space, seed=7)
    assert {"values", "values_given"} <= set(record) and calls == {}
    assert space["run_sgd"].__name__ == "run_sgd"  # the student's own function is back in place
    result = dependent["credit"].score_record("compare", inputs, json.loads(json.dumps(record)))
    assert result.earned == result.points and result.note


def _visible_with(module, part, space) -> PartResult:
    inputs = module.visible_inputs(part)
    return module.score_record(part, inputs, module.observe(part, space, inputs))

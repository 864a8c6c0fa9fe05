"""The grader's verdict on one part, from synthetic executed notebooks (no kernel needed).

Tampering is suspected only when the grader scored the record itself and nbgrader's in-kernel verdict
gave more; a part the grader could not score is a grader error, listed for the instructor; runtime and
static evidence zero a part with the student's cell and line; review findings keep the score.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder.assignments import get
from autograder.evidence import Evidence
from autograder.harness import RECORD_PREFIX, part_seed
from autograder.scoring import score_parts

SEED = 1234
SGDR = get("sgdr")
STUDENT = "import numpy as np\ndef sgdr(t, T_0, T_mult, eta_max, eta_min):\n    return helper(t)\n"


def _kernel_file(source: str) -> str:
    from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86

    return f"{murmur2_x86(source, get_tmp_hash_seed())}.py"


def _notebook(record=None, error=None, student=STUDENT):
    nb = nbformat.v4.new_notebook()
    test = nbformat.v4.new_code_cell("run_part('sgdr', 'first_cycle', globals())")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "first_cycle", "points": 2, "solution": False,
                                 "locked": True, "schema_version": 3}
    if record is not None:
        test.outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text=RECORD_PREFIX + json.dumps(record) + "\n"))
    if error is not None:
        test.outputs.append(nbformat.v4.new_output("error", ename=error[0], evalue=error[1], traceback=[]))
    nb.cells = [nbformat.v4.new_code_cell(student), test]
    return nb


def _record(**extra):
    inputs = SGDR.make_inputs("first_cycle", part_seed(SEED, "first_cycle"))
    return {"assignment": "sgdr", "part": "first_cycle", "seed": SEED,
            "values": SGDR.reference("first_cycle", inputs), **extra}


def _score(nb, module=SGDR, evidence=None):
    evidence = evidence or Evidence.of([(0, nb.cells[0].source)])
    results = score_parts(module, "sgdr", SEED, nb, {"first_cycle": 1}, {"first_cycle": "first_cycle"},
                          evidence, [])
    return results[0]


def test_a_right_record_earns_the_part_without_flags():
    res = _score(_notebook(_record()))
    assert (res.earned, res.flags, res.hint) == (2.0, [], "")


def test_a_wrong_record_under_a_full_in_kernel_verdict_is_tampering():
    wrong = _record(values={"lr": [0.0] * len(_record()["values"]["lr"])})
    res = _score(_notebook(wrong))
    assert res.earned == 0 and res.in_kernel == 2
    assert any(f.startswith("tampering-suspected") for f in res.flags)


def test_no_record_is_a_grader_error_not_tampering():
    res = _score(_notebook(None))
    assert res.earned == 0
    assert not any(f.startswith("tampering-suspected") for f in res.flags)
    assert any(f.startswith("grader-error") and "by hand" in f for f in res.flags)


class _BrokenScore(type(SGDR)):
    def score(self, part, inputs, values):
        raise RuntimeError("a bug of the grader")


class _BrokenInputs(type(SGDR)):
    def make_inputs(self, part, seed):
        raise RuntimeError("cannot draw")


@pytest.mark.parametrize("module", [_BrokenScore(), _BrokenInputs()], ids=["score", "inputs"])
def test_a_grader_failure_is_never_reported_as_tampering(module):
    res = _score(_notebook(_record()), module=module)
    assert res.earned == 0
    assert not any(f.startswith("tampering-suspected") for f in res.flags)
    assert any(f.startswith("grader-error") for f in res.flags)
    assert "not yours" in res.hint


def test_a_runtime_reference_call_zeroes_the_part_and_names_the_cell_and_line():
    call = {"name": "CosineAnnealingWarmRestarts._evaluate", "thread": "worker", "file": _kernel_file(STUDENT),
            "line": 3, "text": "return helper(t)"}
    res = _score(_notebook(_record(reference_calls=[call])))
    assert res.earned == 0
    assert "cell 1, line 3: `return helper(t)`" in res.hint
    flag = next(f for f in res.flags if f.startswith("reference-implementation"))
    assert "in a thread it started" in flag and "cell 1, line 3" in flag


def test_static_evidence_zeroes_the_part_with_the_line():
    student = "from lrcourse import restart_points as rp\n" + STUDENT
    res = _score(_notebook(_record(), student=student))
    assert res.earned == 0 and "cell 1, line 1: `from lrcourse import restart_points as rp`" in res.hint


def test_threads_and_a_removed_profiler_are_review_only():
    thread = {"name": "Thread-7 (work)", "file": _kernel_file(STUDENT), "line": 3, "text": "return helper(t)"}
    res = _score(_notebook(_record(threads_running=[thread], profiler_removed=True)))
    assert res.earned == 2
    reviews = [f for f in res.flags if f.startswith("review:")]
    assert len(reviews) == 2 and any("cell 1, line 3" in f for f in reviews)


def test_an_unimplemented_stub_is_not_implemented_yet_with_its_line():
    stub = "def sgdr(t, T_0, T_mult, eta_max, eta_min):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    error = {"kind": "not-implemented", "type": "NotImplementedError", "message": "", "function": "sgdr",
             "target": "sgdr", "where": {"file": _kernel_file(stub), "line": 3, "text": "raise NotImplementedError()"}}
    rec = _record(error=error)
    del rec["values"]
    res = _score(_notebook(rec, error=("AssertionError", "`sgdr` is not implemented yet"), student=stub))
    assert res.earned == 0 and not res.flags
    assert res.hint.startswith("`sgdr` is not implemented yet") and "cell 1, line 3" in res.hint


def test_a_visible_check_that_runs_into_a_stub_is_not_implemented_yet():
    """The test cell's own asserts run before the record; a stub there must not show a bare exception."""
    nb = _notebook(None, error=("NotImplementedError", ""))
    nb.cells[1].outputs[-1]["traceback"] = [
        "\x1b[0;31mNotImplementedError\x1b[0m  Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[7], line 2\x1b[0m\n----> 2 assert sgdr(0, 10, 2, 0.1, 0) == 0.1",
        "Cell \x1b[0;32mIn[3], line 3\x1b[0m, in \x1b[0;36msgdr\x1b[0;34m(t, T_0, T_mult, eta_max, eta_min)\x1b[0m"]
    res = _score(nb)
    assert res.earned == 0 and res.hint.startswith("`sgdr` is not implemented yet")
    assert not any(f.startswith(("grader-error", "tampering")) for f in res.flags)

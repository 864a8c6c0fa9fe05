"""Per-submission budgets (autograder/executor.py): validated limits and the output budget's invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.executor import TEST_CELL_RESERVE, Limits, OutputBudget


@pytest.mark.parametrize(("field", "value", "error"), [
    ("timeout", 0.5, ValueError), ("timeout", math.nan, ValueError), ("timeout", math.inf, ValueError),
    ("timeout", -3, ValueError), ("timeout", "60", TypeError), ("memory_mb", 10, ValueError),
    ("memory_mb", 512.5, TypeError), ("disk_mb", 0, ValueError), ("nproc", True, TypeError),
    ("total_seconds", math.nan, ValueError), ("output_total", 10, ValueError),
])
def test_limits_refuse_bad_values_naming_them(field, value, error):
    with pytest.raises(error, match=field):
        Limits(**{field: value})


def test_budget_depends_on_the_source_cells_only():
    limits = Limits(timeout=20)
    assert limits.budget(9) == max(4 * 20, 60) + 5 * 9
    assert Limits(timeout=20, total_seconds=30).budget(9) == 30


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 400_000)), max_size=80), st.sets(st.integers(0, 5)))
def test_output_budget_invariants(messages, protected):
    budget = OutputBudget(total=1_000_000, per_cell=600_000, protected=protected)
    kept: dict = {}
    for index, size in messages:
        if budget.admit(index, size):
            kept[index] = kept.get(index, 0) + size
    assert all(v <= 600_000 for v in kept.values())
    assert sum(kept.values()) <= 1_000_000 + TEST_CELL_RESERVE * len(protected)
    assert budget.dropped == sum(size for _, size in messages) - sum(kept.values())


def test_a_test_cell_keeps_its_record_after_a_flood():
    budget = OutputBudget(total=2_000, per_cell=1_500, protected={7})
    assert budget.admit(1, 1_500) and not budget.admit(1, 1)  # the cell's own cap
    assert budget.admit(2, 500) and not budget.admit(3, 100)  # the submission's total is spent
    assert budget.admit(7, 300)  # the grader's record line still gets through
    assert budget.notice(3) and budget.notice(3) is None  # one notice per cell


@pytest.mark.parametrize("bad", [0, -1, 2.5, "1"])
def test_output_budget_validates(bad):
    with pytest.raises((ValueError, TypeError), match="total"):
        OutputBudget(total=bad, per_cell=10)

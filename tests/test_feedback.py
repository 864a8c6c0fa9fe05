"""``lrcourse.feedback.check``: the students' instant feedback never crashes and says what is wrong."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder.authoring import variants  # noqa: E402
from lrcourse.feedback import Summary, check  # noqa: E402


def _ns(assignment, variant):
    return variants.namespace(assignment, variant)


def test_correct_solution_gets_every_visible_point(capsys):
    summary = check("sgdr", _ns("sgdr", "closed_form")["sgdr"], plot=False)
    assert isinstance(summary, Summary) and summary.ok
    assert (summary.earned, summary.total) == (10, 10)
    out = capsys.readouterr().out
    assert "first_cycle" in out and "all visible checks pass" in out
    assert summary.figure is None


def test_mistake_is_reported_with_its_hint(capsys):
    summary = check("sgdr", _ns("sgdr", "off_by_one_restart")["sgdr"], plot=False)
    assert summary.earned == 7
    assert summary.hints() == {"restarts": summary.results[1].hint}
    assert "your lr restarts at epoch 11, the reference restarts at 10" in capsys.readouterr().out


def test_student_exceptions_become_hints_not_crashes(capsys):
    def sgdr(t, T_0, T_mult, eta_max, eta_min):
        return 1 / 0

    summary = check("sgdr", sgdr, plot=True)
    assert summary.earned == 0
    assert all("ZeroDivisionError" in r.hint for r in summary.results)
    # the reference is still drawn, with a note instead of the student's curve
    ax = summary.figure.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["reference"]
    assert any("ZeroDivisionError" in t.get_text() for t in ax.texts)


def test_release_stub_says_not_implemented():
    def sgdr(t, T_0, T_mult, eta_max, eta_min):
        raise NotImplementedError()

    summary = check("sgdr", sgdr, plot=False)
    assert all(r.hint.startswith("`sgdr` is not implemented yet") for r in summary.results)


def test_plot_shows_student_and_reference_curves():
    summary = check("sgdr", _ns("sgdr", "loop")["sgdr"])
    ax = summary.figure.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"reference", "yours"}
    np.testing.assert_allclose(lines["yours"].get_ydata(), lines["reference"].get_ydata(), rtol=1e-9)
    diff = summary.figure.axes[1]
    assert diff.get_xlabel() == "epoch" and ax.get_ylabel() == "learning rate"
    assert ax.get_legend() is not None
    assert any(t.get_text() == "no difference" for t in diff.texts)


def test_plot_marks_where_an_off_by_one_student_differs():
    summary = check("sgdr", _ns("sgdr", "off_by_one_restart")["sgdr"])
    ax, diff = summary.figure.axes
    marks = next(line for line in ax.get_lines() if line.get_label().startswith("differs"))
    # the student restarts one epoch late: the curves differ exactly at the restart epochs 10, 30, 70
    assert sorted(marks.get_xdata()) == [10.0, 30.0, 70.0]
    notes = [t.get_text() for t in ax.texts]
    assert any("first difference at epoch 10" in t for t in notes)
    gap = diff.get_lines()[-1].get_ydata()
    assert np.count_nonzero(np.abs(gap) > 1e-9) == 3


def test_globals_and_functions_with_other_names_are_accepted():
    space = _ns("range_test", "loops")
    by_globals = check("range_test", space, plot=False)
    renamed = [space["one_step_losses"], space["useful_range"], space["suggest_lr"]]
    anonymous = [lambda lrs, th, f=renamed[0]: f(lrs, th), renamed[1], renamed[2]]
    by_position = check("range_test", *anonymous, plot=False)
    assert by_globals.earned == by_position.earned == 10


def test_missing_function_is_named():
    summary = check("range_test", _ns("range_test", "vectorized")["one_step_losses"], plot=False)
    assert summary.earned == 4
    assert "`useful_range` is not defined yet" in summary.hints()["useful_range"]


def test_range_test_plot_is_on_a_log_axis(capsys):
    summary = check("range_test", _ns("range_test", "before_the_step"))
    assert summary.figure.axes[0].get_xscale() == "log"
    assert "evaluated the loss before taking the step" in capsys.readouterr().out


def test_an_error_carried_forward_is_charged_once_and_noted(capsys):
    """run_sgd ignores the noise: only run_sgd loses points; the parts built on it say why they still count."""
    summary = check("schedule_comparison", _ns("schedule_comparison", "ignores_noise"), plot=False)
    assert (summary.earned, summary.total) == (7, 10)
    assert summary.hints().keys() == {"run_sgd"}
    assert set(summary.notes()) == {"compare", "closest", "consistent"}
    assert all(note.startswith("carried forward from run_sgd") for note in summary.notes().values())
    assert "ok (carried forward from run_sgd" in capsys.readouterr().out


def test_the_two_questions_are_checked_like_any_part(capsys):
    summary = check("schedule_comparison", _ns("schedule_comparison", "closest_most_wins"), plot=False)
    assert summary.hints().keys() == {"closest"} and not summary.unchecked
    assert "wins the most seeds" in capsys.readouterr().out


def test_schedule_comparison_bar_plot_and_noise_hint(capsys):
    summary = check("schedule_comparison", _ns("schedule_comparison", "new_noise_per_schedule"))
    assert summary.hints().keys() == {"compare"}
    assert summary.notes()["closest"].startswith("carried forward from compare")  # closest is built on compare
    assert "new noise for each schedule" in capsys.readouterr().out
    ax = summary.figure.axes[0]
    assert ax.get_yscale() == "log" and len(ax.get_xticklabels()) == 6


def test_bad_arguments():
    with pytest.raises(ValueError, match="assignment must be one of"):
        check("nope", print)
    with pytest.raises(TypeError, match="needs the function"):
        check("sgdr")

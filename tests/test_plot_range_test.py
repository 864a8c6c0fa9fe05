"""Plot helpers for range tests, trajectories, step sizes and training curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lrcourse.stepsize.online import adgd, delta_bar_delta  # noqa: E402
from lrcourse.stepsize.linesearch import backtracking_descent, boyd_function, boyd_gradient, exact_line_search_descent  # noqa: E402
from lrcourse.plot.range_test import (  # noqa: E402
    plot_one_step_range_test,
    plot_range_test,
    plot_step_sizes,
    plot_training_curves,
    plot_descent_paths,
)
from lrcourse.stepsize.range_test import lr_range_test, one_step_range_test, useful_range  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_range_test_plot_marks_suggestions():
    res = lr_range_test(lambda lr: 2 - np.tanh(np.log10(lr) + 3), min_lr=1e-6, max_lr=1.0, num_iter=50,
                        progress=False)
    ax = plot_range_test(res)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("steepest") for label in labels) and len(labels) == 5
    assert ax.get_xscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(TypeError, match="RangeTestResult"):
        plot_range_test({"lrs": []})


def test_one_step_plot():
    lrs = np.logspace(-4, np.log10(2), 50)
    losses = one_step_range_test(lrs)
    ax = plot_one_step_range_test(lrs, losses, start_loss=9.0, useful=useful_range(lrs, losses, 9.0))
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 3


def test_trajectories_steps_and_training_curves():
    x0 = np.array([-1.0, 1.0])
    runs = {"armijo": backtracking_descent(boyd_function, boyd_gradient, x0),
            "exact": exact_line_search_descent(boyd_function, boyd_gradient, x0)}
    ax = plot_descent_paths(runs, boyd_function)
    assert ax.get_xlabel() == "$x_1$" and len(ax.get_legend().get_texts()) == 2
    # plain arrays of iterates (a student's own path) stand in for results
    ax = plot_descent_paths({"mine": runs["exact"].x, "again": runs["armijo"].x.tolist()})
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), runs["exact"].x[:, 0])
    assert plot_descent_paths(runs["exact"].x).get_legend().get_texts()[0].get_text().endswith(
        f"({runs['exact'].n_iter} steps)")
    ax = plot_step_sizes([delta_bar_delta(lambda x: x * [1.0, 300.0], [1.0, 1.0], n_steps=20),
                          adgd(lambda x: x, [1.0, 1.0], n_steps=20)])
    assert len(ax.get_lines()) == 3  # DBD has two distinct coordinates, AdGD one shared rate
    hist = {"a": {"val_acc": np.array([0.5, 0.7])}, "b": {"val_acc": np.array([0.6, 0.8])}}
    ax = plot_training_curves(hist)
    assert ax.get_ylabel() == "validation accuracy"
    with pytest.raises(ValueError, match="metric"):
        plot_training_curves(hist, metric="f1")

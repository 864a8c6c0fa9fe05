"""``lrcourse range-test``: files written, suggestions printed, bad input rejected."""

import csv
import subprocess
import sys

import numpy as np
import pytest

from lrcourse.app.cli import build_parser, main


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_quadratic_problem_writes_figure_and_table(tmp_path, capsys):
    rc = main(["range-test", "--problem", "quadratic", "--num-iter", "120", "--min-lr", "1e-4", "--max-lr", "10",
               "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    out = capsys.readouterr().out
    for name in ("steepest", "min/10", "valley"):
        assert f"suggested lr ({name})" in out
    assert (tmp_path / "range_test.png").stat().st_size > 10_000
    rows = _rows(tmp_path / "range_test.csv")
    assert list(rows[0]) == ["step", "lr", "loss", "smoothed_loss"]
    lrs = np.array([float(r["lr"]) for r in rows])
    assert 3 <= len(rows) <= 120
    assert lrs[0] == pytest.approx(1e-4) and np.all(np.diff(lrs) > 0)
    # plain noisy SGD on (theta - 3)^2 blows up for rates above 1: the sweep must stop
    assert "diverged" in out or "non-finite" in out


def test_digits_default(tmp_path, capsys):
    rc = main(["range-test", "--num-iter", "60", "--out", str(tmp_path), "--no-progress", "--seed", "1"])
    assert rc == 0
    rows = _rows(tmp_path / "range_test.csv")
    assert float(rows[0]["loss"]) == pytest.approx(np.log(10))  # zero-initialized softmax over 10 classes
    assert "suggested lr (steepest)" in capsys.readouterr().out


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["range-test", "--min-lr", "5", "--max-lr", "1", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "max_lr must be > min_lr" in capsys.readouterr().err
    assert main(["range-test", "--num-iter", "1", "--out", str(tmp_path), "--no-progress"]) == 2
    assert main(["range-test", "--batch-size", "100000", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "batch_size" in capsys.readouterr().err


def test_listed_in_help():
    assert "range-test" in build_parser().format_help()


def test_entry_point_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "lrcourse.app.cli", "range-test", "--problem", "quadratic",
                           "--num-iter", "40", "--out", str(tmp_path), "--no-progress"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "figure:" in proc.stdout

import csv

import numpy as np
import pytest

from lrcourse.app.cli import main


def test_compare_quadratic_writes_figure_and_table(tmp_path, capsys):
    code = main(["compare", "--runs", "400", "--steps", "120", "--seed", "3", "--out", str(tmp_path),
                 "--no-progress"])
    assert code == 0
    png = tmp_path / "compare.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "compare.csv") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["schedule"] for r in rows]
    assert names == ["constant", "step", "exponential", "cosine", "warmup+cosine", "1/t"]
    means = {r["schedule"]: float(r["mean"]) for r in rows}
    # every decaying schedule beats the constant rate's noise floor
    assert all(means[k] < means["constant"] for k in names if k != "constant")
    # constant lr 0.3 on (theta-3)^2 with noise 0.3: stationary E[loss] = Var = lr s^2 / (a (2 - a lr))
    stationary = 0.3 * 0.09 / (2 * (2 - 0.6))
    std = float(rows[0]["std"])
    assert abs(means["constant"] - stationary) < 4 * std / np.sqrt(400)
    out = capsys.readouterr().out
    assert "warmup+cosine" in out and "compare.csv" in out


def test_compare_is_reproducible(tmp_path):
    for d in ("a", "b"):
        assert main(["compare", "--runs", "50", "--steps", "30", "--out", str(tmp_path / d), "--no-progress"]) == 0
    assert (tmp_path / "a" / "compare.csv").read_text() == (tmp_path / "b" / "compare.csv").read_text()


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--steps", "1"], ["--seed", "-1"], ["--lr", "-0.1"],
                                  ["--noise-sd", "-1"]])
def test_compare_bad_input(argv, tmp_path, capsys):
    assert main(["compare", *argv, "--out", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err

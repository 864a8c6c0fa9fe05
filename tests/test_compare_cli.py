"""``lrcourse compare``: named outputs, the table through Comparison, notes that explain the winner."""

import csv

import numpy as np
import pytest

from lrcourse.app.cli import main

NAMES = ["constant", "step", "exponential", "cosine", "warmup+cosine", "1/t"]


@pytest.fixture(scope="module")
def quadratic(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["compare", "--runs", "400", "--steps", "120", "--seed", "3", "--out", str(out), "--no-progress"])
    return out, code, buf.getvalue()


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_compare_quadratic_writes_named_figure_and_table(quadratic):
    out, code, printed = quadratic
    assert code == 0
    assert (out / "compare-quadratic.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = _rows(out / "compare-quadratic.csv")
    assert [r["schedule"] for r in rows] == NAMES
    means = {r["schedule"]: float(r["mean"]) for r in rows}
    # every decaying schedule beats the constant rate's noise floor
    assert all(means[k] < means["constant"] for k in NAMES if k != "constant")
    # constant lr 0.3 on (theta-3)^2 with noise 0.3: stationary E[loss] = Var = lr s^2 / (a (2 - a lr))
    stationary = 0.3 * 0.09 / (2 * (2 - 0.6))
    assert abs(means["constant"] - stationary) < 4 * float(rows[0]["std"]) / np.sqrt(400)
    assert "warmup+cosine" in printed and "compare-quadratic.csv" in printed


def test_the_note_explains_why_the_winner_wins(quadratic):
    out, _, printed = quadratic
    rows = _rows(out / "compare-quadratic.csv")
    best = min(rows, key=lambda r: float(r["median"]))["schedule"]
    assert f"winner: {best}" in printed
    assert "noisy gradients" in printed and "floor" in printed  # a decay wins: the note names the noise floor


def test_a_second_problem_never_replaces_the_first(quadratic, tmp_path):
    out, _, _ = quadratic
    before = (out / "compare-quadratic.csv").read_bytes()
    assert main(["compare", "--problem", "digits", "--runs", "1", "--epochs", "2", "--out", str(out),
                 "--no-progress"]) == 0
    assert (out / "compare-quadratic.csv").read_bytes() == before
    rows = _rows(out / "compare-digits.csv")
    assert [r["schedule"] for r in rows] == NAMES and all(float(r["mean"]) > 0 for r in rows)


def test_existing_outputs_need_force(quadratic, capsys):
    out, _, _ = quadratic
    args = ["compare", "--runs", "20", "--steps", "20", "--out", str(out), "--no-progress"]
    assert main(args) == 2
    assert "already exist" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0


def test_compare_is_reproducible(tmp_path):
    for d in ("a", "b"):
        assert main(["compare", "--runs", "50", "--steps", "30", "--out", str(tmp_path / d), "--no-progress"]) == 0
    assert (tmp_path / "a" / "compare-quadratic.csv").read_text() == (tmp_path / "b" / "compare-quadratic.csv").read_text()


@pytest.mark.parametrize("argv, option", [(["--runs", "0"], "--runs"), (["--steps", "1"], "--steps"),
                                          (["--seed", "-1"], "--seed"), (["--lr", "-0.1"], "--lr"),
                                          (["--lr", "nan"], "--lr"), (["--noise-sd", "-1"], "--noise-sd"),
                                          (["--noise-sd", "inf"], "--noise-sd"), (["--epochs", "0"], "--epochs")])
def test_compare_bad_input_names_the_option(argv, option, tmp_path, capsys):
    assert main(["compare", *argv, "--out", str(tmp_path)]) == 2
    assert f"{option} must be" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())

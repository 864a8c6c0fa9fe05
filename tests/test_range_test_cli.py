"""``lrcourse range-test``: files named after the problem, suggestions with their spread over seeds,
outputs never silently replaced, bad input rejected with the option's name."""

import csv
import subprocess
import sys

import numpy as np
import pytest

from lrcourse.app.cli import build_parser, main


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def quadratic(tmp_path_factory):
    """One run of the CLI on the quadratic (8 seeds), shared by the assertions below."""
    out = tmp_path_factory.mktemp("rt")
    proc = subprocess.run([sys.executable, "-m", "lrcourse", "range-test", "--problem", "quadratic",
                           "--num-iter", "120", "--min-lr", "1e-4", "--max-lr", "10", "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    return out, proc


def test_quadratic_writes_named_figure_and_table(quadratic):
    out, proc = quadratic
    assert proc.returncode == 0, proc.stderr
    assert (out / "range-test-quadratic.png").stat().st_size > 10_000
    rows = _rows(out / "range-test-quadratic.csv")
    assert list(rows[0]) == ["step", "lr", "run", "loss", "smoothed_loss"]
    assert sorted({int(r["run"]) for r in rows}) == list(range(8))
    lrs = np.array(sorted({float(r["lr"]) for r in rows}))
    assert lrs[0] == pytest.approx(1e-4) and lrs.size <= 120
    # plain noisy SGD on (theta - 3)^2 blows up for rates above 1 = 2/J'': every run must end there
    assert "8 of 8 runs ended by divergence" in proc.stdout
    assert lrs[-1] > 1.0


def test_suggestions_come_with_their_spread_and_reason(quadratic):
    _, proc = quadratic
    for rule in ("steepest", "min/10", "valley"):
        line = next(ln for ln in proc.stdout.splitlines() if ln.strip().startswith(f"{rule}:"))
        assert "decades over 8 runs" in line and "(" in line
    assert "one-step optimum 1/J''" in proc.stdout


def test_outputs_are_not_replaced_without_force(quadratic, capsys):
    out, _ = quadratic
    before = (out / "range-test-quadratic.csv").read_bytes()
    args = ["range-test", "--problem", "quadratic", "--num-iter", "30", "--out", str(out), "--no-progress"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "range-test-quadratic.png" in err and "--force" in err
    assert (out / "range-test-quadratic.csv").read_bytes() == before
    assert main([*args, "--force"]) == 0
    assert (out / "range-test-quadratic.csv").read_bytes() != before


def test_digits_default(tmp_path, capsys):
    rc = main(["range-test", "--num-iter", "60", "--runs", "2", "--out", str(tmp_path), "--no-progress", "--seed", "1"])
    assert rc == 0
    rows = _rows(tmp_path / "range-test-digits-softmax.csv")
    assert float(rows[0]["loss"]) == pytest.approx(np.log(10))  # zero-initialized softmax over 10 classes
    assert "steepest:" in capsys.readouterr().out


@pytest.mark.parametrize("option, value, needle", [
    ("--max-lr", "1e-6", "--max-lr must be finite and > --min-lr"),
    ("--num-iter", "1", "--num-iter must be >= 10"),
    ("--runs", "0", "--runs must be >= 1"),
    ("--seed", "-1", "--seed must be >= 0"),
    ("--beta", "1.5", "--beta must be in [0, 1)"),
    ("--min-lr", "nan", "--min-lr must be > 0"),
])
def test_bad_options_exit_2_naming_the_option(tmp_path, capsys, option, value, needle):
    assert main(["range-test", "--problem", "quadratic", option, value, "--out", str(tmp_path), "--no-progress"]) == 2
    assert needle in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    assert main(["range-test", "--problem", "quadratic", "--out", str(target), "--no-progress"]) == 2
    assert "is an existing file" in capsys.readouterr().err


def test_listed_in_help():
    assert "range-test" in build_parser().format_help()

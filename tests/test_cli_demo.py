import subprocess
import sys

from lrcourse.app.cli import build_parser, main


def test_help_lists_every_command(capsys):
    parser = build_parser()
    help_text = parser.format_help()
    for name in ("demo",):
        assert name in help_text
    assert main([]) == 2  # no command: prints help, exit status 2


def test_demo_writes_the_gallery(tmp_path):
    result = subprocess.run([sys.executable, "-m", "lrcourse.app.cli", "demo", "--gallery-only", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    png = tmp_path / "schedule_gallery.png"
    assert png.stat().st_size > 20_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in result.stdout


def test_cli_reports_bad_arguments_cleanly(tmp_path):
    for steps in ("5", "0", "-3"):
        result = subprocess.run([sys.executable, "-m", "lrcourse", "demo", "--gallery-only", "--steps", steps,
                                 "--out", str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        assert "--steps must be >= 20" in result.stderr and f"got {steps}" in result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "d").exists()


def test_out_that_is_a_file_is_refused_by_every_writing_command(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("keep me")
    for argv in (["demo", "--gallery-only"], ["site", "--no-execute"], ["compare", "--runs", "5"],
                 ["range-test", "--problem", "quadratic"]):
        assert main([*argv, "--out", str(target)]) == 2, argv
        err = capsys.readouterr().err
        assert "is an existing file" in err and str(target) in err, argv
    assert target.read_text() == "keep me"

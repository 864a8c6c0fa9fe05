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
    result = subprocess.run([sys.executable, "-m", "lrcourse.app.cli", "demo", "--gallery-only", "--steps", "5",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "T must be an integer >= 20" in result.stderr and "Traceback" not in result.stderr

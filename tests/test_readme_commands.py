"""The README's commands work as written, so the README cannot drift from the code again.

Every ```bash block of the user sections (students, instructors, self-study readers, command-line
experiments) is run line by line with the environment activated, in a scratch folder laid out like the
checkout (its top-level entries linked in), so relative paths such as ``autograder/samples/sgdr``
resolve and outputs such as ``grades/`` or ``out/`` land in the scratch folder. The ```python block of
the library section is executed too. The documented exceptions:

- a line whose comment says ``(interactive)`` starts a server or a browser session: its program must
  answer ``--help`` and every file or folder it names must exist, but it is not started;
- ``lrcourse site`` gets ``--no-execute --out _build/site`` (the site tests build the same site with
  every notebook executed; executing them twice would double the suite's longest step);
- the quick start's ``make demo`` / ``make test`` are what CI itself runs, so they are not run here.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import REPO_ROOT

pytestmark = [pytest.mark.grading, pytest.mark.site, pytest.mark.xdist_group("readme")]

README = REPO_ROOT / "README.md"
USER_SECTIONS = ("For students", "For instructors", "For self-study readers", "Command-line experiments",
                 "The library", "Quick start")
SUBSTITUTE = {"lrcourse site": "lrcourse site --no-execute --out _build/site"}
SKIPPED = {"make demo", "make test"}


def _sections(text: str) -> dict:
    """``{heading: [(language, code), ...]}`` for the README's fenced blocks, by the heading above them."""
    found: dict = {}
    heading = ""
    fence = re.compile(r"^```(\w+)\n(.*?)^```\s*$", re.S | re.M)
    pos = 0
    for match in fence.finditer(text):
        before = text[pos:match.start()]
        titles = re.findall(r"^#{2,3} (.+)$", before, flags=re.M)
        if titles:
            heading = titles[-1].strip()
        pos = match.end()
        found.setdefault(heading, []).append((match.group(1), match.group(2)))
    return found


def _user_blocks(language: str) -> list:
    blocks = []
    for heading, items in _sections(README.read_text()).items():
        if heading.startswith(USER_SECTIONS):
            blocks += [(heading, code) for lang, code in items if lang == language]
    return blocks


def _commands() -> list:
    commands = []
    for heading, code in _user_blocks("bash"):
        for raw in code.splitlines():
            command, _, comment = raw.partition("#")
            command = command.strip()
            if command and command not in SKIPPED:
                commands.append((heading, command, "(interactive)" in comment))
    return commands


COMMANDS = _commands()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder laid out like the checkout, with the environment's bin/ first on PATH.

    Entries are linked, except ``exercises/``, which is copied and made the course root: ``lrcourse
    release`` rewrites it, and the checkout's own copy is read by other tests running meanwhile.
    """
    here = tmp_path_factory.mktemp("readme")
    for entry in REPO_ROOT.iterdir():
        if entry.name == "exercises":
            shutil.copytree(entry, here / entry.name)
        elif entry.name not in {".git", "_build", "out", "grades", "demo-output"}:
            (here / entry.name).symlink_to(entry)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               LRCOURSE_COURSE_ROOT=str(here))
    return here, env


def test_the_readme_has_commands_for_every_user():
    headings = {h for h, _, _ in COMMANDS}
    for user in ("For students", "For instructors", "For self-study readers", "Command-line experiments"):
        assert any(h.startswith(user) for h in headings), f"the README has no command for {user!r}"
    assert any(c.startswith("lrcourse grade ") for _, c, _ in COMMANDS)


def test_every_command_runs_as_written(workspace):
    """One run through the README, in order (later commands use what earlier ones wrote)."""
    here, env = workspace
    for heading, command, interactive in COMMANDS:
        if command.startswith("source "):
            script = Path(command.split()[1])
            assert (REPO_ROOT / script).is_file() or os.path.dirname(sys.executable).endswith("bin"), command
            continue
        if interactive:
            _check_interactive(command, here, env)
            continue
        for prefix, replacement in SUBSTITUTE.items():
            if command == prefix:
                command = replacement
        proc = subprocess.run(command, shell=True, cwd=here, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"[{heading}] {command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        _check_outputs(command, here, proc.stdout)


def _check_interactive(command: str, here: Path, env: dict) -> None:
    words = shlex.split(command)
    program = words[:3] if words[:2] == ["python", "-m"] else words[:2] if words[0] == "jupyter" else words[:1]
    help_run = subprocess.run([*program, "--help"], cwd=here, env=env, capture_output=True, text=True, timeout=120)
    assert help_run.returncode == 0, f"{' '.join(program)} --help failed: {help_run.stderr[-1000:]}"
    for word in words[len(program):]:
        if "/" in word:
            assert (here / word).exists(), f"{command}: {word} does not exist"


def _check_outputs(command: str, here: Path, stdout: str) -> None:
    """What the README promises each command leaves behind."""
    words = shlex.split(command)
    if words[:2] == ["lrcourse", "grade"]:
        out = here / words[words.index("--out") + 1]
        for name in ("grades.csv", "report.md", "report.html", "class.png", "gradebook.db"):
            assert (out / name).is_file(), f"{command}: no {name}"
        assert any((out / "feedback").iterdir())
    if words[:2] == ["lrcourse", "gradebook"]:
        assert (here / words[words.index("--csv") + 1]).is_file()
    for promised in re.findall(r"out/[\w.-]+\.png", README.read_text()):
        if promised in stdout:
            assert (here / promised).is_file()
    if words[:2] in (["lrcourse", "compare"], ["lrcourse", "range-test"]):
        files = re.findall(r"(?:figure|table):\s+(\S+)", stdout)
        assert files and all(Path(f).is_file() for f in files), stdout[-1000:]


def test_the_library_example_runs(workspace):
    here, env = workspace
    for heading, code in _user_blocks("python"):
        proc = subprocess.run([sys.executable, "-c", code], cwd=here, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, f"[{heading}]\n{code}\n{proc.stderr[-2000:]}"


def test_the_outputs_the_readme_promises_are_ignored_by_git():
    ignored = (REPO_ROOT / ".gitignore").read_text().split()
    for folder in ("out/", "grades/", "demo-output/", "_build/"):
        assert folder in ignored, f"{folder} is not in .gitignore"

"""nbgrader configuration for instructors running nbgrader's own commands from the repository root.

The real configuration lives in autograder/nbgrader_config.py; this file only loads it, so that
`nbgrader generate_assignment sgdr`, `nbgrader autograde sgdr` and the formgrader work from here.
"""

from pathlib import Path

_real = Path(__file__).resolve().parent / "autograder" / "nbgrader_config.py"
exec(compile(_real.read_text(), str(_real), "exec"), {**globals(), "__file__": str(_real)})

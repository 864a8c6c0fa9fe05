"""Grading pipeline of the lrcourse exercises, with nbgrader underneath.

Public entry points (imported lazily, so ``python -m autograder.sandbox`` stays cheap):

- :func:`grade` -> :class:`GradingRun`: grade a folder of submissions (``lrcourse grade``).
- :func:`autograder.release.release`: regenerate ``exercises/`` from ``solutions/`` (``lrcourse release``).
- :func:`autograder.harness.run_part`: called by the test cells of the notebooks.

See ``autograder/SECURITY.md`` for the isolation of student code.
"""

from __future__ import annotations

__all__ = ["grade", "GradingRun", "StudentResult"]


def __getattr__(name):
    if name in {"grade", "GradingRun", "StudentResult"}:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)

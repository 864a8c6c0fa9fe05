"""The application layer: the ``lrcourse`` command line, instant feedback, the schedule designer, the site.

The only part of the package that imports :mod:`autograder` (the grading layer sits between the
library and the application; see ARCHITECTURE.md).
"""

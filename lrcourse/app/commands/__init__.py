"""Subcommands of the ``lrcourse`` CLI, one module each (discovered by :mod:`lrcourse.app.cli`)."""

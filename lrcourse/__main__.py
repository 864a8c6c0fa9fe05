"""``python -m lrcourse``: the command line (same as the ``lrcourse`` script)."""

import sys

from .app.cli import main

sys.exit(main())

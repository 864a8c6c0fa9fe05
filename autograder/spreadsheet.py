"""CSV cells of the grade tables: text a spreadsheet never runs as a formula (CSV injection, OWASP),
and scores in one number format.

A student id comes from a folder name the instructor did not choose: ``=HYPERLINK(...)`` opened in
Excel, LibreOffice or Google Sheets would be evaluated. A text cell that starts with ``= + - @``, a
tab or a carriage return is written with a leading apostrophe, which spreadsheets show as text and
do not evaluate; a cell that starts with an apostrophe gets one more, so :func:`restore` is exact.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["safe", "restore", "number"]

#: first characters that make a spreadsheet read a cell as a formula (and the escape itself)
_ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")


def safe(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet evaluates.

    >>> safe("=HYPERLINK(1)"), safe("ada"), safe("'quoted")
    ("'=HYPERLINK(1)", 'ada', "''quoted")
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return "'" + text if text.startswith(_ESCAPED) else text


def restore(cell: str) -> str:
    """Inverse of :func:`safe`: ``restore(safe(x)) == x`` for every string ``x``.

    >>> restore("'=HYPERLINK(1)"), restore("ada")
    ('=HYPERLINK(1)', 'ada')
    """
    if not isinstance(cell, str):
        raise TypeError(f"cell: expected a str, got {type(cell).__name__}")
    return cell[1:] if cell.startswith("'") else cell


def number(x) -> str:
    """A score as a CSV cell: the shortest ``%g`` form (``10``, ``2.5``).

    >>> number(10.0), number(2.5)
    ('10', '2.5')
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"x: a score must be a finite number, got {x!r}")
    return f"{float(x):g}"

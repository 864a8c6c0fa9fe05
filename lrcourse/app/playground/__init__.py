"""The schedule playground: every schedule family of the course, live in the browser (issue 14).

A Bokeh page whose JavaScript recomputes the curves (a second implementation of lrcourse's
formulas, tested against it), overlays several of them, puts a warm-up in front of any, and shows the
PyTorch and lrcourse code producing the curve being edited. It needs no kernel and no server.

- :func:`playground` shows it in a notebook cell (and, on the course website, as an embedded frame);
- :func:`playground_html` and :func:`write_playground` render the standalone page;
- :data:`FAMILIES` is the one table of families, parameters and code templates.
"""

from .curves import MAX_CURVES, Curve, page_state
from .embed import PlaygroundFrame, playground
from .families import FAMILIES, WARMUP, Family, Param
from .page import build_document, playground_html, write_playground

__all__ = ["FAMILIES", "WARMUP", "Family", "Param", "Curve", "MAX_CURVES", "page_state", "playground",
           "PlaygroundFrame", "build_document", "playground_html", "write_playground"]

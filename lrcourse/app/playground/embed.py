"""The playground inside a notebook cell or a lecture page, as an iframe that needs no kernel.

In JupyterLab the frame holds the whole page in its ``srcdoc`` (BokehJS inline, no extension, no
kernel round-trip when a slider moves). While the course website is built (``lrcourse site`` sets
:data:`SITE_BUILD_ENV`), the frame instead points at the site's ``playground.html?state=...``, so the
browser loads BokehJS once and caches it for every embed.
"""

from __future__ import annotations

import html
import json
import os
from urllib.parse import quote

from lrcourse import _validate as check

from .curves import page_state

__all__ = ["SITE_BUILD_ENV", "PlaygroundFrame", "playground"]

SITE_BUILD_ENV = "LRCOURSE_SITE_BUILD"
"""Environment variable set to ``"1"`` while the website's notebooks run."""


class PlaygroundFrame:
    """An iframe showing the playground; Jupyter displays it through :meth:`_repr_html_`.

    Parameters
    ----------
    state : dict
        The page state (from :func:`~lrcourse.app.playground.curves.page_state`).
    height : int
        Frame height in pixels, ``>= 200``.
    site : bool
        ``True``: point at ``playground.html`` next to the page (the website); ``False``: inline page.
    """

    def __init__(self, state: dict, height: int, site: bool):
        if not isinstance(state, dict) or "curves" not in state:
            raise TypeError("state must be a dict from page_state()")
        self.state = state
        self.height = check.integer("height", height, minimum=200)
        if not isinstance(site, bool):
            raise TypeError(f"site must be True or False, got {type(site).__name__}")
        self.site = site

    @property
    def query(self) -> str:
        """The ``state=...`` query string that reproduces this view on ``playground.html``."""
        return "state=" + quote(json.dumps(self.state, separators=(",", ":")), safe="")

    def _frame(self, source: str) -> str:
        style = f"width:100%;height:{self.height}px;border:1px solid #d0d7de;border-radius:4px"
        return (f'<iframe class="lr-playground" {source} style="{style}" loading="lazy" allow="clipboard-write" '
                'title="Learning-rate schedule playground"></iframe>')

    def _repr_html_(self) -> str:
        if self.site:
            frame = self._frame(f'src="playground.html?embed=1&amp;{self.query}"')
            link = (f'<p style="margin:2px 0 0;font-size:0.9em"><a href="playground.html?{html.escape(self.query)}">'
                    "Open this view in the full playground</a> (with the code that produces it)</p>")
        else:
            from .page import render_state

            frame = self._frame(f'srcdoc="{html.escape(render_state(self.state, "inline", embed=True))}"')
            link = ""
        # Printed pages keep the static matplotlib figure next to the embed, so the frame is not printed.
        return (f'<div class="lr-playground-embed">{frame}{link}'
                "<style>@media print { .lr-playground-embed { display: none; } }</style></div>")

    def __repr__(self):
        families = ", ".join(c["family"] for c in self.state["curves"])
        return f"PlaygroundFrame({families}; steps={self.state['steps']})"


def playground(curves=None, steps: int = 200, per_step: int = 1, log: bool = False, code: bool = False,
               height: int | None = None, site: bool | None = None) -> PlaygroundFrame:
    """The schedule playground for a notebook cell, starting from the given curves.

    Parameters
    ----------
    curves : Curve, lrcourse Schedule, sequence or mapping ``{label: schedule}``, optional
        What the playground starts with (at most six curves); an lrcourse schedule becomes the
        curve of its family, e.g. ``playground({"cosine": CosineAnnealingLR(lr=0.1, T_max=100)})``.
    steps : int, default 200
        Steps drawn.
    per_step : int, default 1
        Points per step (fractional steps when > 1).
    log : bool, default False
        Start on a logarithmic learning-rate axis.
    code : bool, default False
        Show the "copy as code" panel in the frame.
    height : int, optional
        Frame height in pixels (default: fits the plot with the controls under it, as in a
        lecture's column, and the code panel when shown).
    site : bool, optional
        Force the website form (``True``) or the self-contained form (``False``); by default the
        website form is used while ``lrcourse site`` builds the lectures.

    Returns
    -------
    PlaygroundFrame
        Displayed by Jupyter as an iframe; the last expression of a cell shows it.
    """
    state = page_state(curves, steps=steps, per_step=per_step, log=log, code=code)
    if height is None:
        height = 780 + (360 if code else 0)  # fits the stacked layout of a lecture's column
    if site is None:
        site = os.environ.get(SITE_BUILD_ENV) == "1"
    return PlaygroundFrame(state, height, site)

"""A Sphinx extension that reports the site build page by page (``lrcourse site`` turns it on).

Executing the lectures takes a minute or two; without this the build is one silent line. Each page
gets a line when it starts (``[3/19] 03_step_exponential ...``) and its time when it is done, so a
slow or stuck notebook is visible at once. The lines go to :data:`STREAM` (the terminal that ran
``lrcourse site``; nothing when the book is built another way).
"""

from __future__ import annotations

import time

#: Where progress lines go; set by :func:`lrcourse.app.site.build_site`, None to stay silent.
STREAM = None
#: Seconds each page took to read (for a notebook: to execute) in the last build, by page name.
TIMES: dict = {}
_state: dict = {}


def _write(text: str) -> None:
    if STREAM is not None:
        STREAM.write(text)
        STREAM.flush()


def _before(app, env, docnames) -> None:
    _state.update(total=len(docnames), done=0)
    TIMES.clear()
    if docnames:
        verb = "executing and rendering" if app.config.nb_execution_mode != "off" else "rendering"
        _write(f"{verb} {len(docnames)} page(s)\n")
    else:
        _write("every page is up to date (nothing to execute)\n")


def _start(app, docname, source) -> None:
    _state["done"] = _state.get("done", 0) + 1
    _state["started"] = time.perf_counter()
    _state["docname"] = docname
    _write(f"  [{_state['done']}/{_state.get('total', '?')}] {docname} ... ")


def _end(app, doctree) -> None:
    if "started" in _state:
        seconds = time.perf_counter() - _state.pop("started")
        TIMES[_state.get("docname", "?")] = seconds
        _write(f"{seconds:.1f} s\n")


def setup(app):
    app.connect("env-before-read-docs", _before)
    app.connect("source-read", _start)
    app.connect("doctree-read", _end)
    return {"parallel_read_safe": False, "parallel_write_safe": True}

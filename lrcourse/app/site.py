"""Build the lecture website: execute every notebook and render static HTML with Jupyter Book 1.x.

The sources are the MyST Markdown notebooks in ``lectures/`` (order given by ``lectures/_toc.yml``).
Math is rendered by a MathJax 3 copy served from the site's own ``_static/`` folder, so the pages
work without the internet. The schedule playground (``playground.html``, with BokehJS in
``_static/bokeh/``) is written next to the lectures, which embed it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from pathlib import Path

from .. import _validate as check

__all__ = ["EXECUTE_MODES", "default_lectures_dir", "default_out", "lecture_files", "build_site"]

EXECUTE_MODES = ("force", "cache", "off")


def default_lectures_dir() -> Path:
    """The ``lectures/`` folder of the source checkout this package was installed from."""
    from autograder.course import LECTURES_DIR

    return LECTURES_DIR


def _lectures(lectures) -> Path:
    path = Path(lectures) if lectures is not None else default_lectures_dir()
    if not (path / "_toc.yml").is_file() or not (path / "_config.yml").is_file():
        raise FileNotFoundError(f"lectures={str(path)!r} has no _toc.yml and _config.yml (a Jupyter Book folder)")
    return path


def default_out() -> Path:
    """Where the site goes by default: ``_build/site`` in the checkout."""
    from autograder.course import REPO_ROOT

    return REPO_ROOT / "_build" / "site"


def lecture_files(lectures=None) -> list[Path]:
    """Every page of the book in table-of-contents order (root first), as paths to the sources."""
    import yaml

    root = _lectures(lectures)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or ():
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", ()):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    out = []
    for name in names:
        matches = [root / f"{name}{ext}" for ext in (".md", ".ipynb") if (root / f"{name}{ext}").is_file()]
        if not matches:
            raise FileNotFoundError(f"_toc.yml lists {name!r} but {root} has no {name}.md or {name}.ipynb")
        out.append(matches[0])
    return out


@contextlib.contextmanager
def _kernel_stderr_to(sink: io.StringIO):
    """Capture file descriptor 2, which the notebook kernels inherit, into ``sink``.

    Kernels log start-up chatter there (e.g. ipykernel's TCP notice); it is shown only when the
    build fails, as part of the error.
    """
    import sys
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            sink.write(tmp.read().decode(errors="replace"))


@contextlib.contextmanager
def _environment(name: str, value: str):
    """Set an environment variable (inherited by the notebook kernels) for the duration of the block."""
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def build_site(out=None, lectures=None, execute: str = "force", quiet: bool = True, timeout: int = 300) -> Path:
    """Execute the lecture notebooks and build the HTML site; return the path of ``index.html``.

    Parameters
    ----------
    out : path-like, optional
        Output folder; the HTML lands in ``out/html``. Default: ``_build/site`` in the checkout.
    lectures : path-like, optional
        The Jupyter Book source folder (default: the checkout's ``lectures/``).
    execute : {"force", "cache", "off"}
        Run every notebook, reuse cached results when a notebook did not change, or render the
        stored sources without outputs.
    quiet : bool
        Hide Sphinx's progress messages (warnings and errors are still printed).
    timeout : int
        Per-notebook execution limit in seconds.

    Raises
    ------
    RuntimeError
        If Sphinx fails or a notebook raises (the message names the failure).
    """
    check.choice("execute", execute, EXECUTE_MODES)
    timeout = check.integer("timeout", timeout, minimum=1)
    src = _lectures(lectures).resolve()
    out = Path(default_out() if out is None else out).resolve()
    html = out / "html"
    out.mkdir(parents=True, exist_ok=True)
    if execute == "force" and html.exists():
        shutil.rmtree(html)  # no stale pages from lectures that were renamed or removed

    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "external_toc_path": (src / "_toc.yml").as_posix(),
        "nb_execution_mode": execute,
        "nb_execution_timeout": timeout,
        "nb_execution_raise_on_error": True,
        "nb_execution_cache_path": str(out / ".jupyter_cache"),
        "latex_individualpages": False,
    }
    from lrcourse.app.playground import write_playground
    from lrcourse.app.playground.embed import SITE_BUILD_ENV

    sink = io.StringIO()
    started = time.perf_counter()
    from . import site_progress

    site_progress.STREAM = os.fdopen(os.dup(1), "w") if quiet else None  # the terminal, before redirection
    try:
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext(), \
                _kernel_stderr_to(sink) if quiet else contextlib.nullcontext(), _environment(SITE_BUILD_ENV, "1"):
            result = build_sphinx(
                str(src), str(html), noconfig=True, path_config=str(src / "_config.yml"),
                confoverrides=overrides, doctreedir=str(out / ".doctrees"), quiet=quiet,
                freshenv=execute == "force", keep_going=False,
            )
    finally:
        if site_progress.STREAM is not None:
            site_progress.STREAM.close()
            site_progress.STREAM = None
    if result:
        detail = sink.getvalue()[-4000:] if quiet else ""
        raise RuntimeError(f"the site build failed ({result!r}).\n{detail}")
    index = html / "index.html"
    if not index.is_file():
        raise RuntimeError(f"the build finished but {index} is missing")
    if not (html / "_static" / "mathjax" / "tex-chtml.js").is_file():
        raise RuntimeError("MathJax was not copied into _static/mathjax: pip install sphinx-mathjax-offline")
    write_playground(html)  # the lectures' embedded playgrounds point at this page
    build_site.last_seconds = time.perf_counter() - started
    return index

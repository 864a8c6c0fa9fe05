"""Open a lecture in a real JupyterLab server with headless Chromium, run all cells, see the figure."""

from __future__ import annotations


import pytest

from browser import chromium, chromium_path, jupyter_lab, screenshot
from lrcourse.app.site import default_lectures_dir

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.xdist_group("jupyterlab")]

LECTURE = "02_why_schedule"


def _serve(tmp_path, name: str, nb):
    """A JupyterLab server on 127.0.0.1 serving the notebook ``nb`` as ``name.ipynb`` (a context manager)."""
    import jupytext

    chromium_path()
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    jupytext.write(nb, notebook_dir / f"{name}.ipynb")
    return jupyter_lab(notebook_dir, tmp_path)


def _open_and_run_all(browser, server, name: str, height: int = 1000):
    """Open ``name.ipynb`` in JupyterLab, wait for its kernel, run every cell; return the page."""
    base, token = server
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(f"{base}/lab/tree/{name}.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands", timeout=30_000)
    # wait for the kernel to be ready, then run every cell through the Run menu's command
    page.wait_for_function(
        "(() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; })()",
        timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a temp copy of one lecture (as .ipynb)."""
    import jupytext

    with _serve(tmp_path, LECTURE, jupytext.read(default_lectures_dir() / f"{LECTURE}.md")) as server:
        yield server


def test_lecture_runs_in_jupyterlab_and_shows_its_figure(lab):
    with chromium() as browser:
        page = _open_and_run_all(browser, lab, LECTURE)
        page.wait_for_selector(".jp-OutputArea-output img", timeout=90_000)
        page.wait_for_function(
            "(() => { const w = window.jupyterapp.shell.currentWidget;"
            " return w.sessionContext.session.kernel.status === 'idle'; })()", timeout=90_000)
        image = page.locator(".jp-OutputArea-output img").first
        image.scroll_into_view_if_needed()
        assert page.evaluate("document.querySelector('.jp-OutputArea-output img').naturalWidth") > 200
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0
        screenshot(page, "jupyterlab-lecture-02")


PLAYGROUND_CELL = """from lrcourse import CosineAnnealingLR, StepLR
from lrcourse.app.playground import playground

playground({"cosine": CosineAnnealingLR(lr=0.1, T_max=100), "step": StepLR(lr=0.1, step_size=30)}, steps=100)"""


@pytest.fixture
def playground_lab(tmp_path):
    """A JupyterLab server serving a one-cell notebook that shows the schedule playground."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PLAYGROUND_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with _serve(tmp_path, "playground", nb) as server:
        yield server


def test_playground_cell_reacts_without_the_kernel(playground_lab):
    with chromium() as browser:
        page = _open_and_run_all(browser, playground_lab, "playground", height=1100)
        page.wait_for_selector(".jp-OutputArea-output iframe.lr-playground", timeout=90_000)
        page.locator("iframe.lr-playground").scroll_into_view_if_needed()
        frame = page.locator("iframe.lr-playground").element_handle().content_frame()
        frame.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=60_000)
        assert len(frame.evaluate("lrPlayground.state().curves")) == 2
        # no kernel from here on: the page alone redraws when a widget changes
        page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.wait_for_function("!window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=30_000)
        frame.evaluate("async () => { const m = n => Bokeh.documents[0].get_model_by_name(n);"
                       " m('curve').value = '1'; await lrPlayground.settled();"
                       " m('StepLR.gamma').value = 0.5; await lrPlayground.settled(); }")
        y = frame.evaluate("lrPlayground.plotted(1).y")
        assert y[30] == pytest.approx(0.05) and y[60] == pytest.approx(0.025)
        screenshot(page, "jupyterlab-playground")

"""Open a lecture in a real JupyterLab server with headless Chromium, run all cells, see the figure."""

from __future__ import annotations


import pytest

from browser import chromium, chromium_path, jupyter_lab, screenshot
from lrcourse.app.site import default_lectures_dir

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.xdist_group("jupyterlab")]

LECTURE = "02_why_schedule"


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a temp copy of one lecture (as .ipynb)."""
    import jupytext

    chromium_path()
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    nb = jupytext.read(default_lectures_dir() / f"{LECTURE}.md")
    jupytext.write(nb, notebook_dir / f"{LECTURE}.ipynb")
    with jupyter_lab(notebook_dir, tmp_path) as server:
        yield server


def test_lecture_runs_in_jupyterlab_and_shows_its_figure(lab):
    base, token = lab
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/{LECTURE}.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_function("window.jupyterapp && window.jupyterapp.commands", timeout=30_000)
        # wait for the kernel to be ready, then run every cell through the Run menu's command
        page.wait_for_function(
            "(() => { const w = window.jupyterapp.shell.currentWidget;"
            " return w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; })()",
            timeout=60_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
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

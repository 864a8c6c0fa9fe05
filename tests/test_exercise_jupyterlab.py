"""A student's path through a released exercise, in a real JupyterLab driven by headless Chromium:
open ``sgdr.ipynb``, write a (first wrong, then right) solution, run the check cell, read the feedback
and see the plot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.authoring import variants
from browser import chromium, chromium_path, jupyter_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.xdist_group("jupyterlab")]

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "sgdr"


def _released_notebook(dest: Path) -> Path:
    """The released exercise: the committed ``exercises/sgdr/sgdr.ipynb``, else a fresh nbgrader release."""
    committed = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target = dest / f"{ASSIGNMENT}.ipynb"
    if committed.is_file():
        shutil.copy(committed, target)
    else:
        from autograder.release import generate

        out = generate(ASSIGNMENT, dest / "release")
        shutil.copy(out / f"{ASSIGNMENT}.ipynb", target)
    text = target.read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "run_part" not in text
    return target


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on 127.0.0.1 serving a temp folder that holds the released exercise."""
    chromium_path()
    work = tmp_path / "work"
    work.mkdir()
    _released_notebook(work)
    with jupyter_lab(work, tmp_path) as server:
        yield server


_IDLE = ("(() => { const w = window.jupyterapp.shell.currentWidget;"
         " return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
         " && w.sessionContext.session.kernel.status === 'idle'; })()")

_CELL_INDEX = """(needle) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  return cells.findIndex(c => c.model.sharedModel.getSource().includes(needle));
}"""

_SET_SOURCE = """([index, code]) => {
  window.jupyterapp.shell.currentWidget.content.widgets[index].model.sharedModel.setSource(code);
}"""

_RUN_CELL = """async (index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""

_OUTPUT_TEXT = """(index) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
  return cell.node.querySelector('.jp-OutputArea') ? cell.node.querySelector('.jp-OutputArea').innerText : '';
}"""


_SCROLL_TO = """(index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  panel.content.widgets[index].node.scrollIntoView({block: 'start'});
}"""

_IMAGE_WIDTH = """(index) => {
  const img = window.jupyterapp.shell.currentWidget.content.widgets[index].node.querySelector('.jp-OutputArea-output img');
  return img ? img.naturalWidth : 0;
}"""

_HAS_ERROR = """(index) => {
  const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  return node.querySelector(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']") !== null;
}"""


def _run_and_read(page, index: int, expect: str) -> str:
    page.evaluate(_RUN_CELL, index)
    page.wait_for_function(f"(() => {{ const t = ({_OUTPUT_TEXT})({index}); return t.includes({json.dumps(expect)}); }})()",
                           timeout=90_000)
    page.wait_for_function(_IDLE, timeout=60_000)
    return page.evaluate(_OUTPUT_TEXT, index)


def test_student_fills_sgdr_and_gets_instant_feedback(lab):
    base, token = lab
    wrong = variants.VARIANTS[ASSIGNMENT]["off_by_one_restart"][0]["sgdr_solution"].strip()
    right = variants.VARIANTS[ASSIGNMENT]["loop"][0]["sgdr_solution"].strip()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{base}/lab/tree/{ASSIGNMENT}.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_function("window.jupyterapp && window.jupyterapp.commands", timeout=30_000)
        page.wait_for_function(_IDLE, timeout=60_000)

        setup = page.evaluate(_CELL_INDEX, "from lrcourse.feedback import check")
        solution = page.evaluate(_CELL_INDEX, "raise NotImplementedError()")
        check_cell = page.evaluate(_CELL_INDEX, 'check("sgdr", sgdr)')
        assert 0 <= setup < solution < check_cell

        _run_and_read(page, setup, "")  # imports; no output expected
        page.wait_for_function(_IDLE, timeout=60_000)

        # 1. a typical mistake: the check names it precisely
        page.evaluate(_SET_SOURCE, [solution, wrong])
        page.evaluate(_RUN_CELL, solution)
        page.wait_for_function(_IDLE, timeout=60_000)
        text = _run_and_read(page, check_cell, "visible checks")
        assert "your lr restarts at epoch 11, the reference restarts at 10" in text
        assert "7/10" in text

        # 2. the fix: every visible part passes and the plot shows both curves
        page.evaluate(_SET_SOURCE, [solution, right])
        page.evaluate(_RUN_CELL, solution)
        page.wait_for_function(_IDLE, timeout=60_000)
        text = _run_and_read(page, check_cell, "all visible checks pass")
        assert "10/10" in text and "restarts" in text
        page.evaluate(_SCROLL_TO, check_cell)
        page.wait_for_function(f"({_IMAGE_WIDTH})({check_cell}) > 300", timeout=30_000)
        assert page.evaluate(_HAS_ERROR, check_cell) is False
        page.wait_for_timeout(500)
        screenshot(page, "exercise-sgdr-check")

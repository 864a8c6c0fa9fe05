"""Open a lecture in a real JupyterLab server with headless Chromium, run all cells, see the figure."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from browser import chromium, chromium_path, screenshot
from lrcourse.site import default_lectures_dir

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.xdist_group("jupyterlab")]

LECTURE = "02_why_schedule"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"jupyter lab did not answer {url} within {timeout:.0f} s")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a temp copy of one lecture (as .ipynb)."""
    import jupytext

    chromium_path()
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    nb = jupytext.read(default_lectures_dir() / f"{LECTURE}.md")
    jupytext.write(nb, notebook_dir / f"{LECTURE}.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebook_dir}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
           "jupyterlab.NeverCheckForUpdate", "--ServerApp.port_retries=0", "--allow-root"]
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=notebook_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(f"{base}/api/status?token={token}", proc)
        except (RuntimeError, TimeoutError) as exc:
            log.flush()
            raise RuntimeError(f"{exc}\n{(tmp_path / 'lab.log').read_text()[-3000:]}") from None
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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

"""Every lecture notebook executes headless without error and shows its figures."""

from __future__ import annotations

import time

import pytest

from lrcourse.app.site import default_lectures_dir, lecture_files

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("lectures")]

LECTURES = default_lectures_dir()
NOTEBOOKS = {p.stem: p for p in lecture_files(LECTURES) if p.stem != "index"}


def _execute(path):
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - started


@pytest.fixture(scope="module")
def executed():
    """Run each notebook once; keep the executed notebook, or the exception it raised."""
    results = {}
    for name, path in NOTEBOOKS.items():
        try:
            results[name] = _execute(path)
        except Exception as exc:  # reported by the test of that notebook
            results[name] = exc
    total = sum(r[1] for r in results.values() if isinstance(r, tuple))
    print(f"\nexecuted {len(results)} lecture notebooks in {total:.1f} s")
    return results


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_ten_slides_are_there():
    slides = sorted(n for n in NOTEBOOKS if n[:2].isdigit() and int(n[:2]) <= 10)
    assert [int(n[:2]) for n in slides] == list(range(1, 11))


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_executes_without_error(executed, name):
    result = executed[name]
    if isinstance(result, Exception):
        pytest.fail(f"{name} raised while executing:\n{result}")
    nb, _ = result
    errors = [o for c in _code_cells(nb) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_shows_a_figure(executed, name):
    result = executed[name]
    if isinstance(result, Exception):
        pytest.skip("execution failed (reported by test_notebook_executes_without_error)")
    nb, _ = result
    images = [o for c in _code_cells(nb) for o in c.get("outputs", [])
              if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})]
    assert images, f"{name} produced no figure"


def test_lectures_are_thin_and_never_use_static_images():
    for name, path in NOTEBOOKS.items():
        text = path.read_text()
        assert "lrcourse" in text, f"{name} does not use lrcourse"
        assert "![" not in text and "{image}" not in text and "{figure}" not in text, f"{name} embeds a static image"


def test_practice_questions_have_hidden_answers():
    with_answers = [n for n, p in NOTEBOOKS.items() if ":class: dropdown" in p.read_text()]
    assert len(with_answers) >= 5


def test_whole_set_is_fast(executed):
    total = sum(r[1] for r in executed.values() if isinstance(r, tuple))
    assert total < 180, f"the lecture notebooks took {total:.0f} s to execute (budget 180 s)"

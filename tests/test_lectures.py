"""Every lecture notebook executes without error and shows its figures; the whole set stays fast.

The notebooks are executed once, by the site build shared with tests/test_site.py (``built_site`` in
conftest.py): the executed copies are read from ``<out>/jupyter_execute/``. A notebook that raises
fails the build, and the fixture's error names it.
"""

from __future__ import annotations

import nbformat
import pytest

from lrcourse.app.site import default_lectures_dir, lecture_files

pytestmark = [pytest.mark.notebooks, pytest.mark.site, pytest.mark.xdist_group("site")]

LECTURES = default_lectures_dir()
NOTEBOOKS = {p.stem: p for p in lecture_files(LECTURES) if p.stem != "index"}
#: Seconds all lectures together may take to execute on the CI machine (2 cores, tests in parallel).
BUDGET = 180


@pytest.fixture(scope="module")
def executed(built_site):
    return {name: nbformat.read(built_site.executed / f"{name}.ipynb", as_version=4) for name in NOTEBOOKS}


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_ten_slides_are_there():
    slides = sorted(n for n in NOTEBOOKS if n[:2].isdigit() and int(n[:2]) <= 10)
    assert [int(n[:2]) for n in slides] == list(range(1, 11))


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_executes_without_error(executed, name):
    nb = executed[name]
    cells = _code_cells(nb)
    assert cells and all(c.get("execution_count") for c in cells), f"{name} was not executed completely"
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_shows_a_figure(executed, name):
    images = [o for c in _code_cells(executed[name]) for o in c.get("outputs", [])
              if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})]
    assert images, f"{name} produced no figure"


def test_lectures_are_thin_and_never_use_static_images():
    for name, path in NOTEBOOKS.items():
        text = path.read_text()
        assert "lrcourse" in text, f"{name} does not use lrcourse"
        assert "![" not in text and "{image}" not in text and "{figure}" not in text, f"{name} embeds a static image"


def test_practice_questions_have_hidden_answers():
    with_answers = [n for n, p in NOTEBOOKS.items() if ":class: dropdown" in p.read_text()]
    assert len(with_answers) == len(NOTEBOOKS)


def test_whole_set_is_fast(built_site):
    times = {name: built_site.page_seconds.get(name) for name in NOTEBOOKS}
    assert all(t is not None for t in times.values()), f"no execution time recorded for some lectures: {times}"
    total = sum(times.values())
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:3]
    print(f"lectures executed in {total:.0f} s; slowest: " + ", ".join(f"{n} {t:.0f} s" for n, t in slowest))
    assert total < BUDGET, f"the lecture notebooks took {total:.0f} s to execute (budget {BUDGET} s); slowest: {slowest}"

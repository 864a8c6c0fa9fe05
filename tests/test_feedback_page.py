"""The student's feedback page (issue 10): the part table, figures embedded, no hidden test, readable files."""

from __future__ import annotations

import base64
import io
import stat

import nbformat
import pytest

from autograder.outputs import feedback_html
from autograder.pipeline import StudentResult

HIDDEN = "### BEGIN HIDDEN TESTS\nfrom autograder.harness import run_part\nrun_part('sgdr', 'floor', globals())\n### END HIDDEN TESTS"


def _png() -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    nb = nbformat.v4.new_notebook()
    plot = nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1])\n# " + HIDDEN)
    png = _png()
    plot.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="@@lrcourse-record {\"part\": 1}\nmy own print\n" + HIDDEN),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 800x300 with 1 Axes>"}),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(b"GIF89a not a png").decode(),
                                                     "text/plain": "a fake image"}),
    ]
    test = nbformat.v4.new_code_cell("# graded\n" + HIDDEN)
    nb.cells = [plot, test]
    parts = {"first_cycle": {"points": 2.0, "earned": 2.0, "hint": "", "note": "carried forward from x: fine"},
             "floor": {"points": 1.0, "earned": 0.0, "hint": "your lr decays towards 0 <b>", "note": ""}}
    flags = ["timeout: cell 4: no result after 20 s (infinite loop?)",
             "review: part floor: runs code built at run time (exec) at cell 1, line 2: `exec(code)`",
             "reference-implementation: part floor: uses the reference implementation (lrcourse.restart_points) "
             "at cell 1, line 1: `from lrcourse import restart_points`",
             "tampering-suspected: part floor: nbgrader's in-kernel score 1 disagrees"]
    st = StudentResult("alice", 2.0, 3.0, parts, flags, student_cells=[0])
    out = tmp_path_factory.mktemp("out")
    path = out / "feedback" / "alice" / "sgdr" / "sgdr.html"
    feedback_html(path, "SGDR", st, nb)
    return {"path": path, "text": path.read_text(), "png": png, "out": out}


def test_the_students_figure_is_embedded(page):
    assert f"data:image/png;base64,{page['png']}" in page["text"]
    assert page["text"].count("data:image/png") == 1  # the fake PNG is not embedded
    assert "&lt;Figure size" not in page["text"] and "a fake image" in page["text"]


def test_part_table_hint_and_note(page):
    text = page["text"]
    assert "<td>floor</td><td>0 / 1</td><td>your lr decays towards 0 &lt;b&gt;" in text
    assert "carried forward from x: fine" in text and "<b>2 / 3</b>" in text


def test_no_hidden_test_source_and_no_record(page):
    text = page["text"]
    assert "BEGIN HIDDEN" not in text and "run_part(" not in text and "@@lrcourse-record" not in text
    assert "my own print" in text and "# graded" not in text


def test_evidence_is_stated_with_its_line_and_review_without_blame(page):
    text = page["text"]
    assert "cell 1, line 1: `from lrcourse import restart_points`" in text
    review = text.split("Lines your instructor will read", 1)[1].split("<h2>", 1)[0]
    assert "cell 1, line 2: `exec(code)`" in review and "does not change your points" in review
    assert "part floor" not in review and "tampering" not in text


def test_the_student_can_read_the_page(page):
    assert stat.S_IMODE(page["path"].stat().st_mode) == 0o644
    for folder in (page["path"].parent, page["path"].parent.parent, page["out"] / "feedback"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_a_hint_quoting_hidden_tests_is_redacted(tmp_path):
    parts = {"floor": {"points": 1.0, "earned": 0.0, "hint": "ValueError: " + HIDDEN, "note": ""}}
    st = StudentResult("bob", 0.0, 1.0, parts, [])
    path = tmp_path / "feedback" / "bob" / "sgdr" / "sgdr.html"
    feedback_html(path, "SGDR", st, None)
    text = path.read_text()
    assert "BEGIN HIDDEN" not in text and "run_part(" not in text and "ValueError: (hidden tests removed)" in text

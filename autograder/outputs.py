"""What a grading run leaves in ``OUT_DIR``: gradebook, grades.csv, feedback, report.

Only the parent process calls these functions, after the submissions were executed.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from .atomic import write_text
from .harness import RECORD_PREFIX

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|$)", re.S)
STUDENT_FLAGS = ("invalid-notebook", "missing", "wrong-assignment", "wrong-file", "missing-cell", "timeout",
                 "kernel-died", "budget", "reference-implementation", "edited-locked-cells", "restored-cell")


def grades_csv(path, assignment: str, parts: list, students: list) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "score", "max_score", *parts])
    for st in students:
        writer.writerow([st.student_id, assignment, _num(st.score), _num(st.max_score),
                         *(_num(st.parts[p]["earned"]) for p in parts)])
    write_text(path, buf.getvalue())


def _num(x) -> str:
    return f"{float(x):g}"


def _cell(text: str) -> str:
    """A student id safe inside a Markdown table row (no line breaks, no column bars)."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text).replace("|", "\\|")


def gradebook(out_dir: Path, work: Path, assignment: str, root, part_grade_ids: dict, students: list) -> Path:
    """Update ``OUT_DIR/gradebook.db`` (nbgrader's SQLite gradebook) atomically.

    A copy of the current gradebook (manual grades from the formgrader are kept) gets the
    assignment's cells from nbgrader's own ``generate_assignment`` and every student's scores in
    one transaction; the copy then replaces the gradebook with ``os.replace``.
    """
    from nbgrader.api import Gradebook

    from .release import generate

    final = out_dir / "gradebook.db"
    fd, name = tempfile.mkstemp(prefix=".gradebook.", suffix=".db.tmp", dir=work)  # unique per run
    os.close(fd)
    tmp = Path(name)
    if final.exists():
        shutil.copy2(final, tmp)
    else:
        tmp.unlink()
    db_url = f"sqlite:///{tmp}"
    scratch = Path(tempfile.mkdtemp(prefix=".release.", dir=work))
    try:
        generate(assignment, scratch, root, db_url=db_url)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    import warnings

    with warnings.catch_warnings(), Gradebook(db_url, course_id="lrcourse") as gb:
        warnings.simplefilter("ignore")
        for st in students:
            gb.update_or_create_student(st.student_id)
            gb.update_or_create_submission(assignment, st.student_id)
            for part, gid in part_grade_ids.items():
                grade = gb.find_grade(gid, assignment, assignment, st.student_id)
                grade.auto_score = float(st.parts[part]["earned"])
                grade.needs_manual_grade = grade.manual_score is not None and grade.manual_score != grade.auto_score
        gb.db.commit()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def nbgrader_config(out_dir: Path, root) -> None:
    """``OUT_DIR/nbgrader_config.py`` so ``cd OUT_DIR && jupyter lab`` opens this gradebook in the formgrader."""
    text = (
        "# Written by `lrcourse grade`: the formgrader and nbgrader commands run from this folder\n"
        "# see the grades of this run. The source notebooks stay in the course repository.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(out_dir)!r}\n"
        "c.CourseDirectory.course_id = 'lrcourse'\n"
        f"c.CourseDirectory.source_directory = {str(Path(root) / 'solutions')!r}\n"
        f"c.CourseDirectory.release_directory = {str(Path(root) / 'exercises')!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{out_dir / 'gradebook.db'}'\n"
    )
    write_text(out_dir / "nbgrader_config.py", text)


def _student_outputs(cell, limit: int = 2000) -> str:
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            text = "".join(ln for ln in str(out.get("text", "")).splitlines(True) if not ln.startswith(RECORD_PREFIX))
            parts.append(text)
        elif kind == "error":
            parts.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}\n")
        elif kind in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "[figure]"))[:500] + "\n")
    text = "".join(parts)
    if len(text) > limit:
        text = text[:limit] + "\n[... output shortened]"
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)


def feedback_html(path, title: str, st, executed=None) -> None:
    """Per-student HTML: per-part points and hints, flags, the student's own cells. No test source."""
    esc = html.escape
    rows = "".join(
        f"<tr class='{'ok' if p['earned'] >= p['points'] else 'ko'}'><td>{esc(name)}</td>"
        f"<td>{p['earned']:g} / {p['points']:g}</td><td>{esc(p['hint'] or 'correct')}</td></tr>"
        for name, p in st.parts.items())
    notes = [f for f in st.flags if f.split(":")[0] in STUDENT_FLAGS]
    notes_html = "".join(f"<li>{esc(n[:400])}</li>" for n in notes)
    cells_html = ""
    if executed is not None:
        for i in st.student_cells:
            if i >= len(executed.cells):
                continue
            cell = executed.cells[i]
            out = _student_outputs(cell)
            source = HIDDEN_BLOCK.sub("### (hidden tests removed)\n", str(cell.source))[:20000]
            cells_html += (f"<h3>Cell {i}</h3><pre class='src'>{esc(source)}</pre>"
                           + (f"<pre class='out'>{esc(out)}</pre>" if out.strip() else ""))
    text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}: feedback for {esc(st.student_id)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}tr.ok td{{background:#eefbe9}}
tr.ko td{{background:#fdecea}}pre{{background:#f6f6f6;padding:.5em;overflow:auto}}pre.out{{background:#fffbe6}}</style>
</head><body>
<h1>{esc(title)}</h1>
<p>Student <b>{esc(st.student_id)}</b>: <b>{st.score:g} / {st.max_score:g}</b> points.</p>
<table><tr><th>Part</th><th>Points</th><th>Feedback</th></tr>{rows}</table>
{('<h2>Notes from the grader</h2><ul>' + notes_html + '</ul>') if notes_html else ''}
<h2>Your code</h2>{cells_html or '<p>(no code could be read)</p>'}
</body></html>
"""
    write_text(path, text)


def report_md(path, assignment: str, run, isolation: str, probe=None, warnings=()) -> None:
    """Instructor report: sandbox warnings, every student with score and flags, details, sandbox self-check."""
    lines = [f"# Grading report: {assignment}", ""]
    lines += [f"> **{w}**" for w in warnings] + ([""] if warnings else [])
    problem = run.problem() if hasattr(run, "problem") else ""
    lines += [f"> **ERROR: {problem}**", ""] if problem else []
    current = set(getattr(run, "current", run.students))
    earlier = len(set(run.students) - current)
    lines += [f"- students: {len(run.students)}" + (f" ({earlier} of them from earlier runs into this folder)"
                                                    if earlier else "") + f"; seed: {run.seed}; isolation: {isolation}",
              f"- max score: {run.max_score:g}; mean: {run.mean():.2f}"]
    if getattr(run, "ignored", None):
        lines.append(f"- ignored entries of the submissions folder (well-known junk): {', '.join(run.ignored)}")
    lines += ["", "| student | score | status | flags |", "|---|---|---|---|"]
    for st in run.students.values():
        flags = "; ".join(sorted({f.split(':')[0] for f in st.flags})) or ""
        lines.append(f"| {_cell(st.student_id)} | {st.score:g}/{st.max_score:g} | {st.status} | {flags} |")
    lines += ["", "## Details", ""]
    for st in run.students.values():
        if not st.flags:
            continue
        lines.append(f"### {_cell(st.student_id)}")
        lines += [f"- {f[:500]}" for f in st.flags]
        for name, p in st.parts.items():
            if p["earned"] < p["points"]:
                lines.append(f"- part {name}: {p['earned']:g}/{p['points']:g}: {p['hint'][:300]}")
        lines.append("")
    if probe is not None:
        lines += probe.markdown()
    write_text(path, "\n".join(lines) + "\n")

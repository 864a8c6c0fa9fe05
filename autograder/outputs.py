"""What a grading run leaves in ``OUT_DIR``: gradebook, grades.csv, feedback, report.

Only the parent process calls these functions, after the submissions were executed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from . import analytics, feedback_page, spreadsheet
from .atomic import write_text


def grades_csv(path, assignment: str, parts: list, students: list) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "score", "max_score", *parts])
    for st in students:
        numbers = [st.score, st.max_score, *(st.parts[p]["earned"] for p in parts)]
        writer.writerow([spreadsheet.safe(st.student_id), assignment, *map(spreadsheet.number, numbers)])
    write_text(path, buf.getvalue())



def gradebook(out_dir: Path, work: Path, assignment: str, root, part_grade_ids: dict, students: list) -> Path:
    """Update ``OUT_DIR/gradebook.db`` (nbgrader's SQLite gradebook) atomically.

    A copy of the current gradebook (manual grades from the formgrader are kept) gets the
    assignment's cells from nbgrader's own ``generate_assignment`` and every student's scores in
    one transaction; the copy then replaces the gradebook with ``os.replace``
    (:func:`autograder.gradebook.update_gradebook`).
    """
    from .gradebook import Scores, update_gradebook

    scores = Scores(assignment, out_dir, list(part_grade_ids.values()), 0.0)
    for st in students:
        scores.parts[st.student_id] = {gid: (float(st.parts[part]["earned"]), None)
                                       for part, gid in part_grade_ids.items()}
    return update_gradebook(out_dir / "gradebook.db", work, root, {assignment: scores})


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


def feedback_html(path, title: str, st, executed=None) -> None:
    """Per-student HTML page (:mod:`autograder.feedback_page`): parts, hints, figures, no test source."""
    path = Path(path)
    feedback_page.write(path, title, st, executed, top=path.parents[2] if len(path.parents) > 2 else None)


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
        student = analytics.markdown_cell(st.student_id)
        lines.append(f"| {student} | {st.score:g}/{st.max_score:g} | {st.status} | {flags} |")
    lines += [""] + analytics.markdown(analytics.summarize(run))
    lines += ["## Details", ""]
    for st in run.students.values():
        if not st.flags:
            continue
        lines.append(f"### {analytics.markdown_cell(st.student_id)}")
        lines += [f"- {f[:500]}" for f in st.flags]
        for name, p in st.parts.items():
            if p["earned"] < p["points"]:
                lines.append(f"- part {name}: {p['earned']:g}/{p['points']:g}: {p['hint'][:300]}")
        lines.append("")
    if probe is not None:
        lines += probe.markdown()
    write_text(path, "\n".join(lines) + "\n")

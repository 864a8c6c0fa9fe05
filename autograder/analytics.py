"""Class analytics for the instructor: the score histogram, the pass rate of every part, the most frequent
hints, the flagged submissions, as Markdown (inside ``report.md``), HTML (``report.html``) and a figure
(``class.png``).

Hints name numbers of the student's own hidden inputs ("restarts at epoch 16, the reference at 15
(T_0=15, ...)"); :func:`cause` folds them into one line per cause ("restarts at epoch #, the reference
at #") so that the same mistake made by several students is counted together.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_bytes, write_text

_SETTING = re.compile(r"\s*\([^()]*=[^()]*\)")
_RUN = re.compile(r"^run \d+:\s*")
_PLACE = re.compile(r"\s*\(?\bat (?:cell \d+, )?line \d+: `[^`]*`\)?|\s*\bat cell \d+: `[^`]*`")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w])")
TOP_HINTS = 10


def cause(hint: str) -> str:
    """The hint with its numbers and parameter settings folded away (``#`` for each number)."""
    if not isinstance(hint, str):
        raise TypeError(f"hint: expected a string, got {type(hint).__name__}")
    text = _SETTING.sub("", hint)
    text = _RUN.sub("", text)
    text = _PLACE.sub("", text)
    return _NUMBER.sub("#", text).strip()


def reasons(flags, limit: int = 10) -> list:
    """A student's flags without the per-part repetitions (``part x:`` prefixes dropped), at most ``limit``."""
    seen, out = set(), []
    for flag in flags:
        kind, _, rest = str(flag).partition(":")
        rest = re.sub(r"^\s*part \w+:\s*", "", rest).strip()
        if (kind, rest) not in seen:
            seen.add((kind, rest))
            out.append(f"{kind}: {rest}" if rest else kind)
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


@dataclass
class ClassSummary:
    """The numbers of :func:`summarize` (every count is over all students of the run)."""

    assignment: str
    max_score: float
    students: int
    histogram: list = field(default_factory=list)   # [(low, high, count)], the last bin includes high
    pass_rate: dict = field(default_factory=dict)   # part -> (passed, students)
    hints: list = field(default_factory=list)       # [(count, part, cause, example hint)]
    flagged: list = field(default_factory=list)     # [(student, [flags])]
    mean: float = 0.0


def _bins(max_score: float) -> list:
    top = int(round(max_score))
    if top <= 20 and abs(top - max_score) < 1e-9:
        return [(k, k + 1) for k in range(top)] + [(top, top)]
    width = max_score / 10
    return [(k * width, (k + 1) * width) for k in range(10)]


def summarize(run) -> ClassSummary:
    """The class analytics of a grading run (a :class:`autograder.pipeline.GradingRun`)."""
    if not all(hasattr(run, a) for a in ("assignment", "students", "part_names", "max_score")):
        raise TypeError(f"run: expected a GradingRun (assignment, students, part_names, max_score), "
                        f"got {type(run).__name__}")
    students = list(run.students.values())
    summary = ClassSummary(run.assignment, float(run.max_score), len(students))
    scores = [float(s.score) for s in students]
    summary.mean = sum(scores) / len(scores) if scores else 0.0
    bins = _bins(float(run.max_score))
    for i, (low, high) in enumerate(bins):
        last = i == len(bins) - 1
        count = sum(1 for x in scores if (low <= x <= high if last else low <= x < high))
        summary.histogram.append((low, high, count))
    counts, examples = Counter(), {}
    for part in run.part_names:
        passed = sum(1 for s in students if s.parts[part]["earned"] >= s.parts[part]["points"])
        summary.pass_rate[part] = (passed, len(students))
        for s in students:
            p = s.parts[part]
            if p["earned"] < p["points"] and p.get("hint"):
                key = (part, cause(p["hint"]))
                counts[key] += 1
                examples.setdefault(key, p["hint"])
    order = {part: i for i, part in enumerate(run.part_names)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0][0]], kv[0][1]))
    summary.hints = [(n, part, text, examples[(part, text)]) for (part, text), n in ranked[:TOP_HINTS]]
    summary.flagged = [(s.student_id, reasons(s.flags)) for s in students if s.flags]
    return summary


def _label(low, high) -> str:
    if low == high:
        return f"{low:g}"
    return f"{low:g}-{high:g}" if high - low != 1 else f"{low:g}"


def markdown(summary: ClassSummary) -> list:
    """Lines of the class section of ``report.md``."""
    lines = ["## Class summary", "", f"{summary.students} students, mean {summary.mean:.2f} / "
             f"{summary.max_score:g}.", "", "![scores and pass rates](class.png)", "",
             "### Score histogram", "", "| score | students |", "|---|---|"]
    lines += [f"| {_label(lo, hi)} | {n} |" for lo, hi, n in summary.histogram]
    lines += ["", "### Pass rate per part", "", "| part | passed | rate |", "|---|---|---|"]
    for part, (passed, total) in summary.pass_rate.items():
        rate = f"{100 * passed / total:.0f} %" if total else "-"
        lines.append(f"| {part} | {passed}/{total} | {rate} |")
    lines += ["", "### Most frequent hints", ""]
    if summary.hints:
        lines += ["| count | part | hint (numbers as #) |", "|---|---|---|"]
        lines += [f"| {n} | {part} | {markdown_cell(text)} |" for n, part, text, _ in summary.hints]
    else:
        lines.append("(every part of every submission is right)")
    errors = [s for s, flags in summary.flagged if any(f.startswith("grader-error") for f in flags)]
    if errors:
        names = ", ".join(map(markdown_cell, errors))
        lines += ["", f"**{len(errors)} submission(s) with a grader error (grade by hand): {names}**"]
    lines += ["", "### Flagged submissions", ""]
    if summary.flagged:
        for student, flags in summary.flagged:
            lines.append(f"- **{markdown_cell(student)}**")
            lines += [f"  - {markdown_cell(f)[:500]}" for f in flags]
    else:
        lines.append("(none)")
    return lines + [""]


def markdown_cell(text) -> str:
    """``text`` on one line of a Markdown table or list: line breaks and tabs become spaces, other
    control characters U+FFFD, column bars are escaped (a student id is a folder name nobody vetted)."""
    text = str(text).translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text).replace("|", "\\|")


def html_page(summary: ClassSummary, table_rows: list) -> str:
    """``report.html``: the class section and one row per student (``[(student, score, status, flags)]``)."""
    esc = html.escape
    hist = "".join(f"<tr><td>{esc(_label(lo, hi))}</td><td>{n}</td></tr>" for lo, hi, n in summary.histogram)
    rates = "".join(f"<tr><td>{esc(p)}</td><td>{a}/{b}</td><td>{(100 * a / b if b else 0):.0f} %</td></tr>"
                    for p, (a, b) in summary.pass_rate.items())
    hints = "".join(f"<tr><td>{n}</td><td>{esc(p)}</td><td>{esc(t)}</td></tr>" for n, p, t, _ in summary.hints)
    flagged = "".join(f"<li><b>{esc(s)}</b><ul>{''.join(f'<li>{esc(f[:500])}</li>' for f in flags)}</ul></li>"
                      for s, flags in summary.flagged)
    rows = "".join(f"<tr><td>{esc(str(a))}</td><td>{esc(str(b))}</td><td>{esc(str(c))}</td><td>{esc(str(d))}</td></tr>"
                   for a, b, c, d in table_rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grading report: {esc(summary.assignment)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse;margin:.5em 0}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}img{{max-width:100%}}</style>
</head><body>
<h1>Grading report: {esc(summary.assignment)}</h1>
<p>{summary.students} students, mean {summary.mean:.2f} / {summary.max_score:g}.</p>
<img src="class.png" alt="score histogram and pass rate per part">
<h2>Score histogram</h2><table><tr><th>score</th><th>students</th></tr>{hist}</table>
<h2>Pass rate per part</h2><table><tr><th>part</th><th>passed</th><th>rate</th></tr>{rates}</table>
<h2>Most frequent hints</h2>
<table><tr><th>count</th><th>part</th><th>hint (numbers as #)</th></tr>{hints}</table>
<h2>Flagged submissions</h2><ul>{flagged or '<li>(none)</li>'}</ul>
<h2>Students</h2><table><tr><th>student</th><th>score</th><th>status</th><th>flags</th></tr>{rows}</table>
</body></html>
"""


def figure_png(summary: ClassSummary) -> bytes:
    """``class.png``: the score histogram and the pass rate of every part, side by side (Agg backend)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    labels = [_label(lo, hi) for lo, hi, _ in summary.histogram]
    left.bar(range(len(labels)), [n for _, _, n in summary.histogram], color="#4c72b0")
    left.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 12 else 0)
    left.set_xlabel("score")
    left.set_ylabel("students")
    left.set_title(f"{summary.assignment}: scores of {summary.students} students")
    parts = list(summary.pass_rate)
    rates = [100 * a / b if b else 0 for a, b in summary.pass_rate.values()]
    right.barh(range(len(parts)), rates, color="#55a868")
    right.set_yticks(range(len(parts)), parts)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("students who passed the part (%)")
    right.set_title("pass rate per part")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write(out_dir, run) -> ClassSummary:
    """Write ``class.png`` and ``report.html`` into ``out_dir``; return the summary (report.md embeds it)."""
    out = Path(out_dir)
    summary = summarize(run)
    write_bytes(out / "class.png", figure_png(summary))
    rows = [(s.student_id, f"{s.score:g}/{s.max_score:g}", s.status,
             "; ".join(sorted({f.split(':')[0] for f in s.flags}))) for s in run.students.values()]
    write_text(out / "report.html", html_page(summary, rows))
    return summary

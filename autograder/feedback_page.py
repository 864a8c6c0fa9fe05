"""The student's feedback page ``OUT_DIR/feedback/<student>/<A>/<A>.html``.

It shows the part table (points, hint, notes), what the grader noticed (with the exact cell and line,
accusing only on evidence), and the student's own cells with their outputs, figures included as
``data:`` URIs. It never shows the hidden tests: test cells are not the student's, hidden-test blocks
are redacted from whatever a student cell contains, record lines are removed and tracebacks are never
copied. The page is readable by the student: files 0644, folders 0755 below ``OUT_DIR/feedback``.
"""

from __future__ import annotations

import base64
import binascii
import html
import os
import re
from pathlib import Path

from .atomic import write_text
from .harness import RECORD_PREFIX

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?(### END HIDDEN TESTS|$)", re.S)
#: flags whose text the student sees (their own notebook's problems)
STUDENT_FLAGS = ("invalid-notebook", "missing", "wrong-assignment", "wrong-file", "missing-cell", "timeout",
                 "kernel-died", "budget", "edited-locked-cells", "restored-cell")
#: a figure larger than this is not embedded
MAX_IMAGE_BYTES = 2_000_000
#: at most this many figures per page
MAX_IMAGES = 12
FILE_MODE, DIR_MODE = 0o644, 0o755
_PNG = b"\x89PNG\r\n\x1a\n"

STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}tr.ok td{background:#eefbe9}
tr.ko td{background:#fdecea}pre{background:#f6f6f6;padding:.5em;overflow:auto}pre.out{background:#fffbe6}
img.figure{max-width:100%;border:1px solid #ddd}.note{color:#555;font-size:.95em}"""


def _png(data) -> str | None:
    """The base64 text of a PNG output when it really is a PNG of a sane size, else None."""
    text = "".join(data) if isinstance(data, list) else str(data)
    text = re.sub(r"\s+", "", text)
    if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return text if raw.startswith(_PNG) else None


def cell_outputs(cell, limit: int = 2000) -> tuple[str, list]:
    """The printable text of a cell's outputs (record lines removed, capped) and its PNG figures."""
    parts, images = [], []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            parts.append("".join(ln for ln in str(out.get("text", "")).splitlines(True)
                                 if not ln.startswith(RECORD_PREFIX)))
        elif kind == "error":
            name, value = out.get("ename", "Error"), out.get("evalue", "")
            if name == "NotImplementedError" and not str(value).strip():
                value = "a function this cell calls is not implemented yet (it still raises NotImplementedError)"
            parts.append(f"{name}: {value}\n")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            png = _png(data["image/png"]) if "image/png" in data else None
            if png is not None:
                images.append(png)
            elif "text/plain" in data:
                parts.append(str(data["text/plain"])[:500] + "\n")
    text = HIDDEN_BLOCK.sub("### (hidden tests removed)\n", "".join(parts))
    if len(text) > limit:
        text = text[:limit] + "\n[... output shortened]"
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text), images


def _clean(text, limit: int = 1500) -> str:
    """A hint as the page shows it: hidden-test blocks removed (a hint may quote the student's own
    exception message, which the student controls), at most ``limit`` characters."""
    text = HIDDEN_BLOCK.sub("(hidden tests removed)", str(text or ""))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _part_rows(st) -> str:
    esc = html.escape
    rows = []
    for name, p in st.parts.items():
        ok = p["earned"] >= p["points"]
        note = f"<div class='note'>{esc(_clean(p['note']))}</div>" if p.get("note") else ""
        rows.append(f"<tr class='{'ok' if ok else 'ko'}'><td>{esc(name)}</td><td>{p['earned']:g} / {p['points']:g}</td>"
                    f"<td>{esc(_clean(p['hint']) or 'correct')}{note}</td></tr>")
    return "".join(rows)


def _notes(st) -> str:
    esc = html.escape
    own = [f for f in st.flags if f.split(":")[0] in STUDENT_FLAGS]
    evidence = sorted({f.split(":", 1)[1].strip() for f in st.flags if f.startswith("reference-implementation:")})
    review = sorted({f.split(":", 1)[1].strip() for f in st.flags if f.startswith("review:")})
    out = ""
    if own:
        out += "<h2>Notes from the grader</h2><ul>" + "".join(f"<li>{esc(n[:400])}</li>" for n in own) + "</ul>"
    if evidence:
        out += ("<h2>Use of the reference implementation</h2><p>These lines reach the course's reference code, "
                "so the parts it solves earn 0 points:</p><ul>"
                + "".join(f"<li>{esc(e[:500])}</li>" for e in evidence) + "</ul>")
    if review:
        out += ("<h2>Lines your instructor will read</h2><p>The grader cannot tell automatically what these lines "
                "do, so a person will look at them. This does not change your points.</p><ul>"
                + "".join(f"<li>{esc(_without_blame(r)[:500])}</li>" for r in review) + "</ul>")
    return out


def _without_blame(text: str) -> str:
    """A review note as the student reads it: ``part x:`` prefixes dropped."""
    return re.sub(r"^part \w+:\s*", "", text)


def _cells(st, executed) -> str:
    esc = html.escape
    shown, images_left = "", MAX_IMAGES
    for i in st.student_cells:
        if executed is None or i >= len(executed.cells):
            continue
        cell = executed.cells[i]
        text, images = cell_outputs(cell)
        source = HIDDEN_BLOCK.sub("### (hidden tests removed)\n", str(cell.source))[:20000]
        figures = ""
        for png in images[:max(images_left, 0)]:
            figures += f"<p><img class='figure' alt='your figure' src='data:image/png;base64,{png}'></p>"
        images_left -= len(images)
        shown += (f"<h3>Cell {i + 1}</h3><pre class='src'>{esc(source)}</pre>"
                  + (f"<pre class='out'>{esc(text)}</pre>" if text.strip() else "") + figures)
    return shown


def render(title: str, st, executed=None) -> str:
    """The page's HTML (see the module docstring)."""
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}: feedback for {esc(st.student_id)}</title>
<style>{STYLE}</style>
</head><body>
<h1>{esc(title)}</h1>
<p>Student <b>{esc(st.student_id)}</b>: <b>{st.score:g} / {st.max_score:g}</b> points.</p>
<table><tr><th>Part</th><th>Points</th><th>Feedback</th></tr>{_part_rows(st)}</table>
{_notes(st)}
<h2>Your code</h2>{_cells(st, executed) or '<p>(no code could be read)</p>'}
</body></html>
"""


def write(path, title: str, st, executed=None, top=None) -> Path:
    """Write the page to ``path``; files 0644 and folders 0755 from ``top`` (its folder) down."""
    path = Path(path)
    write_text(path, render(title, st, executed))
    os.chmod(path, FILE_MODE)
    top = Path(top) if top is not None else path.parent
    folder = path.parent
    while True:
        os.chmod(folder, DIR_MODE)
        if folder == top or top not in folder.parents:
            break
        folder = folder.parent
    return path

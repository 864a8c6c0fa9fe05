"""Build the notebook that is executed for a submission, from the student's cells and the source.

Like nbgrader's ``OverwriteCells``, every locked cell (tests, instructions, imports given by the
instructor) comes from the SOURCE notebook whatever the student did to it; unlike nbgrader, test cells
that the student deleted are put back in their place, duplicated ids are dropped, and cells the
student added are kept (helpers are allowed). Solution cells come from the student; a missing
solution cell is reported, not replaced (its part then fails by itself).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import nbformat


@dataclass
class Assembled:
    notebook: object
    flags: list = field(default_factory=list)
    student_cells: list = field(default_factory=list)  # indices (in notebook) of student code
    test_cells: dict = field(default_factory=dict)  # grade_id -> index in notebook
    test_indices: set = field(default_factory=set)


def _meta(cell) -> dict:
    md = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = md.get("nbgrader", {}) if isinstance(md, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def read_submission(raw: bytes):
    """Parse a submitted notebook; raise ValueError with a student-readable reason.

    An nbformat 3 notebook (``worksheets`` instead of ``cells``, saved by old Jupyter versions) is
    converted to version 4 and graded; its metadata records ``lrcourse_converted_from = 3``.
    """
    try:
        data = json.loads(raw.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"the file is not a valid notebook (JSON error: {str(exc)[:120]})") from None
    if isinstance(data, dict) and data.get("nbformat") == 3:
        try:
            nb = nbformat.reads(json.dumps(data), as_version=4)
            nb.metadata["lrcourse_converted_from"] = 3
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"this nbformat 3 notebook could not be converted; nbformat v4 required "
                             f"(save it again with Jupyter: {str(exc)[:120]})") from None
        return nb
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("the file is not a Jupyter notebook (no list of cells; nbformat v4 required)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"the notebook cannot be read: {str(exc)[:120]}") from None
    return nb


def assemble(submission, source, release=None) -> Assembled:
    """Merge ``submission`` (student notebook) into the structure of ``source`` (nbgrader source).

    ``release`` (the student version) tells whether a locked cell was edited by the student.
    """
    released = {}
    for cell in (release.cells if release is not None else []):
        gid = _meta(cell).get("grade_id")
        if gid:
            released[gid] = cell.get("source", "")
    src_cells = list(source.cells)
    src_ids = [_meta(c).get("grade_id") for c in src_cells]
    src_by_id = {gid: c for gid, c in zip(src_ids, src_cells) if gid}
    solution_ids = {gid for gid, c in src_by_id.items() if _meta(c).get("solution")}
    locked_ids = {gid for gid, c in src_by_id.items() if not _meta(c).get("solution")}
    flags: list[str] = []

    seen: set = set()
    sub_cells = []
    for cell in submission.cells:
        gid = _meta(cell).get("grade_id")
        if gid and gid in seen:
            flags.append(f"duplicate-cell: dropped a second copy of cell {gid!r}")
            continue
        if gid:
            seen.add(gid)
        if gid and gid not in src_by_id:
            gid = None  # unknown id: treat as the student's own cell
            cell.metadata.pop("nbgrader", None)
        sub_cells.append((gid, cell))

    present = {gid for gid, _ in sub_cells if gid}
    known = present & set(src_by_id)
    if src_by_id and not (known & solution_ids) and not (known & locked_ids):
        flags.append("wrong-assignment: none of this notebook's cells belong to the assignment")
    for gid in sorted(solution_ids - present):
        flags.append(f"missing-cell: the solution cell {gid!r} was deleted")
    for gid in sorted(locked_ids - present):
        if src_by_id[gid].cell_type == "code":
            flags.append(f"restored-cell: the locked cell {gid!r} was missing and has been put back")

    # Walk the source order; emit student cells (and their trailing own cells) in order.
    out = []
    by_gid = {gid: cell for gid, cell in sub_cells if gid}
    # Student cells between known ids: attach own cells to the preceding known id.
    trailing: dict = {None: []}
    last = None
    for gid, cell in sub_cells:
        if gid:
            last = gid
            trailing.setdefault(gid, [])
        else:
            trailing.setdefault(last, []).append(cell)
    out.extend(_own(c) for c in trailing.get(None, []))
    edited = []
    for gid, src in zip(src_ids, src_cells):
        if gid is None:
            continue
        if gid in locked_ids:
            fresh = nbformat.from_dict(json.loads(json.dumps(src)))
            if fresh.cell_type == "code":
                fresh.outputs = []
                fresh.execution_count = None
            student = by_gid.get(gid)
            expected = released.get(gid, src.get("source", ""))
            mine = student.get("source", "").strip() if student is not None else None
            if mine is not None and mine not in (expected.strip(), src.get("source", "").strip()):
                edited.append(gid)
            out.append(fresh)
        elif gid in by_gid:
            cell = by_gid[gid]
            if cell.cell_type != src.cell_type:
                cell = nbformat.from_dict({"cell_type": src.cell_type, "metadata": dict(src.metadata),
                                           "source": cell.get("source", ""),
                                           **({"outputs": [], "execution_count": None}
                                              if src.cell_type == "code" else {})})
            cell.metadata["nbgrader"] = dict(_meta(src))
            out.append(_clear(cell))
        out.extend(_own(c) for c in trailing.get(gid, []))
    if edited:
        flags.append("edited-locked-cells: " + ", ".join(edited) + " (restored from the source)")

    nb = nbformat.v4.new_notebook(metadata=dict(source.metadata))
    nb.cells = out
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"graded-{i}"
    result = Assembled(notebook=nb, flags=flags)
    for i, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            result.test_cells[meta["grade_id"]] = i
            result.test_indices.add(i)
        elif meta.get("solution") or not meta.get("locked"):
            result.student_cells.append(i)
    return result


def _clear(cell):
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def _own(cell):
    cell.metadata.pop("nbgrader", None)
    for key in ("editable", "deletable"):
        cell.metadata.pop(key, None)
    return _clear(cell)

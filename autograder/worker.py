"""Grade ONE submission: the unit of work of the process pool and of Dask workers.

:func:`grade_submission` takes a plain, picklable job dict (the submission's bytes, the source
notebook, the seed, the limits, the staged library, the released data files) and returns a plain dict. It never touches the
gradebook or the output folder: the parent process owns those. The student's code only ever runs
in the sandboxed kernel (:mod:`autograder.sandbox`); this function is the root-side executor.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from .assemble import assemble, read_submission
from .executor import Limits, Sandbox, claim_uid, execute
from .intake import MAX_NOTEBOOK_BYTES
from .kernel_view import stage_library


def default_scratch_root() -> Path:
    """Where the sandboxes' host folders and the staged library go (root: outside ``/tmp``)."""
    if os.geteuid() == 0:
        return Path("/var/lib/lrcourse-grader")
    return Path(tempfile.gettempdir()) / f"lrcourse-grader-{os.getuid()}"


def isolation_summary(network_namespace: bool = True) -> str:
    """What this configuration asks for (the self-check reports what holds)."""
    net = "network + " if network_namespace else ""
    if os.geteuid() == 0:
        return f"bwrap allow-list view, private uid, {net}pid + IPC namespaces, private disk, rlimits"
    return f"DEGRADED (not root): bwrap allow-list view in a user namespace, {net}pid + IPC namespaces, rlimits"


def error_row(job: dict, flag: str, status: str = "grader-error") -> dict:
    """The result of a job that never produced one (a lost worker, a crashed pool)."""
    return {"student_id": job["student_id"], "key": job["key"], "status": status, "flags": [flag], "events": [],
            "notebook": None, "student_cells": [], "test_cells": {}, "seconds": 0.0, "seed": job.get("seed")}


def _library(job: dict, scratch_root: Path) -> Path:
    """The staged library of the job; a worker on another machine stages its own copy."""
    path = job.get("library")
    if path and Path(path).is_dir():
        return Path(path)
    return stage_library(scratch_root)


def grade_submission(job: dict) -> dict:
    """Execute one submission in a sandbox; see the module docstring for the job/result dicts."""
    started = time.monotonic()
    result = {"student_id": job["student_id"], "key": job["key"], "status": "ok", "flags": [],
              "events": [], "notebook": None, "student_cells": [], "test_cells": {},
              "seconds": 0.0, "isolation": isolation_summary(job.get("network_namespace", True)),
              "restarts": 0, "seed": job.get("seed")}
    intake = job.get("intake", {})
    result["flags"] += list(intake.get("flags", []))
    raw = job.get("raw")
    if intake.get("status", "ok") != "ok" or raw is None:
        result["status"] = intake.get("status") if intake.get("status", "ok") != "ok" else "missing"
        if not result["flags"]:
            result["flags"] = ["missing: no notebook was submitted"]
        return result
    if job.get("filename") and job["filename"] != f"{job['assignment']}.ipynb":
        result["flags"].append(f"wrong-file: submitted {job['filename']!r}, "
                               f"expected {job['assignment']}.ipynb")
    if len(raw) > MAX_NOTEBOOK_BYTES:
        result.update(status="invalid", flags=result["flags"] + ["invalid-notebook: larger than 20 MB"])
        return result
    try:
        submission = read_submission(raw)
        if submission.metadata.get("lrcourse_converted_from"):
            result["flags"].append("converted: an nbformat 3 notebook, converted to version 4 and graded")
        source = nbformat.reads(job["source"], as_version=4)
        release = nbformat.reads(job["release"], as_version=4) if job.get("release") else None
        merged = assemble(submission, source, release)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        result.update(status="invalid", flags=result["flags"] + [f"invalid-notebook: {exc}"])
        return result
    result["flags"] += merged.flags
    scratch_root = Path(job.get("scratch_root") or default_scratch_root())
    uid, lock = None, None
    sandbox = None
    try:
        uid, lock = claim_uid(scratch_root, seed=abs(hash((job["student_id"], os.getpid()))) % 30000)
        limits = Limits(**job.get("limits", {}))
        env = {"LRCOURSE_GRADING_SEED": str(job["seed"])}
        env.update(job.get("env", {}))
        token = f"{os.getpid()}-{abs(hash(job['student_id'])) % 10**8}-{time.time_ns() % 10**9}"
        sandbox = Sandbox(scratch_root, token, uid, _library(job, scratch_root), env, limits,
                          files=job.get("files", []), network_namespace=job.get("network_namespace", True),
                          extra_assignment=job.get("extra_assignment"),
                          seed=[f for f in job.get("seed_files", ()) if Path(f[0]).is_file()])  # Dask: maybe not here
        run = execute(merged.notebook, sandbox, limits, skip_replay=merged.test_indices,
                      n_source_cells=job.get("n_source_cells"))
        result["events"] = [{"index": e.index, "kind": e.kind, "detail": e.detail} for e in run.events]
        result["restarts"] = run.restarts
        for ev in run.events:
            result["flags"].append(f"{ev.kind}: cell {ev.index}: {ev.detail}")
        if run.output_dropped:
            result["flags"].append(f"output-capped: {run.output_dropped} bytes of output were not kept")
    except Exception as exc:  # noqa: BLE001 - report, never crash the pool
        result["status"] = "grader-error"
        result["flags"].append(f"grader-error: {type(exc).__name__}: {str(exc)[:300]}")
        result["traceback"] = traceback.format_exc()[-2000:]
    finally:
        if sandbox is not None:
            sandbox.cleanup()
        if lock is not None:
            lock.unlink(missing_ok=True)
    result["notebook"] = nbformat.writes(merged.notebook)
    result["student_cells"] = merged.student_cells
    result["test_cells"] = merged.test_cells
    result["seconds"] = time.monotonic() - started
    return result

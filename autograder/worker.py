"""Grade ONE submission: the unit of work of the process pool and of Dask workers.

:func:`grade_submission` takes a plain, picklable job dict (the submission's bytes, the source
notebook, the seed, the limits, the paths to hide) and returns a plain dict. It never touches the
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

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def default_scratch_root() -> Path:
    """Where private scratch dirs go: outside ``/tmp`` (which the sandbox replaces) when root."""
    if os.geteuid() == 0:
        return Path("/var/lib/lrcourse-grader")
    return Path(tempfile.gettempdir()) / f"lrcourse-grader-{os.getuid()}"


def isolation_summary(network_namespace: bool = True) -> str:
    if os.geteuid() == 0:
        return ("private uid, " + ("network + " if network_namespace else "")
                + "mount + IPC namespaces, rlimits, process group, private scratch dir")
    return "DEGRADED (not root): rlimits, process group and private scratch dir only"


def grade_submission(job: dict) -> dict:
    """Execute one submission in a sandbox; see the module docstring for the job/result dicts."""
    started = time.monotonic()
    result = {"student_id": job["student_id"], "key": job["key"], "status": "ok", "flags": [],
              "events": [], "notebook": None, "student_cells": [], "test_cells": {},
              "seconds": 0.0, "isolation": isolation_summary(job.get("network_namespace", True)),
              "restarts": 0}
    raw = job.get("raw")
    if raw is None:
        result.update(status="missing", flags=["missing: no notebook was submitted"])
        return result
    if job.get("filename") and job["filename"] != f"{job['assignment']}.ipynb":
        result["flags"].append(f"wrong-file: submitted {job['filename']!r}, "
                               f"expected {job['assignment']}.ipynb")
    if len(raw) > MAX_NOTEBOOK_BYTES:
        result.update(status="invalid", flags=result["flags"] + ["invalid-notebook: larger than 20 MB"])
        return result
    try:
        submission = read_submission(raw)
        source = nbformat.reads(job["source"], as_version=4)
        release = nbformat.reads(job["release"], as_version=4) if job.get("release") else None
        merged = assemble(submission, source, release)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        result.update(status="invalid", flags=result["flags"] + [f"invalid-notebook: {exc}"])
        return result
    result["flags"] += merged.flags
    scratch_root = Path(job.get("scratch_root") or default_scratch_root())
    uid, lock = claim_uid(scratch_root, seed=abs(hash((job["student_id"], os.getpid()))) % 30000)
    limits = Limits(**job.get("limits", {}))
    env = {"LRCOURSE_GRADING_SEED": str(job["seed"])}
    env.update(job.get("env", {}))
    token = f"{os.getpid()}-{abs(hash(job['student_id'])) % 10**8}-{int(time.time() * 1000) % 10**6}"
    sandbox = None
    try:
        sandbox = Sandbox(scratch_root, token, uid, job.get("hide", []), env, limits,
                          files=job.get("files", []), network_namespace=job.get("network_namespace", True))
        run = execute(merged.notebook, sandbox, limits, skip_replay=merged.test_indices)
        result["events"] = [{"index": e.index, "kind": e.kind, "detail": e.detail} for e in run.events]
        result["restarts"] = run.restarts
        for ev in run.events:
            result["flags"].append(f"{ev.kind}: cell {ev.index}: {ev.detail}")
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

"""``autograder.grade``: grade a folder of submissions; the engine of ``lrcourse grade``.

The parent process discovers ``SUBMISSIONS_DIR/<student_id>/<A>.ipynb``, sends one job per
submission to a process pool (``jobs``) or a Dask cluster (``dask``), scores each executed notebook
itself, commits a per-student result file ``OUT_DIR/.work/<student>.json`` atomically as soon as it
arrives (a killed run resumes from there), and finally writes, atomically, ``gradebook.db``,
``grades.csv``, ``report.md`` and the HTML feedback. Only this process writes the gradebook.
Before grading, :func:`autograder.probe.probe_sandbox` verifies from inside one sandbox what
isolation a kernel really gets; that verified result is ``GradingRun.isolation``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import analytics, outputs
from .atomic import write_text
from .assignments import get
from .course import RELEASE_DIR, SOURCE_DIR, course_root, source_notebook
from .executor import Limits
from .harness import DEFAULT_SEED
from .probe import probe_sandbox
from .scoring import review_flags, scan, score_parts, test_cell_parts
from .worker import default_scratch_root, grade_submission, isolation_summary

GRADER_VERSION = "1"


@dataclass
class StudentResult:
    """Result of one student: ``parts`` maps part name to ``{points, earned, hint, flags}``."""

    student_id: str
    score: float
    max_score: float
    parts: dict
    flags: list = field(default_factory=list)
    status: str = "ok"
    seconds: float = 0.0
    student_cells: list = field(default_factory=list)

    def earned(self, part: str) -> float:
        return float(self.parts[part]["earned"])


@dataclass
class GradingRun:
    """All results of one ``grade`` call (``run["alice"]`` is alice's :class:`StudentResult`)."""

    assignment: str
    out_dir: Path
    seed: int
    max_score: float
    part_names: list
    students: dict = field(default_factory=dict)
    seconds: float = 0.0
    executed: int = 0
    reused: int = 0
    isolation: str = ""
    probe: object = None
    warnings: list = field(default_factory=list)

    def __getitem__(self, student_id: str) -> StudentResult:
        return self.students[student_id]

    def mean(self) -> float:
        scores = [s.score for s in self.students.values()]
        return sum(scores) / len(scores) if scores else 0.0

    def table(self) -> str:
        """A plain-text summary table (one row per student)."""
        heads = ["student", "score", *self.part_names, "flags"]
        rows = [[s.student_id, f"{s.score:g}/{s.max_score:g}",
                 *(f"{s.parts[p]['earned']:g}" for p in self.part_names),
                 ",".join(sorted({f.split(':')[0] for f in s.flags}))[:60]] for s in self.students.values()]
        widths = [max(len(str(r[i])) for r in [heads, *rows]) for i in range(len(heads))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*heads), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in rows]
        lines.append(f"{len(self.students)} students, mean {self.mean():.2f}/{self.max_score:g}, "
                     f"{self.executed} graded now, {self.reused} reused, {self.seconds:.1f} s")
        lines += list(self.warnings)
        return "\n".join(lines)


def _discover(submissions: Path, assignment: str) -> dict:
    found = {}
    for sub in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        nbs = sorted(sub.glob("*.ipynb"))
        exact = sub / f"{assignment}.ipynb"
        path = exact if exact.is_file() else (nbs[0] if nbs else None)
        found[sub.name] = path
    return found


def _check_id(student_id: str) -> None:
    if not student_id or student_id.startswith(".") or "/" in student_id or len(student_id) > 200:
        raise ValueError(f"submissions: invalid student folder name {student_id!r}")


def grade(assignment: str, submissions_dir, out_dir, jobs: int | None = None, timeout: float = 60.0,
          memory: int = 2048, seed: int | None = None, resume: bool = True, dask=None,
          progress: bool = True, root=None, network: bool = True) -> GradingRun:
    """Grade every ``submissions_dir/<student_id>/<assignment>.ipynb`` into ``out_dir``.

    Parameters
    ----------
    assignment : str
        Assignment id (``solutions/<A>/<A>.ipynb`` and ``autograder/assignments/<A>.py``).
    submissions_dir, out_dir : path
        Input folder of student folders; output folder (created, mode 0700).
    jobs : int, optional
        Submissions graded in parallel (default ``os.cpu_count()``).
    timeout : float
        Wall-time limit per cell, in seconds (the kernel is killed and restarted after it).
    memory : int
        Address-space limit of a student's kernel, in MB.
    seed : int, optional
        Base seed of the hidden inputs (default: fixed per assignment, so re-runs agree).
    resume : bool
        Reuse the per-student results of an earlier run with the same inputs (default True).
    dask : str or distributed.Client, optional
        ``"local"`` for a local Dask cluster, a scheduler address, or a ``Client``.
    progress : bool
        Show a tqdm progress bar.
    network : bool
        Give each kernel a private network namespace (default True; when False the sandbox
        self-check lists the network as not isolated, without a warning).
    """
    started = time.monotonic()
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    if not isinstance(memory, int) or memory < 256:
        raise ValueError(f"memory: expected an integer >= 256 (MB), got {memory!r}")
    jobs = int(jobs or os.cpu_count() or 1)
    if jobs < 1:
        raise ValueError(f"jobs: expected a positive integer, got {jobs}")
    root = course_root(root)
    module = get(assignment)
    src_path = source_notebook(assignment, root)
    source_text = src_path.read_text(encoding="utf-8")
    source_nb = nbformat.reads(source_text, as_version=4)
    part_of = test_cell_parts(source_nb, assignment)
    part_grade_ids = {part: gid for gid, part in part_of.items()}
    submissions = Path(submissions_dir).resolve()
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir: {submissions} is not a directory")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    work = out / ".work"
    work.mkdir(exist_ok=True)
    if seed is None:
        seed = DEFAULT_SEED + zlib.crc32(assignment.encode()) % 100_000
    limits = {"timeout": float(timeout), "memory_mb": int(memory)}
    release_dir = root / RELEASE_DIR / assignment
    release_nb = release_dir / f"{assignment}.ipynb"
    release_text = release_nb.read_text(encoding="utf-8") if release_nb.is_file() else None
    files = [str(p) for p in sorted(release_dir.glob("*")) if p.is_file() and p.suffix != ".ipynb"]
    hide = sorted({str(root / SOURCE_DIR), str(root / ".git"), str(out), str(submissions),
                   *(str(p) for p in root.glob("*.db")), str(root / "autograded"), str(root / "submitted"),
                   str(root / "feedback")})
    env = {k: v for k, v in os.environ.items() if k == "LRCOURSE_EXTRA_ASSIGNMENTS"}
    base = hashlib.sha256((GRADER_VERSION + source_text + json.dumps([seed, limits, network])).encode()).hexdigest()

    run = GradingRun(assignment, out, int(seed), float(sum(p.points for p in module.parts)),
                     [p.name for p in module.parts], isolation=isolation_summary(network))
    # verify, from inside a sandbox like the students' ones, what isolation the kernel really gets
    run.probe = probe_sandbox(root, out, submissions, hide, env, Limits(**limits), network_namespace=network,
                              scratch_root=default_scratch_root())
    run.isolation = run.probe.summary() + (" (probed on this host; Dask workers are not probed)" if dask else "")
    run.warnings = run.probe.warnings()
    for line in run.warnings:
        print(f"lrcourse grade: {line}", file=sys.stderr)
    todo, results = [], {}
    for student_id, path in _discover(submissions, assignment).items():
        _check_id(student_id)
        raw = path.read_bytes() if path is not None else None
        key = hashlib.sha256(base.encode() + (raw or b"<missing>")).hexdigest()
        cached = work / f"{student_id}.json"
        if resume and cached.is_file():
            try:
                prior = json.loads(cached.read_text(encoding="utf-8"))
                if prior.get("key") == key:
                    results[student_id] = prior
                    continue
            except (json.JSONDecodeError, OSError):
                pass
        todo.append({"assignment": assignment, "student_id": student_id, "key": key, "raw": raw,
                     "filename": path.name if path is not None else None, "source": source_text,
                     "release": release_text,
                     "seed": int(seed), "limits": limits, "hide": hide, "files": files, "env": env,
                     "scratch_root": str(default_scratch_root()), "network_namespace": network})
    run.reused = len(results)
    run.executed = len(todo)
    if os.geteuid() != 0:
        print("lrcourse grade: warning: not running as root, student code is NOT isolated from this "
              "user's files (rlimits and process groups only)", file=sys.stderr)

    def commit(res: dict) -> None:
        write_text(work / f"{res['student_id']}.json", json.dumps(res))
        results[res["student_id"]] = res

    _execute_all(todo, commit, jobs, dask, progress)

    for student_id in sorted(results):
        run.students[student_id] = _score_one(module, assignment, int(seed), results[student_id],
                                              part_of, run.max_score)
    _write_outputs(run, out, work, root, part_grade_ids, results)
    run.seconds = time.monotonic() - started
    return run


def _execute_all(todo: list, commit, jobs: int, dask, progress: bool) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), desc="grading", unit="nb", disable=not progress or not todo)
    try:
        if not todo:
            return
        if dask is not None:
            from .dask_backend import run_on_dask

            run_on_dask(todo, commit, dask, jobs, bar)
        elif jobs == 1 or len(todo) == 1:
            for job in todo:
                commit(grade_submission(job))
                bar.update()
        else:
            _pool(todo, commit, jobs, bar)
    finally:
        bar.close()


def _pool(todo: list, commit, jobs: int, bar) -> None:
    import multiprocessing

    pending = list(todo)
    for attempt in range(3):
        if not pending:
            return
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(grade_submission, job): job for job in pending}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    commit(fut.result())
                    bar.update()
                except BrokenProcessPool:
                    broken.append(job)
                except Exception as exc:  # noqa: BLE001
                    commit({"student_id": job["student_id"], "key": job["key"], "status": "grader-error",
                            "flags": [f"grader-error: {type(exc).__name__}: {exc}"], "events": [],
                            "notebook": None, "student_cells": [], "test_cells": {}, "seconds": 0.0})
                    bar.update()
        pending = broken
    for job in pending:
        commit({"student_id": job["student_id"], "key": "retry", "status": "grader-error",
                "flags": ["grader-error: the grading worker crashed three times"], "events": [],
                "notebook": None, "student_cells": [], "test_cells": {}, "seconds": 0.0})
        bar.update()


def _score_one(module, assignment: str, seed: int, res: dict, part_of: dict, max_score: float) -> StudentResult:
    zero = {p.name: {"points": float(p.points), "earned": 0.0, "hint": "", "flags": []} for p in module.parts}
    flags = list(res.get("flags", []))
    if res.get("notebook") is None:
        reason = flags[-1] if flags else res.get("status", "not graded")
        for p in zero.values():
            p["hint"] = reason
        return StudentResult(res["student_id"], 0.0, max_score, zero, flags, res.get("status", "ok"),
                             res.get("seconds", 0.0))
    executed = nbformat.reads(res["notebook"], as_version=4)
    student_sources = [(i, executed.cells[i].source) for i in res.get("student_cells", []) if i < len(executed.cells)]
    evidence = scan(student_sources)
    flags += review_flags(evidence, module)
    test_cells = {gid: int(i) for gid, i in res.get("test_cells", {}).items()}
    parts = {}
    for ps in score_parts(module, assignment, seed, executed, test_cells, part_of, evidence,
                          res.get("events", [])):
        parts[ps.name] = {"points": ps.points, "earned": ps.earned, "hint": ps.hint, "flags": ps.flags,
                          "in_kernel": ps.in_kernel, "note": ps.note}
        flags += [f"{f.split(':')[0]}: part {ps.name}:{f.split(':', 1)[1] if ':' in f else ''}" for f in ps.flags]
    total = round(sum(p["earned"] for p in parts.values()), 6)
    return StudentResult(res["student_id"], total, max_score, parts, flags, res.get("status", "ok"),
                         res.get("seconds", 0.0), list(res.get("student_cells", [])))


def _write_outputs(run: GradingRun, out: Path, work: Path, root: Path, part_grade_ids: dict, results: dict) -> None:
    students = list(run.students.values())
    title = run.assignment
    for st in students:
        res = results[st.student_id]
        executed = nbformat.reads(res["notebook"], as_version=4) if res.get("notebook") else None
        if executed is not None:
            write_text(out / "autograded" / st.student_id / run.assignment / f"{run.assignment}.ipynb",
                       nbformat.writes(executed))
        outputs.feedback_html(out / "feedback" / st.student_id / run.assignment / f"{run.assignment}.html",
                              title, st, executed)
    outputs.gradebook(out, work, run.assignment, root, part_grade_ids, students)
    outputs.grades_csv(out / "grades.csv", run.assignment, run.part_names, students)
    outputs.report_md(out / "report.md", run.assignment, run, run.isolation, probe=run.probe,
                      warnings=run.warnings)
    analytics.write(out, run)
    outputs.nbgrader_config(out, root)

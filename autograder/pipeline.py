"""``autograder.grade``: grade a folder of submissions; the engine of ``lrcourse grade``.

The parent process validates the options, reads ``SUBMISSIONS_DIR/<student_id>/<A>.ipynb`` as data
(:mod:`autograder.intake`), takes ``OUT_DIR``'s lock and checks that the folder belongs to this
assignment (:mod:`autograder.outdir`), stages the kernel's library (:mod:`autograder.kernel_view`),
sends one job per submission to a process pool (``jobs``; workers die with the parent) or a Dask
cluster (``dask``), scores each executed notebook itself, commits a per-student result file
``OUT_DIR/.work/<student>.json`` atomically as soon as it arrives (a killed run resumes from
there), and finally rebuilds, atomically, ``gradebook.db``, ``grades.csv``, ``report.md`` and the
HTML feedback from EVERY result in ``.work/``: a later batch adds rows, a resubmission updates its
row, no row is ever lost. Only this process writes the gradebook.
Before grading, :func:`autograder.probe.probe_sandbox` verifies from inside one sandbox what
isolation a kernel really gets; that verified result is ``GradingRun.isolation``.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import math
import os
import signal
import socket
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
from .course import RELEASE_DIR, course_root, source_notebook
from .executor import Limits, prune_scratch
from .harness import DEFAULT_SEED
from .intake import discover, file_name
from .kernel_view import bwrap_available, font_cache, prune_libraries, stage_library
from .outdir import OutDirLock, check_out_dir, claim
from .probe import course_files, probe_sandbox, walk_roots
from .scoring import review_flags, scan, score_parts, test_cell_parts
from .worker import default_scratch_root, error_row, grade_submission, isolation_summary

GRADER_VERSION = "2"
PR_SET_PDEATHSIG = 1
DASK_CONNECT_SECONDS = 3.0


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
    current: list = field(default_factory=list)  # students of this run's submissions folder
    ignored: list = field(default_factory=list)  # well-known junk entries of the folder

    def problem(self) -> str:
        """Why this run must exit non-zero (``""`` when it graded someone)."""
        now = [self.students[s] for s in self.current if s in self.students]
        errors = [st for st in now if st.status == "grader-error"]
        if errors and len(errors) == len(now):
            return f"every submission hit a grader error (first: {errors[0].flags[-1][:200]}); see report.md"
        if not any(st.status == "ok" for st in now):
            counts: dict = {}
            for st in now:
                counts[st.status] = counts.get(st.status, 0) + 1
            why = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no entries"
            return f"no submission could be graded ({why}); see report.md"
        return ""

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


def _check_options(jobs, timeout, memory, seed) -> None:
    """Validate ``grade``'s options: ValueError/TypeError naming the parameter."""
    for name, value, low, high, integer in (("jobs", jobs, 1, 256, True), ("timeout", timeout, 1.0, 86400.0, False),
                                            ("memory", memory, 256, 1 << 20, True), ("seed", seed, 0, 2**32 - 1, True)):
        if value is None and name in ("jobs", "seed"):
            continue
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            raise TypeError(f"{name}: expected {'an integer' if integer else 'a number'}, got {value!r}")
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"{name}: expected a finite value in [{low:g}, {high:g}], got {value!r}")


def check_dask(address, seconds: float = DASK_CONNECT_SECONDS) -> None:
    """Refuse an unreachable Dask scheduler address within ``seconds`` (``"local"`` and clients pass)."""
    if address is None or not isinstance(address, str) or address == "local":
        return
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp", "tls"):
        return  # other transports: distributed itself reports
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--dask: expected 'local' or an address such as tcp://host:8786, got {address!r}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except OSError as exc:
        raise ValueError(f"--dask: cannot reach the Dask scheduler at {address} within {seconds:g} s "
                         f"({exc.strerror or type(exc).__name__})") from None


def _course_inodes(root: Path, submissions: Path) -> frozenset:
    """(device, inode) of every course file outside the submissions folder: a hard link to one is refused."""
    files, _ = course_files(walk_roots(root))
    inodes = set()
    for path in files:
        if not path.startswith(str(submissions) + os.sep):
            try:
                st = os.lstat(path)
                inodes.add((st.st_dev, st.st_ino))
            except OSError:
                continue
    return frozenset(inodes)


def _load_work(work: Path) -> dict:
    """Every committed result in ``.work/`` (the rows of earlier runs included)."""
    results = {}
    for path in sorted(work.glob("*.json")):
        if path.name.startswith(".") or not path.is_file() or path.is_symlink():
            continue
        try:
            res = json.loads(path.read_text(encoding="utf-8"))
            sid = res["student_id"]
        except (ValueError, KeyError, TypeError, OSError):
            continue
        if isinstance(sid, str) and path.name == f"{file_name(sid)}.json":
            results[sid] = res
    return results


def grade(assignment: str, submissions_dir, out_dir, jobs: int | None = None, timeout: float = 60.0,
          memory: int = 2048, seed: int | None = None, resume: bool = True, dask=None,
          progress: bool = True, root=None, network: bool = True) -> GradingRun:
    """Grade every ``submissions_dir/<student_id>/<assignment>.ipynb`` into ``out_dir``.

    Parameters
    ----------
    assignment : str
        Assignment id (``solutions/<A>/<A>.ipynb`` and ``autograder/assignments/<A>.py``).
    submissions_dir, out_dir : path
        Input folder of student folders; output folder (created, mode 0700). ``out_dir`` holds one
        assignment; it must not be inside the submissions folder nor hold it.
    jobs : int, optional
        Submissions graded in parallel, 1 to 256 (default ``os.cpu_count()``).
    timeout : float
        Wall-time limit per cell in seconds, finite, 1 to 86400 (the kernel is killed and restarted
        after it). A submission's whole budget is :meth:`~autograder.executor.Limits.budget`.
    memory : int
        Address-space limit of a student's kernel, in MB (at least 256).
    seed : int, optional
        Base seed of the hidden inputs, 0 to 2**32 - 1 (default: fixed per assignment, so re-runs agree).
    resume : bool
        Reuse the per-student results of an earlier run with the same inputs (default True).
    dask : str or distributed.Client, optional
        ``"local"`` for a local Dask cluster, a scheduler address, or a ``Client``.
    progress : bool
        Show a tqdm progress bar.
    network : bool
        Give each kernel a private network namespace (default True; when False the sandbox
        self-check lists the network as not isolated, without a warning).

    Raises
    ------
    ValueError
        A bad option, an unreachable Dask scheduler, a submissions folder without the expected layout,
        an ``out_dir`` that is a file, nests with the submissions, holds another assignment or is
        being graded by another run, or a missing ``bwrap``.
    """
    started = time.monotonic()
    _check_options(jobs, timeout, memory, seed)
    check_dask(dask)
    missing = bwrap_available()
    if missing:
        raise ValueError(f"sandbox: {missing}")
    course = _Assignment.load(assignment, course_root(root))
    submissions = Path(submissions_dir).resolve()
    if not submissions.is_dir():
        raise ValueError(f"submissions_dir: {submissions} is not a directory")
    out = Path(out_dir).resolve()
    check_out_dir(out, submissions)
    entries, junk = discover(submissions, assignment, _course_inodes(course.root, submissions))
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    if seed is None:
        seed = DEFAULT_SEED + zlib.crc32(assignment.encode()) % 100_000
    options = {"jobs": int(jobs or os.cpu_count() or 1), "seed": int(seed), "resume": resume, "dask": dask,
               "progress": progress, "network": network, "limits": {"timeout": float(timeout), "memory_mb": int(memory)}}
    with OutDirLock(out):
        claim(out, assignment)
        run = _grade_locked(course, entries, junk, submissions, out, options)
    run.seconds = time.monotonic() - started
    return run


@dataclass
class _Assignment:
    """What the grader reads of one assignment: module, source notebook, which test cell grades which part."""

    name: str
    module: object
    root: Path
    source_text: str
    part_of: dict  # grade_id -> part

    @classmethod
    def load(cls, name: str, root: Path) -> _Assignment:
        module = get(name)
        text = source_notebook(name, root).read_text(encoding="utf-8")
        return cls(name, module, root, text, test_cell_parts(nbformat.reads(text, as_version=4), name))

    @property
    def source_cells(self) -> int:
        return sum(c.cell_type == "code" for c in nbformat.reads(self.source_text, as_version=4).cells)


def _shared_job(course: _Assignment, options: dict, scratch_root: Path) -> dict:
    """The part of every job that does not depend on the student: notebooks, limits, the kernel's view."""
    release_dir = course.root / RELEASE_DIR / course.name
    release_nb = release_dir / f"{course.name}.ipynb"
    extra = os.environ.get("LRCOURSE_EXTRA_ASSIGNMENTS")
    extra_module = Path(extra) / f"{course.name}.py" if extra else None
    library = stage_library(scratch_root)
    prune_libraries(scratch_root, keep=library)
    prune_scratch(scratch_root)
    fonts = font_cache(scratch_root)
    return {"assignment": course.name, "source": course.source_text,
            "release": release_nb.read_text(encoding="utf-8") if release_nb.is_file() else None,
            "seed": options["seed"], "limits": options["limits"], "network_namespace": options["network"],
            "files": [str(p) for p in sorted(release_dir.glob("*"))
                      if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb"],
            "library": str(library), "scratch_root": str(scratch_root), "n_source_cells": course.source_cells,
            "extra_assignment": str(extra_module) if extra_module is not None and extra_module.is_file() else None,
            "seed_files": [(str(fonts), f".mpl/{fonts.name}")] if fonts is not None else []}


def _grade_locked(course: _Assignment, entries: dict, junk: list, submissions: Path, out: Path,
                  options: dict) -> GradingRun:
    work = out / ".work"
    work.mkdir(exist_ok=True)
    for stale in work.glob(".*.tmp"):  # half-written files of a killed run
        stale.unlink(missing_ok=True)
    scratch_root = default_scratch_root()
    shared = _shared_job(course, options, scratch_root)
    limits, network, seed = options["limits"], options["network"], options["seed"]
    base = hashlib.sha256((GRADER_VERSION + course.source_text + json.dumps([seed, limits, network])).encode()).hexdigest()

    run = GradingRun(course.name, out, seed, float(sum(p.points for p in course.module.parts)),
                     [p.name for p in course.module.parts], isolation=isolation_summary(network))
    run.current = sorted(entries)
    run.ignored = list(junk)
    # verify, from inside a sandbox like the students' ones, what isolation the kernel really gets
    run.probe = probe_sandbox(course.root, out, submissions, shared["library"], {}, Limits(**limits),
                              network_namespace=network, scratch_root=scratch_root, files=shared["files"])
    run.isolation = run.probe.summary() + (" (probed on this host; Dask workers are not probed)"
                                           if options["dask"] else "")
    run.warnings = run.probe.warnings()
    for line in run.warnings:
        print(f"lrcourse grade: {line}", file=sys.stderr)
    results = _load_work(work)
    todo = []
    for student_id, entry in entries.items():
        key = hashlib.sha256(base.encode() + (entry.raw or b"<missing>") + json.dumps(entry.flags).encode()).hexdigest()
        prior = results.get(student_id)
        if options["resume"] and prior is not None and prior.get("key") == key:
            run.reused += 1
            continue
        todo.append(dict(shared, student_id=student_id, key=key, raw=entry.raw, filename=entry.filename,
                         intake={"status": entry.status, "flags": entry.flags}))
    run.executed = len(todo)

    def commit(res: dict) -> None:
        write_text(work / f"{file_name(res['student_id'])}.json", json.dumps(res))
        results[res["student_id"]] = res

    _execute_all(todo, commit, options["jobs"], options["dask"], options["progress"])

    for student_id in sorted(results):
        run.students[student_id] = _score_one(course.module, course.name, seed, results[student_id],
                                              course.part_of, run.max_score)
    _write_outputs(run, out, work, course.root, {part: gid for gid, part in course.part_of.items()}, results)
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


def _die_with_parent(parent: int) -> None:
    """Pool initializer: SIGKILL this worker when the grading process dies (even by ``kill -9``)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _pool(todo: list, commit, jobs: int, bar) -> None:
    import multiprocessing

    pending = list(todo)
    for _ in range(3):
        if not pending:
            return
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(grade_submission, job): job for job in pending}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    commit(fut.result())
                    bar.update()
                except BrokenProcessPool:
                    broken.append(job)
                except Exception as exc:  # noqa: BLE001
                    commit(error_row(job, f"grader-error: {type(exc).__name__}: {exc}"))
                    bar.update()
        pending = broken
    for job in pending:
        commit(dict(error_row(job, "grader-error: the grading worker crashed three times"), key="retry"))
        bar.update()


def _score_one(module, assignment: str, seed: int, res: dict, part_of: dict, max_score: float) -> StudentResult:
    zero = {p.name: {"points": float(p.points), "earned": 0.0, "hint": "", "flags": []} for p in module.parts}
    flags = list(res.get("flags", []))
    seed = int(res.get("seed") or seed)  # a row of an earlier run is scored with that run's seed
    if res.get("status") == "grader-error":  # the grader's fault: never scored, never called tampering
        flags = [f for f in flags if f.startswith("grader-error")] or ["grader-error: unknown"]
        res = dict(res, notebook=None)
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
        name = file_name(st.student_id)
        executed = nbformat.reads(res["notebook"], as_version=4) if res.get("notebook") else None
        if executed is not None:
            write_text(out / "autograded" / name / run.assignment / f"{run.assignment}.ipynb",
                       nbformat.writes(executed))
        outputs.feedback_html(out / "feedback" / name / run.assignment / f"{run.assignment}.html",
                              title, st, executed)
    outputs.gradebook(out, work, run.assignment, root, part_grade_ids, students)
    outputs.grades_csv(out / "grades.csv", run.assignment, run.part_names, students)
    outputs.report_md(out / "report.md", run.assignment, run, run.isolation, probe=run.probe,
                      warnings=run.warnings)
    analytics.write(out, run)
    outputs.nbgrader_config(out, root)

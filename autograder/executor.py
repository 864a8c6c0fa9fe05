"""Run a notebook in a sandboxed kernel, surviving whatever the student's code does.

Each code cell runs with a wall-time limit of ``min(timeout, what is left of the submission's
budget)``; the budget comes from the SOURCE notebook's cells, so cells a student adds cannot
stretch it, and kernel starts and replays spend it too. When a cell times out or the kernel dies
(``os._exit``, segfault, ``RLIMIT_CPU``, killed process group...), every process of the sandbox uid
is killed, a fresh kernel is started, the cells that had succeeded before are replayed silently,
and execution goes on with the next cell: later parts still earn their points. Outputs are capped
per cell, per submission and per message, so huge or binary output cannot exhaust the grader's
memory or disk (:class:`OutputBudget`).

The kernel starts through ``python -m autograder.sandbox`` with a bwrap view from
:mod:`autograder.kernel_view`. Its connection file and ``ipc://`` sockets live in a host runtime
folder that the kernel may write only while it starts: once the kernel answers, the folder and the
connection file go back to root (:meth:`Sandbox.lock_runtime`).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import math
import os
import pwd
import re
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .kernel_view import bwrap_command, drop_privileges, kernel_view, passwd_lines, seccomp_filter

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: outputs of a test cell kept even when the submission's output budget is spent (its record line)
TEST_CELL_RESERVE = 256 * 1024
OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data"}


def _check_number(name: str, value, minimum: float, integer: bool = False) -> None:
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise TypeError(f"{name}: expected {kind}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value < minimum:
        raise ValueError(f"{name}: expected a finite value >= {minimum:g}, got {value!r}")


@dataclass
class Limits:
    """Resource limits of one submission.

    ``timeout`` is the wall time of one cell (s, finite, >= 1); ``output_bytes`` and
    ``output_total`` cap the output kept per cell and per submission; ``disk_mb`` is the private
    scratch space (``HOME``, ``/tmp``, ``/dev/shm`` together); ``nproc`` the processes and threads of
    the submission's uid. The wall-time budget of a submission is :meth:`budget`.
    """

    timeout: float = 60.0
    memory_mb: int = 2048
    fsize_mb: int = 64
    output_bytes: int = 1_000_000
    output_total: int = 2_000_000
    disk_mb: int = 256
    disk_inodes: int = 20_000
    nproc: int = 128
    total_seconds: float | None = None
    cpu_seconds: int | None = None

    def __post_init__(self):
        _check_number("timeout", self.timeout, 1.0)
        for name, minimum in (("memory_mb", 256), ("fsize_mb", 1), ("output_bytes", 1000), ("output_total", 1000),
                              ("disk_mb", 8), ("disk_inodes", 100), ("nproc", 16)):
            _check_number(name, getattr(self, name), minimum, integer=True)
        if self.total_seconds is not None:
            _check_number("total_seconds", self.total_seconds, 1.0)
        if self.cpu_seconds is not None:
            _check_number("cpu_seconds", self.cpu_seconds, 1, integer=True)

    def budget(self, n_source_cells: int) -> float:
        """Wall-time budget (s) of a submission whose SOURCE notebook has ``n_source_cells`` code cells:
        ``total_seconds``, else ``max(4 timeout, 60) + 5 n_source_cells``."""
        return float(self.total_seconds or max(4 * self.timeout, 60.0) + 5.0 * n_source_cells)

    def cpu(self) -> int:
        return int(self.cpu_seconds or max(2 * self.timeout, 30))

    def rlimits(self) -> dict:
        return {"memory_mb": self.memory_mb, "cpu_seconds": self.cpu(), "fsize_mb": self.fsize_mb,
                "nproc": self.nproc, "nofile": 512}


@dataclass
class CellEvent:
    """Something that went wrong while running one cell."""

    index: int
    kind: str  # "timeout", "kernel-died", "skipped", "budget"
    detail: str = ""


@dataclass
class Execution:
    notebook: object
    events: list = field(default_factory=list)
    restarts: int = 0
    seconds: float = 0.0
    isolation: str = ""
    output_dropped: int = 0


class OutputBudget:
    """What output of a submission is kept: ``per_cell`` bytes per cell and ``total`` per submission.

    A graded test cell (in ``protected``) keeps its first :data:`TEST_CELL_RESERVE` bytes even when
    the submission's total is spent, so a student's flood never hides a record line of the grader.
    """

    def __init__(self, total: int, per_cell: int, protected=()):
        _check_number("total", total, 1, integer=True)
        _check_number("per_cell", per_cell, 1, integer=True)
        self.total, self.per_cell = int(total), int(per_cell)
        self.protected = set(protected)
        self.used = 0
        self.cells: dict = {}
        self.noted: set = set()
        self.dropped = 0

    def admit(self, index: int, size: int) -> bool:
        cell = self.cells.get(index, 0) + size
        if cell > self.per_cell:
            return self._drop(size)
        if index in self.protected and cell <= TEST_CELL_RESERVE:
            self.cells[index] = cell
            return True
        if self.used + size > self.total:
            return self._drop(size)
        self.used += size
        self.cells[index] = cell
        return True

    def _drop(self, size: int) -> bool:
        self.dropped += size
        return False

    def notice(self, index: int) -> str | None:
        """The one-time notice for a cell whose output was cut (None if already given)."""
        if index in self.noted:
            return None
        self.noted.add(index)
        return (f"\n[lrcourse grader: later output of this cell dropped: at most {self.per_cell} bytes per cell "
                f"and {self.total} bytes per submission are kept]\n")


class _CappedClient(NotebookClient):
    """nbclient that keeps output within an :class:`OutputBudget`, ignores widget comms, drops replay output."""

    budget: OutputBudget | None = None
    replaying = False

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type", "")
        if kind.startswith("comm"):
            return None  # no widget state is kept: it would bypass every cap
        if kind in OUTPUT_MESSAGES:
            if self.replaying:
                return None
            size = len(json.dumps(msg.get("content", {}), default=str))
            if self.budget is not None and not self.budget.admit(cell_index, size):
                note = self.budget.notice(cell_index)
                if note:
                    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=note))
                return None
        return super().process_message(msg, cell, cell_index)


class SandboxKernelManager(AsyncKernelManager):
    """Kernel manager that starts the kernel through ``python -m autograder.sandbox``."""

    sandbox_config_path: str = ""

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd and os.path.basename(cmd[0]).startswith("python"):
            cmd[0] = sys.executable
        return [sys.executable, "-m", "autograder.sandbox", self.sandbox_config_path, "--", *cmd]


def _kill_uid(uid: int | None, pgid: int | None) -> None:
    """Kill the kernel's process group and, when it has a private uid, every process of that uid."""
    if pgid:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if uid is None or os.geteuid() != 0:
        return
    for _ in range(20):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
                    found = True
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not found:
            return
        time.sleep(0.05)


BASE_ENV = {"USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


class Sandbox:
    """The sandbox of one submission: its private uid, limits, kernel view and host runtime folders.

    Parameters
    ----------
    scratch_root : path
        Where the host folders go (``<scratch_root>/<token>/``: runtime folders, disk mount point, logs).
    token : str
        Unique name of this sandbox.
    uid : int or None
        Private uid (root grader) or None (not root: an unprivileged user namespace).
    library : path
        The staged library (:func:`autograder.kernel_view.stage_library`).
    env : dict
        Extra environment of the kernel (e.g. the grading seed).
    limits : Limits
        Resource limits.
    files : list of path
        Released data files, bound read-only into ``HOME``.
    network_namespace : bool
        A private network namespace (default True).
    extra_assignment : path, optional
        ``$LRCOURSE_EXTRA_ASSIGNMENTS/<A>.py`` when the assignment lives outside the package.
    seed : list of (path, str)
        Host files copied to ``HOME/<str>`` of a private disk before the kernel starts (root only).
    """

    def __init__(self, scratch_root: Path, token: str, uid: int | None, library, env: dict, limits: Limits,
                 files=(), network_namespace: bool = True, extra_assignment=None, seed=()):
        if not isinstance(limits, Limits):
            raise TypeError(f"limits: expected an autograder.executor.Limits, got {type(limits).__name__}")
        self.root = Path(scratch_root) / token
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, mode=0o711)
        os.chmod(self.root, 0o711)
        self.uid = uid
        self.limits = limits
        self.network_namespace = network_namespace
        self.library = Path(library)
        self.files = [str(f) for f in files]
        self.extra_assignment = extra_assignment
        self.extra_binds: list = []  # (host path, sandbox path): only for tests of the self-check
        self.env = dict(BASE_ENV, **env)
        if extra_assignment is not None:
            from .kernel_view import EXTRA

            self.env["LRCOURSE_EXTRA_ASSIGNMENTS"] = EXTRA
        self.disk = self.root / "disk"
        self.disk.mkdir(mode=0o700)
        self.seed = [tuple(map(str, s)) for s in seed]  # (host file, path under HOME) copied into a private disk
        self.seccomp = seccomp_filter()

    def runtime_dir(self, name: str) -> Path:
        """A fresh host folder for one kernel's connection file and sockets, writable by the kernel."""
        path = self.root / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(mode=0o700)
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)
        return path

    def view(self, runtime: Path):
        from dataclasses import replace

        view = kernel_view(self.library, runtime, self.files, self.extra_assignment)
        return replace(view, extra=tuple(tuple(b) for b in self.extra_binds))

    def config(self, runtime: Path, chown=()) -> dict:
        """The launcher's config for a process whose runtime folder is ``runtime``."""
        view = self.view(runtime)
        root = self.uid is not None
        disk = ({"path": str(self.disk), "bytes": self.limits.disk_mb * 1024 * 1024,
                 "inodes": self.limits.disk_inodes, "uid": self.uid, "seed": self.seed} if root else None)
        env = dict(self.env, **view.env())
        env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
        return {"uid": self.uid, "disk": disk, "chown": [str(p) for p in chown], "limits": self.limits.rlimits(),
                "bwrap": bwrap_command(view, uid=self.uid, network=self.network_namespace,
                                       disk=self.disk if root else None, disk_mb=self.limits.disk_mb),
                "prefix": drop_privileges(self.uid) if root else [], "data": passwd_lines(self.uid), "env": env,
                "seccomp": self.seccomp.hex() if self.seccomp else None}

    def write_config(self, cfg: dict, name: str) -> Path:
        path = self.root / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(cfg, fh)
        return path

    def kernel_manager(self, attempt: int) -> SandboxKernelManager:
        runtime = self.runtime_dir(f"rt-{attempt}")
        km = SandboxKernelManager(kernel_name="python3", transport="ipc")
        km.connection_file = str(runtime / "kernel.json")
        km.sandbox_config_path = str(self.write_config(self.config(runtime, chown=[km.connection_file]),
                                                       f"sandbox-{attempt}.json"))
        km.lrcourse_runtime = runtime
        return km

    def lock_runtime(self, km) -> None:
        """After start-up: the kernel can no longer create or grow anything in its runtime folder."""
        runtime = getattr(km, "lrcourse_runtime", None)
        if runtime is None or self.uid is None:
            return
        for entry in os.scandir(runtime):
            if entry.is_file(follow_symlinks=False):
                os.chown(entry.path, 0, 0)
                os.chmod(entry.path, 0o644)
        os.chown(runtime, 0, 0)
        os.chmod(runtime, 0o755)

    def kill(self, km) -> None:
        pgid = None
        try:
            proc = getattr(km.provisioner, "process", None)
            pgid = proc.pid if proc is not None else None
        except Exception:  # noqa: BLE001
            pass
        _kill_uid(self.uid, pgid)

    def cleanup(self) -> None:
        _kill_uid(self.uid, None)
        shutil.rmtree(self.root, ignore_errors=True)


def _set_message_cap() -> None:
    import zmq

    for ctx in {zmq.Context.instance()}:
        ctx.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    try:
        import zmq.asyncio

        zmq.asyncio.Context.instance().setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    except Exception:  # noqa: BLE001
        pass


def _spent(run: Execution, cells: list, budget: float) -> None:
    for rest in cells:
        run.events.append(CellEvent(rest, "budget", f"not run: the submission's {budget:.0f} s budget is spent"))


async def _execute(nb, sandbox: Sandbox, limits: Limits, skip_replay: set, n_source_cells: int) -> Execution:
    _set_message_cap()
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    run = Execution(notebook=nb)
    start = time.monotonic()
    budget = limits.budget(n_source_cells)
    outputs = OutputBudget(limits.output_total, limits.output_bytes, protected=skip_replay)
    done_ok: list[int] = []
    pos = 0
    attempt = 0
    logs: list = []

    def remaining() -> float:
        return budget - (time.monotonic() - start)

    def cell_timeout(cell) -> float:
        return max(1.0, min(float(limits.timeout), remaining()))

    while pos < len(code_cells):
        if remaining() < 1.0:
            _spent(run, code_cells[pos:], budget)
            break
        attempt += 1
        km = sandbox.kernel_manager(attempt)
        client = _CappedClient(nb, km=km, timeout=float(limits.timeout), timeout_func=cell_timeout,
                               allow_errors=True, interrupt_on_timeout=False,
                               startup_timeout=max(1.0, min(60.0, remaining())), record_timing=False,
                               shutdown_kernel="immediate", iopub_timeout=5, raise_on_iopub_timeout=False,
                               store_widget_state=False,
                               extra_arguments=["--HistoryManager.hist_file=:memory:"])
        client.budget = outputs
        failure = None
        limited_by_budget = False
        started_at = pos
        try:
            log = open(sandbox.root / "kernel.log", "ab")  # noqa: SIM115 - closed below
            logs.append(log)
            async with client.async_setup_kernel(stdout=log, stderr=log):
                sandbox.lock_runtime(km)
                client.replaying = True
                for idx in done_ok:  # replay the state built before the crash
                    if idx not in skip_replay:
                        limited_by_budget = remaining() < limits.timeout
                        shadow = nbformat.v4.new_code_cell(nb.cells[idx].source)
                        await client.async_execute_cell(shadow, idx)
                client.replaying = False
                while pos < len(code_cells):
                    idx = code_cells[pos]
                    if remaining() < 1.0:
                        _spent(run, code_cells[pos:], budget)
                        pos = len(code_cells)
                        break
                    limited_by_budget = remaining() < limits.timeout
                    pos += 1
                    await client.async_execute_cell(nb.cells[idx], idx)
                    done_ok.append(idx)
        except (CellTimeoutError, asyncio.TimeoutError, TimeoutError):
            failure = (("budget", f"stopped: the submission's {budget:.0f} s budget ran out in this cell")
                       if limited_by_budget else
                       ("timeout", f"no result after {limits.timeout:g} s (infinite loop?)"))
        except DeadKernelError:
            failure = ("kernel-died", "the kernel died (exit, crash, killed, CPU or memory limit)")
        except Exception as exc:  # noqa: BLE001  kernel failed to start, channels died...
            failure = ("kernel-died", f"{type(exc).__name__}: {str(exc)[:200]}")
        finally:
            sandbox.kill(km)
            try:
                await client._async_cleanup_kernel()
            except Exception:  # noqa: BLE001
                pass
            atexit.unregister(client._cleanup_kernel)
        if failure is not None:
            if pos == started_at:  # failed while starting or replaying: the next cell is lost, never retried forever
                pos += 1
            failed = code_cells[pos - 1]
            run.events.append(CellEvent(failed, *failure))
            run.restarts += 1
            nb.cells[failed].outputs.append(nbformat.v4.new_output(
                "error", ename="GraderError", evalue=f"{failure[0]}: {failure[1]}", traceback=[]))
    for log in logs:
        log.close()
    run.seconds = time.monotonic() - start
    run.output_dropped = outputs.dropped
    return run


def _busy_uids() -> set:
    uids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                uids.add(os.stat(f"/proc/{entry}").st_uid)
            except FileNotFoundError:
                pass
    return uids


def execute(nb, sandbox: Sandbox, limits: Limits, skip_replay=(), n_source_cells: int | None = None) -> Execution:
    """Execute ``nb`` in place in ``sandbox``; see the module docstring.

    ``n_source_cells`` (the SOURCE notebook's code cells) sets the wall-time budget
    (:meth:`Limits.budget`); by default the code cells of ``nb`` count.
    """
    if n_source_cells is None:
        n_source_cells = sum(c.cell_type == "code" for c in nb.cells)
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_execute(nb, sandbox, limits, set(skip_replay), int(n_source_cells)))
    finally:
        loop.close()


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_scratch(scratch_root) -> None:
    """Remove the host folders and uid claims that killed graders left (their process is gone)."""
    root = Path(scratch_root)
    if not root.is_dir():
        return
    for entry in root.iterdir():
        match = re.fullmatch(r"(?:probe-)?(\d+)-[\w-]+", entry.name)
        try:
            if match and entry.is_dir() and not entry.is_symlink() and not _alive(int(match.group(1))):
                shutil.rmtree(entry, ignore_errors=True)
            elif re.fullmatch(r"uid-\d+\.lock", entry.name) and not _alive(int(entry.read_text() or "0")):
                entry.unlink(missing_ok=True)
        except (OSError, ValueError):
            continue


def claim_uid(scratch_root: Path, seed: int, base: int = 62000, span: int = 30000):
    """Claim a private uid (with a lock file in ``scratch_root``) when running as root, else None.

    The uid has no processes and no live claim by another grader, so killing "every process of the
    uid" after a submission can never touch anything else.
    """
    if os.geteuid() != 0:
        return None, None
    root = Path(scratch_root)
    root.mkdir(parents=True, exist_ok=True, mode=0o711)
    busy = _busy_uids()
    for k in range(span):
        uid = base + (seed + k) % span
        if uid in busy:
            continue
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        lock = root / f"uid-{uid}.lock"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                pid = int(lock.read_text() or "0")
                os.kill(pid, 0)
                continue
            except (ValueError, ProcessLookupError, FileNotFoundError):
                lock.unlink(missing_ok=True)
                continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        return uid, lock
    raise RuntimeError("no free sandbox uid")

"""Run a notebook in a sandboxed kernel, surviving whatever the student's code does.

Each code cell runs with a wall-time limit. When a cell times out or the kernel dies (``os._exit``,
segfault, ``RLIMIT_CPU``, killed process group...), every process of the sandbox uid is killed, a
fresh kernel is started, the cells that had succeeded before are replayed silently, and execution
goes on with the next cell: later parts still earn their points. Outputs are capped per cell and
per message so that huge or binary output cannot exhaust the grader's memory.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import pwd
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

MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def _package_dirs() -> list:
    """Source folders of the packages the kernel imports (editable installs point into the checkout)."""
    import autograder
    import lrcourse

    return [os.path.dirname(os.path.realpath(m.__file__)) for m in (lrcourse, autograder)]


@dataclass
class Limits:
    """Resource limits of one submission (``timeout`` is per cell, in seconds)."""

    timeout: float = 60.0
    memory_mb: int = 2048
    fsize_mb: int = 64
    output_bytes: int = 1_000_000
    total_seconds: float | None = None
    cpu_seconds: int | None = None

    def budget(self, n_cells: int) -> float:
        return self.total_seconds or max(4 * self.timeout, 60.0) + 5.0 * n_cells

    def cpu(self) -> int:
        return int(self.cpu_seconds or max(2 * self.timeout, 30))


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


class _CappedClient(NotebookClient):
    """nbclient with a per-cell output cap (outputs beyond it are dropped with one notice)."""

    output_cap = 1_000_000

    def output(self, outs, msg, display_id, cell_index):
        used = getattr(self, "_used", {})
        self._used = used
        size = len(json.dumps(msg.get("content", {}), default=str))
        total = used.get(cell_index, 0) + size
        used[cell_index] = total
        if total > self.output_cap:
            if not getattr(self, "_noted", set()).__contains__(cell_index):
                self._noted = getattr(self, "_noted", set()) | {cell_index}
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"\n[lrcourse grader: output of this cell truncated at {self.output_cap} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


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
    for _ in range(3):
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


class Sandbox:
    """A private scratch directory and the sandbox config of one submission."""

    def __init__(self, scratch_root: Path, token: str, uid: int | None, hide: list, env: dict,
                 limits: Limits, files: list | None = None, network_namespace: bool = True):
        self.root = Path(scratch_root) / token
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, mode=0o711)
        os.chmod(self.root, 0o711)
        self.home = self.root / "home"
        self.home.mkdir(mode=0o700)
        self.uid = uid
        self.gid = uid
        for src in files or []:
            shutil.copy2(src, self.home / Path(src).name)
        if uid is not None:
            for dirpath, dirnames, filenames in os.walk(self.home):
                for name in dirnames + filenames:
                    os.chown(os.path.join(dirpath, name), uid, uid)
            os.chown(self.home, uid, uid)
        base_env = {
            "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home), "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(self.home / ".mpl"),
            "IPYTHONDIR": str(self.home / ".ipython"), "JUPYTER_RUNTIME_DIR": str(self.home / ".rt"),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        base_env.update(env)
        self.config = {
            "uid": uid, "gid": uid, "scratch": str(self.home), "cwd": str(self.home),
            "hide": [str(p) for p in hide], "env": base_env, "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu(), "fsize_mb": limits.fsize_mb,
            "network_namespace": network_namespace, "chown": [],
            "expose": sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                              os.path.dirname(os.path.realpath(sys.executable)), *_package_dirs()}),
        }
        self.config_path = self.root / "sandbox.json"

    def kernel_manager(self, attempt: int) -> SandboxKernelManager:
        km = SandboxKernelManager(kernel_name="python3", transport="ipc")
        km.connection_file = str(self.home / f"kernel-{attempt}.json")
        cfg = dict(self.config, chown=[km.connection_file])
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(cfg, fh)
        km.sandbox_config_path = str(self.config_path)
        return km

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


async def _execute(nb, sandbox: Sandbox, limits: Limits, skip_replay: set) -> Execution:
    _set_message_cap()
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    run = Execution(notebook=nb)
    start = time.monotonic()
    budget = limits.budget(len(code_cells))
    done_ok: list[int] = []
    pos = 0
    attempt = 0
    logs: list = []
    while pos < len(code_cells) and attempt <= len(code_cells):
        attempt += 1
        km = sandbox.kernel_manager(attempt)
        client = _CappedClient(nb, km=km, timeout=int(limits.timeout), allow_errors=True,
                               interrupt_on_timeout=False, startup_timeout=60, record_timing=False,
                               shutdown_kernel="immediate", iopub_timeout=5,
                               raise_on_iopub_timeout=False,
                               extra_arguments=["--HistoryManager.hist_file=:memory:"])
        client.output_cap = limits.output_bytes
        failure = None
        try:
            log = open(sandbox.root / "kernel.log", "ab")  # noqa: SIM115 - closed below
            logs.append(log)
            async with client.async_setup_kernel(stdout=log, stderr=log):
                for idx in done_ok:  # replay the state built before the crash
                    if idx not in skip_replay:
                        shadow = nbformat.v4.new_code_cell(nb.cells[idx].source)
                        await client.async_execute_cell(shadow, idx)
                while pos < len(code_cells):
                    idx = code_cells[pos]
                    if time.monotonic() - start > budget:
                        for rest in code_cells[pos:]:
                            run.events.append(CellEvent(rest, "budget", f"not run: the {budget:.0f} s budget is spent"))
                        pos = len(code_cells)
                        break
                    pos += 1
                    await client.async_execute_cell(nb.cells[idx], idx)
                    done_ok.append(idx)
        except (CellTimeoutError, asyncio.TimeoutError, TimeoutError):
            failure = ("timeout", f"no result after {limits.timeout:.0f} s (infinite loop?)")
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
            failed = code_cells[pos - 1] if pos else code_cells[0]
            if not pos:
                pos = 1
            run.events.append(CellEvent(failed, *failure))
            run.restarts += 1
            nb.cells[failed].outputs.append(nbformat.v4.new_output(
                "error", ename="GraderError", evalue=f"{failure[0]}: {failure[1]}", traceback=[]))
    for log in logs:
        log.close()
    run.seconds = time.monotonic() - start
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


def execute(nb, sandbox: Sandbox, limits: Limits, skip_replay=()) -> Execution:
    """Execute ``nb`` in place in ``sandbox``; see the module docstring."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_execute(nb, sandbox, limits, set(skip_replay)))
    finally:
        loop.close()


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

"""Sandbox self-check: verify from INSIDE a sandbox what isolation the kernel actually got.

Once per grading run, :func:`probe_sandbox` builds the same :class:`~autograder.executor.Sandbox`
(private uid, the bwrap allow-list view of :mod:`autograder.kernel_view`, limits, network option)
a submission gets, starts it through the same launcher (``python -m autograder.sandbox``) and,
instead of a Jupyter kernel, runs the observer :mod:`autograder._probe_inside` in it. The grader
prepares things the sandbox must NOT reach (every file of the course tree, a canary file in
``OUT_DIR``, a canary in the grader's ``/tmp``, a canary environment variable, a TCP port listening
on 127.0.0.1) and compares the observed facts with what this configuration should give. The
observer also lists the staged library it sees: any file that the allow-list
(:data:`autograder.kernel_view.KERNEL_LIBRARY`) does not name fails the check. A mechanism that
should be active but is not becomes a loud warning; grading goes on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import kernel_view as kv
from .executor import Limits, Sandbox, claim_uid

INSIDE = Path(__file__).with_name("_probe_inside.py")
MB = 1024 * 1024
#: folders of the course tree that the walk skips: generated output, never secret, often huge
#: (the Python installation is skipped too: it is in the view on purpose)
BULKY = frozenset({"_build", "node_modules", ".tox", ".nox"})
MAX_FILES = 100_000
SHARED = ("/run", "/run/lock", "/var/tmp", "/var/lock", "/dev/mqueue")


@dataclass
class Check:
    """One verified fact: ``holds`` is what the probe saw, ``expected`` whether it should hold."""

    name: str
    mechanism: str
    expected: bool
    holds: bool
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.holds:
            return "verified"
        return "NOT IN FORCE" if self.expected else "not active (expected here)"


@dataclass
class ProbeReport:
    """Result of :func:`probe_sandbox`; ``status`` is VERIFIED, DEGRADED, FAILED or UNVERIFIED."""

    root: bool
    checks: list = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    facts: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def status(self) -> str:
        if self.error:
            return "UNVERIFIED"
        if any(c.expected and not c.holds for c in self.checks):
            return "FAILED"
        return "VERIFIED" if self.root else "DEGRADED (not root)"

    def warnings(self) -> list:
        if self.error:
            return [f"WARNING: sandbox self-check could not run: {self.error}"]
        return [f"WARNING: sandbox self-check: {c.mechanism} is NOT in force ({c.detail[:300]})"
                for c in self.checks if c.expected and not c.holds]

    def summary(self) -> str:
        """One line: status, what holds, what does not."""
        if self.error:
            return f"UNVERIFIED (sandbox self-check failed: {self.error})"
        held = [c.name for c in self.checks if c.holds]
        missing = [c.name for c in self.checks if not c.holds]
        text = f"{self.status} by sandbox self-check ({self.seconds:.2f} s): holds: {', '.join(held) or 'nothing'}"
        if missing:
            text += f"; NOT isolated: {', '.join(missing)}"
        return text

    def markdown(self) -> list:
        """Lines of the ``report.md`` section."""
        lines = ["## Sandbox self-check", "",
                 f"Status: **{self.status}** (probe ran inside the submission sandbox in {self.seconds:.2f} s)", ""]
        if self.error:
            return lines + [f"The probe could not run: {self.error}", ""]
        lines += ["| check | mechanism | result | observed |", "|---|---|---|---|"]
        for c in self.checks:
            lines.append(f"| {c.name} | {c.mechanism} | {c.verdict} | {c.detail.replace('|', '/')[:600]} |")
        return lines + [""]


def walk_roots(course_root) -> list:
    """Folders whose files the kernel must not read: the course root, the checkout holding the packages,
    and the installed package folders themselves (hidden even inside the Python installation)."""
    roots = {Path(course_root).resolve()}
    for name in kv.PACKAGES:
        pkg = kv.package_dir(name)
        roots.add(pkg)
        if not any(str(pkg).startswith(d + os.sep) for d in kv.python_dirs()):
            roots.add(pkg.parent)
    return sorted(roots)


def course_files(roots, max_files: int = MAX_FILES) -> tuple:
    """``(files, truncated)``: every file under ``roots``, symlinks not followed, skipping the Python
    installation (allowed on purpose, except the package folders inside it) and :data:`BULKY`."""
    python = set(kv.python_dirs())
    packages = {str(kv.package_dir(n)) for n in kv.PACKAGES}
    found: set = set()
    for top in roots:
        for dirpath, dirnames, filenames in os.walk(top):
            keep = []
            for d in sorted(dirnames):
                full = os.path.join(dirpath, d)
                inside_python = full in python or (any(full.startswith(p + os.sep) for p in python)
                                                   and not any(full.startswith(k) or k.startswith(full + os.sep)
                                                               for k in packages))
                if d not in BULKY and not inside_python:
                    keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                found.add(os.path.join(dirpath, name))
                if len(found) >= max_files:
                    return sorted(found), True
    return sorted(found), False


def _hidden(read_or_list: dict, real_entries: int | None = None, real_sha: str | None = None):
    status = read_or_list.get("status")
    if status in ("denied", "missing") or str(status).startswith("error"):
        return True, status
    if status == "listed":
        n = read_or_list["entries"]
        return n == 0 and bool(real_entries), f"{n} of {real_entries} entries visible"
    if status == "read":
        same = read_or_list.get("sha256") == real_sha
        return not same, ("content readable" if same else f"reads {read_or_list['bytes']} other bytes")
    return False, str(status)


def _expectations(root: bool, network: bool, bwrap: bool = True) -> dict:
    """Which checks must hold: as root everything; not root, all but the private uid's."""
    view = bwrap
    return {"bwrap": True, "uid": root and view, "signal": view, "course_tree": view, "library_view": view,
            "solutions": view, "out_dir": view, "submissions": view, "write": view, "runtime_locked": root and view,
            "shared_dirs": view, "network": view and network, "mount_ns": view, "ipc_ns": view, "pid_ns": view,
            "uts_ns": view, "userns": view and kv.seccomp_filter() is not None, "private_tmp": view, "disk": view, "memory": True, "rlimits": True, "session": view,
            "env": True, "home": view, "python": view}


def _digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read(1 << 16)).hexdigest()


def _course_check(facts: dict, course: list, truncated: bool):
    leaks = []
    for path, sha in facts["course_readable"].items():
        try:
            if _digest(path) == sha:
                leaks.append(path)
        except OSError:
            continue
    detail = f"{len(course)} course files tried{' (walk truncated)' if truncated else ''}, {len(leaks)} readable"
    if leaks:
        detail += ": " + ", ".join(leaks[:8]) + (" ..." if len(leaks) > 8 else "")
    return not leaks, detail


def _library_check(seen, expected: dict):
    if seen is None:
        return False, f"{kv.LIBRARY} is not in the view"
    # exactly the files the allow-list stages from this checkout: a file that merely matches a glob
    # (say, a .py dropped into the staged assignments folder) is foreign too
    foreign = [rel for rel in seen if rel not in expected or not kv.is_allowed(rel)]
    missing = sorted(set(expected) - set(seen))
    detail = f"{len(seen)} files in {kv.LIBRARY}, {len(foreign)} not staged from the allow-list"
    if foreign:
        detail += ": " + ", ".join(foreign[:8])
    if missing:
        detail += f"; missing: {', '.join(missing[:8])}"
    return not foreign and not missing, detail


def _space_check(facts: dict, limits: Limits, root: bool):
    spaces = facts["space"]
    if any(s.get("status") != "ok" or s.get("write") != "written" for s in spaces.values()):
        return False, "; ".join(f"{p}: {s.get('status')}/{s.get('write')}" for p, s in spaces.items())
    by_dev = {s["dev"]: s for s in spaces.values()}
    total = sum(s["bytes"] for s in by_dev.values())
    inodes = sum(s["inodes"] for s in by_dev.values())
    ok = 0 < total <= limits.disk_mb * MB + 4 * 4096 * len(by_dev)
    if root:
        ok = ok and len(by_dev) == 1 and inodes <= limits.disk_inodes
    return ok, (f"HOME, /tmp, /dev/shm writable, {len(by_dev)} private tmpfs, {total // MB} MB "
                f"(budget {limits.disk_mb} MB), {inodes} files max")


def _evaluate(facts: dict, spec: dict, real: dict, limits: Limits, expect: dict, root: bool) -> list:
    checks = []

    def add(name, mechanism, holds, detail):
        checks.append(Check(name, mechanism, bool(expect.get(name, False)), bool(holds), detail))

    add("bwrap", "bubblewrap allow-list view", "bwrap" in facts["sandbox_notes"], facts["sandbox_notes"])
    grader_uid = os.getuid()
    uid_ok = (facts["uid"] != 0 and facts["euid"] != 0 and facts["uid"] != grader_uid
              and not facts["groups"] and facts["no_new_privs"] == "1" and int(facts["cap_eff"] or "1", 16) == 0)
    add("uid", "private non-root uid, no groups, no capabilities, no_new_privs", uid_ok,
        f"uid={facts['uid']} euid={facts['euid']} groups={facts['groups']} no_new_privs={facts['no_new_privs']} "
        f"CapEff={facts['cap_eff']}")
    add("signal", "cannot signal the grader", facts["signal_grader"] != "allowed",
        f"kill(grader, 0): {facts['signal_grader']}")
    add("course_tree", "course tree hidden from the kernel", *_course_check(facts, spec["course_files"],
                                                                              real["truncated"]))
    add("library_view", "staged library limited to the allow-list", *_library_check(facts["library"],
                                                                                        real["library"]))
    for name, mechanism, key in (("solutions", "solutions/ not readable", "solutions"),
                                 ("out_dir", "OUT_DIR (gradebook, results) not readable", "out_dir"),
                                 ("submissions", "submissions folder not readable", "submissions")):
        results, ok = [], True
        for path, truth in real.get(key, {}).items():
            seen = facts["read"].get(path) or facts["list"].get(path)
            hid, why = _hidden(seen, truth.get("entries"), truth.get("sha256"))
            ok &= hid
            results.append(f"{Path(path).name}: {why}")
        add(name, mechanism, ok, "; ".join(results) or "nothing to hide")
    writes = {d: w for d, w in facts["write"].items() if d != spec["runtime"]}
    add("write", "course, OUT_DIR, library, Python installation and system read-only",
        all(w["status"] == "refused" for w in writes.values()),
        "; ".join(f"{d}: {w['status']}" for d, w in writes.items()))
    add("runtime_locked", "kernel runtime folder locked after start-up",
        facts["write"][spec["runtime"]]["status"] == "refused", f"{facts['write'][spec['runtime']]['status']}")
    shared = facts["shared"]
    add("shared_dirs", "no shared writable folder (/run, /run/lock, /var/tmp...)",
        all(v in (False, "refused") for v in shared.values()),
        "; ".join(f"{p}: {'absent' if v is False else v}" for p, v in shared.items()))
    conn, ifaces = facts["connect"], facts["interfaces_up"]
    add("network", "no network (network namespace)", conn["status"] != "connected" and set(ifaces) <= {"lo"},
        f"connect 127.0.0.1:{spec['port']} (grader listening): {conn['status']}"
        + (f" ({conn.get('error')})" if conn["status"] != "connected" else "")
        + f"; interfaces up: {', '.join(ifaces) or 'none'}")
    for kind, label in (("mnt", "mount"), ("ipc", "ipc"), ("pid", "pid"), ("uts", "uts")):
        mine, theirs = real["ns"][kind], facts["ns"][kind]
        extra = ""
        if kind == "pid":
            extra = f"; {len(facts['processes'])} processes visible, grader {facts['signal_grader']}"
        add(f"{label}_ns", f"private {kind} namespace", theirs != mine and not theirs.startswith("error"),
            f"grader {mine}, sandbox {theirs}{extra}")
    add("userns", "no new user namespace (seccomp)", facts["userns"] != "created",
        f"unshare(CLONE_NEWUSER): {facts['userns']}")
    add("private_tmp", "private /tmp (grader's /tmp invisible)", not facts["tmp_canary_visible"],
        "grader's /tmp canary " + ("visible" if facts["tmp_canary_visible"] else "invisible"))
    add("disk", "sized private scratch space (the disk budget)", *_space_check(facts, limits, root))
    as_soft = facts["rlimits"]["RLIMIT_AS"][0]
    mem_ok = (0 < as_soft <= limits.memory_mb * MB and facts["alloc_over_limit"] == "refused"
              and facts["alloc_under_limit"] == "allowed")
    add("memory", f"memory limit {limits.memory_mb} MB enforced", mem_ok,
        f"RLIMIT_AS={as_soft // MB if as_soft > 0 else 'unlimited'} MB; "
        f"{spec['alloc_over'] // MB} MB {facts['alloc_over_limit']}, {spec['alloc_under'] // MB} MB "
        f"{facts['alloc_under_limit']}")
    rl = {k: v[0] for k, v in facts["rlimits"].items()}
    rl_ok = (0 < rl["RLIMIT_CPU"] <= limits.cpu() and 0 < rl["RLIMIT_FSIZE"] <= limits.fsize_mb * MB
             and 0 < rl["RLIMIT_NOFILE"] <= 512 and rl["RLIMIT_CORE"] == 0
             and (not root or 0 < rl["RLIMIT_NPROC"] <= limits.nproc))
    add("rlimits", "CPU, file size, open files, core" + (", processes" if root else "") + " limits", rl_ok,
        f"cpu={rl['RLIMIT_CPU']} s, fsize={rl['RLIMIT_FSIZE'] // MB if rl['RLIMIT_FSIZE'] > 0 else -1} MB, "
        f"nofile={rl['RLIMIT_NOFILE']}, nproc={rl['RLIMIT_NPROC']}, core={rl['RLIMIT_CORE']}")
    add("session", "new session without a terminal", facts["sid"] != 0 and facts["tty"] != "opened",
        f"session id in the sandbox: {facts['sid']}, /dev/tty: {facts['tty']}")
    add("env", "clean environment (no grader variables)", not facts["canary_env"],
        f"grader canary variable {'VISIBLE' if facts['canary_env'] else 'absent'}; {len(facts['env_keys'])} variables")
    hs = facts["home_stat"] or {}
    home_ok = facts["cwd"] == facts["home"] == kv.HOME and (
        hs.get("mode") == 0o700 and hs.get("uid") == facts["uid"] if root else hs.get("mode") == 0o1777)
    add("home", "private HOME as cwd", home_ok,
        f"HOME {facts['home']} mode {oct(hs.get('mode', 0))}, owner {hs.get('uid')}, cwd==HOME: {facts['cwd'] == facts['home']}")
    want = {"prefix": os.path.realpath(sys.prefix), "base_prefix": os.path.realpath(sys.base_prefix)}
    add("python", "the grader's Python installation", all(facts[k] == v for k, v in want.items()),
        f"prefix {facts['prefix']}, base {facts['base_prefix']}")
    return checks


def _overridden(sandbox: Sandbox, overrides: dict) -> None:
    """Weaken ``sandbox`` behind the grader's back (tests of the self-check only)."""
    overrides = dict(overrides)
    if "network_namespace" in overrides:
        sandbox.network_namespace = bool(overrides.pop("network_namespace"))
    if "bind" in overrides:
        sandbox.extra_binds = [tuple(map(str, b)) for b in overrides.pop("bind")]
    if "library" in overrides:
        sandbox.library = Path(overrides.pop("library"))
    if overrides:
        sandbox.limits = dataclasses.replace(sandbox.limits, **overrides)


def _locked_runtime(sandbox: Sandbox) -> Path:
    """A runtime folder in the state a kernel's is in once it runs: root-owned, read-only for the kernel."""
    path = sandbox.root / "rt-probe"
    path.mkdir(mode=0o755)
    if sandbox.uid is None:
        os.chmod(path, 0o555)
    return path


def probe_sandbox(root, out_dir, submissions_dir, library=None, env=None, limits: Limits | None = None,
                  network_namespace: bool = True, scratch_root=None, config_overrides=None,
                  timeout: float = 30.0, files=()) -> ProbeReport:
    """Start one submission sandbox, observe it from inside and return a :class:`ProbeReport`.

    Parameters
    ----------
    root, out_dir, submissions_dir : path
        Course root, grading output folder and submissions folder (what the sandbox must not read).
    library : path, optional
        The staged library of the run (default: staged now in ``scratch_root``).
    env : dict, optional
        Extra environment of the kernel.
    limits : Limits, optional
        The run's limits (default :class:`~autograder.executor.Limits()`).
    network_namespace : bool
        The run's network option: when False, no network isolation is expected.
    scratch_root : path, optional
        Where the sandbox's host folders go (default as for submissions).
    config_overrides : dict, optional
        Changes applied AFTER the expectations were set, to test that the probe detects them:
        ``network_namespace``, ``bind`` (extra ``(host, sandbox)`` read-only binds), ``library``
        (another staged folder) or any :class:`~autograder.executor.Limits` field.
    timeout : float
        Seconds the observer may take.
    files : list of path
        The released data files of the run.
    """
    from .worker import default_scratch_root

    if limits is None:
        limits = Limits()
    if not isinstance(limits, Limits):
        raise TypeError(f"limits: expected an autograder.executor.Limits, got {type(limits).__name__}")
    started = time.monotonic()
    root, out = Path(root).resolve(), Path(out_dir).resolve()
    submissions = Path(submissions_dir).resolve()
    is_root = os.geteuid() == 0
    report = ProbeReport(root=is_root)
    missing = kv.bwrap_available()
    if missing:
        report.checks = [Check("bwrap", "bubblewrap allow-list view", True, False, missing)]
        report.seconds = time.monotonic() - started
        return report
    token = secrets.token_hex(8)
    scratch_root = Path(scratch_root or default_scratch_root())
    canary = out / f".probe-canary-{token}"
    tmp_canary = Path("/tmp") / f"lrcourse-probe-{token}"
    canary_env = f"LRCOURSE_PROBE_CANARY_{token.upper()}"
    uid, lock, sandbox = None, None, None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        out.mkdir(parents=True, exist_ok=True)
        canary.write_text(token)
        os.chmod(canary, 0o644)
        tmp_canary.write_text(token)
        os.chmod(tmp_canary, 0o644)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        library = Path(library) if library is not None else kv.stage_library(scratch_root)
        uid, lock = claim_uid(scratch_root, seed=int(token[:6], 16) % 30000)
        sandbox = Sandbox(scratch_root, f"probe-{os.getpid()}-{token}", uid, library, dict(env or {}), limits,
                          files=files, network_namespace=network_namespace)
        expect = _expectations(is_root, network_namespace)
        _overridden(sandbox, config_overrides or {})
        runtime = _locked_runtime(sandbox)
        cfg_path = sandbox.write_config(sandbox.config(runtime), "probe.json")

        real: dict = {"ns": {k: os.readlink(f"/proc/self/ns/{k}") for k in ("net", "mnt", "ipc", "pid", "uts")}}
        course, real["truncated"] = course_files(walk_roots(root))
        real["library"] = kv.library_files()
        src = root / "solutions"
        notebooks = sorted(src.glob("*/*.ipynb"))[:1] if src.is_dir() else []
        if src.is_dir():
            real["solutions"] = {str(src): {"entries": len(os.listdir(src))},
                                 **{str(p): {"sha256": _digest(p)} for p in notebooks}}
        real["out_dir"] = {str(out): {"entries": len(os.listdir(out))}, str(canary): {"sha256": _digest(canary)}}
        if submissions.is_dir():
            real["submissions"] = {str(submissions): {"entries": len(os.listdir(submissions))}}
        reads = [p for key in ("solutions", "out_dir") for p in real.get(key, {}) if Path(p).is_file()]
        lists = [p for key in ("solutions", "out_dir", "submissions") for p in real.get(key, {}) if Path(p).is_dir()]
        alloc_over = limits.memory_mb * MB + 256 * MB
        writable = [str(root), str(out), str(submissions), kv.LIBRARY, *kv.python_dirs(), "/", "/usr", "/etc",
                    "/opt", "/home", str(runtime)]
        spec = {"grader_pid": os.getpid(), "read": reads, "list": lists, "course_files": course,
                "library": kv.LIBRARY, "write": writable, "runtime": str(runtime),
                "write_name": f".probe-write-{token}", "tmp_canary": str(tmp_canary), "port": port,
                "shared": list(SHARED), "space": [kv.HOME, "/tmp", "/dev/shm"],
                "alloc_over": alloc_over, "alloc_under": min(limits.memory_mb * MB // 4, 256 * MB),
                "canary_env": canary_env}
        cmd = [sys.executable, "-m", "autograder.sandbox", str(cfg_path), "--",
               sys.executable, "-I", "-c", INSIDE.read_text(encoding="utf-8")]
        launcher_env = dict(os.environ, **{canary_env: token})
        launcher_env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
        proc = subprocess.run(cmd, input=json.dumps(spec), capture_output=True, text=True, timeout=timeout,
                              env=launcher_env)
        if proc.returncode != 0 or not proc.stdout.strip():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"the sandboxed probe exited with status {proc.returncode}: {last[-300:]}")
        facts = json.loads(proc.stdout.strip().splitlines()[-1])
        report.facts = facts
        report.checks = _evaluate(facts, spec, real, limits, expect, is_root)
    except Exception as exc:  # noqa: BLE001 - a broken probe is a warning, never a failed grading run
        report.error = f"{type(exc).__name__}: {str(exc)[-400:]}".replace("\n", " ")
    finally:
        listener.close()
        canary.unlink(missing_ok=True)
        tmp_canary.unlink(missing_ok=True)
        if sandbox is not None:
            sandbox.cleanup()
        if lock is not None:
            lock.unlink(missing_ok=True)
        report.seconds = time.monotonic() - started
    return report

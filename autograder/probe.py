"""Sandbox self-check: verify from INSIDE a sandbox what isolation the kernel actually got.

Once per grading run, :func:`probe_sandbox` builds the same :class:`~autograder.executor.Sandbox`
(private uid, hidden paths, limits, network option) a submission gets, starts it through the same
launcher (``python -m autograder.sandbox``) and, instead of a Jupyter kernel, runs the observer
:mod:`autograder._probe_inside` in it. The grader prepares things the sandbox must NOT reach (a
canary file in ``OUT_DIR``, a canary in the grader's ``/tmp``, a canary environment variable, a TCP
port listening on 127.0.0.1) and compares the observed facts with what this configuration should
give. A mechanism that should be active but is not becomes a warning; grading goes on.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .executor import Limits, Sandbox, claim_uid

INSIDE = Path(__file__).with_name("_probe_inside.py")
MB = 1024 * 1024


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
        return [f"WARNING: sandbox self-check: {c.mechanism} is NOT in force ({c.detail})"
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
            lines.append(f"| {c.name} | {c.mechanism} | {c.verdict} | {c.detail.replace('|', '/')} |")
        return lines + [""]


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


def _expectations(root: bool, network: bool, cfg: dict) -> dict:
    ns = root and cfg.get("namespaces", True)
    return {"uid": root, "signal": root, "solutions": ns, "out_dir": root, "submissions": ns,
            "gradebook_db": ns, "write": root, "network": ns and network, "mount_ns": ns, "ipc_ns": ns,
            "private_tmp": ns, "memory": True, "rlimits": True, "process_group": True, "env": True,
            "scratch": True}


def _evaluate(facts: dict, spec: dict, real: dict, limits: Limits, expect: dict, root: bool) -> list:
    checks = []

    def add(name, mechanism, holds, detail):
        checks.append(Check(name, mechanism, bool(expect.get(name, False)), bool(holds), detail))

    grader_uid = os.getuid()
    uid_ok = (facts["uid"] != 0 and facts["euid"] != 0 and facts["uid"] != grader_uid
              and not facts["groups"] and facts["no_new_privs"] == "1")
    add("uid", "private non-root uid, no groups, no_new_privs", uid_ok,
        f"uid={facts['uid']} euid={facts['euid']} groups={facts['groups']} no_new_privs={facts['no_new_privs']}")
    add("signal", "cannot signal the grader", facts["signal_grader"] != "allowed",
        f"kill(grader, 0): {facts['signal_grader']}")
    for name, mechanism, key in (("solutions", "solutions/ not readable", "solutions"),
                                 ("out_dir", "OUT_DIR (gradebook, results) not readable", "out_dir"),
                                 ("submissions", "submissions folder not readable", "submissions")):
        paths = real.get(key, {})
        if not paths:
            continue
        results, ok = [], True
        for path, truth in paths.items():
            seen = facts["read"].get(path) or facts["list"].get(path)
            hid, why = _hidden(seen, truth.get("entries"), truth.get("sha256"))
            ok &= hid
            results.append(f"{Path(path).name}: {why}")
        add(name, mechanism, ok, "; ".join(results))
    if real.get("dbs"):
        res = [(p, _hidden(facts["read"][p], None, t["sha256"])) for p, t in real["dbs"].items()]
        add("gradebook_db", "course *.db not readable", all(h for _, (h, _) in res),
            "; ".join(f"{Path(p).name}: {w}" for p, (_, w) in res))
    writes = facts["write"]
    add("write", "cannot write the course repository or OUT_DIR",
        all(w["status"] == "refused" for w in writes.values()),
        "; ".join(f"{Path(d).name or d}: {w['status']}" for d, w in writes.items()))
    conn, ifaces = facts["connect"], facts["interfaces_up"]
    add("network", "no network (network namespace)", conn["status"] != "connected" and not ifaces,
        f"connect 127.0.0.1:{spec['port']} (grader listening): {conn['status']}"
        + (f" ({conn.get('error')})" if conn["status"] != "connected" else "")
        + f"; interfaces up: {', '.join(ifaces) or 'none'}")
    for kind in ("mnt", "ipc"):
        mine = real["ns"][kind]
        theirs = facts["ns"][kind]
        add(f"{'mount' if kind == 'mnt' else 'ipc'}_ns", f"private {kind} namespace",
            theirs != mine and not theirs.startswith("error"), f"grader {mine}, sandbox {theirs}")
    add("private_tmp", "private /tmp (grader's /tmp invisible)", not facts["tmp_canary_visible"],
        "grader's /tmp canary " + ("visible" if facts["tmp_canary_visible"] else "invisible"))
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
             and (not root or 0 < rl["RLIMIT_NPROC"] <= 128))
    add("rlimits", "CPU, file size, open files, core" + (", processes" if root else "") + " limits", rl_ok,
        f"cpu={rl['RLIMIT_CPU']} s, fsize={rl['RLIMIT_FSIZE'] // MB if rl['RLIMIT_FSIZE'] > 0 else -1} MB, "
        f"nofile={rl['RLIMIT_NOFILE']}, nproc={rl['RLIMIT_NPROC']}, core={rl['RLIMIT_CORE']}")
    add("process_group", "own session and process group", facts["own_session"] and facts["own_group"],
        f"session leader: {facts['own_session']}, group leader: {facts['own_group']}")
    add("env", "clean environment (no grader variables)", not facts["canary_env"],
        f"grader canary variable {'VISIBLE' if facts['canary_env'] else 'absent'}; {len(facts['env_keys'])} variables")
    hs = facts["home_stat"] or {}
    add("scratch", "private scratch dir as HOME and cwd",
        hs.get("mode") == 0o700 and hs.get("uid") == facts["uid"] and facts["cwd"] == facts["home"],
        f"HOME mode {oct(hs.get('mode', 0))}, owner {hs.get('uid')}, cwd==HOME: {facts['cwd'] == facts['home']}")
    return checks


def _digest(path: Path) -> str:
    import hashlib

    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read(1 << 20)).hexdigest()


def probe_sandbox(root, out_dir, submissions_dir, hide, env=None, limits: Limits | None = None,
                  network_namespace: bool = True, scratch_root=None, config_overrides=None,
                  timeout: float = 30.0) -> ProbeReport:
    """Start one submission sandbox, observe it from inside and return a :class:`ProbeReport`.

    Parameters
    ----------
    root, out_dir, submissions_dir : path
        Course root, grading output folder and submissions folder (what the sandbox must not read).
    hide : list of path
        The paths the grading run hides (passed to the sandbox unchanged).
    env : dict, optional
        Extra environment of the kernel.
    limits : Limits, optional
        The run's limits (default :class:`~autograder.executor.Limits()`).
    network_namespace : bool
        The run's network option: when False, no network isolation is expected.
    scratch_root : path, optional
        Where the private scratch dir goes (default as for submissions).
    config_overrides : dict, optional
        Changes to the sandbox config applied AFTER the expectations were set (e.g.
        ``{"network_namespace": False}``): for testing that the probe detects a missing mechanism.
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
    token = secrets.token_hex(8)
    scratch_root = Path(scratch_root or default_scratch_root())
    out.mkdir(parents=True, exist_ok=True)
    canary = out / f".probe-canary-{token}"
    tmp_canary = Path("/tmp") / f"lrcourse-probe-{token}"
    canary_env = f"LRCOURSE_PROBE_CANARY_{token.upper()}"
    uid, lock, sandbox = None, None, None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        canary.write_text(token)
        os.chmod(canary, 0o644)
        tmp_canary.write_text(token)
        os.chmod(tmp_canary, 0o644)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        uid, lock = claim_uid(scratch_root, seed=int(token[:6], 16) % 30000)
        sandbox = Sandbox(scratch_root, f"probe-{os.getpid()}-{token}", uid, list(hide), dict(env or {}), limits,
                          network_namespace=network_namespace)
        cfg = dict(sandbox.config)
        expect = _expectations(is_root, network_namespace, cfg)
        cfg.update(config_overrides or {})
        cfg_path = sandbox.root / "probe.json"
        fd = os.open(cfg_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(cfg, fh)

        real: dict = {"ns": {k: os.readlink(f"/proc/self/ns/{k}") for k in ("net", "mnt", "ipc")}}
        src = root / "solutions"
        notebooks = sorted(src.glob("*/*.ipynb"))[:1] if src.is_dir() else []
        if src.is_dir():
            real["solutions"] = {str(src): {"entries": len(os.listdir(src))},
                                 **{str(p): {"sha256": _digest(p)} for p in notebooks}}
        real["out_dir"] = {str(out): {"entries": len(os.listdir(out))}, str(canary): {"sha256": _digest(canary)}}
        if submissions.is_dir():
            real["submissions"] = {str(submissions): {"entries": len(os.listdir(submissions))}}
        dbs = [p for p in sorted(root.glob("*.db")) if p.is_file()]
        real["dbs"] = {str(p): {"sha256": _digest(p)} for p in dbs}
        reads = [p for key in ("solutions", "out_dir") for p in real.get(key, {}) if Path(p).is_file()]
        reads += list(real["dbs"])
        lists = [p for key in ("solutions", "out_dir", "submissions") for p in real.get(key, {}) if Path(p).is_dir()]
        alloc_over = limits.memory_mb * MB + 256 * MB
        spec = {"grader_pid": os.getpid(), "read": reads, "list": lists, "write": [str(root), str(out)],
                "write_name": f".probe-write-{token}", "tmp_canary": str(tmp_canary), "port": port,
                "alloc_over": alloc_over, "alloc_under": min(limits.memory_mb * MB // 4, 256 * MB),
                "canary_env": canary_env}
        cmd = [sys.executable, "-m", "autograder.sandbox", str(cfg_path), "--",
               sys.executable, "-I", "-c", INSIDE.read_text(encoding="utf-8"), json.dumps(spec)]
        launcher_env = dict(os.environ, **{canary_env: token})
        launcher_env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=launcher_env)
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

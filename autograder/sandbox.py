"""Start a student's kernel inside a sandbox: ``python -m autograder.sandbox CONFIG_JSON -- CMD...``.

The grader's kernel manager runs this launcher (as root) instead of the kernel; the launcher sets
the sandbox up and then ``exec``\\ s the real kernel command, so the kernel process itself is the
sandboxed process. Steps, each skipped (and reported) when it is unavailable:

1. new session / process group (the grader kills the whole group and every process of the uid);
2. ``unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC)``: no network at all (the kernel talks to
   the grader over ``ipc://`` unix sockets in its scratch dir), a private mount table in which the
   solutions, the gradebook/output folder, the submissions folder and ``*.db`` files of the course
   are covered by empty read-only tmpfs (or ``/dev/null``), and private ``/tmp``, ``/var/tmp``,
   ``/dev/shm``;
3. resource limits: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` (largest file),
   ``RLIMIT_NOFILE``, ``RLIMIT_CORE = 0`` and, with a private uid, ``RLIMIT_NPROC`` (fork bombs);
4. switch to an unprivileged uid/gid that is unique to this submission (so it cannot signal or
   read any other submission's processes or files), no supplementary groups, ``no_new_privs``;
5. a clean environment (no grader secrets), ``HOME`` and ``cwd`` in the private scratch dir.

See ``autograder/SECURITY.md`` for what each step protects against.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _namespaces(cfg: dict, notes: list) -> None:
    libc = _libc()
    flags = CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWNET if cfg.get("network_namespace", True) else 0)
    _check(libc.unshare(flags), "unshare")
    notes.append("netns" if flags & CLONE_NEWNET else "no-netns")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    keep = os.path.realpath(cfg["scratch"])
    for path in PRIVATE_TMP:
        if os.path.isdir(path) and not keep.startswith(os.path.realpath(path) + os.sep):
            _private_tmp(libc, path, cfg.get("expose", []))
    for path in cfg.get("hide", []):
        real = os.path.realpath(path)
        if keep == real or keep.startswith(real + os.sep) or not os.path.exists(real):
            continue
        if os.path.isdir(real):
            _mount(libc, "tmpfs", real, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "size=4k,mode=0555")
        else:
            _mount(libc, "/dev/null", real, None, MS_BIND)
    _expose(libc, cfg.get("expose", []))
    notes.append("mountns")


def _private_tmp(libc, path: str, expose) -> None:
    """Cover ``path`` (e.g. ``/tmp``) with an empty tmpfs, binding back what the kernel needs from it.

    A checkout or virtual environment may itself live under ``/tmp`` (CI clones often do); those
    folders are opened before the tmpfs goes on and bind-mounted back at the same place.
    """
    base = os.path.realpath(path) + os.sep
    needs = sorted({os.path.realpath(p) for p in expose if os.path.realpath(p).startswith(base)})
    needs = [n for n in needs if not any(n.startswith(m + os.sep) for m in needs if m != n)]
    fds = [(n, os.open(n, os.O_PATH | os.O_DIRECTORY)) for n in needs]
    _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    for need, fd in fds:
        os.makedirs(need, mode=0o755, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", need, None, MS_BIND | MS_REC)
        os.close(fd)


def _blocked_ancestor(path: str):
    """The highest ancestor of ``path`` that others cannot traverse (e.g. ``/root``), or None."""
    parts = os.path.realpath(path).split(os.sep)
    for i in range(2, len(parts) + 1):
        anc = os.sep.join(parts[:i]) or os.sep
        try:
            if not os.stat(anc).st_mode & 0o001:
                return anc
        except OSError:
            return None
    return None


def _expose(libc, paths) -> None:
    """Make ``paths`` (the Python installation) reachable for the sandbox uid.

    When an ancestor such as ``/root`` is private, it is covered by an empty tmpfs in which only the
    needed folders are bind-mounted back (through ``/proc/self/fd``), so the rest stays hidden.
    """
    groups: dict = {}
    for path in paths:
        real = os.path.realpath(path)
        blocked = _blocked_ancestor(real)
        if blocked and real != blocked:
            groups.setdefault(blocked, set()).add(real)
    for blocked, needs in groups.items():
        needs = sorted(n for n in needs if not any(n.startswith(m + os.sep) for m in needs if m != n))
        fds = [(n, os.open(n, os.O_PATH | os.O_DIRECTORY)) for n in needs]
        _mount(libc, "tmpfs", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for need, fd in fds:
            os.makedirs(need, mode=0o755, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", need, None, MS_BIND | MS_REC)
            os.close(fd)


def _limits(cfg: dict, private_uid: bool) -> None:
    mb = 1024 * 1024
    limits = {
        resource.RLIMIT_AS: int(cfg["memory_mb"]) * mb,
        resource.RLIMIT_CPU: int(cfg["cpu_seconds"]),
        resource.RLIMIT_FSIZE: int(cfg["fsize_mb"]) * mb,
        resource.RLIMIT_NOFILE: 512,
        resource.RLIMIT_CORE: 0,
    }
    if private_uid:
        limits[resource.RLIMIT_NPROC] = int(cfg.get("nproc", 128))
    for which, value in limits.items():
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        hard_new = value if which != resource.RLIMIT_CPU else value + 5
        if hard != resource.RLIM_INFINITY:
            hard_new = min(hard_new, hard)
        resource.setrlimit(which, (value, hard_new))


def _drop(cfg: dict) -> None:
    uid, gid = int(cfg["uid"]), int(cfg["gid"])
    for path in cfg.get("chown", []):
        os.chown(path, uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() == 0 or os.geteuid() == 0:  # pragma: no cover - defensive
        raise OSError("could not drop root privileges")
    _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def launch(cfg: dict, cmd: list) -> None:
    """Apply the sandbox described by ``cfg`` to this process and exec ``cmd`` (never returns)."""
    notes: list[str] = []
    try:
        os.setsid()
    except OSError:
        pass
    root = os.geteuid() == 0 and cfg.get("uid") is not None
    if root and cfg.get("namespaces", True):
        try:
            _namespaces(cfg, notes)
        except OSError as exc:  # e.g. inside a container without CAP_SYS_ADMIN
            notes.append(f"no-namespaces({exc.strerror})")
    _limits(cfg, private_uid=root)
    if root:
        _drop(cfg)
        notes.append(f"uid={cfg['uid']}")
    env = dict(cfg.get("env", {}))
    env["LRCOURSE_SANDBOX"] = ",".join(notes) or "rlimits-only"
    os.chdir(cfg["cwd"])
    os.execve(cmd[0], cmd, env)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: python -m autograder.sandbox CONFIG_JSON -- CMD...\n")
        raise SystemExit(2)
    with open(argv[0], encoding="utf-8") as fh:
        cfg = json.load(fh)
    launch(cfg, argv[2:])


if __name__ == "__main__":
    main()

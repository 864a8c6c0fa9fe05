"""Start a student's kernel inside a sandbox: ``python -m autograder.sandbox CONFIG_JSON -- CMD...``.

The grader's kernel manager runs this launcher instead of the kernel. The launcher prepares what
bubblewrap cannot, then ``exec``\\ s ``bwrap`` (:mod:`autograder.kernel_view` built its command
line), which builds the allow-list view and runs CMD in it:

1. a new session (the grader kills the whole group and every process of the uid);
2. as root, the per-submission disk: a tmpfs of ``disk_mb`` with at most ``disk_inodes`` files, in a
   mount namespace of this launcher only (it disappears with the sandbox), holding ``home`` (0700,
   owned by the private uid, seeded with matplotlib's font cache), ``tmp`` and ``shm``; bwrap binds
   them to ``HOME``, ``/tmp`` and
   ``/dev/shm``. bwrap's own ``--size`` tmpfs cannot bound the number of files, whose kernel
   memory is not counted in the size. Not root: bwrap makes three sized tmpfs instead;
3. resource limits: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE`` (largest file),
   ``RLIMIT_NOFILE``, ``RLIMIT_CORE = 0`` and, with a private uid, ``RLIMIT_NPROC`` (per uid);
4. a clean environment; the synthesized ``/etc/passwd`` and ``/etc/group`` go to bwrap through
   pipes (``--ro-bind-data``);
5. a seccomp filter (``bwrap --seccomp``) that refuses new user namespaces, inside which a kernel
   could mount a tmpfs outside every budget;
6. as root, ``setpriv`` inside the sandbox drops to the private uid, without groups or
   capabilities, with ``no_new_privs``, before the kernel starts.

See ``autograder/SECURITY.md`` for what each step protects against.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV = 2, 4
MS_REC, MS_PRIVATE = 16384, 1 << 18
MB = 1024 * 1024


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def private_disk(disk: dict) -> None:
    """Mount the submission's tmpfs at ``disk["path"]`` in a mount namespace of this process only."""
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(libc.mount(None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None), "make / private")
    options = f"size={int(disk['bytes'])},nr_inodes={int(disk['inodes'])},mode=0755".encode()
    _check(libc.mount(b"tmpfs", disk["path"].encode(), b"tmpfs", ctypes.c_ulong(MS_NOSUID | MS_NODEV), options),
           f"mount tmpfs on {disk['path']}")
    uid = int(disk["uid"])
    for name, mode in (("home", 0o700), ("tmp", 0o1777), ("shm", 0o1777)):
        path = os.path.join(disk["path"], name)
        os.mkdir(path)
        os.chmod(path, mode)
        os.chown(path, uid, uid)
    for source, rel in disk.get("seed", []):  # files the kernel starts with, e.g. matplotlib's font cache
        dest = os.path.join(disk["path"], "home", rel)
        os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
        os.chown(os.path.dirname(dest), uid, uid)
        with open(source, "rb") as src, open(dest, "wb") as out:
            out.write(src.read())
        os.chown(dest, uid, uid)


def set_limits(limits: dict, private_uid: bool) -> None:
    """Apply the rlimits of ``limits`` (MB and seconds) to this process and everything it starts."""
    wanted = {
        resource.RLIMIT_AS: int(limits["memory_mb"]) * MB,
        resource.RLIMIT_CPU: int(limits["cpu_seconds"]),
        resource.RLIMIT_FSIZE: int(limits["fsize_mb"]) * MB,
        resource.RLIMIT_NOFILE: int(limits.get("nofile", 512)),
        resource.RLIMIT_CORE: 0,
    }
    if private_uid:
        wanted[resource.RLIMIT_NPROC] = int(limits["nproc"])
    for which, value in wanted.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        hard_new = value + 5 if which == resource.RLIMIT_CPU else value
        if hard != resource.RLIM_INFINITY:
            hard_new = min(hard_new, hard)
        resource.setrlimit(which, (value, hard_new))


def _pipe(data: bytes) -> str:
    """A descriptor bwrap inherits, ``data`` waiting in it (small: it must fit the pipe's buffer)."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    os.set_inheritable(read_end, True)
    return str(read_end)


def _data_args(files: dict) -> list:
    """``--ro-bind-data FD DEST`` for each synthesized file."""
    args = []
    for dest, text in files.items():
        args += ["--perms", "0644", "--ro-bind-data", _pipe(text.encode()), dest]
    return args


def launch(cfg: dict, cmd: list) -> None:
    """Apply the sandbox described by ``cfg`` and exec bwrap with ``cmd`` (never returns)."""
    try:
        os.setsid()
    except OSError:
        pass
    uid = cfg.get("uid")
    notes = ["bwrap"]
    if cfg.get("disk"):
        private_disk(cfg["disk"])
        notes.append("private-disk")
    for path in cfg.get("chown", []):
        os.chown(path, int(uid), int(uid))
    set_limits(cfg["limits"], private_uid=uid is not None)
    argv = list(cfg["bwrap"])
    at = argv.index("--remount-ro") if "--remount-ro" in argv else len(argv)
    argv[at:at] = _data_args(cfg.get("data", {}))  # the synthesized files go in before / turns read-only
    if cfg.get("seccomp"):
        argv[1:1] = ["--seccomp", _pipe(bytes.fromhex(cfg["seccomp"]))]
    argv += [*cfg.get("prefix", []), *cmd]
    env = dict(cfg.get("env", {}))
    env["LRCOURSE_SANDBOX"] = ",".join(notes + ([f"uid={uid}"] if uid is not None else ["userns"]))
    os.execve(argv[0], argv, env)


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

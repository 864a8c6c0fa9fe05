"""The part of the sandbox self-check that runs INSIDE the sandbox (stdlib only, no imports of ours).

:mod:`autograder.probe` starts ``python -I -c <this file's text>`` through the same launcher and
kernel view a student's kernel gets and writes the spec (JSON) to its stdin. This script only
observes and prints one JSON object of facts on stdout; the grader compares them with what it
expected.
"""

import hashlib
import json
import os
import resource
import socket
import sys

RLIMITS = ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE")
NAMESPACES = ("net", "mnt", "ipc", "pid", "uts")


def _status_field(name):
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _readlink(path):
    try:
        return os.readlink(path)
    except OSError as exc:
        return f"error:{exc.errno}"


def _failure(exc: OSError) -> dict:
    """How an attempt to reach a path failed: missing, denied or another errno."""
    if isinstance(exc, FileNotFoundError):
        return {"status": "missing"}
    if isinstance(exc, PermissionError):
        return {"status": "denied"}
    return {"status": f"error:{exc.errno}"}


def _read(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(1 << 16)
    except OSError as exc:
        return _failure(exc)
    return {"status": "read", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _listdir(path):
    try:
        return {"status": "listed", "entries": len(os.listdir(path))}
    except OSError as exc:
        return _failure(exc)


def _write(directory, name):
    path = os.path.join(directory, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return {"status": "refused", "errno": exc.errno}
    os.close(fd)
    os.unlink(path)
    return {"status": "written"}


def _connect(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(0.5)
    try:
        sock.connect(("127.0.0.1", port))
    except OSError as exc:
        import errno

        return {"status": "failed", "error": errno.errorcode.get(exc.errno, type(exc).__name__)}
    finally:
        sock.close()
    return {"status": "connected"}


def _alloc(n_bytes):
    """Reserve ``n_bytes`` of anonymous memory (no page is touched): RLIMIT_AS refuses it with ENOMEM."""
    import mmap

    try:
        block = mmap.mmap(-1, n_bytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except (OSError, MemoryError, OverflowError):
        return "refused"
    block.close()
    return "allowed"


def _interfaces_up():
    """Interfaces of THIS network namespace that are up (ioctl SIOCGIFFLAGS; /sys may show another netns)."""
    import fcntl
    import struct

    up = []
    try:
        names = [name for _, name in socket.if_nameindex()]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for name in names:
                req = struct.pack("16sH14x", name.encode()[:15], 0)
                flags = struct.unpack("16sH14x", fcntl.ioctl(sock.fileno(), 0x8913, req))[1]
                if flags & 1:  # IFF_UP
                    up.append(name)
    except OSError as exc:
        return [f"error:{exc.errno}"]
    return up


def _walk(top):
    """Every file under ``top`` (relative paths), symlinks listed but never followed."""
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.append(os.path.relpath(os.path.join(dirpath, name), top))
    return sorted(found)


def _space(path):
    try:
        st = os.statvfs(path)
        dev = os.stat(path).st_dev
    except OSError as exc:
        return {"status": _failure(exc)["status"]}
    return {"status": "ok", "bytes": st.f_blocks * st.f_frsize, "inodes": st.f_files, "dev": dev,
            "write": _write(path, ".probe-space")["status"]}


def _tty():
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        return _failure(exc)["status"]
    os.close(fd)
    return "opened"


def _new_user_namespace():
    """Whether a child can create a user namespace (refused: "EPERM"), tried in a forked child."""
    import ctypes

    pid = os.fork()
    if pid == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        os._exit(0 if libc.unshare(0x10000000) == 0 else min(ctypes.get_errno(), 255))
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    import errno

    return "created" if code == 0 else errno.errorcode.get(code, str(code))


def observe(spec):
    home = os.environ.get("HOME", "")
    try:
        st = os.stat(home)
        home_stat = {"uid": st.st_uid, "mode": st.st_mode & 0o7777}
    except OSError:
        home_stat = None
    try:
        os.kill(int(spec["grader_pid"]), 0)
        signal_grader = "allowed"
    except PermissionError:
        signal_grader = "denied"
    except ProcessLookupError:
        signal_grader = "invisible"
    readable = {}
    for path in spec["course_files"]:
        seen = _read(path)
        if seen["status"] == "read":
            readable[path] = seen["sha256"]
    facts = {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "no_new_privs": _status_field("NoNewPrivs"), "cap_eff": _status_field("CapEff"),
        "ns": {k: _readlink(f"/proc/self/ns/{k}") for k in NAMESPACES},
        "pid": os.getpid(), "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "sid": os.getsid(0), "tty": _tty(),
        "signal_grader": signal_grader,
        "read": {p: _read(p) for p in spec["read"]},
        "list": {p: _listdir(p) for p in spec["list"]},
        "course_readable": readable,
        "library": _walk(spec["library"]) if os.path.isdir(spec["library"]) else None,
        "write": {d: _write(d, spec["write_name"]) for d in spec["write"]},
        "shared": {p: os.path.exists(p) and _write(p, spec["write_name"])["status"] for p in spec["shared"]},
        "space": {p: _space(p) for p in spec["space"]},
        "tmp_canary_visible": os.path.exists(spec["tmp_canary"]),
        "connect": _connect(int(spec["port"])),
        "interfaces_up": _interfaces_up(),
        "rlimits": {name: list(resource.getrlimit(getattr(resource, name))) for name in RLIMITS},
        "alloc_over_limit": _alloc(int(spec["alloc_over"])),
        "alloc_under_limit": _alloc(int(spec["alloc_under"])),
        "env_keys": sorted(os.environ),
        "canary_env": spec["canary_env"] in os.environ,
        "home": home, "home_stat": home_stat, "cwd": os.getcwd(),
        "prefix": os.path.realpath(sys.prefix), "base_prefix": os.path.realpath(sys.base_prefix),
        "sandbox_notes": os.environ.get("LRCOURSE_SANDBOX", ""),
        "userns": _new_user_namespace(),
    }
    return facts


if __name__ == "__main__":
    sys.stdout.write(json.dumps(observe(json.loads(sys.stdin.read()))) + "\n")

"""What a student's kernel can see: ONE allow-list and ONE function that turns it into a bwrap command.

The kernel runs in a fresh root file system built by Debian's ``bwrap`` (bubblewrap) from an
allow-list: nothing of the course tree is there unless this module binds it in.

- system: ``/usr`` read-only (and the ``/bin``, ``/lib``... links into it), from ``/etc`` only the
  dynamic linker's cache, the time zone, the font configuration and a synthesized ``passwd``/``group``;
  ``/proc`` of a new pid namespace; a minimal ``/dev``;
- the Python installation: ``sys.base_prefix`` and the virtual environment ``sys.prefix``,
  read-only at their own paths (a venv inside the course checkout is bound alone, not the checkout);
- the library: a STAGED copy of exactly the files that :data:`KERNEL_LIBRARY` lists (every ``*.py``
  of ``lrcourse``, the kernel side of ``autograder``), root-owned and read-only, at :data:`LIBRARY`
  (``PYTHONPATH`` points there: the editable install would point into the checkout, which is absent);
- the released data files of the assignment, read-only in ``HOME``;
- private, sized scratch space for ``HOME``, ``/tmp`` and ``/dev/shm`` (the per-submission disk
  budget); ``/run``, ``/var`` and the rest of the host are absent;
- the kernel's runtime folder (connection file and ``ipc://`` sockets) at its host path.

:func:`kernel_view` derives the view, :func:`bwrap_command` the command line; the executor and the
sandbox self-check (:mod:`autograder.probe`) both go through them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import platform
import struct
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Every course file a student's kernel may read, as globs relative to the folder that holds the
#: packages (``**`` spans folders). Nothing else of the course tree is ever in the kernel's view.
KERNEL_LIBRARY = (
    "lrcourse/**/*.py",
    "autograder/__init__.py",
    "autograder/course.py",
    "autograder/parts.py",
    "autograder/harness.py",
    "autograder/assignment.py",
    "autograder/watch.py",
    "autograder/failure.py",
    "autograder/assignments/*.py",
)
PACKAGES = ("lrcourse", "autograder")

HOME = "/home/student"
LIBRARY = "/opt/lrcourse"
EXTRA = "/opt/lrcourse-extra"
BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"
#: host system paths bound read-only when present (symlinks into /usr are recreated as symlinks)
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts")


def _segments_match(parts: list, pattern: list) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_segments_match(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _segments_match(parts[1:], pattern[1:])


def is_allowed(rel: str) -> bool:
    """Whether a library file belongs in the kernel's view.

    Parameters
    ----------
    rel : str
        Path relative to the folder holding the packages, ``/``-separated (``"autograder/harness.py"``).

    Returns
    -------
    bool
        True when a glob of :data:`KERNEL_LIBRARY` matches it
        (``**`` spans any number of folders, ``*`` stays within one).
    """
    if not isinstance(rel, str):
        raise TypeError(f"rel: expected a relative path as str, got {type(rel).__name__}")
    parts = rel.split("/")
    if "__pycache__" in parts:
        return False
    return any(_segments_match(parts, glob.split("/")) for glob in KERNEL_LIBRARY)


def package_dir(name: str) -> Path:
    """Host folder of the installed package ``name`` (an editable install points into the checkout).

    Raises
    ------
    ValueError
        When ``name`` is not one of :data:`PACKAGES` or is not installed.
    """
    import importlib.util

    if name not in PACKAGES:
        raise ValueError(f"name: expected one of {', '.join(PACKAGES)}, got {name!r}")

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"package: {name!r} is not installed")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def library_files() -> dict:
    """``{relative path: host path}`` of every allowed file (regular files only, symlinks never followed)."""
    found = {}
    for name in PACKAGES:
        base = package_dir(name)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for fname in filenames:
                host = Path(dirpath) / fname
                rel = f"{name}/{host.relative_to(base).as_posix()}"
                if is_allowed(rel) and stat.S_ISREG(os.lstat(host).st_mode):
                    found[rel] = host
    return dict(sorted(found.items()))


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def stage_library(scratch_root) -> Path:
    """Copy the allowed library files into ``scratch_root/lib-<digest>`` (owned by the caller, read-only).

    The folder is named by the digest of its content, so every grading run and every worker of a
    machine with the same code shares it, and a worker on another machine recreates it. Built in a
    temporary folder and renamed into place, so a half-copied library is never used.

    Parameters
    ----------
    scratch_root : path
        The grader's private folder (``/var/lib/lrcourse-grader`` as root).

    Returns
    -------
    Path
        The staged folder: ``lrcourse/`` and ``autograder/`` with exactly :func:`library_files`.
    """
    files = {rel: _read(host) for rel, host in library_files().items()}
    digest = hashlib.sha256()
    for rel, data in files.items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    root = Path(scratch_root)
    root.mkdir(parents=True, exist_ok=True, mode=0o711)
    final = root / f"lib-{digest.hexdigest()[:24]}"
    if final.is_dir():
        os.utime(final)  # in use: :func:`prune_libraries` keeps it
        return final
    tmp = root / f".lib-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir(mode=0o755)
    try:
        for rel, data in files.items():
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o444)
            os.fchmod(fd, 0o444)  # whatever the umask: the kernel's uid must read it
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        for dirpath, dirnames, _ in os.walk(tmp):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o555)
        os.chmod(tmp, 0o555)
        os.rename(tmp, final)
    except OSError:
        _remove_tree(tmp)
        if not final.is_dir():
            raise
    return final


def _remove_tree(path: Path) -> None:
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    if path.exists():
        os.chmod(path, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def prune_libraries(scratch_root, keep: Path, older_than: float = 7 * 86400.0) -> None:
    """Remove staged libraries of other code versions not used for ``older_than`` seconds (a week)."""
    root = Path(scratch_root)
    if not root.is_dir():
        return
    now = time.time()
    for entry in root.iterdir():
        if entry.name.startswith(("lib-", ".lib-")) and entry != keep:
            try:
                if now - entry.lstat().st_mtime > older_than:
                    _remove_tree(entry)
            except OSError:
                continue


def font_cache(scratch_root, max_age: float = 86400.0):
    """A matplotlib font cache built once for every kernel (else each fresh HOME rebuilds it, ~2 s).

    Built by this Python with an empty HOME, so it lists only fonts that the view holds (matplotlib's
    own and ``/usr``'s); seeded into each sandbox's ``HOME/.mpl``. None when it cannot be built.
    """
    root = Path(scratch_root) / "mpl"
    found = sorted(root.glob("fontlist-v*.json"))
    if found and time.time() - found[-1].stat().st_mtime < max_age:
        return found[-1]
    root.mkdir(parents=True, exist_ok=True, mode=0o755)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        env = {"MPLCONFIGDIR": tmp, "HOME": tmp, "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True,
                       timeout=120)
        built = sorted(Path(tmp).glob("fontlist-v*.json"))
        if not built:
            return None
        os.chmod(built[-1], 0o644)
        os.replace(built[-1], root / built[-1].name)
    return root / built[-1].name


def python_dirs() -> tuple:
    """The Python installation, read-only in the view: base prefix and venv (nested ones merged)."""
    dirs = sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})
    return tuple(d for d in dirs if not any(d.startswith(o + os.sep) for o in dirs if o != d))


@dataclass(frozen=True)
class KernelView:
    """Everything a kernel's file system holds besides ``/usr``, ``/proc``, ``/dev`` (see module doc)."""

    python: tuple
    library: str
    runtime: str
    files: tuple = ()  # (host file, path in the sandbox), read-only
    home: str = HOME
    hidden: tuple = ()  # package folders inside the Python installation (a non-editable install)
    extra: tuple = field(default=())  # (host dir, path in the sandbox) added on purpose, e.g. by a test

    def env(self) -> dict:
        """Environment variables that make the kernel use this view."""
        return {"PYTHONPATH": LIBRARY, "HOME": self.home, "MPLCONFIGDIR": f"{self.home}/.mpl",
                "IPYTHONDIR": f"{self.home}/.ipython", "JUPYTER_RUNTIME_DIR": f"{self.home}/.jupyter-runtime",
                "XDG_CACHE_HOME": f"{self.home}/.cache", "TMPDIR": "/tmp"}


def kernel_view(library, runtime, data_files=(), extra_assignment=None) -> KernelView:
    """The view of a kernel that uses the staged ``library`` and the runtime folder ``runtime``.

    Parameters
    ----------
    library : path
        A staged library (:func:`stage_library`).
    runtime : path
        Host folder of the kernel's connection file and sockets (bound read-write at the same path).
    data_files : list of path
        Released data files; each is bound read-only as ``HOME/<name>``. Only regular files.
    extra_assignment : path, optional
        An assignment module outside the package (``$LRCOURSE_EXTRA_ASSIGNMENTS/<A>.py``), bound
        read-only into :data:`EXTRA`.
    """
    files = []
    for src in data_files:
        src = Path(src)
        if not stat.S_ISREG(os.lstat(src).st_mode):
            raise ValueError(f"data_files: {src} is not a regular file (symlinks are never bound)")
        files.append((str(src), f"{HOME}/{src.name}"))
    if extra_assignment is not None:
        src = Path(extra_assignment)
        if not stat.S_ISREG(os.lstat(src).st_mode):
            raise ValueError(f"extra_assignment: {src} is not a regular file")
        files.append((str(src), f"{EXTRA}/{src.name}"))
    python = python_dirs()
    hidden = tuple(str(d) for d in map(package_dir, PACKAGES)
                   if any(str(d).startswith(p + os.sep) for p in python))
    return KernelView(python, str(Path(library)), str(Path(runtime)), tuple(files), hidden=hidden)


def _parents(paths) -> list:
    out = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent not in ("/", ""):
            out.add(parent)
            parent = os.path.dirname(parent)
    return sorted(out, key=lambda p: (p.count("/"), p))


def _system_args() -> list:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    args += ["--perms", "0755", "--dir", "/etc"]
    for host in SYSTEM_FILES:
        if os.path.exists(host):
            args += ["--ro-bind", os.path.realpath(host), host]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def scratch_sizes(disk_mb: int) -> dict:
    """How the disk budget (MB) is split when bwrap makes the tmpfs: HOME half, /tmp 3/8, /dev/shm 1/8."""
    if isinstance(disk_mb, bool) or not isinstance(disk_mb, int) or disk_mb < 1:
        raise ValueError(f"disk_mb: expected a positive integer, got {disk_mb!r}")
    total = int(disk_mb) * 1024 * 1024
    return {HOME: total // 2, "/tmp": total * 3 // 8, "/dev/shm": total // 8}


def _make_dirs(parents, bound) -> list:
    """``--dir`` for each parent folder not provided otherwise (system trees, scratch, a bound path)."""
    args = []
    for parent in parents:
        if parent in ("/usr", "/etc", "/proc", "/dev", "/tmp", "/dev/shm") or parent.startswith(("/usr/", "/proc/", "/dev/")):
            continue
        if not any(parent == b or parent.startswith(b + "/") for b in bound):
            args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_command(view: KernelView, *, uid=None, network: bool = True, disk=None, disk_mb: int = 256) -> list:
    """The ``bwrap`` command line (without the kernel command) that builds ``view``.

    Parameters
    ----------
    view : KernelView
        What the kernel sees.
    uid : int, optional
        The submission's private uid (grader running as root): no user namespace (``setpriv``
        drops to ``uid`` inside, see :func:`drop_privileges`). ``None``: an unprivileged user
        namespace (the grader is not root).
    network : bool
        A private network namespace (only a loopback interface).
    disk : path, optional
        A private tmpfs prepared by the launcher, holding ``home``, ``tmp`` and ``shm``: bound to
        ``HOME``, ``/tmp`` and ``/dev/shm``. Without it bwrap makes three sized tmpfs.
    disk_mb : int
        The disk budget when bwrap makes the tmpfs.

    Returns
    -------
    list of str
        ``bwrap`` and its options; append the command (and, with ``uid``, :func:`drop_privileges`).
    """
    if not isinstance(view, KernelView):
        raise TypeError(f"view: expected a KernelView, got {type(view).__name__}")
    if uid is not None:
        drop_privileges(uid)  # validates it
    args = [BWRAP, "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox"]
    if network:
        args.append("--unshare-net")
    if uid is None:
        args += ["--unshare-user", "--disable-userns"]
    args += _system_args()
    # The private scratch (HOME, /tmp, /dev/shm) is mounted first: everything bound afterwards stays
    # visible even when it lives under /tmp on the host (a checkout or a venv in /tmp).
    args += _make_dirs(_parents([view.home]), bound=())
    if disk is not None:
        args += ["--bind", f"{disk}/home", view.home, "--bind", f"{disk}/tmp", "/tmp",
                 "--bind", f"{disk}/shm", "/dev/shm"]
    else:
        for dest, size in scratch_sizes(disk_mb).items():
            args += ["--perms", "1777", "--size", str(size), "--tmpfs", dest]
    mounts = [*view.python, LIBRARY, view.runtime, *(dest for _, dest in view.files),
              *(dest for _, dest in view.extra)]
    args += _make_dirs(_parents(mounts), bound=(*view.python, view.home))
    for path in view.python:
        args += ["--ro-bind", path, path]
    for path in view.hidden:  # the staged copy is the only library the kernel sees
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", path]
    args += ["--ro-bind", view.library, LIBRARY, "--bind", view.runtime, view.runtime]
    for src, dest in (*view.files, *view.extra):
        args += ["--ro-bind", src, dest]
    return args + ["--remount-ro", "/", "--chdir", view.home]


def drop_privileges(uid: int) -> list:
    """Command prefix that becomes ``uid`` inside the sandbox: no groups, no capabilities, no_new_privs.

    Parameters
    ----------
    uid : int
        The submission's private uid (also its gid), positive.
    """
    if isinstance(uid, bool) or not isinstance(uid, int) or uid <= 0:
        raise ValueError(f"uid: expected a positive integer (never root), got {uid!r}")
    return [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--"]


def passwd_lines(uid: int | None) -> dict:
    """A synthesized ``/etc/passwd`` and ``/etc/group`` naming only root and the student."""
    me = os.getuid() if uid is None else uid
    return {"/etc/passwd": f"root:x:0:0:root:/:/usr/sbin/nologin\nstudent:x:{me}:{me}:student:{HOME}:/usr/sbin/nologin\n",
            "/etc/group": f"root:x:0:\nstudent:x:{me}:\n"}


#: per machine: (AUDIT_ARCH, unshare, clone, clone3) syscall numbers
SYSCALLS = {"x86_64": (0xC000003E, 272, 56, 435), "aarch64": (0xC00000B7, 97, 220, 435)}
CLONE_NEWUSER = 0x10000000


def seccomp_filter(machine: str | None = None) -> bytes | None:
    """A classic-BPF seccomp program (for ``bwrap --seccomp``) refusing new user namespaces.

    Without it a kernel could ``unshare(CLONE_NEWUSER | CLONE_NEWNS)`` and mount a tmpfs of any size
    (memory outside every budget). ``unshare``/``clone`` with ``CLONE_NEWUSER`` get EPERM, ``clone3``
    gets ENOSYS (the C library then falls back to ``clone``), foreign ABIs (i386, x32) get ENOSYS.
    None on machines not in :data:`SYSCALLS`.
    """
    if (machine or platform.machine()) not in SYSCALLS:
        return None
    arch, unshare, clone, clone3 = SYSCALLS[machine or platform.machine()]
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    program = [
        (ld, 0, 0, 4),                  # 0: architecture
        (jeq, 1, 0, arch),              # 1: ours -> 3
        (ret, 0, 0, enosys),            # 2: a foreign ABI
        (ld, 0, 0, 0),                  # 3: syscall number
        (jge, 7, 0, 0x40000000),        # 4: x32 ABI -> 12
        (jeq, 6, 0, clone3),            # 5: -> 12
        (jeq, 2, 0, unshare),           # 6: -> 9
        (jeq, 1, 0, clone),             # 7: -> 9
        (ret, 0, 0, allow),             # 8
        (ld, 0, 0, 16),                 # 9: flags (first argument, low half)
        (jset, 2, 0, CLONE_NEWUSER),    # 10: -> 13
        (ret, 0, 0, allow),             # 11
        (ret, 0, 0, enosys),            # 12
        (ret, 0, 0, eperm),             # 13
    ]
    return b"".join(struct.pack("=HBBI", *ins) for ins in program)


def bwrap_available() -> str:
    """``""`` when bwrap and setpriv are installed, else why not (one line)."""
    missing = [p for p in (BWRAP, SETPRIV) if not os.access(p, os.X_OK)]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install bubblewrap util-linux; scripts/ensure-bwrap)"
    return ""

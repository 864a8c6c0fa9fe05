"""Runtime evidence, collected in the student's kernel while :func:`autograder.harness.run_part` calls the
student's function: calls into the reference code (in every thread the call starts), threads of the
student's that were already running, and a profiler the student's code removed.

Every observation names the student's frame that led to it: the kernel's file name of the cell (which
:mod:`autograder.evidence.cells` maps back to a notebook cell), the line number and the line's text.
The grader re-reads these observations from the record; nothing here decides a score.
"""

from __future__ import annotations

import importlib.util
import linecache
import os
import sys
import threading

#: modules whose threads belong to the kernel itself or to a library helper (tqdm's monitor), not to the student
KERNEL_THREADS = ("ipykernel", "IPython", "jupyter_client", "zmq", "tornado", "traitlets", "comm", "debugpy",
                  "tqdm")
#: the code object of the wrapper that stands for a student function the grader replaced (carried-forward
#: grading): calls made from inside it are the grader's, never the student's
GIVEN_CODES: set = set()


def package_roots(names) -> tuple:
    """Source folders of the installed packages ``names`` (not imported here)."""
    roots = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            roots += [os.path.realpath(p) + os.sep for p in spec.submodule_search_locations]
    return tuple(roots)


def is_cell_file(filename: str) -> bool:
    """Whether ``filename`` is the kernel's name for a notebook cell (``/tmp/ipykernel_<pid>/<hash>.py``)."""
    return (os.path.basename(os.path.dirname(filename)).startswith("ipykernel_")
            or filename.startswith("<ipython-input"))


def student_frame(frame) -> dict:
    """``{"file", "line", "text"}`` of the innermost cell frame at or above ``frame`` (empty if none)."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_cell_file(filename):
            text = linecache.getline(filename, frame.f_lineno).strip()
            return {"file": os.path.basename(filename), "line": frame.f_lineno, "text": text[:300]}
        frame = frame.f_back
    return {}


def _given(frame) -> bool:
    while frame is not None:
        if frame.f_code in GIVEN_CODES:
            return True
        frame = frame.f_back
    return False


def _kernel_thread(thread) -> bool:
    if thread is threading.main_thread():
        return True
    target = getattr(thread, "_target", None)
    modules = [type(thread).__module__, getattr(target, "__module__", None) or ""]
    return any(m.startswith(KERNEL_THREADS) for m in modules if m)


def student_threads(exclude=()) -> list:
    """The threads of the student's (not the kernel's) alive now, with the cell line each one runs."""
    frames = sys._current_frames()
    found = []
    for thread in threading.enumerate():
        if thread.ident in exclude or thread is threading.current_thread() or _kernel_thread(thread):
            continue
        target = getattr(thread, "_target", None)
        where = student_frame(frames.get(thread.ident))
        code = getattr(target, "__code__", None)
        if not where and code is not None and is_cell_file(code.co_filename):
            where = {"file": os.path.basename(code.co_filename), "line": code.co_firstlineno,
                     "text": linecache.getline(code.co_filename, code.co_firstlineno).strip()[:300]}
        found.append({"name": thread.name, "ident": thread.ident, **where})
    return found


class Watch:
    """Profile every call into the reference while the student's function runs (``with Watch(...) as w``).

    ``names`` are the reference names of the part; ``packages`` the packages holding the reference
    (``lrcourse`` and the assignment's ``reference_packages``). ``w.calls`` lists one observation per
    reference function reached, ``w.threads_before`` the student's threads that were already running,
    ``w.threads_after`` the student's threads started by the function and still alive, and
    ``w.hook_removed`` whether the student's code took the profiler away.
    """

    def __init__(self, names, packages=("lrcourse",)):
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError("names: expected a list of reference names")
        self.names = set(names)
        self.roots = package_roots(packages)
        self.calls: dict = {}
        self.threads_before: list = []
        self.threads_after: list = []
        self.hook_removed = False

    def _make_hook(self):
        """The profile function: a closure over locals, since it runs on every call of every function."""
        names, roots, calls = self.names, self.roots, self.calls

        def hook(frame, event, arg):
            if event == "call" and frame.f_code.co_filename.startswith(roots):
                code = frame.f_code
                qual = code.co_qualname
                if qual not in calls and names.intersection(qual.split(".")) and not _given(frame):
                    calls[qual] = {"name": qual, "thread": threading.current_thread().name, **student_frame(frame)}

        return hook if names and roots else None

    def __enter__(self):
        self.threads_before = student_threads()
        self._idents = {t.ident for t in threading.enumerate()}
        self._previous = (sys.getprofile(), threading.getprofile())
        self.hook = self._make_hook()
        threading.setprofile(self.hook)
        sys.setprofile(self.hook)
        return self

    def __exit__(self, *exc):
        self.hook_removed = self.hook is not None and sys.getprofile() is not self.hook
        sys.setprofile(self._previous[0])
        threading.setprofile(self._previous[1])
        self.threads_after = student_threads(exclude=self._idents)
        return False

    def record(self) -> dict:
        """The observations as plain JSON for the ``@@lrcourse-record`` line."""
        out = {"reference_calls": list(self.calls.values())}
        if self.threads_before:
            out["threads_running"] = self.threads_before
        if self.threads_after:
            out["threads_left"] = self.threads_after
        if self.hook_removed:
            out["profiler_removed"] = True
        return out

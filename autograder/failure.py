"""A student's function that raised: what to record about it and how to say it.

:func:`describe` turns the exception into plain JSON (kind, message, the student's line that raised) in
the kernel; :func:`hint` turns that back into one sentence for the student, in the kernel's verdict, in
the grader's feedback and in ``check()``. The released stubs raise ``NotImplementedError()``: a part
whose function still does is "not implemented yet", never a bare ``NotImplementedError: ``.
"""

from __future__ import annotations

import linecache
import os
import sys

from .parts import SubmissionError
from .watch import is_cell_file

#: ``kind`` of a recorded failure
NOT_IMPLEMENTED, UNDEFINED, WRONG_RESULT, RAISED = "not-implemented", "undefined", "wrong-result", "raised"


def _students(code, names) -> bool:
    """Whether ``code`` is the student's: a notebook cell's, or a graded function defined outside a package."""
    filename = code.co_filename
    return is_cell_file(filename) or (code.co_name in names and "site-packages" not in filename
                                      and not filename.startswith((sys.prefix, sys.base_prefix)))


def describe(exc: BaseException, target: str, targets=()) -> dict:
    """``{"kind", "type", "message", "function", "target", "where"}`` for an exception raised by ``target``.

    ``function`` is the name of the student's function in which the exception was raised (the innermost
    frame of a notebook cell, or of one of the graded functions ``targets``); ``where`` is that frame's
    ``{file, line, text}``.
    """
    names = {target, *targets}
    last = None
    tb = exc.__traceback__
    while tb is not None:
        if _students(tb.tb_frame.f_code, names):
            last = tb
        tb = tb.tb_next
    where, function = {}, target
    if last is not None:
        filename = last.tb_frame.f_code.co_filename
        where = {"file": os.path.basename(filename), "line": last.tb_lineno,
                 "text": linecache.getline(filename, last.tb_lineno).strip()[:300]}
        function = last.tb_frame.f_code.co_name
    if isinstance(exc, NotImplementedError):
        kind = NOT_IMPLEMENTED
    elif isinstance(exc, SubmissionError):
        kind = WRONG_RESULT
    else:
        kind = RAISED
    try:
        message = str(exc)[:500]
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        message = "(the exception's message could not be printed)"
    return {"kind": kind, "type": type(exc).__name__, "message": message, "function": function,
            "target": target, "where": where}


def hint(error: dict, targets=()) -> str:
    """One sentence for the student about the recorded failure ``error``.

    ``targets`` are the names of the assignment's graded functions: a ``NotImplementedError`` raised in
    another one of them is reported as carried forward from it.
    """
    if not isinstance(error, dict):
        return "your code raised an error"
    target = str(error.get("target") or "your function")
    function = str(error.get("function") or target)
    kind = error.get("kind")
    if kind == UNDEFINED:
        return str(error.get("message") or f"`{target}` is not defined")
    if kind == NOT_IMPLEMENTED:
        if function in (target, "<module>"):
            return f"`{target}` is not implemented yet: replace `raise NotImplementedError()` with your code"
        if function in targets:
            return f"`{target}` calls `{function}`, which is not implemented yet (carried forward from {function})"
        return f"`{target}` calls `{function}`, which is not implemented yet (it raises NotImplementedError)"
    message = str(error.get("message", ""))
    if kind == WRONG_RESULT:
        return message
    text = f"{error.get('type', 'Error')}: {message}" if message else str(error.get("type", "Error"))
    if function not in (target, "<module>"):
        text += f" (raised in `{function}`, called by `{target}`)"
    return text

"""Constant folding of the strings a student's code builds: ``"lr" + "course"`` is ``"lrcourse"``.

:func:`fold` evaluates an expression WITHOUT running the student's code: only literals, names bound to
literals (through the ``lookup`` callback) and a fixed list of pure operations on them are evaluated
(``+``, ``*``, ``%``, f-strings, slicing such as ``[::-1]``, ``str.join`` and the usual ``str``
methods, ``chr``/``ord``, ``reversed``, ``bytes.fromhex``, ``base64``/``codecs`` decoding, simple
comprehensions). Every intermediate value is size-limited, so a hostile ``"a" * 10**12`` costs
nothing. Anything else is :data:`UNKNOWN`.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import re

#: the value of an expression that cannot be folded
UNKNOWN = object()
#: the longest string, bytes or sequence a fold may produce
MAX_SIZE = 10_000
#: the longest sequence a comprehension may iterate over
MAX_ITEMS = 2_000

_STR_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "capitalize", "title", "swapcase",
                "replace", "format", "join", "encode", "decode", "split", "removeprefix", "removesuffix",
                "casefold", "zfill", "center", "ljust", "rjust", "translate"}
_CALLS = {"chr": chr, "ord": ord, "str": str, "reversed": lambda x: list(reversed(x)), "list": list,
          "tuple": tuple, "sorted": sorted, "int": int, "bytes": bytes, "bytearray": bytes, "len": len}
_DECODERS = {"b64decode": base64.b64decode, "b32decode": base64.b32decode, "b16decode": base64.b16decode,
             "urlsafe_b64decode": base64.urlsafe_b64decode, "a85decode": base64.a85decode,
             "b85decode": base64.b85decode, "unhexlify": binascii.unhexlify, "a2b_hex": binascii.a2b_hex}


class _Unknown(Exception):
    """Raised inside the folder; :func:`fold` turns it into :data:`UNKNOWN`."""


def fold(node: ast.AST, lookup=lambda name: UNKNOWN):
    """The constant value of the expression ``node`` or :data:`UNKNOWN`.

    Parameters
    ----------
    node : ast.AST
        An expression of the student's code.
    lookup : callable
        ``lookup(name)`` returns the constant a variable holds, or :data:`UNKNOWN`.
    """
    if not isinstance(node, ast.AST):
        raise TypeError(f"node: expected an ast node, got {type(node).__name__}")
    try:
        return _Folder(lookup).value(node)
    except (_Unknown, ValueError, TypeError, OverflowError, IndexError, KeyError, AttributeError,
            UnicodeError, binascii.Error, RecursionError, MemoryError, LookupError):
        return UNKNOWN


def _no_wide_fields(template) -> None:
    """Refuse format templates whose field widths (``%999999999s``, ``{:>999999999}``) would blow up."""
    text = template.decode("latin-1") if isinstance(template, bytes) else str(template)
    if any(int(d) > MAX_SIZE for d in re.findall(r"\d+", text)):
        raise _Unknown


def _small(value):
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_SIZE:
        raise _Unknown
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18:
        raise _Unknown
    return value


class _Folder:
    def __init__(self, lookup):
        self.lookup = lookup
        self.locals: dict = {}

    def value(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _Unknown
        return _small(method(node))

    def _Constant(self, node):
        if isinstance(node.value, (str, bytes, int, float)) or node.value is None:
            return node.value
        raise _Unknown

    def _Name(self, node):
        if node.id in self.locals:
            return self.locals[node.id]
        got = self.lookup(node.id)
        if got is UNKNOWN:
            raise _Unknown
        return got

    def _List(self, node):
        return [self.value(e) for e in node.elts]

    _Tuple = _List

    def _BinOp(self, node):
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.Add):
            if isinstance(left, (str, bytes, list, tuple)) and len(left) + len(right) > MAX_SIZE:
                raise _Unknown
            return left + right
        if isinstance(node.op, ast.Mult):
            seq, times = (left, right) if isinstance(left, (str, bytes, list, tuple)) else (right, left)
            if isinstance(seq, (str, bytes, list, tuple)):
                if not isinstance(times, int) or len(seq) * max(times, 0) > MAX_SIZE:
                    raise _Unknown
            return left * right
        if isinstance(node.op, ast.Mod) and isinstance(left, (str, bytes)):
            _no_wide_fields(left)
            return left % right
        if isinstance(node.op, (ast.Sub, ast.Add, ast.FloorDiv, ast.Mod, ast.BitXor, ast.BitAnd, ast.BitOr)) \
                and isinstance(left, int) and isinstance(right, int):
            ops = {ast.Sub: int.__sub__, ast.FloorDiv: int.__floordiv__, ast.Mod: int.__mod__,
                   ast.BitXor: int.__xor__, ast.BitAnd: int.__and__, ast.BitOr: int.__or__}
            return ops[type(node.op)](left, right)
        raise _Unknown

    def _UnaryOp(self, node):
        value = self.value(node.operand)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Unknown
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        if isinstance(node.op, ast.Invert) and isinstance(value, int):
            return ~value
        raise _Unknown

    def _JoinedStr(self, node):
        return "".join(str(self.value(v)) for v in node.values)

    def _FormattedValue(self, node):
        value = self.value(node.value)
        if node.conversion == ord("r"):
            value = repr(value)
        elif node.conversion == ord("s"):
            value = str(value)
        elif node.conversion == ord("a"):
            value = ascii(value)
        spec = self.value(node.format_spec) if node.format_spec is not None else ""
        _no_wide_fields(spec)
        return format(value, spec)

    def _Subscript(self, node):
        base = self.value(node.value)
        if not isinstance(base, (str, bytes, list, tuple)):
            raise _Unknown
        if isinstance(node.slice, ast.Slice):
            bounds = [self.value(b) if b is not None else None
                      for b in (node.slice.lower, node.slice.upper, node.slice.step)]
            return base[slice(*bounds)]
        return base[self.value(node.slice)]

    def _Call(self, node):
        if node.keywords and not all(k.arg for k in node.keywords):
            raise _Unknown
        args = [self.value(a) for a in node.args]
        kwargs = {k.arg: self.value(k.value) for k in node.keywords}
        func = node.func
        if isinstance(func, ast.Name) and func.id in _CALLS and func.id not in self.locals:
            if func.id in ("bytes", "bytearray") and args and isinstance(args[0], int):
                raise _Unknown  # bytes(10**9) would allocate
            return _CALLS[func.id](*args, **kwargs)
        if isinstance(func, ast.Attribute):
            name = func.attr
            if name in _DECODERS and isinstance(func.value, ast.Name):
                return _DECODERS[name](*args, **kwargs)
            if name == "decode" and isinstance(func.value, ast.Name) and func.value.id == "codecs":
                return codecs.decode(*args, **kwargs)
            if name == "fromhex" and isinstance(func.value, ast.Name) and func.value.id in ("bytes", "bytearray"):
                return bytes.fromhex(*args)
            if name in _STR_METHODS:
                target = self.value(func.value)
                if isinstance(target, (str, bytes)):
                    if name == "center" or name.endswith("just") or name == "zfill":
                        if args and isinstance(args[0], int) and args[0] > MAX_SIZE:
                            raise _Unknown
                    if name == "join":
                        args = [list(args[0])] if args else args
                        if args and sum(len(x) for x in args[0] if hasattr(x, "__len__")) > MAX_SIZE:
                            raise _Unknown
                    if name == "format":
                        _no_wide_fields(target)
                    if name == "replace" and len(args) >= 2 and len(target) * max(1, len(args[1])) > 10 * MAX_SIZE:
                        raise _Unknown
                    return getattr(target, name)(*args, **kwargs)
        raise _Unknown

    def _comprehension(self, node):
        if len(node.generators) != 1:
            raise _Unknown
        gen = node.generators[0]
        if not isinstance(gen.target, ast.Name) or gen.is_async:
            raise _Unknown
        items = self.value(gen.iter)
        if not isinstance(items, (str, bytes, list, tuple)) or len(items) > MAX_ITEMS:
            raise _Unknown
        saved = dict(self.locals)
        out = []
        try:
            for item in items:
                self.locals[gen.target.id] = item
                if all(self.value(cond) for cond in gen.ifs):
                    out.append(self.value(node.elt))
        finally:
            self.locals = saved
        return out

    _ListComp = _comprehension
    _GeneratorExp = _comprehension

"""Read the student's cells without running them: which modules and objects the code reaches, and which
lines an instructor should read by hand.

The scan follows names the way Python binds them (imports, assignments, ``getattr``, ``__import__`` /
``importlib.import_module`` with literal or built names, ``sys.modules[...]``, ``vars(m)[...]``,
``exec`` of a constant string, star imports, IPython magics) in statement order, cell after cell;
function bodies are read after the last cell, with the globals as the notebook leaves them. It only
records facts: :class:`~autograder.evidence.findings.Reach` (a path such as
``lrcourse.schedules.restarts.CosineAnnealingWarmRestarts`` reached at a line) and review
:class:`~autograder.evidence.findings.Finding` (dynamic code, hooks, file access to course paths...).
A name the student defines is the student's own: it never resolves to a module, whatever it is called.
"""

from __future__ import annotations

import ast
import builtins

from .findings import Finding, Reach, Where
from .fold import UNKNOWN, fold

_BUILTINS = frozenset(dir(builtins)) | {"__builtins__", "get_ipython"}
_IMPORTERS = {("builtins", "__import__"), ("importlib", "__import__"), ("importlib", "import_module")}
_CODE_RUNNERS = {("builtins", "exec"), ("builtins", "eval"), ("builtins", "compile")}
_HOOKS = {("sys", "setprofile"), ("sys", "settrace"), ("threading", "setprofile"), ("threading", "settrace"),
          ("sys", "_getframe"), ("inspect", "currentframe"), ("inspect", "stack"), ("gc", "get_objects"),
          ("gc", "get_referrers"), ("sys", "addaudithook")}
_SIGNALS = {("os", "kill"), ("os", "killpg"), ("os", "getppid"), ("os", "_exit"), ("signal", "signal"),
            ("signal", "pthread_kill"), ("signal", "alarm")}
_PROGRAMS = {("os", "system"), ("os", "popen"), ("os", "fork"), ("os", "execv"), ("os", "execve"),
             ("os", "spawnv"), ("os", "posix_spawn")}
_DYNAMIC_CODE = {("types", "FunctionType"), ("types", "CodeType"), ("marshal", "loads"), ("pickle", "loads"),
                 ("runpy", "run_path"), ("runpy", "run_module")}
_FRAME_ATTRS = {"__globals__", "__code__", "f_globals", "f_locals", "f_back", "gi_frame", "tb_frame",
                "__closure__", "__subclasses__", "cr_frame"}
#: modules a student must not monkey-patch (the grader compares and records with them)
_PATCHED_ROOTS = {"numpy", "math", "builtins", "sys", "json", "nbformat", "IPython", "ipykernel", "lrcourse",
                  "autograder", "os", "io"}
#: course paths whose mention in a file operation is worth a look
COURSE_NEEDLES = ("solutions", "autograder", "gradebook", ".db", "/proc", "autograded", "submitted",
                  "exercises", ".git", "samples", ".cells.txt", "@@lrcourse-record")
_SAFE_MAGICS = {"matplotlib", "pylab", "config", "precision", "pprint", "who", "whos", "pwd", "history"}
_CODE_MAGICS = {"time", "timeit", "prun", "capture"}
_MAX_LOOP = 20
_MAX_DEPTH = 4


class _Own:
    """Marker value: a name bound by the student (a def, a class, a computed value)."""


OWN = _Own()


class _Const:
    """A name bound to a constant the folder could compute (``name = "lr" + "course"``)."""

    def __init__(self, value):
        self.value = value


def _const_or_own(value):
    return _Const(value) if value is not UNKNOWN else OWN


class _Scope:
    def __init__(self, parent=None):
        self.parent = parent
        self.vars: dict = {}
        self.stars: list = []  # paths of course modules star-imported here
        self.declared_global: set = set()

    def lookup(self, name):
        scope = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None

    def module(self):
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name, value):
        target = self.module() if name in self.declared_global else self
        target.vars[name] = value


class Scanner:
    """Collects :class:`Reach` and review :class:`Finding` objects for a sequence of cells."""

    def __init__(self):
        self.reaches: list = []
        self.reviews: list = []
        self.notes: list = []
        self.module = _Scope()
        self._deferred: list = []
        self._cell = None
        self._lines: list = []
        self._where_override = None
        self._depth = 0
        self._memo: dict = {}
        self.unstable: set = set()  # names whose value the scan cannot follow (see _unstable_names)

    # --- entry points -----------------------------------------------------------------------------

    def cell(self, index, source: str, python=None) -> None:
        """Scan one cell (``index`` in the graded notebook) in statement order (``python``: the cell as
        :func:`_python_text` already turned it into Python)."""
        self._cell, self._lines = index, source.splitlines()
        text, magics = python if python is not None else _python_text(source)
        self._memo = {}
        for line, reason in magics:
            self._review(reason, self._where_at(line))
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            self._review("cannot be read as Python (a syntax error), so it was not checked",
                         self._where_at(exc.lineno))
            return
        except (ValueError, RecursionError, MemoryError):
            self._review("cannot be read as Python, so it was not checked", self._where_at(None))
            return
        self._block(tree.body, self.module, index, self._lines)

    def finish(self) -> None:
        """Read the function bodies, with the globals as the last cell left them."""
        while self._deferred:
            body, scope, cell, lines = self._deferred.pop(0)
            self._cell, self._lines = cell, lines
            self._block(body, scope, cell, lines)

    # --- statements -------------------------------------------------------------------------------

    def _block(self, body, scope, cell, lines) -> None:
        self._cell, self._lines = cell, lines
        for stmt in body:
            try:
                self._stmt(stmt, scope)
            except RecursionError:
                self.notes.append("a statement is nested too deeply to read")

    def _stmt(self, node, scope) -> None:
        self._memo = {}
        if isinstance(node, ast.Import):
            for alias in node.names:
                path = tuple(alias.name.split("."))
                self._reach(path, node, "import")
                scope.bind(alias.asname or path[0], path if alias.asname else path[:1])
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                return
            base = tuple(node.module.split("."))
            for alias in node.names:
                if alias.name == "*":
                    self._reach(base, node, "star import")
                    scope.stars.append(base)
                else:
                    self._reach(base + (alias.name,), node, "import")
                    scope.bind(alias.asname or alias.name, base + (alias.name,))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = getattr(node, "value", None)
            path = self._expr(value, scope) if value is not None else None
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self._assign(target, value, path, scope)
        elif isinstance(node, ast.AugAssign):
            self._expr(node.value, scope)
            if isinstance(node.target, ast.Name):
                folded = fold(ast.BinOp(left=ast.Name(id=node.target.id, ctx=ast.Load()), op=node.op,
                                        right=node.value), self._lookup_const(scope))
                scope.bind(node.target.id, _const_or_own(folded))
            else:
                self._assign(node.target, None, None, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if expr is not None:
                    self._expr(expr, scope)
            scope.bind(node.name, OWN)
            inner = _Scope(scope if not isinstance(scope, _ClassScope) else scope.parent)
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg,
                        node.args.kwarg]:
                if arg is not None:
                    inner.vars[arg.arg] = OWN
            inner.declared_global = {n for stmt in ast.walk(node) if isinstance(stmt, ast.Global) for n in stmt.names}
            self._deferred.append((node.body, inner, self._cell, self._lines))
        elif isinstance(node, ast.ClassDef):
            for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
                self._expr(expr, scope)
            inner = _ClassScope(scope)
            self._block(node.body, inner, self._cell, self._lines)
            scope.bind(node.name, OWN)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._expr(node.iter, scope)
            items = fold(node.iter, self._lookup_const(scope))
            if isinstance(items, (list, tuple, str)) and 0 < len(items) <= _MAX_LOOP \
                    and isinstance(node.target, ast.Name):
                for item in items:
                    scope.bind(node.target.id, _Const(item))
                    self._block(node.body, scope, self._cell, self._lines)
            else:
                self._assign(node.target, None, None, scope)
                self._block(node.body, scope, self._cell, self._lines)
            self._block(node.orelse, scope, self._cell, self._lines)
        elif isinstance(node, ast.Global):
            scope.declared_global |= set(node.names)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    scope.bind(target.id, OWN)
                else:
                    self._expr(target, scope)
        else:  # if / while / with / try / match / return / expression statements ...
            for field, value in ast.iter_fields(node):
                items = value if isinstance(value, list) else [value]
                if items and all(isinstance(v, ast.stmt) for v in items):
                    self._block(items, scope, self._cell, self._lines)
                    continue
                for item in items:
                    if isinstance(item, ast.expr):
                        self._expr(item, scope)
                    elif isinstance(item, ast.withitem):
                        path = self._expr(item.context_expr, scope)
                        if item.optional_vars is not None:
                            self._assign(item.optional_vars, None, path, scope)
                    elif isinstance(item, ast.ExceptHandler):
                        if item.type is not None:
                            self._expr(item.type, scope)
                        if item.name:
                            scope.bind(item.name, OWN)
                        self._block(item.body, scope, self._cell, self._lines)
                    elif isinstance(item, ast.match_case):
                        self._block(item.body, scope, self._cell, self._lines)

    def _assign(self, target, value, path, scope) -> None:
        if isinstance(target, ast.Name):
            if path is not None:
                scope.bind(target.id, path)
                return
            folded = fold(value, self._lookup_const(scope)) if value is not None else UNKNOWN
            scope.bind(target.id, _const_or_own(folded))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._assign(elt.value if isinstance(elt, ast.Starred) else elt, None, None, scope)
        elif isinstance(target, ast.Attribute):
            base = self._expr(target.value, scope)
            if base is not None and base[0] in _PATCHED_ROOTS:
                self._review(f"replaces {'.'.join(base + (target.attr,))}", self._where(target))
        else:
            self._expr(target, scope)

    # --- expressions ------------------------------------------------------------------------------

    def _expr(self, node, scope, shadow=frozenset()):
        """Visit every sub-expression of ``node``; the path ``node`` itself resolves to (or None)."""
        if node is None:
            return None
        inner = _bound_inside(node)
        result = self._resolve(node, scope, shadow | inner)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child, scope, shadow | inner)
            elif isinstance(child, ast.comprehension):
                for part in (child.iter, *child.ifs):
                    self._expr(part, scope, shadow | inner)
            elif isinstance(child, ast.keyword):
                self._expr(child.value, scope, shadow | inner)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "@@lrcourse-record" in node.value:
            self._review("writes a grader record line (@@lrcourse-record)", self._where(node))
        if isinstance(node, ast.Attribute) and node.attr in _FRAME_ATTRS:
            self._review(f"reaches into interpreter internals (.{node.attr})", self._where(node))
        return result

    def _resolve(self, node, scope, shadow):
        key = (id(node), id(scope), shadow)
        if key not in self._memo:
            self._memo[key] = self._resolve_once(node, scope, shadow)
        return self._memo[key]

    def _resolve_once(self, node, scope, shadow):
        if isinstance(node, ast.Name):
            path = self._name(node.id, scope, shadow)
            if path is not None and scope.lookup(node.id) is None and path[0] != "builtins":
                self._reach(path, node, "star import")  # a name that only a star import can bind
            return path
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value, scope, shadow)
            if base is None:
                return None
            path = _strip_dict(base) + (node.attr,) if node.attr != "__dict__" else base + ("__dict__",)
            self._reach(path, node, "attribute")
            return path
        if isinstance(node, ast.Subscript):
            base = self._resolve(node.value, scope, shadow)
            key = fold(node.slice, self._lookup_const(scope))
            if base is None or not isinstance(key, str):
                return None
            path = tuple(key.split(".")) if base == ("sys", "modules") else _strip_dict(base) + (key,)
            self._reach(path, node, "subscript")
            return path
        if isinstance(node, ast.NamedExpr):
            path = self._resolve(node.value, scope, shadow)
            self._assign(node.target, node.value, path, scope)
            return path
        if isinstance(node, ast.Call):
            return self._call(node, scope, shadow)
        return None

    def _name(self, name, scope, shadow):
        if name in shadow:
            return None
        value = scope.lookup(name)
        if isinstance(value, tuple):
            return value
        if value is not None:
            return None
        if name in _BUILTINS:
            return ("builtins", name) if name != "__builtins__" else ("builtins",)
        for star in scope.module().stars:
            return star + (name,)
        return None

    def _call(self, node, scope, shadow):
        func = self._resolve(node.func, scope, shadow)
        args = node.args
        const = self._lookup_const(scope)
        if _is_ipython_call(node):
            self._ipython(node, const)
            return None
        if func is None:
            return None
        if func == ("builtins", "getattr") and len(args) >= 2:
            base = self._resolve(args[0], scope, shadow)
            name = fold(args[1], const)
            if base is not None and isinstance(name, str):
                path = _strip_dict(base) + (name,)
                self._reach(path, node, "getattr")
                return path
            if base is not None:
                self._review(f"getattr on {'.'.join(base)} with a name computed at run time", self._where(node))
            return None
        if func in _IMPORTERS:
            target = args[0] if args else next((k.value for k in node.keywords if k.arg == "name"), None)
            name = fold(target, const) if target is not None else UNKNOWN
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if not isinstance(name, str):
                self._review("imports a module whose name is computed at run time", self._where(node))
                return None
            path = tuple(name.split("."))
            self._reach(path, node, "dynamic import")
            fromlist = len(args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
            return path if func != ("builtins", "__import__") or fromlist else path[:1]
        if func == ("importlib", "reload") and args:
            return self._resolve(args[0], scope, shadow)
        if func == ("builtins", "vars") and args:
            base = self._resolve(args[0], scope, shadow)
            return base + ("__dict__",) if base is not None else None
        if func[-1] == "get" and len(func) >= 2 and args:
            key = fold(args[0], const)
            base = func[:-1]
            if isinstance(key, str) and (base == ("sys", "modules") or base[-1] == "__dict__"):
                path = tuple(key.split(".")) if base == ("sys", "modules") else _strip_dict(base) + (key,)
                self._reach(path, node, "subscript")
                return path
            return None
        if func in _CODE_RUNNERS:
            self._code(node, args[0] if args else None, func[1], const)
        elif func == ("builtins", "setattr") and args:
            base = self._resolve(args[0], scope, shadow)
            if base is not None and base[0] in _PATCHED_ROOTS:
                self._review(f"replaces an attribute of {'.'.join(base)} (setattr)", self._where(node))
        elif func in _HOOKS or func[:2] == ("sys", "monitoring"):
            self._review(f"installs profiler, trace or frame hooks ({'.'.join(func)})", self._where(node))
        elif func in _SIGNALS:
            self._review(f"signals or exits processes ({'.'.join(func)})", self._where(node))
        elif func in _PROGRAMS or func[0] in ("subprocess", "pty"):
            self._review(f"runs other programs ({'.'.join(func)})", self._where(node))
        elif func in _DYNAMIC_CODE:
            self._review(f"builds code at run time ({'.'.join(func)})", self._where(node))
        elif func[:2] == ("importlib", "util") or func[:2] == ("importlib", "machinery"):
            self._review(f"loads a module by hand ({'.'.join(func)})", self._where(node))
        self._file_access(node, func)
        return None

    # --- review helpers ---------------------------------------------------------------------------

    def _code(self, node, source, runner, const) -> None:
        text = fold(source, const) if source is not None else UNKNOWN
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if isinstance(text, str) and self._depth < _MAX_DEPTH:
            self._nested(text, node, f"{runner}")
        else:
            self._review(f"runs code built at run time ({runner})", self._where(node))

    def _nested(self, text, node, what) -> None:
        """Scan code held in a constant string, reporting at the line of ``node``."""
        try:
            tree = ast.parse(_python_text(text)[0])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self._review(f"runs code that cannot be read ({what})", self._where(node))
            return
        saved = self._where_override
        self._where_override = self._where(node)
        self._depth += 1
        try:
            self._block(tree.body, self.module, self._cell, self._lines)
        finally:
            self._depth -= 1
            self._where_override = saved

    def _ipython(self, node, const) -> None:
        method = node.func.attr
        args = [fold(a, const) for a in node.args]
        if method == "run_line_magic" and len(args) >= 2 and isinstance(args[0], str):
            name, rest = args[0], args[1]
            if name in _CODE_MAGICS and isinstance(rest, str):
                self._nested(rest, node, f"%{name}")
            elif name not in _SAFE_MAGICS:
                self._review(f"runs the IPython magic %{name}", self._where(node))
        elif method == "run_cell_magic" and len(args) >= 3 and isinstance(args[0], str):
            if args[0] in _CODE_MAGICS and isinstance(args[2], str):
                self._nested(args[2], node, f"%%{args[0]}")
            else:
                self._review(f"runs the cell magic %%{args[0]} (its body is not Python the grader reads)",
                             self._where(node))
        elif method in ("run_cell", "ex", "ev"):
            self._code(node, node.args[0] if node.args else None, f"get_ipython().{method}", const)
        else:
            self._review(f"runs a shell command (get_ipython().{method})", self._where(node))

    def _file_access(self, node, func) -> None:
        if func not in {("builtins", "open"), ("io", "open")} and func[0] not in (
                "os", "shutil", "glob", "pathlib", "sqlite3", "io", "linecache", "tokenize", "zipfile", "tarfile",
                "importlib"):
            return
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    hit = next((n for n in COURSE_NEEDLES if n in sub.value), None)
                    if hit:
                        self._review(f"accesses files on a course path ({hit!r}, {'.'.join(func)})", self._where(node))
                        return

    def _lookup_const(self, scope):
        def lookup(name):
            value = scope.lookup(name)
            return value.value if isinstance(value, _Const) and name not in self.unstable else UNKNOWN
        return lookup

    # --- recording --------------------------------------------------------------------------------

    def _where(self, node) -> Where:
        if self._where_override is not None:
            return self._where_override
        return self._where_at(getattr(node, "lineno", None))

    def _where_at(self, line) -> Where:
        text = self._lines[line - 1] if line and 0 < line <= len(self._lines) else ""
        return Where(self._cell, line, text.strip())

    def _reach(self, path, node, how) -> None:
        if path and path[0] != "builtins":
            self.reaches.append(Reach(tuple(path), self._where(node), how))

    def _review(self, reason, where) -> None:
        self.reviews.append(Finding(reason, where))


class _ClassScope(_Scope):
    """A class body: its names are not visible from the methods' bodies."""


def _strip_dict(path):
    return path[:-1] if path and path[-1] == "__dict__" else path


def _bound_inside(node) -> frozenset:
    """Names bound by comprehensions and lambdas inside ``node`` (they shadow outer names there)."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.comprehension):
            names |= {n.id for n in ast.walk(sub.target) if isinstance(n, ast.Name)}
        elif isinstance(sub, ast.Lambda):
            names |= {a.arg for a in [*sub.args.posonlyargs, *sub.args.args, *sub.args.kwonlyargs,
                                      sub.args.vararg, sub.args.kwarg] if a is not None}
    return frozenset(names)


def _is_ipython_call(node) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython"
            and func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput", "run_cell", "ex", "ev"))


def _python_text(source: str) -> tuple[str, list]:
    """The cell as Python (IPython syntax such as ``%magic`` and ``!cmd`` turned into calls, line for
    line) and notes on what could not be turned into Python."""
    if not any(ln.lstrip().startswith(("%", "!")) or "=!" in ln.replace(" ", "") or ln.rstrip().endswith("?")
               for ln in source.splitlines()):
        return source, []  # plain Python: nothing for IPython to transform
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source), []
    except Exception:  # noqa: BLE001 - IPython missing or a transform failed: fall back below
        pass
    notes = [(i + 1, "runs IPython syntax the grader does not read") for i, ln in enumerate(source.splitlines())
             if ln.lstrip().startswith(("%", "!"))]
    text = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    return text, notes


_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort", "update", "setdefault",
             "popitem", "add", "discard", "__setitem__", "__iadd__", "write"}


def _unstable_names(trees) -> set:
    """Names whose value straight-line reading cannot know: mutated in place (``code.append(...)``,
    ``code[0] = ...``), bound inside a loop or a branch, or rebound through ``global`` in a function.
    Constants are never folded through them (a wrong constant would be worse than none)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.attr in _MUTATORS:
                names.add(node.func.value.id)
            elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and isinstance(node.value, ast.Name):
                names.add(node.value.id)
            elif isinstance(node, ast.Global):
                names |= set(node.names)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.With, ast.AsyncWith)):
                for stmt in [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                             *(h for handler in getattr(node, "handlers", []) for h in handler.body)]:
                    for sub in ast.walk(stmt):
                        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                            names.add(sub.id)
    return names


def scan_cells(cells) -> Scanner:
    """Scan ``cells``, a list of ``(index, source)`` pairs (or plain sources, indexed by position)."""
    scanner = Scanner()
    cells = [cell if isinstance(cell, tuple) else (k, cell) for k, cell in enumerate(cells)]
    python = [_python_text(str(source)) for _, source in cells]
    trees = []
    for text, _ in python:
        try:
            trees.append(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    scanner.unstable = _unstable_names(trees)
    for (index, source), text in zip(cells, python):
        scanner.cell(index, str(source), text)
    scanner.finish()
    return scanner

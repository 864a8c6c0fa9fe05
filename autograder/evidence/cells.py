"""Map what the kernel saw (``/tmp/ipykernel_<pid>/<hash>.py``, line 4) back to a notebook cell.

ipykernel names each executed cell's code after a murmur2 hash of the cell's source
(``ipykernel.compiler.get_file_name``); the grader recomputes that name for every code cell of the
executed notebook. When the name is unknown (another kernel, a cell run from a string), the recorded line
text is looked up in the cells instead.
"""

from __future__ import annotations

from .findings import Where


def _kernel_name(source: str) -> str | None:
    try:
        from ipykernel.compiler import get_tmp_hash_seed, murmur2_x86
    except ImportError:  # pragma: no cover - ipykernel is a dependency of the grader
        return None
    return f"{murmur2_x86(source, get_tmp_hash_seed())}.py"


class CellLocator:
    """``locator(observation) -> Where`` for the code cells of one executed notebook."""

    def __init__(self, notebook, cells=None):
        self.sources = {}
        self.by_file = {}
        for i, cell in enumerate(getattr(notebook, "cells", []) if notebook is not None else []):
            if cell.get("cell_type") != "code" or (cells is not None and i not in cells):
                continue
            source = str(cell.get("source", ""))
            self.sources[i] = source.splitlines()
            name = _kernel_name(source)
            if name is not None:
                self.by_file.setdefault(name, i)

    def __call__(self, seen) -> Where:
        if not isinstance(seen, dict):
            return Where(None, None)
        line = seen.get("line") if isinstance(seen.get("line"), int) else None
        text = str(seen.get("text", ""))[:300]
        cell = self.by_file.get(str(seen.get("file", "")))
        if cell is None and text:
            cell = next((i for i, lines in self.sources.items()
                         if line and 0 < line <= len(lines) and lines[line - 1].strip() == text), None)
        return Where(cell, line, text)

    def text(self, seen) -> str:
        """The place as a hint shows it: ``cell 3, line 4: `...```."""
        return str(self(seen))

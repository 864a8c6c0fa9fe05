"""What the evidence scan reports: a place in the notebook, a path the code reaches, a finding."""

from __future__ import annotations

from dataclasses import dataclass

#: the longest quote of a student's line in a flag or a hint
QUOTE = 160


@dataclass(frozen=True)
class Where:
    """A line of the student's code: ``cell`` is the index in the graded notebook (0-based), ``line``
    the 1-based line inside that cell, ``text`` the line itself (stripped)."""

    cell: int | None
    line: int | None
    text: str = ""

    def __str__(self) -> str:
        if self.cell is None:
            place = "a cell that could not be located"
        else:
            place = f"cell {self.cell + 1}" + (f", line {self.line}" if self.line else "")
        text = self.text.strip()
        if len(text) > QUOTE:
            text = text[: QUOTE - 3] + "..."
        return f"{place}: `{text}`" if text else place


@dataclass(frozen=True)
class Reach:
    """The student's code reaches ``path`` (``("lrcourse", "CosineAnnealingWarmRestarts")``) at ``where``."""

    path: tuple
    where: Where
    how: str = "import"

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Finding:
    """One reason to zero a part (``names`` holds the reference objects reached) or to read code by hand."""

    reason: str
    where: Where
    names: tuple = ()

    def __str__(self) -> str:
        return f"{self.reason} at {self.where}"

"""One consistent look for every lrcourse figure."""

from __future__ import annotations

import matplotlib

PALETTE = ["#1f5fa8", "#e07b00", "#2a9d55", "#c4372b", "#7b4fa0", "#8c6d31", "#d45fa6", "#5b6770", "#17a2b8", "#a8b820"]
LINESTYLES = ["-", "--", "-.", ":"]


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def linestyle(i: int) -> str:
    return LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)]


def new_axes(ax=None, figsize=(7, 4)):
    """Return ``ax`` or a fresh labelled-grid axes on a new figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.grid(True, which="both", alpha=0.3)
    return ax


def use_headless_backend() -> None:
    """Switch to Agg when there is no display (CLI, tests, CI)."""
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            matplotlib.use("Agg")
        except Exception:  # pragma: no cover - backend already fixed by the user
            pass

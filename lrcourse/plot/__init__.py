"""Figures for the course, in one consistent style (``lrcourse.plot.<function>``)."""

from ._style import use_headless_backend
from .schedules import gallery_schedules, plot_schedules, schedule_gallery

__all__ = ["gallery_schedules", "plot_schedules", "schedule_gallery", "use_headless_backend"]

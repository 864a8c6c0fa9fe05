"""Figures for the course, in one consistent style (``lrcourse.plot.<function>``)."""

from .style import use_headless_backend
from .dynamics import plot_comparison, plot_final_losses, plot_loss_bands, plot_trajectories, plot_variance_check
from .range_test import (
    plot_descent_paths,
    plot_one_step_range_test,
    plot_range_test,
    plot_step_sizes,
    plot_training_curves,
)
from .schedules import gallery_schedules, plot_schedules, schedule_gallery

__all__ = [
    "plot_comparison",
    "plot_final_losses",
    "plot_loss_bands",
    "plot_trajectories",
    "plot_variance_check",
    "plot_descent_paths",
    "plot_one_step_range_test",
    "plot_range_test",
    "plot_step_sizes",
    "plot_training_curves","gallery_schedules", "plot_schedules", "schedule_gallery", "use_headless_backend"]

r"""An interactive schedule designer: sliders that redraw a learning-rate curve live.

:func:`design_schedule` turns a handful of knobs into an lrcourse :class:`~lrcourse.Schedule`
(optionally with a linear warm-up of ``warmup`` steps in front),

.. math:: \eta_t = \begin{cases} \eta_0\, t / W & t < W \\ S(t - W) & t \ge W \end{cases}

:func:`plot_design` draws it, and :func:`schedule_designer` wires ipywidgets controls to the plot.
Without a live kernel (the static website) the designer still leaves one static figure of the
default design, because it draws once before returning the widgets.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..schedules.base import Schedule
from ..schedules.cyclic import CyclicLR, OneCycleLR
from ..schedules.restarts import CosineAnnealingWarmRestarts
from ..schedules.pytorch import CosineAnnealingLR, ExponentialLR, PolynomialLR, StepLR
from ..schedules.warmup import Warmup

__all__ = ["FAMILIES", "design_schedule", "plot_design", "schedule_designer"]

FAMILIES = ("cosine", "step", "exponential", "polynomial", "cosine restarts", "cyclic", "one-cycle")


def design_schedule(family: str = "cosine", lr: float = 0.1, total_steps: int = 100, eta_min: float = 0.0,
                    warmup: int = 0, gamma: float = 0.5, step_size: int = 25, power: float = 2.0,
                    period: int = 25) -> Schedule:
    r"""Build the schedule described by the designer's knobs.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    lr : float
        Peak (or initial) learning rate, ``> 0``.
    total_steps : int
        Training length :math:`T \ge 2`; warm-up steps are part of it.
    eta_min : float
        Floor of the cosine families and lower bound of the cyclic one, ``0 <= eta_min < lr``.
    warmup : int
        Linear warm-up steps :math:`W`, ``0 <= W < T`` (ignored by one-cycle, which has its own rise).
    gamma : float
        Decay factor of ``"step"`` (per drop) and ``"exponential"`` (per step), in ``(0, 1]``.
    step_size : int
        Steps between drops of ``"step"``.
    power : float
        Exponent of ``"polynomial"``.
    period : int
        Restart period of ``"cosine restarts"`` and half cycle of ``"cyclic"``.

    Returns
    -------
    Schedule
    """
    check.choice("family", family, FAMILIES)
    lr = check.positive("lr", lr)
    total_steps = check.integer("total_steps", total_steps, minimum=2)
    eta_min = check.nonnegative("eta_min", eta_min)
    if eta_min >= lr:
        raise ValueError(f"eta_min must be < lr, got eta_min={eta_min!r} and lr={lr!r}")
    warmup = check.integer("warmup", warmup, minimum=0)
    if warmup >= total_steps:
        raise ValueError(f"warmup must be < total_steps={total_steps}, got {warmup!r}")
    gamma = check.in_range("gamma", gamma, 0.0, 1.0, low_open=True)
    step_size = check.integer("step_size", step_size, minimum=1)
    power = check.positive("power", power)
    period = check.integer("period", period, minimum=1)

    if family == "one-cycle":
        return OneCycleLR(max_lr=lr, total_steps=total_steps, pct_start=0.3)
    main = total_steps - warmup
    if family == "cosine":
        sched = CosineAnnealingLR(lr=lr, T_max=main, eta_min=eta_min)
    elif family == "step":
        sched = StepLR(lr=lr, step_size=step_size, gamma=gamma)
    elif family == "exponential":
        sched = ExponentialLR(lr=lr, gamma=gamma)
    elif family == "polynomial":
        sched = PolynomialLR(lr=lr, total_iters=main, power=power)
    elif family == "cosine restarts":
        sched = CosineAnnealingWarmRestarts(lr=lr, T_0=period, eta_min=eta_min)
    else:
        sched = CyclicLR(base_lr=max(eta_min, lr / 1000), max_lr=lr, step_size_up=period)
    return Warmup(sched, warmup) if warmup else sched


def plot_design(sched: Schedule, total_steps: int, ax=None, log: bool = False, label: str | None = None):
    """Plot ``sched`` over ``range(total_steps)`` on ``ax`` (a new figure when ``None``); return ``ax``."""
    from ..plot.style import color, new_axes

    if not isinstance(sched, Schedule):
        raise TypeError(f"sched must be an lrcourse Schedule, got {type(sched).__name__}")
    total_steps = check.integer("total_steps", total_steps, minimum=2)
    ax = new_axes(ax)
    t = np.arange(total_steps)
    ax.plot(t, sched(t), color=color(0), lw=2, label=label or type(sched).__name__)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"learning rate $\eta_t$")
    ax.legend(loc="upper right")
    return ax


def _controls(defaults: dict):
    import ipywidgets as w

    style = {"description_width": "90px"}
    return {
        "family": w.Dropdown(options=FAMILIES, value=defaults["family"], description="family", style=style),
        "lr": w.FloatLogSlider(value=defaults["lr"], base=10, min=-4, max=0, step=0.1, description="lr",
                               style=style),
        "total_steps": w.IntSlider(value=defaults["total_steps"], min=10, max=1000, step=10,
                                   description="T (steps)", style=style),
        "eta_min": w.FloatSlider(value=defaults["eta_min"], min=0.0, max=0.05, step=0.001,
                                 description="eta_min", readout_format=".3f", style=style),
        "warmup": w.IntSlider(value=defaults["warmup"], min=0, max=200, step=1, description="warm-up",
                              style=style),
        "gamma": w.FloatSlider(value=defaults["gamma"], min=0.01, max=1.0, step=0.01, description="gamma",
                               style=style),
        "step_size": w.IntSlider(value=defaults["step_size"], min=1, max=200, description="step_size",
                                 style=style),
        "power": w.FloatSlider(value=defaults["power"], min=0.2, max=5.0, step=0.1, description="power",
                               style=style),
        "period": w.IntSlider(value=defaults["period"], min=2, max=300, description="period", style=style),
    }


def schedule_designer(family: str = "cosine", lr: float = 0.1, total_steps: int = 100, eta_min: float = 0.0,
                      warmup: int = 0, gamma: float = 0.5, step_size: int = 25, power: float = 2.0,
                      period: int = 25, log: bool = False, static: bool = True):
    """Sliders and a dropdown that redraw the schedule they describe.

    The arguments are the starting values of the controls (see :func:`design_schedule`). When
    ``static`` is true, the default design is also drawn once as an ordinary figure, so a page
    rendered without a kernel (the website) still shows a plot. Returns the ``ipywidgets.VBox``
    (display it as the last expression of a cell). Invalid combinations (e.g. ``warmup >= T``)
    show the error message instead of the plot.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    defaults = dict(family=family, lr=lr, total_steps=total_steps, eta_min=eta_min, warmup=warmup,
                    gamma=gamma, step_size=step_size, power=power, period=period)
    first = design_schedule(**defaults)  # validates the starting values
    if static:
        ax = plot_design(first, total_steps, log=log, label=f"{family} (default design)")
        ax.set_title("Schedule designer: default design (move the sliders in a live notebook)")
        display(ax.figure)
        plt.close(ax.figure)

    controls = _controls(defaults)
    out = w.Output()

    def redraw(_change=None):
        values = {k: c.value for k, c in controls.items()}
        with out:
            out.clear_output(wait=True)
            try:
                sched = design_schedule(**values)
            except (ValueError, TypeError) as exc:
                print(f"invalid design: {exc}")
                return
            ax = plot_design(sched, values["total_steps"], log=log, label=values["family"])
            lrs = sched(np.arange(values["total_steps"]))
            ax.set_title(f"{values['family']}: final lr {lrs[-1]:.2e}, mean lr {lrs.mean():.2e}")
            display(ax.figure)
            plt.close(ax.figure)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    names = list(controls)
    box = w.HBox([w.VBox([controls[n] for n in names[:5]]), w.VBox([controls[n] for n in names[5:]])])
    return w.VBox([box, out])

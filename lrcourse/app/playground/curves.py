"""What the playground draws: curves (a family, its parameters, an optional warm-up) and the page state.

A :class:`Curve` is validated by building the lrcourse schedule it describes, so a bad value raises
lrcourse's own error naming the parameter. :func:`page_state` turns the curves plus the page-wide
settings (number of steps, points per step, log axis) into the JSON the page starts from; the same
JSON travels in the ``?state=`` query of ``playground.html``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import lrcourse as L
from lrcourse import _validate as check

from .families import FAMILIES, WARMUP, family

__all__ = ["Curve", "MAX_CURVES", "MAX_POINTS", "page_state", "as_curves"]

MAX_CURVES = 6
"""How many curves the page overlays at most."""
MAX_POINTS = 100_000
"""Upper bound on ``steps * per_step`` (points per curve), which keeps a redraw within a frame or two."""

# Fields of lrcourse schedules that shape the momentum, not the rate: a converted schedule may set them.
_MOMENTUM_ONLY = frozenset({"cycle_momentum", "base_momentum", "max_momentum", "epochs", "steps_per_epoch"})


def _json_value(value):
    """Plain JSON types for one parameter value (tuples of milestones become lists)."""
    if isinstance(value, (tuple, list)):
        return [int(v) for v in value]
    return value


@dataclass(frozen=True)
class Curve:
    r"""One curve of the playground: a schedule family, its parameters and an optional warm-up.

    The curve is the lrcourse schedule ``getattr(lrcourse, family)(**params)``, wrapped in
    :class:`~lrcourse.Warmup` when ``warmup_steps > 0``:

    .. math::

        \eta_t = \begin{cases} \eta^S_0\, w(t/W) & t < W \\ S(t - W) & t \ge W \end{cases}

    Parameters
    ----------
    family : str
        A key of :data:`~lrcourse.app.playground.families.FAMILIES`, e.g. ``"CosineAnnealingLR"``.
    params : mapping, optional
        Parameter values by lrcourse name; the ones left out take the page's defaults.
    warmup_steps : int, default 0
        :math:`W`, the warm-up length (0: no warm-up).
    warmup_mode : {"linear", "exponential", "cosine"}, default "linear"
    warmup_start_factor : float, default 0.0
        :math:`w(0)` as a fraction of :math:`\eta^S_0` (> 0 for the exponential ramp).
    label : str, optional
        Legend text (default: built by the page from the family and its parameters).

    Raises
    ------
    ValueError, TypeError
        For an unknown family or parameter name, and for any value lrcourse refuses (the message
        names the parameter).
    """

    family: str
    params: Mapping = field(default_factory=dict)
    warmup_steps: int = 0
    warmup_mode: str = "linear"
    warmup_start_factor: float = 0.0
    label: str | None = None

    def __post_init__(self):
        fam = family(self.family)
        if not isinstance(self.params, Mapping):
            raise TypeError(f"params must be a mapping of parameter values, got {type(self.params).__name__}")
        known = {p.name for p in fam.params}
        unknown = sorted(set(self.params) - known)
        if unknown:
            raise ValueError(f"params of {fam.name} has unknown name(s) {unknown}; it takes {sorted(known)}")
        if self.label is not None and not isinstance(self.label, str):
            raise TypeError(f"label must be a str or None, got {type(self.label).__name__}")
        check.integer("warmup_steps", self.warmup_steps, minimum=0)
        object.__setattr__(self, "params", {**fam.defaults, **self.params})
        built = self._family_schedule()  # lrcourse validates every value and names the culprit
        normalized = {name: _json_value(getattr(built, name, value)) for name, value in self.params.items()}
        object.__setattr__(self, "params", normalized)
        self.schedule()  # validates the warm-up too

    def _family_schedule(self) -> L.Schedule:
        return getattr(L, self.family)(**self.params)

    def schedule(self) -> L.Schedule:
        """The lrcourse schedule this curve draws (the reference the page is tested against)."""
        sched = self._family_schedule()
        if self.warmup_steps:
            return L.Warmup(sched, self.warmup_steps, mode=self.warmup_mode, start_factor=self.warmup_start_factor)
        check.choice("warmup_mode", self.warmup_mode, WARMUP[1].options)
        check.in_range("warmup_start_factor", self.warmup_start_factor, 0.0, 1.0)
        return sched

    @property
    def horizon(self) -> int | None:
        """Last step the page draws (``None``: every step). A one-cycle ends at ``total_steps - 1``;
        torch allows one more step, an extrapolation of the last phase that can go negative."""
        name = FAMILIES[self.family].horizon
        return None if name is None else self.warmup_steps + self.params[name] - 1

    def to_json(self) -> dict:
        """The curve as the page's JSON (``family``, ``params``, ``warmup``, ``label``)."""
        return {"family": self.family, "params": dict(self.params), "label": self.label,
                "warmup": {"warmup_steps": self.warmup_steps, "mode": self.warmup_mode,
                           "start_factor": float(self.warmup_start_factor)}}

    @classmethod
    def from_json(cls, data: Mapping) -> "Curve":
        """Inverse of :meth:`to_json`."""
        if not isinstance(data, Mapping) or "family" not in data:
            raise ValueError(f"a curve must be a mapping with a 'family' key, got {data!r}")
        warm = data.get("warmup") or {}
        return cls(data["family"], data.get("params") or {}, warmup_steps=warm.get("warmup_steps", 0),
                   warmup_mode=warm.get("mode", "linear"), warmup_start_factor=warm.get("start_factor", 0.0),
                   label=data.get("label"))

    @classmethod
    def from_schedule(cls, schedule: L.Schedule, label: str | None = None) -> "Curve":
        """The curve drawing an existing lrcourse schedule (warm-up included).

        Raises ``ValueError`` for schedules the playground has no family for (e.g. ``SequentialLR``,
        ``LambdaLR`` or a ``CyclicLR`` with a custom ``scale_fn``).
        """
        if not isinstance(schedule, L.Schedule):
            raise TypeError(f"schedule must be an lrcourse Schedule, got {type(schedule).__name__}")
        warm = {}
        if isinstance(schedule, L.Warmup):
            warm = dict(warmup_steps=schedule.warmup_steps, warmup_mode=schedule.mode,
                        warmup_start_factor=schedule.start_factor)
            schedule = schedule.schedule
        name = type(schedule).__name__
        if name not in FAMILIES or not dataclasses.is_dataclass(schedule):
            raise ValueError(f"schedule {name} has no playground family; the playground draws {', '.join(FAMILIES)}")
        fam = FAMILIES[name]
        params = {p.name: getattr(schedule, p.name) for p in fam.params}
        for f in dataclasses.fields(schedule):
            if f.name in params or f.name in _MOMENTUM_ONLY or f.name == "scale_mode":
                continue
            if getattr(schedule, f.name) != f.default:
                raise ValueError(f"{name} with {f.name}={getattr(schedule, f.name)!r} has no playground equivalent")
        return cls(name, params, label=label, **warm)


def as_curves(curves) -> list[Curve]:
    """Normalise what :func:`page_state` accepts into a list of :class:`Curve`.

    ``curves`` may be a Curve or lrcourse Schedule, a sequence of them, or a mapping
    ``{label: Curve or Schedule}`` (the keys become the legend labels).
    """
    if isinstance(curves, (Curve, L.Schedule)):
        curves = [curves]
    if isinstance(curves, Mapping):
        items = list(curves.items())
    elif isinstance(curves, Sequence) and not isinstance(curves, str):
        items = [(None, c) for c in curves]
    else:
        raise TypeError(f"curves must be a Curve, a Schedule, a sequence or a mapping of them, got {type(curves).__name__}")
    out = []
    for label, item in items:
        if isinstance(item, Curve):
            out.append(dataclasses.replace(item, label=label) if label is not None else item)
        elif isinstance(item, L.Schedule):
            out.append(Curve.from_schedule(item, label=None if label is None else str(label)))
        else:
            raise TypeError(f"curves[{label!r}] must be a Curve or an lrcourse Schedule, got {type(item).__name__}")
    if not 1 <= len(out) <= MAX_CURVES:
        raise ValueError(f"curves must hold 1 to {MAX_CURVES} curves, got {len(out)}")
    return out


def page_state(curves=None, steps: int = 200, per_step: int = 1, log: bool = False, code: bool = True) -> dict:
    """The JSON state the playground page starts from.

    Parameters
    ----------
    curves : Curve, Schedule, sequence or mapping of them, optional
        What to draw (see :func:`as_curves`); default: one cosine curve.
    steps : int, default 200
        Number of steps drawn, ``2 <= steps``.
    per_step : int, default 1
        Points per step (``> 1`` evaluates at fractional steps ``k / per_step``), ``1 <= per_step <= 20``.
    log : bool, default False
        Logarithmic learning-rate axis.
    code : bool, default True
        Whether the "copy as code" panel is shown.
    """
    curves = as_curves(curves if curves is not None else Curve("CosineAnnealingLR"))
    steps = check.integer("steps", steps, minimum=2)
    per_step = check.integer("per_step", per_step, minimum=1)
    if per_step > 20:
        raise ValueError(f"per_step must be <= 20, got {per_step}")
    if steps * per_step > MAX_POINTS:
        raise ValueError(f"steps * per_step must be <= {MAX_POINTS} points, got {steps} * {per_step}")
    for name, flag in (("log", log), ("code", code)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {type(flag).__name__}")
    state = {"curves": [c.to_json() for c in curves], "active": 0, "steps": steps, "per_step": per_step,
             "log": log, "code": code}
    json.dumps(state, allow_nan=False)  # every value is plain, finite JSON
    return state

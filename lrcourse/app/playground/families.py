"""The playground's one table of schedule families: parameters, widget ranges and code templates.

Every entry names an lrcourse schedule (the class, or the function for ``three_phase_one_cycle``) and
lists its parameters with

- the bounds lrcourse enforces (``low``/``high`` and whether each end is open), which the page's
  JavaScript checks before drawing so that it refuses exactly what lrcourse refuses;
- the range of the page's slider (``ui``), which may be narrower than what lrcourse accepts;
- the page's starting value (``default``), which may differ from the class default.

The table is also the single home of the code templates for "copy as code": ``torch`` is the
``torch.optim.lr_scheduler`` expression for the families PyTorch ships, ``rate`` the body of a Python
function ``rate(t)`` giving the learning rate for the others (the page wraps it in ``LambdaLR``).
``{name}`` in a template stands for the Python literal of parameter ``name``.

The JavaScript formulas that draw the curves live in ``schedules.js``; the tests compare them with
lrcourse, which stays the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Param", "Family", "FAMILIES", "WARMUP", "family"]

KINDS = ("rate", "float", "int", "choice", "bool", "ints", "optional_int")
"""Parameter kinds: ``rate`` a positive or non-negative real spanning decades (typed in a box),
``float`` a bounded real (a slider), ``int`` an integer (a slider), ``choice`` one of ``options``
(a drop-down), ``bool`` a check box, ``ints`` a strictly increasing list of integers (typed as
``30, 80``), ``optional_int`` an integer or ``None`` (an empty box)."""


@dataclass(frozen=True)
class Param:
    """One parameter of a family, as lrcourse validates it and as the page shows it.

    Parameters
    ----------
    name : str
        lrcourse's (and, where torch has it, PyTorch's) parameter name.
    kind : str
        One of :data:`KINDS`.
    default : object
        The page's starting value.
    low, high : float, optional
        Bounds that lrcourse enforces (``None``: unbounded).
    low_open, high_open : bool
        Whether the bound itself is refused (``low_open=True`` means ``value > low``).
    ui : tuple of float, optional
        ``(start, end, step)`` of the slider for ``float`` and ``int`` parameters.
    options : tuple of str
        Allowed values of a ``choice`` parameter.
    """

    name: str
    kind: str
    default: object
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    ui: tuple | None = None
    options: tuple = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r} for parameter {self.name!r}")
        if self.kind in ("float", "int") and self.ui is None:
            raise ValueError(f"parameter {self.name!r} of kind {self.kind!r} needs a slider range ui=(start, end, step)")
        if self.kind == "choice" and self.default not in self.options:
            raise ValueError(f"default of {self.name!r} must be one of options {self.options}, got {self.default!r}")

    def to_json(self) -> dict:
        """The parameter as a plain dict for the page's JavaScript."""
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {"name": self.name, "kind": self.kind, "default": default, "low": self.low, "high": self.high,
                "low_open": self.low_open, "high_open": self.high_open, "ui": list(self.ui) if self.ui else None,
                "options": list(self.options)}


@dataclass(frozen=True)
class Family:
    """One schedule family of the playground.

    Parameters
    ----------
    name : str
        The lrcourse name (``getattr(lrcourse, name)`` builds it from the parameters).
    group : str
        Heading of the family in the page's drop-down.
    params : tuple of Param
    torch : str, optional
        ``torch.optim.lr_scheduler`` expression (``None`` when PyTorch has no such class).
    rate : str, optional
        Body of ``def rate(t):`` returning the learning rate, for families without a torch class.
    horizon : str, optional
        Parameter ``n`` of a finite schedule: its last step is ``n - 1`` and the page draws no further.
    multiplicative : bool
        Whether the warm-up target (``initial_lr``) is the ``lr`` parameter itself, as for torch's
        multiplicative schedules, rather than the value at step 0.
    notes : str
        One line the page shows under the family's controls.
    """

    name: str
    group: str
    params: tuple
    torch: str | None = None
    rate: str | None = None
    horizon: str | None = None
    multiplicative: bool = False
    notes: str = ""

    def __post_init__(self):
        if (self.torch is None) == (self.rate is None):
            raise ValueError(f"family {self.name!r} needs exactly one code template: torch or rate")

    @property
    def defaults(self) -> dict:
        """The page's starting parameter values."""
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (``KeyError`` naming the family's parameters otherwise)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}; it has {[p.name for p in self.params]}")

    def to_json(self) -> dict:
        """The family as a plain dict for the page's JavaScript."""
        return {"name": self.name, "group": self.group, "params": [p.to_json() for p in self.params],
                "torch": self.torch, "rate": self.rate, "horizon": self.horizon,
                "multiplicative": self.multiplicative, "notes": self.notes}


def _lr(name="lr", default=0.1, positive=True):
    return Param(name, "rate", default, low=0.0, low_open=positive)


def _torch_call(cls: str, *names: str) -> str:
    return f"lr_scheduler.{cls}(optimizer, " + ", ".join(f"{n}={{{n}}}" for n in names) + ")"


_T = "PyTorch schedulers"
_L = "Decay laws from the lectures"
_S = "scikit-learn's rules"

FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("StepLR", _T, (
        _lr(),
        Param("step_size", "int", 30, low=1, ui=(1, 500, 1)),
        Param("gamma", "float", 0.1, low=0.0, ui=(0.0, 1.0, 0.01)),
    ), torch=_torch_call("StepLR", "step_size", "gamma"), multiplicative=True),
    Family("MultiStepLR", _T, (
        _lr(),
        Param("milestones", "ints", (50, 80), low=0),
        Param("gamma", "float", 0.1, low=0.0, ui=(0.0, 1.0, 0.01)),
    ), torch=_torch_call("MultiStepLR", "milestones", "gamma"), multiplicative=True),
    Family("ExponentialLR", _T, (
        _lr(),
        Param("gamma", "float", 0.97, low=0.0, low_open=True, ui=(0.8, 1.02, 0.001)),
    ), torch=_torch_call("ExponentialLR", "gamma"), multiplicative=True),
    Family("CosineAnnealingLR", _T, (
        _lr(),
        Param("T_max", "int", 200, low=1, ui=(1, 2000, 1)),
        Param("eta_min", "rate", 0.001, low=0.0),
    ), torch=_torch_call("CosineAnnealingLR", "T_max", "eta_min")),
    Family("PolynomialLR", _T, (
        _lr(),
        Param("total_iters", "int", 150, low=1, ui=(1, 2000, 1)),
        Param("power", "float", 2.0, low=0.0, low_open=True, ui=(0.1, 5.0, 0.1)),
    ), torch=_torch_call("PolynomialLR", "total_iters", "power"), multiplicative=True),
    Family("LinearLR", _T, (
        _lr(),
        Param("start_factor", "float", 1 / 3, low=0.0, high=1.0, low_open=True, ui=(0.01, 1.0, 0.01)),
        Param("end_factor", "float", 1.0, low=0.0, high=1.0, ui=(0.0, 1.0, 0.01)),
        Param("total_iters", "int", 50, low=1, ui=(1, 2000, 1)),
    ), torch=_torch_call("LinearLR", "start_factor", "end_factor", "total_iters"), multiplicative=True),
    Family("ConstantLR", _T, (
        _lr(),
        Param("factor", "float", 1 / 3, low=0.0, high=1.0, low_open=True, ui=(0.01, 1.0, 0.01)),
        Param("total_iters", "int", 50, low=1, ui=(1, 2000, 1)),
    ), torch=_torch_call("ConstantLR", "factor", "total_iters"), multiplicative=True),
    Family("CosineAnnealingWarmRestarts", _T, (
        _lr(),
        Param("T_0", "int", 30, low=1, ui=(1, 1000, 1)),
        Param("T_mult", "int", 1, low=1, ui=(1, 4, 1)),
        Param("eta_min", "rate", 0.001, low=0.0),
    ), torch=_torch_call("CosineAnnealingWarmRestarts", "T_0", "T_mult", "eta_min"),
        notes="steps by fractions of a step in torch with scheduler.step(epoch)"),
    Family("CyclicLR", _T, (
        _lr("base_lr", 0.01),
        _lr("max_lr", 0.1),
        Param("step_size_up", "int", 20, low=1, ui=(1, 1000, 1)),
        Param("step_size_down", "optional_int", None, low=1),
        Param("mode", "choice", "triangular", options=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", 0.99, low=0.0, high=1.0, low_open=True, ui=(0.9, 1.0, 0.0005)),
    ), torch=_torch_call("CyclicLR", "base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma")),
    Family("OneCycleLR", _T, (
        _lr("max_lr", 0.1),
        Param("total_steps", "int", 200, low=1, ui=(2, 5000, 1)),
        Param("pct_start", "float", 0.3, low=0.0, high=1.0, ui=(0.0, 1.0, 0.01)),
        Param("anneal_strategy", "choice", "cos", options=("cos", "linear")),
        Param("div_factor", "rate", 25.0, low=0.0, low_open=True),
        Param("final_div_factor", "rate", 1e4, low=0.0, low_open=True),
        Param("three_phase", "bool", False),
    ), torch=_torch_call("OneCycleLR", "max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor",
                         "final_div_factor", "three_phase"), horizon="total_steps"),
    Family("three_phase_one_cycle", _T, (
        _lr("max_lr", 0.1),
        Param("total_steps", "int", 200, low=1, ui=(2, 5000, 1)),
    ), torch=("lr_scheduler.OneCycleLR(optimizer, max_lr={max_lr}, total_steps={total_steps}, pct_start=0.45, "
              "anneal_strategy=\"linear\", div_factor=10.0, final_div_factor=10.0, three_phase=True)"),
        horizon="total_steps", notes="the lecture's 45/45/10 one-cycle: OneCycleLR with fixed settings"),
    Family("ConstantSchedule", _L, (_lr(),), rate="return {lr}"),
    Family("ExponentialDecay", _L, (
        _lr(),
        Param("lam", "rate", 0.02, low=0.0),
    ), rate="return {lr} * math.exp(-{lam} * t)"),
    Family("InverseTimeDecay", _L, (
        _lr(),
        Param("beta", "rate", 0.05, low=0.0),
    ), rate="return {lr} / (1.0 + {beta} * t)"),
    Family("InversePowerDecay", _L, (
        _lr(),
        Param("power", "float", 0.75, low=0.0, ui=(0.0, 3.0, 0.01)),
    ), rate="return {lr} / (t + 1.0) ** {power}"),
    Family("InverseSqrtDecay", _L, (_lr(),), rate="return {lr} / (t + 1.0) ** 0.5"),
    Family("NoamLR", _L, (
        Param("d_model", "int", 512, low=1, ui=(1, 4096, 1)),
        Param("warmup_steps", "int", 40, low=1, ui=(1, 2000, 1)),
        Param("factor", "rate", 1.0, low=0.0, low_open=True),
    ), rate=("s = t + 1.0\n"
             "return {factor} * {d_model} ** -0.5 * min(s ** -0.5, s * {warmup_steps} ** -1.5)")),
    Family("WarmupStableDecay", _L, (
        _lr(),
        Param("warmup_steps", "int", 20, low=0, ui=(0, 2000, 1)),
        Param("stable_steps", "int", 120, low=0, ui=(0, 2000, 1)),
        Param("decay_steps", "int", 60, low=1, ui=(1, 2000, 1)),
        Param("min_lr", "rate", 0.0, low=0.0),
        Param("decay", "choice", "linear", options=("linear", "cosine", "sqrt")),
    ), rate=("decay = {decay}\n"
             "if t < {warmup_steps}:\n"
             "    return {lr} * t / {warmup_steps}\n"
             "u = min(max((t - {warmup_steps} - {stable_steps}) / {decay_steps}, 0.0), 1.0)\n"
             "if decay == \"cosine\":\n"
             "    d = (1 + math.cos(math.pi * u)) / 2\n"
             "elif decay == \"sqrt\":\n"
             "    d = 1 - math.sqrt(u)\n"
             "else:\n"
             "    d = 1 - u\n"
             "return {min_lr} + ({lr} - {min_lr}) * d"),
        notes="min_lr must not exceed lr"),
    Family("SklearnOptimalLR", _S, (
        Param("alpha", "rate", 1e-4, low=0.0, low_open=True),
    ), rate=("t0 = 1.0 / (math.sqrt(1.0 / math.sqrt({alpha})) * {alpha})\n"
             "return 1.0 / ({alpha} * (t0 + t))")),
    Family("SklearnInvScalingLR", _S, (
        _lr("eta0", 0.01),
        Param("power_t", "float", 0.25, low=0.0, ui=(0.0, 1.5, 0.01)),
    ), rate="return {eta0} / (t + 1.0) ** {power_t}"),
)}

WARMUP: tuple = (
    Param("warmup_steps", "int", 0, low=0, ui=(0, 500, 1)),
    Param("mode", "choice", "linear", options=("linear", "exponential", "cosine")),
    Param("start_factor", "float", 0.0, low=0.0, high=1.0, ui=(0.0, 1.0, 0.01)),
)
"""The warm-up placed in front of any family (lrcourse's :class:`~lrcourse.Warmup`); ``0`` steps is none."""


def family(name: str) -> Family:
    """The family called ``name``; ``ValueError`` listing the known ones otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"family must be a family name (str), got {type(name).__name__}")
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}; got {name!r}") from None

"""Hypothesis strategies for the playground tests: random curves of any family, valid or not.

Valid values are drawn around the page's ranges (sliders' ranges, a decade either side of a rate's
default); the "wild" strategy mixes in values lrcourse must refuse (out of range, wrong type).
"""

from __future__ import annotations

from hypothesis import strategies as st

from lrcourse.app.playground import FAMILIES, WARMUP, Curve

STEPS = st.integers(2, 400)
PER_STEP = st.sampled_from([1, 1, 2, 3, 4, 10])


def valid_value(p) -> st.SearchStrategy:
    """Values of parameter ``p`` inside the page's ranges (a joint condition may still refuse them)."""
    if p.kind == "float":
        lo, hi, _ = p.ui
        return st.floats(lo, hi).filter(lambda v: not (p.low_open and v <= p.low))
    if p.kind == "int":
        lo, hi, _ = p.ui
        return st.integers(lo, min(hi, 600))
    if p.kind == "rate":
        if p.default == 0:
            return st.floats(0.0, 0.05)
        return st.floats(-1.0, 1.0).map(lambda e: p.default * 10.0**e)
    if p.kind == "choice":
        return st.sampled_from(p.options)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "ints":
        return st.lists(st.integers(0, 400), unique=True, max_size=4).map(sorted)
    return st.none() | st.integers(1, 200)  # optional_int


def wild_value(p) -> st.SearchStrategy:
    """Valid values mixed with values lrcourse refuses; never an integral float for an integer."""
    bad_number = st.floats(-3.0, 3.0) | st.sampled_from([0.0, -1.0, 1.5, 1e9])
    if p.kind in ("int", "optional_int"):
        bad = st.integers(-3, 2) | bad_number.filter(lambda v: not float(v).is_integer())
    elif p.kind == "ints":
        bad = st.lists(st.integers(-5, 50), max_size=4)
    elif p.kind in ("choice", "bool"):
        bad = st.sampled_from(["sideways", 1.5])
    else:
        bad = bad_number | st.booleans()
    return st.one_of(valid_value(p), valid_value(p), bad)


@st.composite
def curves(draw, family=None, wild=False, warmup=True) -> dict:
    """The JSON of a curve: ``{"family", "params", "warmup", "label"}``."""
    name = family or draw(st.sampled_from(list(FAMILIES)))
    pick = wild_value if wild else valid_value
    params = {p.name: draw(pick(p)) for p in FAMILIES[name].params}
    steps = draw(st.sampled_from([0, 0, 1, 7, 25])) if warmup else 0
    warm = {"warmup_steps": steps, "mode": draw(st.sampled_from(WARMUP[1].options)),
            "start_factor": draw(st.floats(0.0, 1.0))}
    if wild:
        warm = {k: draw(st.one_of(st.just(v), wild_value(p))) for (k, v), p in zip(warm.items(), WARMUP)}
    return {"family": name, "params": params, "warmup": warm, "label": None}


def build(curve: dict):
    """The lrcourse Curve for a curve's JSON, or ``None`` when lrcourse refuses it."""
    try:
        return Curve.from_json(curve)
    except (ValueError, TypeError):
        return None

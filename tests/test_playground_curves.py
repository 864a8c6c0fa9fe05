"""The playground's Python side without a browser: the family table, curves, page state and HTML."""

from __future__ import annotations

import dataclasses
import html
import inspect
import json
import re
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np
import pytest
from hypothesis import assume, given, settings

import lrcourse as L
from lrcourse.app.playground import (FAMILIES, MAX_CURVES, WARMUP, Curve, Family, Param, page_state, playground,
                                     playground_html, write_playground)
from lrcourse.app.playground.embed import SITE_BUILD_ENV
from lrcourse.app.playground.families import family
from playground_strategies import build, curves

REMOTE = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.I)


def _remote_links(page: str) -> list:
    """Attributes of the HTML (outside scripts) that point at another host."""
    markup = re.sub(r"<script\b[^>]*>.*?</script>", lambda m: m.group(0)[: m.group(0).find(">") + 1], page, flags=re.S)
    return REMOTE.findall(markup)


# ---- the table mirrors lrcourse -----------------------------------------------------------------

@pytest.mark.parametrize("name", list(FAMILIES))
def test_table_names_lrcourse_parameters_and_its_defaults_build(name):
    fam = FAMILIES[name]
    signature = inspect.signature(getattr(L, name))
    assert {p.name for p in fam.params} <= set(signature.parameters), name
    template = fam.torch or fam.rate
    assert set(re.findall(r"\{(\w+)\}", template)) <= {p.name for p in fam.params}
    curve = Curve(name)
    assert curve.params == {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
                            for p in fam.params}
    assert np.all(np.isfinite(curve.schedule()(np.arange(50))))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_slider_ranges_stay_inside_what_lrcourse_accepts(name):
    for p in FAMILIES[name].params + WARMUP:
        if p.ui is None:
            continue
        start, end, step = p.ui
        assert start < end and step > 0
        if p.low is not None:
            assert start > p.low if p.low_open else start >= p.low, (name, p.name)
        if p.high is not None:
            assert end <= p.high, (name, p.name)
        assert start <= p.default <= end, (name, p.name)


@pytest.mark.torch
def test_torch_templates_name_real_torch_schedulers():
    lr_scheduler = pytest.importorskip("torch.optim.lr_scheduler")
    for fam in FAMILIES.values():
        if fam.torch is not None:
            cls = re.match(r"lr_scheduler\.(\w+)\(", fam.torch).group(1)
            assert hasattr(lr_scheduler, cls), fam.name


def test_table_entries_are_checked_when_written():
    with pytest.raises(ValueError, match="kind must be one of"):
        Param("x", "complex", 1)
    with pytest.raises(ValueError, match="'x' of kind 'float' needs a slider range"):
        Param("x", "float", 1.0)
    with pytest.raises(ValueError, match="default of 'x' must be one of options"):
        Param("x", "choice", "c", options=("a", "b"))
    with pytest.raises(ValueError, match="exactly one code template"):
        Family("X", "g", (), torch="a", rate="b")
    with pytest.raises(ValueError, match="family must be one of StepLR"):
        family("StepDecay")
    with pytest.raises(TypeError, match="family must be a family name"):
        family(3)
    with pytest.raises(KeyError, match="StepLR has no parameter 'T_max'"):
        FAMILIES["StepLR"].param("T_max")


# ---- curves ---------------------------------------------------------------------------------------

def test_curve_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"unknown name\(s\) \['T_max'\]"):
        Curve("StepLR", {"T_max": 3})
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        Curve("StepLR", {"gamma": -0.5})
    with pytest.raises(TypeError, match="step_size must be an integer"):
        Curve("StepLR", {"step_size": 2.5})
    with pytest.raises(ValueError, match="max_lr must be >= base_lr"):
        Curve("CyclicLR", {"base_lr": 0.5, "max_lr": 0.1})
    with pytest.raises(ValueError, match="start_factor must be > 0 for an exponential warm-up"):
        Curve("StepLR", warmup_steps=5, warmup_mode="exponential")
    with pytest.raises(ValueError, match="warmup_mode must be one of"):
        Curve("StepLR", warmup_mode="quadratic")
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        Curve("StepLR", warmup_steps=-1)
    with pytest.raises(TypeError, match="params must be a mapping"):
        Curve("StepLR", [("gamma", 0.5)])
    with pytest.raises(TypeError, match="label must be a str"):
        Curve("StepLR", label=3)
    with pytest.raises(ValueError, match="a curve must be a mapping with a 'family' key"):
        Curve.from_json({"params": {}})


@settings(max_examples=200)
@given(data=curves())
def test_curve_json_and_schedule_round_trips(data):
    curve = build(data)
    assume(curve is not None)
    assert Curve.from_json(json.loads(json.dumps(curve.to_json()))) == curve
    again = Curve.from_schedule(curve.schedule())
    assert again.schedule() == curve.schedule()
    if inspect.isclass(getattr(L, curve.family)):  # a function family comes back as the class it builds
        unused = {} if curve.warmup_steps else {"warmup_mode": "linear", "warmup_start_factor": 0.0}
        assert again == dataclasses.replace(curve, **unused)


def test_from_schedule_understands_warmup_and_the_lecture_one_cycle():
    sched = L.Warmup(L.CosineAnnealingLR(lr=0.3, T_max=90, eta_min=1e-3), 10, mode="cosine", start_factor=0.1)
    curve = Curve.from_schedule(sched, label="warm cosine")
    assert (curve.family, curve.warmup_steps, curve.warmup_mode, curve.label) == ("CosineAnnealingLR", 10, "cosine",
                                                                                  "warm cosine")
    one_cycle = Curve.from_schedule(L.three_phase_one_cycle(max_lr=0.5, total_steps=301))
    assert one_cycle.family == "OneCycleLR" and one_cycle.params["three_phase"] is True
    assert one_cycle.horizon == 300  # the cycle's last step
    assert Curve.from_schedule(L.InverseSqrtDecay(lr=0.2)).params == {"lr": 0.2, "power": 0.5}


def test_from_schedule_refuses_what_the_playground_cannot_draw():
    cosine = L.CosineAnnealingLR(lr=0.1, T_max=10)
    with pytest.raises(ValueError, match="SequentialLR has no playground family"):
        Curve.from_schedule(L.SequentialLR([cosine, cosine], milestones=[10]))
    with pytest.raises(ValueError, match="LambdaLR has no playground family"):
        Curve.from_schedule(L.LambdaLR(lr=0.1, lr_lambda=lambda t: 1.0))
    with pytest.raises(ValueError, match="CyclicLR with scale_fn="):
        Curve.from_schedule(L.CyclicLR(base_lr=0.01, max_lr=0.1, scale_fn=lambda x: 1.0))
    with pytest.raises(TypeError, match="schedule must be an lrcourse Schedule"):
        Curve.from_schedule(lambda t: 0.1)


# ---- page state -----------------------------------------------------------------------------------

def test_page_state_accepts_curves_schedules_and_labelled_mappings():
    state = page_state({"step": L.StepLR(lr=0.1, step_size=30), "mine": Curve("NoamLR")}, steps=120, log=True)
    assert [c["label"] for c in state["curves"]] == ["step", "mine"]
    assert state["steps"] == 120 and state["log"] is True and state["per_step"] == 1
    assert page_state(Curve("StepLR"))["curves"][0]["family"] == "StepLR"
    assert page_state()["curves"][0]["family"] == "CosineAnnealingLR"


def test_page_state_errors_name_the_argument():
    with pytest.raises(ValueError, match=f"curves must hold 1 to {MAX_CURVES} curves, got 0"):
        page_state([])
    with pytest.raises(ValueError, match="got 7"):
        page_state([Curve("StepLR")] * 7)
    with pytest.raises(TypeError, match=r"curves\['x'\] must be a Curve or an lrcourse Schedule"):
        page_state({"x": 0.1})
    with pytest.raises(TypeError, match="curves must be a Curve, a Schedule"):
        page_state("cosine")
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        page_state(steps=1)
    with pytest.raises(ValueError, match="per_step must be <= 20"):
        page_state(per_step=21)
    with pytest.raises(ValueError, match=r"steps \* per_step must be <= 100000"):
        page_state(steps=20_000, per_step=10)
    with pytest.raises(TypeError, match="log must be True or False"):
        page_state(log="yes")


# ---- HTML -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def inline_page():
    return playground_html({"a </script> label": L.StepLR(lr=0.1, step_size=10)}, steps=50)


def test_inline_page_is_self_contained(inline_page):
    assert _remote_links(inline_page) == []
    assert "Bokeh" in inline_page and "lrPlayground" in inline_page
    assert inline_page.count("</script>") == inline_page.count("<script")  # the label cannot end a script early
    assert "a <\\/script> label" in inline_page


def test_site_page_loads_bokeh_from_static(tmp_path):
    page = write_playground(tmp_path)
    text = page.read_text()
    sources = re.findall(r'<script src="([^"]+)"', text)
    assert sources and all(s.startswith("_static/bokeh/bokeh") and (tmp_path / s).is_file() for s in sources)
    assert _remote_links(text) == []
    assert len(text) < 300_000  # BokehJS itself is not inlined
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        write_playground(tmp_path / "missing")


def _state_of(src: str) -> dict:
    return json.loads(unquote(parse_qs(urlparse(src).query, keep_blank_values=True)["state"][0]))


def test_embed_on_the_site_points_at_the_playground_page(monkeypatch):
    monkeypatch.setenv(SITE_BUILD_ENV, "1")
    frame = playground({"cosine": L.CosineAnnealingLR(lr=0.1, T_max=100)}, steps=101, log=True)
    out = frame._repr_html_()
    src = html.unescape(re.search(r'<iframe[^>]* src="([^"]+)"', out).group(1))
    assert src.startswith("playground.html?embed=1&state=")
    assert _state_of(src) == frame.state and frame.state["curves"][0]["label"] == "cosine"
    assert "@media print" in out and "srcdoc" not in out
    assert "Open this view in the full playground" in out


def test_embed_in_a_notebook_holds_the_whole_page(monkeypatch):
    monkeypatch.delenv(SITE_BUILD_ENV, raising=False)
    out = playground(L.NoamLR(d_model=64, warmup_steps=10), steps=60, height=500)._repr_html_()
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]+)"', out).group(1))
    assert srcdoc.startswith("<!DOCTYPE html>") and _remote_links(srcdoc) == []
    assert "height:500px" in out
    with pytest.raises(ValueError, match="height must be an integer >= 200"):
        playground(height=100)

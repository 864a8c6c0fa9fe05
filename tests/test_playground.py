"""The schedule playground in headless Chromium: its formulas against lrcourse, its widgets, its code.

One page (the website form: BokehJS from ``_static/bokeh/``) is written and served once per module;
every test reuses it. The formulas are compared through the page's API (many random draws) and
through the real UI path (Bokeh widgets set through the document model, then the plotted
ColumnDataSource is read back) at least once per family.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import assume, given, settings

from browser import chromium, chromium_path, screenshot, serve
import lrcourse as L
from lrcourse.app.playground import FAMILIES, Curve, playground, write_playground
from playground_strategies import PER_STEP, STEPS, build, curves

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("playground")]

RTOL = 1e-9


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    chromium_path()
    root = tmp_path_factory.mktemp("playground-site")
    write_playground(root)
    with serve(root) as url:
        yield url


@pytest.fixture(scope="module")
def page(site):
    """The playground page, loaded once; records console errors and requests leaving 127.0.0.1."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        p = context.new_page()
        p.external_requests, p.errors = [], []
        p.on("request", lambda r: None if r.url.startswith(site) else p.external_requests.append(r.url))
        p.on("pageerror", lambda e: p.errors.append(str(e)))
        p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
        p.goto(f"{site}/playground.html")
        p.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
        yield p
        context.close()


def _points(steps: int, per_step: int) -> np.ndarray:
    return np.arange(steps * per_step) / per_step


def _expected(curve: Curve, t: np.ndarray) -> np.ndarray:
    """lrcourse's rates at the steps where the schedule is defined (a one-cycle ends at its horizon)."""
    if curve.horizon is not None:
        t = t[t <= curve.horizon]
    return curve.schedule()(t)


def _assert_close(actual, expected, context):
    """Equal to 1e-9 relative. Near the end of a one-cycle the rate is a difference of nearly equal
    numbers, where one ulp of cos (V8's, glibc's) moves the result by ~1e-17: as in
    test_torch_parity.py, an absolute floor of 1e-12 of the curve's peak absorbs that."""
    actual = np.asarray(actual, dtype=np.float64)
    assert actual.shape == expected.shape, context
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-12 * scale, err_msg=str(context))


def _values(page, curve: dict, steps: int, per_step: int) -> dict:
    return page.evaluate("([c, s, n]) => lrPlayground.values(c, s, n)", [curve, steps, per_step])


# ---- formulas: the page's API against lrcourse -----------------------------------------------------

@pytest.mark.parametrize("name", list(FAMILIES))
def test_every_family_matches_lrcourse_on_random_parameters(page, name):
    @settings(max_examples=30)
    @given(curve=curves(family=name), steps=STEPS, per_step=PER_STEP)
    def check(curve, steps, per_step):
        reference = build(curve)
        assume(reference is not None)
        got = _values(page, curve, steps, per_step)
        assert got["error"] is None, (curve, got["error"])
        _assert_close(got["y"], _expected(reference, _points(steps, per_step)), curve)

    check()


SPECIAL_CASES = {
    "restarts, T_mult=2, 7 points per step": ({"family": "CosineAnnealingWarmRestarts",
                                               "params": {"lr": 0.3, "T_0": 3, "T_mult": 2, "eta_min": 0.01}}, 7),
    "restarts, T_mult=3, fractional, warm-up": ({"family": "CosineAnnealingWarmRestarts",
                                                 "params": {"lr": 0.2, "T_0": 5, "T_mult": 3, "eta_min": 0.0},
                                                 "warmup": {"warmup_steps": 4, "mode": "cosine"}}, 4),
    "one-cycle, three phases, cos": ({"family": "OneCycleLR", "params": {"max_lr": 0.5, "total_steps": 97,
                                      "pct_start": 0.25, "three_phase": True}}, 3),
    "one-cycle, three phases, linear": ({"family": "OneCycleLR", "params": {
        "max_lr": 0.5, "total_steps": 150, "pct_start": 0.4, "three_phase": True, "anneal_strategy": "linear"}}, 1),
    "45/45/10": ({"family": "three_phase_one_cycle", "params": {"max_lr": 0.8, "total_steps": 120}}, 2),
    "CyclicLR triangular, asymmetric": ({"family": "CyclicLR", "params": {
        "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 7, "step_size_down": 13, "mode": "triangular"}}, 3),
    "CyclicLR triangular2": ({"family": "CyclicLR", "params": {
        "base_lr": 0.01, "max_lr": 0.2, "step_size_up": 10, "mode": "triangular2"}}, 1),
    "CyclicLR exp_range": ({"family": "CyclicLR", "params": {
        "base_lr": 0.01, "max_lr": 0.2, "step_size_up": 9, "step_size_down": 4, "mode": "exp_range",
        "gamma": 0.985}}, 2),
    "LinearLR down to zero": ({"family": "LinearLR", "params": {
        "lr": 0.1, "start_factor": 1.0, "end_factor": 0.0, "total_iters": 20}}, 1),
    "linear warm-up from a denormal factor": ({"family": "ConstantLR", "params": {"factor": 1.0, "total_iters": 1},
                                              "warmup": {"warmup_steps": 7, "start_factor": 5e-324}}, 1),
}


@pytest.mark.parametrize("case", list(SPECIAL_CASES))
def test_special_cases_match_lrcourse(page, case):
    curve, per_step = SPECIAL_CASES[case]
    reference = Curve.from_json(curve)
    got = _values(page, curve, 300, per_step)
    assert got["error"] is None
    expected = _expected(reference, _points(300, per_step))
    assert len(expected) > 50
    _assert_close(got["y"], expected, case)


def test_fractional_restart_falls_between_two_steps(page):
    """With T_0=3, T_mult=2 the restarts are at 3, 9, 21; at 7 points per step, t = 9 - 1/7 ends cycle 2."""
    curve = {"family": "CosineAnnealingWarmRestarts", "params": {"lr": 0.3, "T_0": 3, "T_mult": 2, "eta_min": 0.0}}
    y = _values(page, curve, 30, 7)["y"]
    before, at = y[9 * 7 - 1], y[9 * 7]
    assert at == pytest.approx(0.3, rel=1e-12)
    assert before == pytest.approx(0.3 * (1 + math.cos(math.pi * (6 - 1 / 7) / 6)) / 2, rel=1e-9)


@settings(max_examples=300)
@given(curve=curves(wild=True))
def test_page_refuses_exactly_what_lrcourse_refuses(page, curve):
    message = page.evaluate("c => lrPlayground.check(c)", curve)
    accepted = build(curve) is not None
    assert (message is None) == accepted, (curve, message)
    if message is not None:
        names = {p.name for p in FAMILIES[curve["family"]].params} | {"warmup", "warmup_steps"}
        first = re.split(r"[\s=\[]", message, maxsplit=1)[0]
        assert first in names, message  # the message starts with the parameter's name


# ---- the real UI path: widgets set through Bokeh's document model ------------------------------------

_SET_WIDGETS = """async ([curve, steps, perStep]) => {
  const doc = Bokeh.documents[0], m = name => doc.get_model_by_name(name);
  m("steps").value = steps;
  m("per_step").value = perStep;
  m("family").value = curve.family;
  const family = window.LR_PLAYGROUND.families[curve.family];
  for (const p of family.params) {
    const w = m(`${curve.family}.${p.name}`), v = curve.params[p.name];
    if (p.kind === "bool") w.active = v;
    else if (p.kind === "ints") w.value = v.join(", ");
    else w.value = v;
  }
  for (const [k, v] of Object.entries(curve.warmup)) m(`warmup.${k}`).value = v;
  await lrPlayground.settled();
  const active = lrPlayground.state().active;
  return {plotted: lrPlayground.plotted(active), torch: m("code_torch").text, lrcourse: m("code_lrcourse").text,
          visible: m(`line_linear${active}`).visible, status: m("status").text};
}"""


def _ui_curve(draw_curve: dict) -> dict:
    """A curve whose warm-up start factor suits every mode (the exponential ramp needs it > 0)."""
    warm = dict(draw_curve["warmup"], start_factor=max(draw_curve["warmup"]["start_factor"], 0.05))
    return dict(draw_curve, warmup=warm)


@pytest.fixture(scope="module")
def ui_draws():
    """One random valid curve per family (fixed seed), set through the widgets; reused by several tests."""
    rng = np.random.default_rng(14)
    draws = {}
    for name in FAMILIES:
        for _ in range(200):
            curve = _ui_curve(_seeded(name, rng))
            if build(curve) is not None:
                draws[name] = (curve, int(rng.integers(20, 300)), int(rng.choice([1, 1, 2, 5])))
                break
    assert set(draws) == set(FAMILIES)
    return draws


def _seeded(name: str, rng: np.random.Generator) -> dict:
    """A random curve of ``name`` drawn from the page's ranges with ``rng``."""
    params = {}
    for p in FAMILIES[name].params:
        if p.kind in ("float", "int"):
            lo, hi, _ = p.ui
            lo = max(lo, p.low + 1e-3) if p.low_open else lo
            v = rng.uniform(lo, min(hi, 400))
            params[p.name] = int(round(v)) if p.kind == "int" else float(v)
        elif p.kind == "rate":
            params[p.name] = float(p.default * 10 ** rng.uniform(-1, 1)) if p.default else float(rng.uniform(0, 0.01))
        elif p.kind == "choice":
            params[p.name] = str(rng.choice(p.options))
        elif p.kind == "bool":
            params[p.name] = bool(rng.integers(2))
        elif p.kind == "ints":
            params[p.name] = sorted(int(v) for v in rng.choice(300, size=int(rng.integers(0, 4)), replace=False))
        else:
            params[p.name] = None if rng.integers(2) else int(rng.integers(1, 60))
    warm = {"warmup_steps": int(rng.choice([0, 5, 30])), "mode": str(rng.choice(["linear", "exponential", "cosine"])),
            "start_factor": float(rng.uniform(0, 1))}
    return {"family": name, "params": params, "warmup": warm, "label": None}


@pytest.fixture(scope="module")
def ui_results(page, ui_draws):
    """What the page plotted and printed for each family's draw, set through its widgets."""
    out = {}
    for name, (curve, steps, per_step) in ui_draws.items():
        out[name] = page.evaluate(_SET_WIDGETS, [curve, steps, per_step])
    return out


@pytest.mark.parametrize("name", list(FAMILIES))
def test_widgets_redraw_every_family_like_lrcourse(ui_draws, ui_results, name):
    curve, steps, per_step = ui_draws[name]
    result = ui_results[name]
    assert result["visible"]
    t = _points(steps, per_step)
    expected = _expected(Curve.from_json(curve), t)
    np.testing.assert_array_equal(result["plotted"]["x"], t[: len(expected)])
    _assert_close(result["plotted"]["y"], expected, curve)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_lrcourse_code_reproduces_the_plot(ui_draws, ui_results, name):
    result = ui_results[name]
    _assert_close(_run(result["lrcourse"]), np.asarray(result["plotted"]["y"]), result["lrcourse"])


@pytest.mark.torch
@pytest.mark.parametrize("name", list(FAMILIES))
def test_torch_code_reproduces_the_plot(ui_draws, ui_results, name):
    pytest.importorskip("torch")
    curve, steps, per_step = ui_draws[name]
    result = ui_results[name]
    code = result["torch"]
    assert ("lr_scheduler.LambdaLR(optimizer, lr_lambda=rate)" in code) == (FAMILIES[name].torch is None)
    plotted = np.asarray(result["plotted"]["y"])
    if per_step > 1 and name != "CosineAnnealingWarmRestarts":  # torch steps whole steps: t = 0, 1, 2, ...
        plotted = plotted[::per_step]
    _assert_close(_run(code), plotted, code)


def _run(code: str) -> np.ndarray:
    """Execute emitted code in a fresh namespace and return its ``lrs``."""
    scope = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's SequentialLR deprecation notice at the milestone
        exec(code, scope)  # noqa: S102 - the code the page emitted
    return np.asarray(scope["lrs"], dtype=np.float64)


def _check_emitted(page, curve, steps, per_step, language):
    got = _values(page, curve, steps, per_step)
    code = page.evaluate("([c, s, n]) => lrPlayground.code(c, s, n)", [curve, steps, per_step])[language]
    expected = np.asarray(got["y"])
    if language == "torch" and per_step > 1 and curve["family"] != "CosineAnnealingWarmRestarts":
        expected = expected[::per_step]  # torch steps whole steps
    _assert_close(_run(code), expected, code)


@pytest.mark.parametrize("language", ["lrcourse", pytest.param("torch", marks=pytest.mark.torch)])
@pytest.mark.parametrize("name", list(FAMILIES))
def test_emitted_code_for_random_settings(page, name, language):
    if language == "torch":
        pytest.importorskip("torch")

    @settings(max_examples=8)
    @given(curve=curves(family=name), steps=STEPS, per_step=PER_STEP)
    def check(curve, steps, per_step):
        assume(build(curve) is not None)
        _check_emitted(page, curve, steps, per_step, language)

    check()


@pytest.mark.torch
@pytest.mark.parametrize("case", list(SPECIAL_CASES))
def test_torch_code_for_the_special_cases(page, case):
    pytest.importorskip("torch")
    curve, per_step = SPECIAL_CASES[case]
    curve = Curve.from_json(curve).to_json()
    _check_emitted(page, curve, 300, per_step, "torch")


@pytest.mark.torch
def test_torch_code_with_warmup_uses_sequential_lr_and_linear_lr(page):
    pytest.importorskip("torch")
    curve = {"family": "StepLR", "params": {"lr": 0.2, "step_size": 17, "gamma": 0.5},
             "warmup": {"warmup_steps": 12, "mode": "linear", "start_factor": 0.1}, "label": None}
    result = page.evaluate(_SET_WIDGETS, [curve, 90, 1])
    assert "lr_scheduler.SequentialLR(" in result["torch"] and "lr_scheduler.LinearLR(" in result["torch"]
    lrs = _run(result["torch"])
    # independent of both implementations: the ramp ends at 0.2 and the first drop comes 17 steps later
    assert lrs[0] == pytest.approx(0.02)
    assert lrs[12] == pytest.approx(0.2) and lrs[12 + 17] == pytest.approx(0.1)
    _assert_close(lrs, np.asarray(result["plotted"]["y"]), result["torch"])


# ---- the page as a user sees it -------------------------------------------------------------------

def _act(page, body: str):
    """Run JavaScript statements, with ``m(name)`` the Bokeh model of that name, then let the page react."""
    page.evaluate("async (body) => { const m = n => Bokeh.documents[0].get_model_by_name(n);"
                  " new Function('m', body)(m); await lrPlayground.settled(); }", body)


def _read(page, expression: str):
    """Evaluate a JavaScript expression in which ``m(name)`` is the Bokeh model of that name."""
    return page.evaluate("(e) => new Function('m', 'return ' + e)(n => Bokeh.documents[0].get_model_by_name(n))",
                         expression)


def _click(page, label: str):
    page.get_by_role("button", name=label).click()
    page.evaluate("lrPlayground.settled()")


def test_curves_overlay_log_axis_and_screenshot_after_a_slider_move(page):
    _act(page, """m("steps").value = 300; m("per_step").value = 1; m("family").value = "CosineAnnealingLR";
      m("CosineAnnealingLR.lr").value = 0.1; m("CosineAnnealingLR.T_max").value = 300;
      m("CosineAnnealingLR.eta_min").value = 0.0005; m("warmup.warmup_steps").value = 0;""")
    while _read(page, "lrPlayground.state().curves.length") > 1:
        _click(page, "− remove")
    _click(page, "+ add")
    _act(page, """m("family").value = "StepLR"; m("StepLR.lr").value = 0.1; m("StepLR.step_size").value = 100;
      m("StepLR.gamma").value = 0.1;""")
    _click(page, "+ add")
    _act(page, 'm("family").value = "ExponentialDecay"; m("ExponentialDecay.lr").value = 0.1;'
               'm("ExponentialDecay.lam").value = 0.015;')
    state = _read(page, "lrPlayground.state()")
    assert [c["family"] for c in state["curves"]] == ["CosineAnnealingLR", "StepLR", "ExponentialDecay"]
    plotted = [_read(page, f"lrPlayground.plotted({i})") for i in range(3)]
    assert all(len(p["y"]) == 300 for p in plotted)
    assert plotted[1]["y"][99] == pytest.approx(0.1) and plotted[1]["y"][100] == pytest.approx(0.01)
    # the slider move: the exponential curve changes, the other curves stay as they were
    _act(page, 'm("ExponentialDecay.lam").value = 0.03')
    assert _read(page, "lrPlayground.plotted(2)")["y"][100] == pytest.approx(0.1 * math.exp(-3.0))
    assert _read(page, "lrPlayground.plotted(0)")["y"] == plotted[0]["y"]
    _act(page, 'm("log").active = true')
    assert _read(page, 'm("plot_log").visible && !m("plot_linear").visible')
    labels = _read(page, 'm("legend_log").items.filter(i => i.visible).map(i => i.label.value)')
    assert len(labels) == 3 and labels[1].startswith("2: StepLR(")
    page.wait_for_timeout(300)  # let the canvas paint before the screenshot
    path = screenshot(page, "playground-after-slider-move")
    assert path.stat().st_size > 20_000
    _act(page, 'm("log").active = false')
    assert page.errors == [] and page.external_requests == []


def test_invalid_settings_show_the_lrcourse_message_and_no_curve(page):
    _act(page, 'm("family").value = "CyclicLR"; m("CyclicLR.base_lr").value = 0.5; m("CyclicLR.max_lr").value = 0.1;')
    active = _read(page, "lrPlayground.state().active")
    assert "max_lr must be &gt;= base_lr" in _read(page, 'm("status").text')
    assert _read(page, f"lrPlayground.plotted({active}).y.length") == 0
    assert _read(page, 'm("code_torch").text').startswith("# no code: max_lr must be >= base_lr")
    _act(page, 'm("CyclicLR.base_lr").value = 0.01')
    assert _read(page, f"lrPlayground.plotted({active}).y.length") > 0


def test_copy_button_puts_the_code_on_the_clipboard(page):
    _act(page, 'm("code_tabs").active = 1')
    _click(page, "Copy code")
    page.wait_for_function("lrPlayground.lastCopied !== null")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == _read(page, 'm("code_lrcourse").text') and copied.startswith("import numpy as np")
    _act(page, 'm("code_tabs").active = 0')


def test_state_in_the_address_sets_the_curves(page, site):
    curve = {"family": "NoamLR", "params": {"d_model": 64, "warmup_steps": 10, "factor": 1.0}, "label": "Noam"}
    query = quote(json.dumps({"curves": [curve], "steps": 50, "log": True}))
    second = page.context.new_page()
    try:
        second.goto(f"{site}/playground.html?embed=1&state={query}")
        second.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
        y = second.evaluate("lrPlayground.plotted(0).y")
        assert len(y) == 50 and max(y) == pytest.approx(1 / math.sqrt(64 * 10))  # the peak at s = W
        assert second.evaluate("Bokeh.documents[0].get_model_by_name('plot_log').visible")
        assert second.evaluate("document.body.classList.contains('embed')")
    finally:
        second.close()


@pytest.mark.parametrize("query", [
    quote(json.dumps({"curves": [{"family": "Nonsense"}], "steps": 10**9})),
    "%7Bnot%20json",
    quote(json.dumps([1, 2])),
])
def test_a_broken_address_shows_the_default_and_says_why(page, site, query):
    second = page.context.new_page()
    try:
        errors = []
        second.on("pageerror", lambda e: errors.append(str(e)))
        second.goto(f"{site}/playground.html?state={query}")
        second.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
        assert second.evaluate("lrPlayground.state().steps") == 200
        assert len(second.evaluate("lrPlayground.plotted(0).y")) == 200  # the default cosine
        assert "?state=" in second.evaluate("Bokeh.documents[0].get_model_by_name('status').text")
        assert errors == []
    finally:
        second.close()


def test_notebook_embed_runs_from_its_srcdoc_alone(page):
    """The JupyterLab form: one iframe whose srcdoc holds BokehJS and the state; no server behind it."""
    frame_html = playground({"W=10": L.Warmup(L.CosineAnnealingLR(lr=0.25, T_max=190), 10)}, steps=201,
                            site=False)._repr_html_()
    other = page.context.new_page()
    try:
        requests = []
        other.on("request", lambda r: requests.append(r.url))
        other.set_content(frame_html)
        other.frame_locator("iframe.lr-playground").locator("body").wait_for(timeout=30_000)
        inner = other.frames[1]
        inner.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
        y = inner.evaluate("lrPlayground.plotted(0).y")
        assert len(y) == 201 and y[5] == pytest.approx(0.25 * 5 / 10) and max(y) == pytest.approx(0.25)
        assert [r for r in requests if not r.startswith(("about:", "data:"))] == []
    finally:
        other.close()

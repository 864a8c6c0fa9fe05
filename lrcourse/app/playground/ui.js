// The playground's glue between Bokeh's widgets and the formulas: state, redraw, code, copy.
//
// The page (page.py) defines window.LR_PLAYGROUND = {families, warmup, state, maxCurves, maxPoints}, calls
// lrPlayground.start(document) when Bokeh's document is ready; every widget calls
// lrPlayground.changed(widget). window.lrPlayground is also the small API the browser tests use.
(function (root) {
  "use strict";
  const S = root.lrSchedules, C = root.lrCodegen;
  const config = () => root.LR_PLAYGROUND;
  const families = () => config().families;
  // Bokeh runs widget callbacks asynchronously, so writing a widget from here also ends up in
  // changed(): every handler therefore compares with the state and ignores a change to the same value.
  let doc = null, state = null;

  const model = name => doc.get_model_by_name(name);
  const copy = value => JSON.parse(JSON.stringify(value));

  // ---- curves ---------------------------------------------------------------------------------
  function normalise(curve) {
    const family = families()[curve.family];
    const params = {};
    if (family) for (const p of family.params) params[p.name] = p.default;
    const warmup = {};
    for (const p of config().warmup) warmup[p.name] = p.default;
    return {family: curve.family, params: {...params, ...(curve.params || {})},
      warmup: {...warmup, ...(curve.warmup || {})}, label: curve.label || null};
  }

  function xs(steps, perStep) {
    const n = steps * perStep, out = new Array(n);
    for (let k = 0; k < n; k++) out[k] = perStep === 1 ? k : k / perStep;
    return out;
  }

  // {x, y, error, count}: the rates of a curve at `steps` steps, `perStep` points per step; `count`
  // points are defined (the others lie past the end of a one-cycle schedule).
  function evaluate(curve, steps, perStep) {
    curve = normalise(curve);
    const error = S.checkCurve(families(), config().warmup, curve);
    const x = xs(steps, perStep);
    if (error) return {x, y: [], error, count: 0};
    const f = S.curveFunction(families(), curve);
    const y = x.map(f);
    let count = y.findIndex(v => Number.isNaN(v));
    if (count < 0) count = y.length;
    return {x: x.slice(0, count), y: y.slice(0, count), error: null, count};
  }

  function code(curve, steps, perStep) {
    curve = normalise(curve);
    const result = evaluate(curve, steps, perStep);
    if (result.error) {
      const text = `# no code: ${result.error}\n`;
      return {torch: text, lrcourse: text};
    }
    const family = families()[curve.family];
    const initial = S.initialRate(family, curve.params, S.FORMULAS[family.name](curve.params));
    return {torch: C.torchCode(family, curve, result.count, perStep, initial),
      lrcourse: C.lrcourseCode(family, curve, result.count, perStep)};
  }

  const short = v => (typeof v === "number" && !Number.isInteger(v) ? String(+v.toPrecision(3)) : C.py(v));

  function label(curve, i) {
    if (curve.label) return curve.label;
    const family = families()[curve.family];
    const parts = family.params.map(p => `${p.name}=${short(curve.params[p.name])}`);
    const warm = curve.warmup.warmup_steps ? ` + ${curve.warmup.mode} warm-up ${curve.warmup.warmup_steps}` : "";
    return `${i + 1}: ${family.name}(${parts.join(", ")})${warm}`;
  }

  // ---- widgets <-> the active curve ----------------------------------------------------------
  const widgetName = (family, param) => `${family}.${param}`;

  function readWidget(spec, widget) {
    switch (spec.kind) {
      case "bool": return widget.active;
      case "int": return Math.round(widget.value);
      case "ints": {
        const text = widget.value.trim();
        if (!text) return [];
        return text.split(/[\s,;]+/).filter(Boolean).map(Number);
      }
      case "optional_int": return widget.value === null || widget.value === undefined ? null : widget.value;
      default: return widget.value;
    }
  }

  function writeWidget(spec, widget, value) {
    if (spec.kind === "bool") widget.active = Boolean(value);
    else if (spec.kind === "ints") widget.value = Array.isArray(value) ? value.join(", ") : String(value);
    else {
      if ((spec.kind === "int" || spec.kind === "float") && typeof value === "number") setSlider(widget, value);
      else widget.value = value;
    }
  }

  function readActive() {
    const name = model("family").value, family = families()[name];
    const params = {};
    for (const p of family.params) params[p.name] = readWidget(p, model(widgetName(name, p.name)));
    const warmup = {};
    for (const p of config().warmup) warmup[p.name] = readWidget(p, model(widgetName("warmup", p.name)));
    return {family: name, params, warmup, label: null};
  }

  function showFamily(name) {
    for (const other of Object.keys(families())) model(`group.${other}`).visible = other === name;
  }

  function loadActive() {
    const curve = state.curves[state.active];
    model("family").value = curve.family;
    const family = families()[curve.family];
    for (const p of family.params) writeWidget(p, model(widgetName(curve.family, p.name)), curve.params[p.name]);
    for (const p of config().warmup) writeWidget(p, model(widgetName("warmup", p.name)), curve.warmup[p.name]);
    showFamily(curve.family);
  }

  // The curve without its label, to tell a real edit from a widget echoing the state.
  const shape = curve => JSON.stringify([curve.family, curve.params, curve.warmup]);

  function refreshCurvePicker() {
    const picker = model("curve");
    const options = state.curves.map((c, i) => [String(i), label(c, i)]);
    if (JSON.stringify(options) !== JSON.stringify(picker.options)) picker.options = options;
    setIfChanged(picker, "value", String(state.active));
    setIfChanged(model("remove_curve"), "disabled", state.curves.length <= 1);
    setIfChanged(model("add_curve"), "disabled", state.curves.length >= config().maxCurves);
  }

  // ---- drawing ---------------------------------------------------------------------------------
  const escapeHtml = text => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  // What each curve slot shows: the curve and settings it was computed for, and the result. A slider
  // move changes one curve, so only that slot is recomputed and handed to Bokeh again.
  const drawn = [];
  const TEXT_DELAY_MS = 150;  // the code and messages follow once a slider rests (laying them out costs frames)
  let pendingText = null, textTimer = null;

  function setIfChanged(obj, prop, value) {
    if (obj[prop] !== value) obj[prop] = value;
  }

  function drawSlot(i) {
    const curve = state.curves[i];
    const key = curve ? `${shape(curve)}|${state.steps}|${state.per_step}` : "";
    if (drawn[i] && drawn[i].key === key) return drawn[i];
    const result = curve ? evaluate(curve, state.steps, state.per_step) : null;
    const shown = Boolean(result && !result.error);
    model(`source${i}`).data = shown ? {x: Float64Array.from(result.x), y: Float64Array.from(result.y)} : {x: [], y: []};
    drawn[i] = {key, result, shown};
    return drawn[i];
  }

  function redraw() {
    const started = performance.now();
    const messages = [];
    for (let i = 0; i < config().maxCurves; i++) {
      const {result, shown} = drawSlot(i);
      const text = shown ? label(state.curves[i], i) : `curve ${i + 1}`;
      for (const axis of ["linear", "log"]) {
        setIfChanged(model(`line_${axis}${i}`), "visible", shown);
        const item = model(`legend_${axis}`).items[i];
        setIfChanged(item, "visible", shown);
        if (!item.label || item.label.value !== text) item.label = {value: text};
      }
      if (result && result.error) messages.push(`<b>curve ${i + 1}</b>: ${escapeHtml(result.error)}`);
      else if (result && result.count < state.steps * state.per_step) {
        messages.push(`curve ${i + 1} ends at step ${result.x[result.count - 1]}: ` +
          "a one-cycle schedule is over after total_steps (torch raises past it)");
      }
    }
    setIfChanged(model("plot_linear"), "visible", !state.log);
    setIfChanged(model("plot_log"), "visible", state.log);
    const active = state.curves[state.active];
    const note = families()[active.family].notes;
    if (note) messages.push(`${active.family}: ${escapeHtml(note)}`);
    // the code is generated when it is written, once the slider rests
    pendingText = {status: messages.join("<br>"), curve: active, steps: state.steps, perStep: state.per_step};
    clearTimeout(textTimer);
    textTimer = setTimeout(flushText, TEXT_DELAY_MS);
    api.lastRedrawMs = performance.now() - started;
  }

  function flushText() {
    clearTimeout(textTimer);
    if (!pendingText) return;
    const {status, curve, steps, perStep} = pendingText;
    pendingText = null;
    const snippets = code(curve, steps, perStep);
    setIfChanged(model("status"), "text", status);
    setIfChanged(model("code_torch"), "text", snippets.torch);
    setIfChanged(model("code_lrcourse"), "text", snippets.lrcourse);
  }

  // ---- events ---------------------------------------------------------------------------------
  function changed(widget) {
    if (!state) return;
    const name = widget.name;
    if (name === "curve") {
      if (Number(widget.value) === state.active) return;
      state.active = Number(widget.value);
      loadActive();
    } else if (name === "steps" || name === "per_step") {
      if (Math.round(widget.value) === state[name]) return;
      state[name] = Math.round(widget.value);
    } else if (name === "log") {
      if (widget.active === state.log) return;
      state.log = widget.active;
    } else if (name === "add_curve") {
      if (state.curves.length >= config().maxCurves) return;
      state.curves.push({...copy(state.curves[state.active]), label: null});
      state.active = state.curves.length - 1;
    } else if (name === "remove_curve") {
      if (state.curves.length <= 1) return;
      state.curves.splice(state.active, 1);
      state.active = Math.max(0, state.active - 1);
      loadActive();
    } else if (name === "copy") {
      copyCode();
      return;
    } else if (name === "code_tabs") {
      return;
    } else {
      const edited = readActive();
      if (shape(edited) === shape(state.curves[state.active])) return;
      if (name === "family") showFamily(widget.value);
      state.curves[state.active] = edited;  // an edited curve loses its given label
    }
    refreshCurvePicker();
    redraw();
  }

  function copyCode() {
    flushText();
    const which = model("code_tabs").active === 0 ? "code_torch" : "code_lrcourse";
    const text = model(which).text;
    api.lastCopied = text;
    const button = model("copy");
    const done = ok => {
      button.label = ok ? "Copied" : "Select the code and copy it";
      setTimeout(() => { button.label = "Copy code"; }, 1500);
    };
    if (navigator.clipboard && root.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), () => done(fallbackCopy(text)));
    } else {
      done(fallbackCopy(text));
    }
  }

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  // ---- start -----------------------------------------------------------------------------------
  const NARROW = 960;  // px: below this (a lecture's column), the controls go under the plot

  function stack() {
    const main = model("controls_main"), warm = model("controls_warmup");
    model("controls").children = [];
    model("top").children = [model("view")];
    model("below").children = [main, warm];
  }

  function initialState() {
    const fallback = config().state;
    const query = new URLSearchParams(root.location.search).get("state");
    if (!query) return {state: fallback, errors: []};
    try {
      const given = JSON.parse(query);
      if (given === null || typeof given !== "object" || Array.isArray(given)) throw new Error("not an object");
      return sanitised({...fallback, ...given}, fallback);
    } catch (e) {
      return {state: fallback, errors: [`the ?state= of this address is not valid (${e.message}); showing the default`]};
    }
  }

  // A state from the address, with anything the page cannot show replaced (and said so).
  function sanitised(given, fallback) {
    const errors = [];
    const whole = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
    let curves = Array.isArray(given.curves) ? given.curves : [];
    const unknown = curves.filter(c => !c || !families()[c.family]);
    if (unknown.length) errors.push(`?state= names ${unknown.length} curve(s) of no known family; they are left out`);
    curves = curves.filter(c => c && families()[c.family]).slice(0, config().maxCurves);
    if (!curves.length) curves = fallback.curves;
    let {steps, per_step: perStep} = given;
    if (!whole(perStep, 1, 20)) perStep = 1;
    if (!whole(steps, 2, Math.floor(config().maxPoints / perStep))) {
      errors.push(`?state= asks for steps=${JSON.stringify(steps)}; the page draws 2 to ` +
        `${Math.floor(config().maxPoints / perStep)} steps, so it shows ${fallback.steps}`);
      steps = fallback.steps;
    }
    const active = whole(given.active, 0, curves.length - 1) ? given.active : 0;
    return {state: {...given, curves, steps, per_step: perStep, active}, errors};
  }

  // Slider values from a state may lie past the slider's range: widen it rather than clamp the value.
  function setSlider(widget, value) {
    if (value > widget.end) widget.end = value;
    if (value < widget.start) widget.start = value;
    widget.value = value;
  }

  function start(document) {
    doc = document;
    const {state: raw, errors} = initialState();
    state = copy(raw);
    state.curves = state.curves.map(normalise);
    state.log = Boolean(state.log);
    setSlider(model("steps"), state.steps);
    setSlider(model("per_step"), state.per_step);
    model("log").active = state.log;
    model("code_panel").visible = state.code !== false;
    if (root.innerWidth < NARROW) stack();
    loadActive();
    refreshCurvePicker();
    redraw();
    if (errors.length) pendingText.status = [...errors.map(escapeHtml), pendingText.status].join("<br>");
    flushText();
    api.readyMs = performance.now();  // since the navigation started
    api.ready = true;
  }

  const api = {
    start, changed, redraw, evaluate, code, label,
    ready: false, readyMs: null, lastRedrawMs: null, lastCopied: null,
    // The values a curve {family, params, warmup} takes at steps * perStep points (NaN -> null).
    values: (curve, steps, perStep = 1) => {
      const r = evaluate(curve, steps, perStep);
      return {x: r.x, y: r.y, error: r.error};
    },
    // Bokeh runs CustomJS callbacks asynchronously (in promise jobs): after setting widget values,
    // await settled() before reading what the page drew; it also writes the delayed code and messages.
    settled: () => new Promise(resolve => setTimeout(() => { flushText(); resolve(); }, 0)),
    check: curve => S.checkCurve(families(), config().warmup, normalise(curve)),
    state: () => copy(state),
    plotted: i => {
      const data = model(`source${i}`).data;
      return {x: Array.from(data.x), y: Array.from(data.y)};
    },
  };
  root.lrPlayground = api;
})(window);

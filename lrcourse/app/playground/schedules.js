// The playground's second implementation of lrcourse's schedules: one function per family.
//
// FORMULAS[family](p) returns t -> learning rate for the parameters p (lrcourse's names). Every
// expression keeps lrcourse's order of operations, so that the two agree to rounding; the browser
// tests hold them to 1e-9 relative. checkCurve() refuses exactly what lrcourse refuses, with a
// message naming the parameter. No plotting here: ui.js feeds these numbers to Bokeh.
(function (root) {
  "use strict";

  function oneCycle(p) {
    const T = p.total_steps, pct = p.pct_start;
    const init = p.max_lr / p.div_factor, peak = p.max_lr, low = p.max_lr / p.div_factor / p.final_div_factor;
    const phases = p.three_phase
      ? [[pct * T - 1, init, peak], [2 * pct * T - 2, peak, init], [T - 1, init, low]]
      : [[pct * T - 1, init, peak], [T - 1, peak, low]];
    const anneal = p.anneal_strategy === "cos"
      ? (s, e, f) => e + (s - e) / 2.0 * (Math.cos(Math.PI * f) + 1)
      : (s, e, f) => (e - s) * f + s;
    return t => {
      if (t > T - 1) return NaN;  // the cycle ended at step total_steps - 1 (past it: torch's extrapolation)
      let start = 0.0;
      for (let k = 0; k < phases.length; k++) {
        const [end, s, e] = phases[k];
        if (k === phases.length - 1 || t <= end) return anneal(s, e, (t - start) / (end - start));
        start = end;
      }
    };
  }

  function cyclic(p) {
    const up = p.step_size_up, down = p.step_size_down === null ? up : p.step_size_down;
    const total = up + down, ratio = up / total;
    return t => {
      const cycle = Math.floor(1 + t / total);
      const x = 1.0 + t / total - cycle;
      const h = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
      let phi = 1;
      if (p.mode === "triangular2") phi = 1 / Math.pow(2.0, cycle - 1);
      else if (p.mode === "exp_range") phi = Math.pow(p.gamma, t);
      return p.base_lr + (p.max_lr - p.base_lr) * h * phi;
    };
  }

  function warmRestarts(p) {
    const T0 = p.T_0, m = p.T_mult;
    return t => {
      let Tcur, Ti;
      if (m === 1) {
        Tcur = t % T0;
        Ti = T0;
      } else {
        let power = 1;  // m ** (index of the cycle holding t); cycle n starts at T0 (m^n - 1) / (m - 1)
        while (T0 * (power * m - 1) / (m - 1) <= t) power *= m;
        Ti = T0 * power;
        Tcur = t - T0 * (power - 1) / (m - 1);
      }
      return p.eta_min + (p.lr - p.eta_min) * (1 + Math.cos(Math.PI * Tcur / Ti)) / 2;
    };
  }

  function warmupStableDecay(p) {
    const W = p.warmup_steps, S = p.stable_steps, D = p.decay_steps;
    const shape = {linear: u => 1 - u, cosine: u => (1 + Math.cos(Math.PI * u)) / 2, sqrt: u => 1 - Math.sqrt(u)}[p.decay];
    return t => {
      if (W && t < W) return p.lr * t / W;
      const u = Math.min(Math.max((t - W - S) / D, 0.0), 1.0);
      return p.min_lr + (p.lr - p.min_lr) * shape(u);
    };
  }

  function sklearnOptimal(p) {
    const t0 = 1.0 / (Math.sqrt(1.0 / Math.sqrt(p.alpha)) * p.alpha);
    return t => 1.0 / (p.alpha * (t0 + t));
  }

  const FORMULAS = {
    StepLR: p => t => p.lr * Math.pow(p.gamma, Math.floor(t / p.step_size)),
    MultiStepLR: p => t => p.lr * Math.pow(p.gamma, p.milestones.filter(m => m <= t).length),
    ExponentialLR: p => t => p.lr * Math.pow(p.gamma, t),
    CosineAnnealingLR: p => t => p.eta_min + (p.lr - p.eta_min) * (1 + Math.cos(Math.PI * t / p.T_max)) / 2,
    PolynomialLR: p => t => p.lr * Math.pow(1.0 - Math.min(t, p.total_iters) / p.total_iters, p.power),
    LinearLR: p => t => p.lr * (p.start_factor + (p.end_factor - p.start_factor) * (Math.min(t, p.total_iters) / p.total_iters)),
    ConstantLR: p => t => p.lr * (t >= p.total_iters ? 1.0 : p.factor),
    CosineAnnealingWarmRestarts: warmRestarts,
    CyclicLR: cyclic,
    OneCycleLR: oneCycle,
    three_phase_one_cycle: p => oneCycle({max_lr: p.max_lr, total_steps: p.total_steps, pct_start: 0.45,
      anneal_strategy: "linear", div_factor: 10.0, final_div_factor: 10.0, three_phase: true}),
    ConstantSchedule: p => () => p.lr,
    ExponentialDecay: p => t => p.lr * Math.exp(-p.lam * t),
    InverseTimeDecay: p => t => p.lr / (1.0 + p.beta * t),
    InversePowerDecay: p => t => p.lr / Math.pow(t + 1.0, p.power),
    InverseSqrtDecay: p => t => p.lr / Math.pow(t + 1.0, 0.5),
    NoamLR: p => t => p.factor * Math.pow(p.d_model, -0.5) * Math.min(Math.pow(t + 1.0, -0.5), (t + 1.0) * Math.pow(p.warmup_steps, -1.5)),
    WarmupStableDecay: warmupStableDecay,
    SklearnOptimalLR: sklearnOptimal,
    SklearnInvScalingLR: p => t => p.eta0 / Math.pow(t + 1.0, p.power_t),
  };

  // The warm-up factor w(u) of lrcourse.warmup_ramp, for progress u = t / W in [0, 1].
  const RAMPS = {
    linear: (u, s) => s + (1 - s) * u,
    exponential: (u, s) => Math.pow(s, 1 - u),
    cosine: (u, s) => s + (1 - s) * (1 - Math.cos(Math.PI * u)) / 2,
  };

  // The rate the warm-up climbs to: lrcourse's initial_lr (lr itself for the multiplicative families).
  function initialRate(family, p, f) {
    if (family.multiplicative) return p.lr;
    if (family.name === "OneCycleLR") return p.max_lr / p.div_factor;
    if (family.name === "three_phase_one_cycle") return p.max_lr / 10.0;
    return f(0);
  }

  // ---- validation: the same refusals as lrcourse, naming the parameter ----------------------
  const show = v => (typeof v === "string" ? JSON.stringify(v) : String(v));

  function checkNumber(spec, v) {
    const name = spec.name;
    if (typeof v !== "number") return `${name} must be a number, got ${show(v)}`;
    if (!Number.isFinite(v)) return `${name} must be finite, got ${show(v)}`;
    if (spec.kind === "int" && !Number.isInteger(v)) return `${name} must be an integer, got ${show(v)}`;
    const tooLow = spec.low !== null && (spec.low_open ? v <= spec.low : v < spec.low);
    const tooHigh = spec.high !== null && (spec.high_open ? v >= spec.high : v > spec.high);
    if (tooLow || tooHigh) {
      if (spec.high === null) return `${name} must be ${spec.low_open ? ">" : ">="} ${spec.low}, got ${v}`;
      const left = spec.low_open ? "(" : "[", right = spec.high_open ? ")" : "]";
      return `${name} must be in ${left}${spec.low}, ${spec.high}${right}, got ${v}`;
    }
    return null;
  }

  function checkParam(spec, v) {
    switch (spec.kind) {
      case "choice":
        return spec.options.includes(v) ? null : `${spec.name} must be one of ${spec.options.map(show).join(", ")}; got ${show(v)}`;
      case "bool":
        return typeof v === "boolean" ? null : `${spec.name} must be true or false, got ${show(v)}`;
      case "optional_int":
        return v === null ? null : checkNumber({...spec, kind: "int"}, v);
      case "ints": {
        if (!Array.isArray(v)) return `${spec.name} must be a list of integers, got ${show(v)}`;
        for (let i = 0; i < v.length; i++) {
          const bad = checkNumber({...spec, name: `${spec.name}[${i}]`, kind: "int"}, v[i]);
          if (bad) return bad;
          if (i > 0 && v[i] <= v[i - 1]) return `${spec.name} must be strictly increasing, got [${v.join(", ")}]`;
        }
        return null;
      }
      default:
        return checkNumber(spec, v);
    }
  }

  // Conditions between parameters, checked once each parameter is valid on its own.
  const JOINT = {
    CyclicLR: p => (p.max_lr < p.base_lr ? `max_lr must be >= base_lr, got max_lr=${p.max_lr} < base_lr=${p.base_lr}` : null),
    OneCycleLR: p => emptyPhase(p.total_steps, p.pct_start, p.three_phase, false),
    three_phase_one_cycle: p => emptyPhase(p.total_steps, 0.45, true, true),
    WarmupStableDecay: p => (p.min_lr > p.lr ? `min_lr must be in [0.0, lr=${p.lr}], got ${p.min_lr}` : null),
  };

  // lrcourse's one-cycle refuses a phase that ends before it starts (with a fixed pct_start, as in
  // the 45/45/10 cycle, only total_steps can be changed, so the message names it).
  function emptyPhase(T, pct, three, fixedPct) {
    const ends = three ? [pct * T - 1, 2 * pct * T - 2, T - 1] : [pct * T - 1, T - 1];
    let start = 0.0;
    for (let k = 0; k < ends.length; k++) {
      if (ends[k] <= start) {
        const span = `phase ${k + 1} of the cycle empty (it would run from step ${start} to ${ends[k]})`;
        return fixedPct
          ? `total_steps=${T} is too short: it leaves ${span}`
          : `pct_start=${pct} with total_steps=${T} leaves ${span}; use more total_steps or another pct_start`;
      }
      start = ends[k];
    }
    return null;
  }

  // Error message for a curve {family, params, warmup}, or null when lrcourse would accept it.
  function checkCurve(families, warmupSpecs, curve) {
    const family = families[curve.family];
    if (!family) return `family must be one of ${Object.keys(families).join(", ")}; got ${show(curve.family)}`;
    for (const spec of family.params) {
      if (!(spec.name in curve.params)) return `${spec.name} is missing`;
      const bad = checkParam(spec, curve.params[spec.name]);
      if (bad) return bad;
    }
    const joint = JOINT[family.name] && JOINT[family.name](curve.params);
    if (joint) return joint;
    const warm = curve.warmup;
    for (const spec of warmupSpecs) {
      const bad = checkParam({...spec, name: spec.name === "warmup_steps" ? spec.name : `warmup ${spec.name}`}, warm[spec.name]);
      if (bad) return bad;
    }
    if (warm.warmup_steps > 0 && warm.mode === "exponential" && warm.start_factor <= 0) {
      return "warmup start_factor must be > 0 for an exponential warm-up (it ramps geometrically)";
    }
    return null;
  }

  // t -> rate for a valid curve, warm-up included (NaN where the schedule is over).
  function curveFunction(families, curve) {
    const family = families[curve.family];
    const f = FORMULAS[family.name](curve.params);
    const W = curve.warmup.warmup_steps;
    if (!W) return f;
    const peak = initialRate(family, curve.params, f);
    const ramp = RAMPS[curve.warmup.mode], s = curve.warmup.start_factor;
    return t => (t < W ? peak * ramp(Math.min(Math.max(t / W, 0.0), 1.0), s) : f(t - W));
  }

  root.lrSchedules = {FORMULAS, RAMPS, checkCurve, curveFunction, initialRate};
})(window);

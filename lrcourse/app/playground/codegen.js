// "Copy as code": the PyTorch and lrcourse code reproducing one curve of the playground.
//
// The per-family templates live in families.py (the page receives them as JSON); this file only
// fills them and adds the parts every family shares: the optimizer, the warm-up and the loop.
(function (root) {
  "use strict";

  // A Python literal for a parameter value (floats keep a decimal point so that they read as floats).
  function py(value, kind) {
    if (value === null || value === undefined) return "None";
    if (typeof value === "boolean") return value ? "True" : "False";
    if (typeof value === "string") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(v => py(v, "int")).join(", ") + "]";
    const text = String(value);
    const floaty = kind === "float" || kind === "rate";
    return floaty && /^-?\d+$/.test(text) ? text + ".0" : text;
  }

  function fill(template, family, params) {
    const kinds = Object.fromEntries(family.params.map(p => [p.name, p.kind]));
    return template.replace(/\{(\w+)\}/g, (_, name) => py(params[name], kinds[name]));
  }

  const indent = (text, pad) => text.split("\n").map(line => pad + line).join("\n");

  function call(family, params) {
    return `${family.name}(` + family.params.map(p => `${p.name}=${py(params[p.name], p.kind)}`).join(", ") + ")";
  }

  // The x values of the plot: `count` points, `perStep` per step.
  function stepsLine(count, perStep) {
    return perStep === 1 ? `t = np.arange(${count})` : `t = np.arange(${count}) / ${perStep}  # ${perStep} points per step`;
  }

  function lrcourseCode(family, curve, count, perStep) {
    const W = curve.warmup.warmup_steps;
    let expr = call(family, curve.params);
    const names = [family.name];
    if (W) {
      expr = `Warmup(${expr}, warmup_steps=${W}, mode=${py(curve.warmup.mode)}, ` +
        `start_factor=${py(curve.warmup.start_factor, "float")})`;
      names.push("Warmup");
    }
    return ["import numpy as np", `from lrcourse import ${names.join(", ")}`, "",
      `schedule = ${expr}`, stepsLine(count, perStep), "lrs = schedule(t)", ""].join("\n");
  }

  // Body of warmup(t), a factor of the optimizer's lr, as lrcourse.warmup_ramp computes it.
  function rampExpression(warm) {
    const s = py(warm.start_factor, "float"), u = `(t / ${warm.warmup_steps})`;
    if (warm.mode === "exponential") return `${s} ** (1 - t / ${warm.warmup_steps})`;
    if (warm.mode === "cosine") return `${s} + (1 - ${s}) * (1 - math.cos(math.pi * ${u})) / 2`;
    return `${s} + (1 - ${s}) * ${u}`;
  }

  const READ_LR = 'optimizer.param_groups[0]["lr"]';
  const LINEAR_LR_MIN = 1e-3;

  // `initial` is the rate the warm-up climbs to (lrcourse's initial_lr), `count` the points drawn.
  function torchCode(family, curve, count, perStep, initial) {
    const W = curve.warmup.warmup_steps, hasTorch = family.torch !== null;
    const fractional = perStep > 1 && family.name === "CosineAnnealingWarmRestarts";
    const lines = ["import torch", "from torch.optim import lr_scheduler", ""];
    let baseLr;
    if (!hasTorch) {
      baseLr = "1.0";
      lines.push(`# torch has no ${family.name} scheduler: LambdaLR multiplies the optimizer's lr (1.0) by rate(t).`,
        "def rate(t):", indent(fill(family.rate, family, curve.params), "    "), "", "");
    } else {
      baseLr = "lr" in curve.params ? py(curve.params.lr, "rate") : py(initial, "rate");
    }
    if (W) {
      const scale = hasTorch ? "" : `${py(initial, "rate")} * `;
      lines.push("def warmup(t):",
        `    # ${curve.warmup.mode} warm-up over ${W} steps, as a factor of the optimizer's lr`,
        `    return ${scale}(${rampExpression(curve.warmup)})`, "", "");
    }
    lines.push(`base_lr = ${baseLr}`, "param = torch.nn.Parameter(torch.zeros(1))  # stands for your model's parameters",
      "optimizer = torch.optim.SGD([param], lr=base_lr, momentum=0.9)");
    const main = hasTorch ? fill(family.torch, family, curve.params) : "lr_scheduler.LambdaLR(optimizer, lr_lambda=rate)";
    if (fractional) {
      lines.push(`scheduler = ${main}`, "", "lrs = []", `for k in range(${count}):`);
      if (W) {
        lines.push(`    t = k / ${perStep}`, `    if t < ${W}:`,
          "        lrs.append(base_lr * warmup(t))  # the ramp runs before the scheduler's clock starts",
          "        continue",
          `    scheduler.step(t - ${W})  # a fractional epoch: restarts may fall between two steps`);
      } else {
        lines.push(`    scheduler.step(k / ${perStep})  # a fractional epoch: restarts may fall between two steps`);
      }
      lines.push(`    lrs.append(${READ_LR})`, "");
    } else {
      if (W) {
        // torch's LinearLR updates the rate step by step from lr * start_factor: for a start factor
        // below LINEAR_LR_MIN that product loses its digits (or underflows), so LambdaLR ramps instead.
        const useLinear = hasTorch && curve.warmup.mode === "linear" && curve.warmup.start_factor >= LINEAR_LR_MIN;
        const ramp = useLinear
          ? `lr_scheduler.LinearLR(optimizer, start_factor=${py(curve.warmup.start_factor, "float")}, end_factor=1.0, total_iters=${W})`
          : "lr_scheduler.LambdaLR(optimizer, lr_lambda=warmup)";
        lines.push(`ramp = ${ramp}`, `main = ${main}`,
          `scheduler = lr_scheduler.SequentialLR(optimizer, [ramp, main], milestones=[${W}])`);
      } else {
        lines.push(`scheduler = ${main}`);
      }
      const whole = perStep === 1 ? count : Math.floor((count - 1) / perStep) + 1;
      if (perStep > 1) lines.push("", `# torch steps whole steps: these are the plotted rates at t = 0, 1, ..., ${whole - 1}`);
      lines.push("", `lrs = [${READ_LR}]`, `for step in range(1, ${whole}):`,
        "    optimizer.step()  # after loss.backward() in real training", "    scheduler.step()",
        `    lrs.append(${READ_LR})`, "");
    }
    const code = lines.join("\n");
    return (code.includes("math.") ? "import math\n" : "") + code;
  }

  root.lrCodegen = {py, lrcourseCode, torchCode};
})(window);

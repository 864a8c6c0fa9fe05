"""``lrcourse compare``: several learning-rate schedules on the noisy quadratic or on digits, over many seeds."""

from __future__ import annotations

import csv
from pathlib import Path

NAME = "compare"
HELP = "compare learning-rate schedules over many seeds (noisy quadratic or digits); write a figure and a table"
DESCRIPTION = """\
Run the six standard schedules (constant, step, exponential, cosine, warm-up + cosine, 1/t), all
starting at --lr, on the same random draws for every schedule (common random numbers).

  quadratic: SGD on J(theta) = (theta - 3)^2 with Gaussian gradient noise (--noise-sd), --runs
             seeds simulated at once, --steps updates each.
  digits:    softmax regression on scikit-learn's digits (lrcourse.interop.digits.train_digits), --runs
             seeds, --epochs epochs; the schedules are sized for epochs * steps per epoch.

Writes compare.png (loss curves with mean and 10-90% band) and compare.csv (final loss per schedule:
mean, std, median, quantiles, diverged runs) into --out and prints the table."""


def configure(parser):
    parser.add_argument("--problem", choices=("quadratic", "digits"), default="quadratic",
                        help="noisy quadratic (default) or digits softmax regression")
    parser.add_argument("--runs", type=int, default=None,
                        help="number of seeds (default: 1000 for quadratic, 3 for digits)")
    parser.add_argument("--steps", type=int, default=150, help="SGD steps on the quadratic (default: 150)")
    parser.add_argument("--lr", type=float, default=None,
                        help="initial learning rate (default: 0.3 quadratic, 0.1 digits)")
    parser.add_argument("--noise-sd", type=float, default=0.3, help="gradient noise sd on the quadratic (default 0.3)")
    parser.add_argument("--epochs", type=int, default=10, help="digits epochs (default: 10)")
    parser.add_argument("--batch-size", type=int, default=32, help="digits mini-batch size (default: 32)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--out", default="compare-output", help="output directory (default: compare-output)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _check_args(args):
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.runs is not None and args.runs < 1:
        raise ValueError(f"--runs must be >= 1, got {args.runs}")
    if args.steps < 2:
        raise ValueError(f"--steps must be >= 2, got {args.steps}")
    if args.lr is not None and not args.lr > 0:
        raise ValueError(f"--lr must be > 0, got {args.lr}")
    if args.noise_sd < 0:
        raise ValueError(f"--noise-sd must be >= 0, got {args.noise_sd}")
    if args.epochs < 1 or args.batch_size < 1:
        raise ValueError("--epochs and --batch-size must be >= 1")


def _quadratic(args):
    import numpy as np

    from ...dynamics.problems import exercise_quadratic
    from ...dynamics.simulate import compare_schedules, standard_schedules

    runs = args.runs or 1000
    lr = args.lr or 0.3
    schedules = standard_schedules(lr, args.steps)
    comp = compare_schedules(exercise_quadratic(), schedules, args.steps, runs, noise_sd=args.noise_sd,
                             rng=np.random.default_rng(args.seed), keep_theta=False,
                             progress=not args.no_progress)
    return schedules, comp.table, ("loss", comp), args.steps


def _digits(args):
    import numpy as np
    from tqdm.auto import tqdm

    try:
        from ...interop.digits import digits_steps_per_epoch, train_digits
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ValueError(f"--problem digits needs lrcourse.interop.digits, which could not be imported: {exc}") from None
    from ...dynamics.simulate import standard_schedules

    runs = args.runs or 3
    lr = args.lr or 0.1
    total = args.epochs * digits_steps_per_epoch(args.batch_size)
    schedules = standard_schedules(lr, total)
    curves, table = {}, []
    jobs = [(name, s) for name in schedules for s in range(runs)]
    with tqdm(total=len(jobs), desc="digits runs", disable=args.no_progress) as bar:
        for name, sched in schedules.items():
            val, n_div = [], 0
            for k in range(runs):
                res = train_digits(sched, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed + k,
                                   model="softmax")
                val.append(np.asarray(res.history["val_loss"], dtype=float))
                n_div += bool(getattr(res, "diverged", False))
                bar.update(1)
            length = min(len(v) for v in val)
            curves[name] = np.stack([v[:length] for v in val])
            final = np.array([v[-1] for v in val])
            ok = np.isfinite(final) & np.array([len(v) == args.epochs for v in val])
            stats = final[ok]
            q10, med, q90 = np.quantile(stats, [0.1, 0.5, 0.9]) if stats.size else (np.nan,) * 3
            table.append(dict(schedule=name, runs=runs, diverged=max(n_div, int((~ok).sum())),
                              mean=float(stats.mean()) if stats.size else np.nan,
                              std=float(stats.std(ddof=1)) if stats.size > 1 else 0.0,
                              median=float(med), q10=float(q10), q90=float(q90)))
    return schedules, table, ("val_loss", curves), total


def _figure(schedules, kind, steps, path, problem):
    import matplotlib.pyplot as plt
    import numpy as np

    from ...plot.style import color, linestyle
    from ...plot.dynamics import plot_loss_bands

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    label, data = kind
    if label == "loss":
        plot_loss_bands(data, ax=ax1)
        ax1.set_title(f"SGD on (theta-3)^2, {data.table[0]['runs']} runs per schedule")
    else:
        ax1.grid(True, alpha=0.3)
        for i, (name, curves) in enumerate(data.items()):
            ep = np.arange(1, curves.shape[1] + 1)
            lo, hi = np.quantile(curves, [0.1, 0.9], axis=0)
            ax1.plot(ep, curves.mean(axis=0), color=color(i), ls=linestyle(i), label=name)
            ax1.fill_between(ep, lo, hi, color=color(i), alpha=0.18, lw=0)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("validation loss (mean, band 10-90% of seeds)")
        ax1.set_title("softmax regression on digits")
        ax1.legend()
    t = np.arange(steps)
    ax2.grid(True, alpha=0.3)
    for i, (name, s) in enumerate(schedules.items()):
        ax2.plot(t, s(t), color=color(i), ls=linestyle(i), label=name)
    ax2.set_xlabel("step")
    ax2.set_ylabel("learning rate")
    ax2.set_title("schedules")
    ax2.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _format(table) -> str:
    head = f"{'schedule':<15} {'mean':>11} {'std':>11} {'median':>11} {'q10':>11} {'q90':>11} {'diverged':>8}"
    rows = [head, "-" * len(head)]
    for r in table:
        rows.append(f"{r['schedule']:<15} {r['mean']:>11.4g} {r['std']:>11.4g} {r['median']:>11.4g} "
                    f"{r['q10']:>11.4g} {r['q90']:>11.4g} {r['diverged']:>8d}")
    return "\n".join(rows)


def run(args) -> int:
    from ...plot.style import use_headless_backend

    _check_args(args)
    use_headless_backend()
    schedules, table, kind, steps = _digits(args) if args.problem == "digits" else _quadratic(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    columns = ("schedule", "runs", "diverged", "mean", "std", "median", "q10", "q90")
    with open(out / "compare.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in table:
            writer.writerow({k: row[k] for k in columns})
    _figure(schedules, kind, steps, out / "compare.png", args.problem)
    what = "final loss" if args.problem == "quadratic" else "final validation loss"
    print(f"{what} per schedule ({args.problem}):")
    print(_format(table))
    print(f"wrote {out / 'compare.png'} and {out / 'compare.csv'}")
    return 0

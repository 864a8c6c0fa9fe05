"""``lrcourse range-test``: Smith's learning-rate range test on digits or on a noisy quadratic."""

from __future__ import annotations

import csv

from . import _output

NAME = "range-test"
HELP = "run the learning-rate range test over several seeds (digits or a noisy quadratic); figure + table"
DESCRIPTION = """\
Sweep the learning rate geometrically from --min-lr to --max-lr, one mini-batch update per rate, for
--runs seeds at once. Each run stops when its loss blows up; the losses are then smoothed without lag
and three rules suggest a learning rate (steepest descent per decade, minimum/10, valley). The table
gives each suggestion with its spread over the seeds, which tells how far to trust it.

Writes range-test-<problem>.png and range-test-<problem>.csv into --out (refuses to replace them
without --force)."""


def configure(parser):
    parser.add_argument("--problem", choices=("digits", "quadratic"), default="digits",
                        help="digits softmax regression (default) or the noisy quadratic (theta-3)^2")
    parser.add_argument("--model", choices=("softmax", "mlp"), default="softmax", help="digits model")
    parser.add_argument("--min-lr", type=float, default=1e-5, help="first learning rate (default: 1e-5)")
    parser.add_argument("--max-lr", type=float, default=10.0, help="last learning rate (default: 10)")
    parser.add_argument("--num-iter", type=int, default=200, help="number of mini-batch steps (default: 200)")
    parser.add_argument("--runs", type=int, default=None, help="seeds swept together (default: 8 quadratic, 3 digits)")
    parser.add_argument("--batch-size", type=int, default=32, help="digits mini-batch size (default: 32)")
    parser.add_argument("--beta", type=float, default=0.98, help="smoothing factor of the stop rule (default: 0.98)")
    parser.add_argument("--seed", type=int, default=0, help="first random seed (default: 0)")
    _output.add_arguments(parser, "range-test-output", "the figure and the table")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _check(args) -> int:
    runs = args.runs if args.runs is not None else (8 if args.problem == "quadratic" else 3)
    for option, value, ok in (("--seed", args.seed, args.seed >= 0), ("--runs", runs, runs >= 1),
                              ("--num-iter", args.num_iter, args.num_iter >= 10),
                              ("--batch-size", args.batch_size, args.batch_size >= 1),
                              ("--min-lr", args.min_lr, args.min_lr > 0),
                              ("--beta", args.beta, 0 <= args.beta < 1)):
        if not ok:
            need = {"--seed": ">= 0", "--runs": ">= 1", "--num-iter": ">= 10", "--batch-size": ">= 1",
                    "--min-lr": "> 0 (and finite)", "--beta": "in [0, 1)"}[option]
            raise ValueError(f"{option} must be {need}, got {value}")
    if not args.max_lr > args.min_lr or args.max_lr == float("inf"):
        raise ValueError(f"--max-lr must be finite and > --min-lr={args.min_lr}, got {args.max_lr}")
    return runs


def _quadratic_step_fn(seed: int, runs: int, noise_sd: float = 1.0):
    """One noisy gradient step on ``(theta - 3)^2`` for ``runs`` seeds at once; returns the losses."""
    import numpy as np

    rng = np.random.default_rng(seed)
    state = {"theta": np.zeros(runs)}

    def step_fn(lr):
        theta = state["theta"]
        loss = (theta - 3.0) ** 2
        with np.errstate(over="ignore", invalid="ignore"):
            state["theta"] = theta - lr * (2.0 * (theta - 3.0) + noise_sd * rng.standard_normal(runs))
        return loss

    return step_fn


def _digits_step_fn(args, runs: int):
    import numpy as np

    from ...interop.digits import make_step_fn

    fns = [make_step_fn(batch_size=args.batch_size, seed=args.seed + k, model=args.model) for k in range(runs)]
    return lambda lr: np.array([f(lr) for f in fns])


def run(args) -> int:
    from ...plot.style import use_headless_backend
    from ...stepsize.range_test import lr_range_test

    runs = _check(args)
    label = args.problem if args.problem == "quadratic" else f"digits-{args.model}"
    png, table_csv = _output.targets(args.out, [f"range-test-{label}.png", f"range-test-{label}.csv"], args.force)
    if args.problem == "digits":
        step_fn, references = _digits_step_fn(args, runs), {}
    else:  # J'' = 2: one step of 1/J'' lands on the optimum, 2/J'' is the stability limit
        step_fn = _quadratic_step_fn(args.seed, runs)
        references = {"one-step optimum 1/J''": 0.5, "stability limit 2/J''": 1.0}
    result = lr_range_test(step_fn, min_lr=args.min_lr, max_lr=args.max_lr, num_iter=args.num_iter, beta=args.beta,
                           references=references, progress=not args.no_progress)
    losses = result.losses.reshape(len(result.lrs), -1)
    smoothed = result.smoothed.reshape(len(result.lrs), -1)
    with open(table_csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["step", "lr", "run", "loss", "smoothed_loss"])
        for i, lr in enumerate(result.lrs):
            for r in range(losses.shape[1]):
                w.writerow([i, f"{lr:.8g}", r, f"{losses[i, r]:.8g}", f"{smoothed[i, r]:.8g}"])

    use_headless_backend()
    import matplotlib.pyplot as plt

    from ...plot.range_test import plot_range_test

    ax = plot_range_test(result, title=f"LR range test on {label} ({runs} seed{'s' if runs > 1 else ''})")
    ax.figure.savefig(png, dpi=110)
    plt.close(ax.figure)
    ended = sum(r != "completed" for r in result.end_reasons)
    print(f"{len(result.lrs)} of {args.num_iter} rates tried; {ended} of {runs} runs ended by divergence")
    if result.suggestions:
        print("suggested learning rates (geometric median over the seeds, then their range):")
        print(result.table())
    else:
        print("too few points before divergence to suggest a learning rate; lower --min-lr or raise --num-iter")
    print(f"figure: {png.resolve()}")
    print(f"table:  {table_csv.resolve()}")
    return 0

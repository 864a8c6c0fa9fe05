"""``lrcourse range-test``: Smith's learning-rate range test on digits or on a noisy quadratic."""

from __future__ import annotations

import csv
from pathlib import Path

NAME = "range-test"
HELP = "run the learning-rate range test (digits or a noisy quadratic); write a figure and a table"
DESCRIPTION = """\
Sweep the learning rate geometrically from --min-lr to --max-lr, one mini-batch update per rate,
smooth the losses, stop at divergence, and print three suggested learning rates (steepest descent,
minimum/10, valley). Writes range_test.png and range_test.csv into --out."""


def configure(parser):
    parser.add_argument("--problem", choices=("digits", "quadratic"), default="digits",
                        help="digits softmax regression (default) or the noisy quadratic (theta-3)^2")
    parser.add_argument("--model", choices=("softmax", "mlp"), default="softmax", help="digits model")
    parser.add_argument("--min-lr", type=float, default=1e-5, help="first learning rate (default: 1e-5)")
    parser.add_argument("--max-lr", type=float, default=10.0, help="last learning rate (default: 10)")
    parser.add_argument("--num-iter", type=int, default=200, help="number of mini-batch steps (default: 200)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    parser.add_argument("--beta", type=float, default=0.98, help="loss smoothing factor (default: 0.98)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--out", default="range-test-output", help="output directory")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _quadratic_step_fn(seed, noise_sd=1.0):
    import numpy as np

    rng = np.random.default_rng(seed)
    state = {"theta": 0.0}

    def step_fn(lr):
        theta = state["theta"]
        loss = (theta - 3.0) ** 2
        state["theta"] = theta - lr * (2.0 * (theta - 3.0) + noise_sd * rng.standard_normal())
        return loss

    return step_fn


def run(args) -> int:
    from ...plot.style import use_headless_backend
    from ...stepsize.range_test import lr_range_test

    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.problem == "digits":
        from ...interop.digits import make_step_fn

        step_fn = make_step_fn(batch_size=args.batch_size, seed=args.seed, model=args.model)
    else:
        step_fn = _quadratic_step_fn(args.seed)
    result = lr_range_test(step_fn, min_lr=args.min_lr, max_lr=args.max_lr, num_iter=args.num_iter, beta=args.beta,
                           progress=not args.no_progress)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "range_test.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["step", "lr", "loss", "smoothed_loss"])
        for i, row in enumerate(zip(result.lrs, result.losses, result.smoothed)):
            w.writerow([i, *(f"{v:.8g}" for v in row)])

    use_headless_backend()
    import matplotlib.pyplot as plt

    from ...plot.range_test import plot_range_test

    ax = plot_range_test(result, title=f"LR range test on {args.problem}")
    ax.figure.savefig(out / "range_test.png", dpi=110)
    plt.close(ax.figure)
    print(f"steps run: {len(result.lrs)} of {args.num_iter} ({result.stop_reason})")
    for name, lr in result.suggestions.items():
        print(f"suggested lr ({name}): {lr:.4g}")
    if not result.suggestions:
        print("too few points before divergence to suggest a learning rate; lower --min-lr")
    print(f"figure: {(out / 'range_test.png').resolve()}")
    print(f"table:  {(out / 'range_test.csv').resolve()}")
    return 0

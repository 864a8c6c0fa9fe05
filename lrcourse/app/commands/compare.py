"""``lrcourse compare``: several learning-rate schedules on the noisy quadratic or on digits, over many seeds."""

from __future__ import annotations

from . import _output

NAME = "compare"
HELP = "compare learning-rate schedules over many seeds (noisy quadratic or digits); write a figure and a table"
DESCRIPTION = """\
Run the six standard schedules (constant, step, exponential, cosine, warm-up + cosine, 1/t), all
starting at --lr, on the same random draws for every schedule (common random numbers).

  quadratic: SGD on J(theta) = (theta - 3)^2 with Gaussian gradient noise (--noise-sd), --runs
             seeds simulated at once, --steps updates each.
  digits:    softmax regression on scikit-learn's digits, --runs seeds, --epochs epochs; the
             schedules are sized for epochs * steps per epoch.

Writes compare-<problem>.png (one panel per schedule and the final losses ranked) and
compare-<problem>.csv (final loss per schedule: mean, std, median, quantiles, diverged runs) into
--out, prints the table and a note on why the winner wins. Existing outputs are only replaced with
--force."""


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
    _output.add_arguments(parser, "compare-output", "the figure and the table")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _check_args(args):
    import math

    rules = [("--seed", args.seed, args.seed >= 0, ">= 0"),
             ("--runs", args.runs, args.runs is None or args.runs >= 1, ">= 1"),
             ("--steps", args.steps, args.steps >= 2, ">= 2"),
             ("--lr", args.lr, args.lr is None or (args.lr > 0 and math.isfinite(args.lr)), "a finite number > 0"),
             ("--noise-sd", args.noise_sd, args.noise_sd >= 0 and math.isfinite(args.noise_sd), "finite and >= 0"),
             ("--epochs", args.epochs, args.epochs >= 1, ">= 1"),
             ("--batch-size", args.batch_size, args.batch_size >= 1, ">= 1")]
    for option, value, ok, need in rules:
        if not ok:
            raise ValueError(f"{option} must be {need}, got {value}")


def _quadratic(args):
    import numpy as np

    from ...dynamics.problems import exercise_quadratic
    from ...dynamics.simulate import compare_schedules, standard_schedules

    schedules = standard_schedules(args.lr or 0.3, args.steps)
    comp = compare_schedules(exercise_quadratic(), schedules, args.steps, args.runs or 1000, noise_sd=args.noise_sd,
                             rng=np.random.default_rng(args.seed), keep_theta=False, progress=not args.no_progress)
    return schedules, comp, f"{args.steps} steps"


def _digits(args):
    """Train every schedule on every seed; the validation-loss curves as a :class:`Comparison`."""
    import numpy as np
    from tqdm.auto import tqdm

    from ...dynamics.simulate import Comparison, SGDResult, standard_schedules
    from ...interop.digits import digits_steps_per_epoch, train_digits

    runs = args.runs or 3
    total = args.epochs * digits_steps_per_epoch(args.batch_size)
    schedules = standard_schedules(args.lr or 0.1, total)
    results = {}
    with tqdm(total=len(schedules) * runs, desc="digits runs", disable=args.no_progress) as bar:
        for name, sched in schedules.items():
            curves, diverged = np.full((runs, args.epochs), np.nan), np.zeros(runs, dtype=bool)
            for k in range(runs):
                res = train_digits(sched, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed + k,
                                   model="softmax")
                val = np.asarray(res.history["val_loss"], dtype=float)
                curves[k, :val.size] = val
                diverged[k] = bool(res.diverged) or val.size < args.epochs or not np.all(np.isfinite(val))
                bar.update(1)
            lrs = sched(np.arange(total))
            results[name] = SGDResult(theta=None, loss=curves, steps=np.arange(1, args.epochs + 1), lr=lrs,
                                      effective_decay=np.zeros(total), decay_product=np.ones(total + 1),
                                      final_theta=np.zeros(runs), diverged=diverged,
                                      diverged_at=np.where(diverged, 0, -1))
    table = [dict(schedule=name, **res.summary()) for name, res in results.items()]
    return schedules, Comparison(results, table), f"{args.epochs} epochs"


def _notes(comp, schedules, budget: str, problem: str) -> list:
    """Plain-language reasons for the ranking, most of all when the plain constant rate wins."""
    import numpy as np

    medians = {row["schedule"]: row["median"] for row in comp.table}
    winner = min(medians, key=lambda n: medians[n] if np.isfinite(medians[n]) else np.inf)
    steps = next(iter(comp.results.values())).lr.size
    mean_lr = {n: float(np.mean(s(np.arange(steps)))) for n, s in schedules.items()}
    notes = [f"winner: {winner} (lowest median final loss {medians[winner]:.4g}); average learning rate of "
             "each schedule over the run: " + ", ".join(f"{n} {v:.3g}" for n, v in mean_lr.items())]
    if winner == "constant":
        curve = np.nanmedian(comp.results["constant"].loss, axis=0)
        tail = curve[-max(2, curve.size // 5):]
        still_falling = tail[-1] < 0.97 * tail[0]
        notes.append(
            "why the constant rate wins here: it keeps the largest average rate, so within "
            f"{budget} it travels furthest." + (
                " Its loss is still falling at the end: training is limited by progress, not by gradient noise, "
                "and decaying schedules only pay off once the loss reaches its noise floor (try a longer budget)."
                if still_falling else
                " Its loss has flattened, yet the decays ended early at small rates that had not finished the job."))
    elif mean_lr.get(winner, 0) < mean_lr.get("constant", 0):
        notes.append(f"why {winner} wins: with noisy gradients the loss settles at a floor that grows with the "
                     f"learning rate; {winner} ends at a small rate ({schedules[winner](steps - 1):.3g}) and so at a "
                     f"lower floor than the constant rate ({schedules['constant'](steps - 1):.3g}).")
    diverged = [row["schedule"] for row in comp.table if row["diverged"]]
    if diverged:
        notes.append(f"diverged runs in: {', '.join(diverged)} (excluded from the statistics); lower --lr.")
    return notes


def run(args) -> int:
    from ...plot.dynamics import plot_comparison
    from ...plot.style import use_headless_backend

    _check_args(args)
    png, table_csv = _output.targets(args.out, [f"compare-{args.problem}.png", f"compare-{args.problem}.csv"],
                                     args.force)
    use_headless_backend()
    schedules, comp, budget = _digits(args) if args.problem == "digits" else _quadratic(args)
    comp.to_csv(table_csv)
    runs = comp.table[0]["runs"]
    if args.problem == "digits":
        title = f"Softmax regression on digits, {runs} seeds, {budget}: validation loss"
        fig = plot_comparison(comp, schedules, xlabel="epoch", ylabel="validation loss", title=title)
    else:
        title = f"SGD on (theta - 3)^2 with gradient noise {args.noise_sd:g}, {runs} runs, {budget}"
        fig = plot_comparison(comp, schedules, title=title)
    fig.savefig(png, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    what = "final loss" if args.problem == "quadratic" else "final validation loss"
    print(f"{what} per schedule ({args.problem}, same random draws for every schedule):")
    print(comp.format_table())
    for note in _notes(comp, schedules, budget, args.problem):
        print(f"- {note}")
    print(f"figure: {png.resolve()}")
    print(f"table:  {table_csv.resolve()}")
    return 0

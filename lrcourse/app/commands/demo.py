"""``lrcourse demo``: the course's main job, end to end."""

from __future__ import annotations

import time
from pathlib import Path

NAME = "demo"
HELP = "run the course demo: schedule gallery, lecture website, released exercises, a graded sample class"
DESCRIPTION = """\
The whole course in one command:
  1. render a gallery of every schedule family to a PNG;
  2. execute every lecture notebook and build the static website;
  3. regenerate the student exercises from the nbgrader sources (lrcourse release);
  4. grade the bundled sample submissions of every assignment (lrcourse grade) and print the grades.
Each step prints where its output is."""

def configure(parser):
    parser.add_argument("--out", default="demo-output",
                        help="output folder, rebuilt in place by every demo run (default: demo-output)")
    parser.add_argument("--steps", type=int, default=100, help="steps shown in the gallery (default: 100)")
    parser.add_argument("--gallery-only", action="store_true", help="only render the schedule gallery")
    parser.add_argument("--jobs", type=int, default=None, help="parallel grading jobs (default: all cores)")


def _step(title: str) -> float:
    print(f"\n== {title} ==", flush=True)
    return time.perf_counter()


def run(args) -> int:
    from ...plot import schedule_gallery, use_headless_backend
    from . import _output

    if args.steps < 20:
        raise ValueError(f"--steps must be >= 20 (the gallery shows at least 20 steps per schedule), got {args.steps}")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    out = _output.folder(args.out).resolve()
    use_headless_backend()

    start = _step("1. schedule gallery")
    fig = schedule_gallery(args.steps)
    path = out / "schedule_gallery.png"
    fig.savefig(path, dpi=110)
    print(f"schedule gallery: {path}")
    if args.gallery_only:
        return 0

    start = _step("2. lecture website (executes every lecture notebook)")
    from ..site import build_site

    index = build_site(out=out / "site")
    print(f"lecture website built in {time.perf_counter() - start:.0f} s: open {index}")

    import autograder
    from autograder.course import SAMPLES_DIR, release_dir
    from autograder.release import release

    start = _step("3. release the exercises (nbgrader generate_assignment)")
    release(progress=False)
    print(f"exercises released to {release_dir()} in {time.perf_counter() - start:.0f} s")

    start = _step("4. grade the sample class (sandboxed nbgrader autograde)")
    samples = SAMPLES_DIR
    summary = []
    for assignment in sorted(p.name for p in samples.iterdir() if p.is_dir()):
        run_ = autograder.grade(assignment, samples / assignment, out / "grades" / assignment, jobs=args.jobs)
        print(f"\n{assignment}: {len(run_.students)} students, mean {run_.mean():.2f}/{run_.max_score:g}")
        print(run_.table())
        summary.append((assignment, out / "grades" / assignment / "grades.csv"))
    print(f"\ngraded in {time.perf_counter() - start:.0f} s")
    for assignment, csv in summary:
        print(f"grades for {assignment}: {csv}")
    print(f"\nDone. Lecture website: {index}")
    return 0

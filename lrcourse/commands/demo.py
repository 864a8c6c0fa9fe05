"""``lrcourse demo``: the course's main job."""

from __future__ import annotations

from pathlib import Path

NAME = "demo"
HELP = "run the course demo: schedule gallery figure (and, as the course grows, site, release, grading)"
DESCRIPTION = """\
Render a gallery of every learning-rate schedule in the course to a PNG and print where it is."""


def configure(parser):
    parser.add_argument("--out", default="demo-output", help="output directory (default: demo-output)")
    parser.add_argument("--steps", type=int, default=100, help="steps shown in the gallery (default: 100)")
    parser.add_argument("--gallery-only", action="store_true", help="only render the schedule gallery")


def run(args) -> int:
    from ..plot import schedule_gallery, use_headless_backend

    use_headless_backend()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = schedule_gallery(args.steps)
    path = out / "schedule_gallery.png"
    fig.savefig(path, dpi=110)
    print(f"schedule gallery: {path.resolve()}")
    return 0

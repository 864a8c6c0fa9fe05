"""``lrcourse site``: execute the lectures and build the static website."""

from __future__ import annotations

NAME = "site"
HELP = "execute the lecture notebooks and build the static HTML website"
DESCRIPTION = """\
Execute every lecture notebook in lectures/ and build a static website (Jupyter Book 1.x) with
navigation, search, rendered math (MathJax bundled, no internet needed) and figures.

Open the printed index.html in a browser, or serve the folder:
    python -m http.server -d _build/site/html 8000"""


def configure(parser) -> None:
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output folder (HTML goes to DIR/html; rebuilt in place); default: _build/site in the "
                             "checkout")
    parser.add_argument("--lectures", default=None, metavar="DIR",
                        help="Jupyter Book source folder (default: the checkout's lectures/)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-execute", action="store_true",
                       help="render the notebooks without running them (fast; pages have no outputs)")
    group.add_argument("--cache", action="store_true",
                       help="re-run only the notebooks that changed since the last build")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress messages")


def run(args) -> int:
    from ..site import build_site, default_out
    from . import _output

    out = _output.folder(args.out if args.out is not None else default_out())
    execute = "off" if args.no_execute else "cache" if args.cache else "force"
    if execute == "cache" and not (out / ".jupyter_cache").is_dir():
        print(f"no execution cache in {out} yet: every notebook runs this time; later --cache builds re-run only "
              "the notebooks that changed", flush=True)
    print(f"building the lecture site into {out / 'html'} (notebook execution: {execute})...", flush=True)
    index = build_site(out=out, lectures=args.lectures, execute=execute, quiet=not args.verbose)
    seconds = getattr(build_site, "last_seconds", float("nan"))
    print(f"built in {seconds:.0f} s")
    print(f"open {index}")
    print(f"  or: python -m http.server -d {index.parent} 8000  ->  http://127.0.0.1:8000/")
    return 0

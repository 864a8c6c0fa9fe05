"""The playground as a Bokeh document: widgets for every family, a linear and a log plot, code panel.

:func:`build_document` lays out the models (no data: the page's JavaScript computes every curve);
:func:`playground_html` renders the standalone page, with BokehJS either inline (one self-contained
file, for a notebook's ``srcdoc`` iframe) or loaded from the site's ``_static/bokeh/`` folder;
:func:`write_playground` writes ``playground.html`` and those files into a built website.
"""

from __future__ import annotations

import functools
import html
import json
import shutil
from importlib import resources as package_files
from pathlib import Path

from lrcourse import _validate as check

from .curves import MAX_CURVES, MAX_POINTS, page_state
from .families import FAMILIES, WARMUP, Param

__all__ = ["build_document", "playground_html", "render_state", "write_playground", "SCRIPTS", "STATIC_DIR"]

SCRIPTS = ("schedules.js", "codegen.js", "ui.js")
"""The page's own JavaScript, in load order (shipped inside this package)."""
STATIC_DIR = "_static/bokeh"
"""Where :func:`write_playground` puts BokehJS, relative to the site's root."""
_BOKEH_COMPONENTS = ("bokeh", "bokeh-widgets")
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")  # matplotlib's C0..C5
_CONTROLS_WIDTH = 320


def _wire(root) -> None:
    """Connect every control to the page's JavaScript: one shared callback for value changes, one per button."""
    from bokeh.models import Button, Checkbox, CustomJS, NumericInput, Select, Slider, TextInput

    changed = CustomJS(code="window.lrPlayground.changed(cb_obj)")
    for model in root.references():
        if isinstance(model, Button):
            model.js_on_event("button_click", CustomJS(args={"w": model}, code="window.lrPlayground.changed(w)"))
        elif isinstance(model, Checkbox):
            model.js_on_change("active", changed)
        elif isinstance(model, (NumericInput, Select, Slider, TextInput)):
            model.js_on_change("value", changed)


def _widget(prefix: str, p: Param):
    """The Bokeh widget for one parameter, named ``prefix.name`` and wired to the page's JavaScript."""
    from bokeh.models import Checkbox, NumericInput, Select, Slider, TextInput

    name, width = f"{prefix}.{p.name}", _CONTROLS_WIDTH - 20
    if p.kind in ("float", "int"):
        start, end, step = p.ui
        widget = Slider(name=name, title=p.name, start=start, end=end, step=step, value=p.default, width=width)
    elif p.kind == "rate":
        widget = NumericInput(name=name, title=p.name, mode="float", value=p.default, width=width)
    elif p.kind == "optional_int":
        widget = NumericInput(name=name, title=f"{p.name} (empty: same as up)", mode="int", value=p.default,
                              width=width)
    elif p.kind == "choice":
        widget = Select(name=name, title=p.name, options=list(p.options), value=p.default, width=width)
    elif p.kind == "bool":
        widget = Checkbox(name=name, label=p.name, active=p.default, width=width)
    else:  # "ints"
        widget = TextInput(name=name, title=f"{p.name} (comma-separated steps)",
                           value=", ".join(str(v) for v in p.default), width=width)
    return widget


def _figure(axis: str, x_range=None):
    from bokeh.models import HoverTool
    from bokeh.plotting import figure

    label = "learning rate ηₜ" + (" (log scale)" if axis == "log" else "")
    fig = figure(name=f"plot_{axis}", height=360, sizing_mode="stretch_width", y_axis_type=axis,
                 x_axis_label="step t", y_axis_label=label, tools="pan,wheel_zoom,box_zoom,reset,save",
                 toolbar_location="above", visible=axis == "linear",
                 **({"x_range": x_range} if x_range is not None else {}))
    fig.add_tools(HoverTool(tooltips=[("step", "@x{0.[00]}"), ("lr", "@y{0.000000}")]))
    return fig


def _plots(sources):
    """The linear and the log figure, one line per curve slot, each with a legend below the plot."""
    from bokeh.models import Legend, LegendItem

    figures = {}
    for axis in ("linear", "log"):
        fig = _figure(axis, figures["linear"].x_range if figures else None)
        items = []
        for i, source in enumerate(sources):
            line = fig.line("x", "y", source=source, color=_COLORS[i], line_width=2.2, name=f"line_{axis}{i}",
                            visible=False)
            items.append(LegendItem(label=f"curve {i + 1}", renderers=[line], visible=False))
        fig.add_layout(Legend(items=items, name=f"legend_{axis}", location="top_left", label_text_font_size="9pt",
                              spacing=0, padding=4, margin=4), "below")
        figures[axis] = fig
    return figures["linear"], figures["log"]


def _family_groups():
    from bokeh.models import Column, Div

    groups = []
    for i, fam in enumerate(FAMILIES.values()):
        children = [_widget(fam.name, p) for p in fam.params]
        if fam.notes:
            children.append(Div(text=f"<i>{html.escape(fam.notes)}</i>", width=_CONTROLS_WIDTH - 20))
        groups.append(Column(*children, name=f"group.{fam.name}", visible=i == 0))
    return groups


def _family_select():
    from bokeh.models import Select

    grouped = {}
    for fam in FAMILIES.values():
        grouped.setdefault(fam.group, []).append(fam.name)
    first = next(iter(FAMILIES))
    return Select(name="family", title="schedule family", options=grouped, value=first, width=_CONTROLS_WIDTH - 20)


def _controls():
    from bokeh.models import Button, Column, Div, Row, Select

    picker = Select(name="curve", title="edit curve", options=[("0", "curve 1")], value="0", width=_CONTROLS_WIDTH - 170)
    buttons = [Button(name=name, label=text, width=70, align="end")
               for name, text in (("add_curve", "+ add"), ("remove_curve", "− remove"))]
    main = Column(Row(picker, *buttons), _family_select(), *_family_groups(), name="controls_main",
                  width=_CONTROLS_WIDTH)
    warmup = Column(Div(text="<b>Warm-up in front</b> (0 steps: none)"), *[_widget("warmup", p) for p in WARMUP],
                    name="controls_warmup", width=_CONTROLS_WIDTH)
    return Column(main, warmup, name="controls", width=_CONTROLS_WIDTH)


def _view(sources):
    from bokeh.models import Checkbox, Column, Div, Row, Slider

    linear, log = _plots(sources)
    steps = Slider(name="steps", title="number of steps", start=10, end=5000, step=1, value=200, width=260)
    per_step = Slider(name="per_step", title="points per step (fractional t)", start=1, end=20, step=1, value=1,
                      width=200)
    log_axis = Checkbox(name="log", label="log axis", active=False, align="center")
    status = Div(name="status", text="", sizing_mode="stretch_width", styles={"color": "#8a3b12"})
    return Column(linear, log, Row(steps, per_step, log_axis), status, sizing_mode="stretch_width", name="view")


def _code_panel():
    from bokeh.models import Button, Column, Div, PreText, Row, TabPanel, Tabs

    tabs = Tabs(name="code_tabs", sizing_mode="stretch_width", tabs=[
        TabPanel(title="PyTorch", child=PreText(name="code_torch", text="", sizing_mode="stretch_width")),
        TabPanel(title="lrcourse", child=PreText(name="code_lrcourse", text="", sizing_mode="stretch_width")),
    ])
    copy = Button(name="copy", label="Copy code", button_type="primary", width=110)
    heading = Div(text="<b>Copy as code</b>: the curve being edited, in PyTorch and in lrcourse")
    return Column(Row(heading, copy), tabs, name="code_panel", sizing_mode="stretch_width")


def build_document():
    """The playground's Bokeh models, without data: the page's JavaScript computes every curve.

    Returns
    -------
    bokeh.document.Document
        One root (``"playground"``): the controls, a linear and a log figure sharing six
        ``ColumnDataSource`` slots (``source0`` ... ``source5``), and the code panel. Every model the
        JavaScript touches has a ``name``; ``lrPlayground.start`` runs when the document is ready.
    """
    from bokeh.document import Document
    from bokeh.models import Column, ColumnDataSource, CustomJS, Row, Spacer

    sources = [ColumnDataSource(data={"x": [], "y": []}, name=f"source{i}") for i in range(MAX_CURVES)]
    # In a narrow frame (a lecture page) ui.js moves the two control columns from "top" into "below".
    root = Column(Row(_controls(), _view(sources), sizing_mode="stretch_width", name="top"),
                  Row(Spacer(width=0, height=0), name="below", sizing_mode="stretch_width"), _code_panel(), sizing_mode="stretch_width",
                  name="playground")
    _wire(root)
    doc = Document()
    doc.add_root(root)
    doc.title = "Learning-rate schedule playground"
    doc.js_on_event("document_ready", CustomJS(args={"root": root}, code="window.lrPlayground.start(root.document)"))
    return doc


def _script_text(name: str) -> str:
    return package_files.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _bokeh_files() -> list[tuple[Path, str]]:
    """BokehJS files the page needs: ``(path in the bokeh package, versioned name in the site)``."""
    import bokeh
    from bokeh.resources import Resources

    files = [Path(f) for f in Resources(mode="absolute", components=list(_BOKEH_COMPONENTS)).js_files]
    # a versioned name, so that a browser never keeps a cached BokehJS of another release
    return [(f, f.name.replace(".min.js", f"-{bokeh.__version__}.min.js")) for f in files]


def _safe_json(value) -> str:
    """JSON that can sit inside a ``<script>`` element."""
    return json.dumps(value, allow_nan=False).replace("</", "<\\/")


# Bokeh puts "{% extends base %}" (its file.html template) in front of a template given as a string.
_TEMPLATE = """{% block preamble %}
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
{% endblock %}
{% block postamble %}
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; padding: 0 12px 12px; }
  body.embed { padding: 0 4px; }
  header { padding: 6px 0 2px; }
  header h1 { font-size: 1.35rem; margin: 4px 0; }
  header p { margin: 4px 0 8px; max-width: 60rem; color: #333; }
  body.embed header { display: none; }
</style>
{% endblock %}
{% block js_resources %}
{{ lr_bokeh_js }}
<script>
window.LR_PLAYGROUND = {{ lr_config }};
{{ lr_scripts }}
</script>
{% endblock %}
{% block contents %}
<script>if (/[?&]embed=1/.test(location.search) || {{ lr_embed }}) document.body.classList.add("embed");</script>
<header>
  <a href="index.html">&larr; Learning-rate schedules</a>
  <h1>Schedule playground</h1>
  <p>Pick a family, move its sliders and watch the learning rate redraw. Add curves to compare them, put a
  warm-up in front of any of them, switch to a log axis, then copy the PyTorch or lrcourse code that
  produces the curve you are editing. Everything runs in your browser.</p>
</header>
{{ super() }}
{% endblock %}
"""


def playground_html(curves=None, steps: int = 200, per_step: int = 1, log: bool = False, code: bool = True,
                    bokeh: str = "inline", embed: bool = False) -> str:
    """The playground as one HTML page.

    Parameters
    ----------
    curves, steps, per_step, log, code
        The starting state, as for :func:`~lrcourse.app.playground.curves.page_state` (a
        ``?state=`` query in the page's address replaces it).
    bokeh : {"inline", "static"}
        ``"inline"`` embeds BokehJS in the page (a self-contained file of about 2 MB);
        ``"static"`` loads it from ``_static/bokeh/`` next to the page (see :func:`write_playground`).
    embed : bool
        Hide the page header (for an iframe inside another page).
    """
    check.choice("bokeh", bokeh, ("inline", "static"))
    if not isinstance(embed, bool):
        raise TypeError(f"embed must be True or False, got {type(embed).__name__}")
    return render_state(page_state(curves, steps=steps, per_step=per_step, log=log, code=code), bokeh, embed)


def render_state(state: dict, bokeh: str = "inline", embed: bool = False) -> str:
    """The page for a state already made by :func:`~lrcourse.app.playground.curves.page_state`.

    Parameters
    ----------
    state : dict
        The starting state.
    bokeh : {"inline", "static"}
        Where BokehJS comes from (see :func:`playground_html`).
    embed : bool
        Hide the page header.

    Returns
    -------
    str
        The HTML page.
    """
    check.choice("bokeh", bokeh, ("inline", "static"))
    if not isinstance(state, dict) or "curves" not in state:
        raise TypeError("state must be a dict made by page_state()")
    config = {"families": {name: fam.to_json() for name, fam in FAMILIES.items()},
              "warmup": [p.to_json() for p in WARMUP], "state": state, "maxCurves": MAX_CURVES,
              "maxPoints": MAX_POINTS}
    return _shell(bokeh, bool(embed)).replace(_CONFIG_SLOT, _safe_json(config), 1)


_CONFIG_SLOT = "/* the playground's configuration */"


@functools.lru_cache(maxsize=4)
def _shell(bokeh: str, embed: bool) -> str:
    """The page with a slot for its configuration. The Bokeh document does not depend on the state, and
    building and serialising it takes a second or two, so a process does it once per form."""
    from bokeh.embed import file_html
    from bokeh.resources import Resources

    if bokeh == "inline":
        resources = Resources(mode="inline", components=list(_BOKEH_COMPONENTS))
        bokeh_js = "\n".join(f"<script>\n{raw}\n</script>" for raw in resources.js_raw)
    else:
        bokeh_js = "\n".join(f'<script src="{STATIC_DIR}/{name}"></script>' for _, name in _bokeh_files())
    scripts = "\n".join(_script_text(name) for name in SCRIPTS)
    # The template prints lr_bokeh_js in place of the resource tags file_html would write.
    page = file_html(build_document(), resources=None, template=_TEMPLATE, template_variables={
        "lr_bokeh_js": bokeh_js, "lr_config": _CONFIG_SLOT, "lr_scripts": scripts,
        "lr_embed": "true" if embed else "false"})
    if page.count(_CONFIG_SLOT) != 1:  # pragma: no cover - would mean BokehJS itself holds the marker
        raise RuntimeError("the playground page template lost its configuration slot")
    return page


def write_playground(directory, **state) -> Path:
    """Write ``playground.html`` into a built website and BokehJS into its ``_static/bokeh/``.

    Parameters
    ----------
    directory : path-like
        The website's HTML folder (it must exist).
    **state
        ``curves``, ``steps``, ``per_step``, ``log``, ``code``: the starting state, as for
        :func:`playground_html` (default: one cosine curve over 200 steps).

    Returns
    -------
    pathlib.Path
        The written page. Nothing on it is fetched from another host.
    """
    unknown = sorted(set(state) - {"curves", "steps", "per_step", "log", "code"})
    if unknown:
        raise TypeError(f"write_playground() got unexpected keyword argument(s) {unknown}")
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"directory={str(directory)!r} is not a folder (build the site first)")
    static = directory / STATIC_DIR
    static.mkdir(parents=True, exist_ok=True)
    for source, name in _bokeh_files():
        shutil.copyfile(source, static / name)
    page = directory / "playground.html"
    page.write_text(playground_html(bokeh="static", **state), encoding="utf-8")
    return page

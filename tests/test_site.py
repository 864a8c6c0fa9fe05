"""Build the lecture website once and check it in headless Chromium (navigation, math, figures, search)."""

from __future__ import annotations

import re

import pytest

from browser import chromium, chromium_path, screenshot, serve
from lrcourse.app.site import default_lectures_dir, lecture_files

pytestmark = [pytest.mark.site, pytest.mark.browser, pytest.mark.xdist_group("site")]

PAGES = [p.stem for p in lecture_files(default_lectures_dir())]
LECTURES = [p for p in PAGES if p != "index"]


def _title(stem: str) -> str:
    text = (default_lectures_dir() / f"{stem}.md").read_text()
    return re.search(r"^# (.+)$", text, re.M).group(1).strip()


@pytest.fixture(scope="module")
def site(built_site):
    chromium_path()
    with serve(built_site.html) as url:
        yield built_site.html, url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A fresh page that records every request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.external_requests = []
    p.on("request", lambda r: None if re.match(r"^(http://127\.0\.0\.1|data:|blob:|about:)", r.url)
         else p.external_requests.append(r.url))
    yield p
    context.close()


def test_build_writes_every_page_and_local_mathjax(site):
    html, _ = site
    for stem in PAGES:
        assert (html / f"{stem}.html").is_file(), stem
    assert (html / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    assert (html / "search.html").is_file() and (html / "searchindex.js").is_file()


def test_no_markup_leaks_into_the_pages(site):
    """Every MyST directive was parsed: no raw ```{admonition} fence or role shows as text."""
    html, _ = site
    for stem in PAGES:
        text = (html / f"{stem}.html").read_text()
        body = text[text.find("<main"):]
        assert "{admonition}" not in body and "{code-cell}" not in body, f"{stem}: unparsed directive"


def test_index_lists_every_lecture(site, page):
    _, url = site
    page.goto(f"{url}/index.html")
    page.wait_for_load_state("load")
    for stem in LECTURES:
        links = page.locator(f"article a[href$='{stem}.html']")
        assert links.count() >= 1, f"the index does not link to {stem}"
        assert _title(stem) in page.locator("article").inner_text(), f"the index does not name {stem}"
    nav = page.locator("nav.bd-links a")
    assert nav.count() >= len(LECTURES)
    screenshot(page, "site-index")
    assert page.external_requests == []


def test_lecture_page_renders_math_and_figures(site, page):
    _, url = site
    page.goto(f"{url}/02_why_schedule.html")
    page.wait_for_load_state("load")
    page.wait_for_selector("mjx-container", timeout=20_000)
    page.wait_for_function("document.querySelectorAll('mjx-container').length >= 4", timeout=20_000)
    assert page.locator("mjx-container[display='true']").count() >= 2  # display equations
    assert page.locator(".math").count() == page.locator(".math mjx-container").count()  # all typeset
    errors = page.locator("mjx-merror").count()
    assert errors == 0
    images = page.locator(".cell_output img")
    assert images.count() >= 1
    images.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "[...document.querySelectorAll('.cell_output img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=10_000)
    width = page.evaluate("document.querySelector('.cell_output img').naturalWidth")
    assert width > 200
    screenshot(page, "site-lecture-02")
    assert page.external_requests == []


def test_designer_page_degrades_to_a_static_plot(site, page):
    _, url = site
    page.goto(f"{url}/09_choosing.html")
    page.wait_for_load_state("load")
    section = page.locator("section#design-your-own")
    assert section.locator(".cell_output img").count() >= 1
    screenshot(page, "site-lecture-09-designer")
    assert page.external_requests == []


def test_playground_page_works_offline(site, page):
    html, url = site
    assert sorted(p.name for p in (html / "_static" / "bokeh").iterdir())  # BokehJS ships with the site
    page.goto(f"{url}/index.html")
    assert page.locator("article a[href='playground.html']").count() >= 1
    page.goto(f"{url}/playground.html")
    page.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
    assert len(page.evaluate("lrPlayground.plotted(0).y")) == 200
    screenshot(page, "site-playground")
    assert page.external_requests == []


def test_lectures_embed_the_playground_next_to_their_figures(site, page):
    _, url = site
    counts = {"03_step_exponential": 3, "04_cosine_polynomial": 4, "05_restarts_cyclical": 3, "08_warmup": 4,
              "09_choosing": 6}
    for stem, curves in counts.items():
        page.goto(f"{url}/{stem}.html")
        page.wait_for_load_state("load")
        assert page.locator(".cell_output img").count() >= 1, stem  # the static figure stays, for print and search
        frame_element = page.locator("iframe.lr-playground")
        assert frame_element.count() == 1, stem
        assert frame_element.get_attribute("src").startswith("playground.html?embed=1&state=")
        frame_element.scroll_into_view_if_needed()
        frame = frame_element.element_handle().content_frame()
        frame.wait_for_function("window.lrPlayground && window.lrPlayground.ready", timeout=30_000)
        assert len(frame.evaluate("lrPlayground.state().curves")) == curves, stem
        assert all(len(frame.evaluate(f"lrPlayground.plotted({i}).y")) > 0 for i in range(curves)), stem
        if stem == "08_warmup":
            screenshot(page, "site-lecture-08-playground")
    assert page.external_requests == []


def test_search_finds_a_term(site, page):
    _, url = site
    page.goto(f"{url}/search.html?q=cosine")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    hits = page.locator("#search-results ul.search li a").evaluate_all("els => els.map(e => e.href)")
    assert any("04_cosine_polynomial" in h for h in hits), hits
    screenshot(page, "site-search-cosine")
    assert page.external_requests == []

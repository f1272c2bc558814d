"""The site opened from disk (file://) in headless Chromium: every menu link, images, maths, search."""

from pathlib import Path

from conftest import ARGS, CHROMIUM, needs_chromium

pytestmark = needs_chromium


def browse(site: Path):
    """Open the site from disk; yields (page, the URLs it requested)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            requested = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto((site / "index.html").as_uri())
            yield page, requested
        finally:
            browser.close()


def check_site_from_disk(site: Path, word: str) -> list[str]:
    """Follow every menu link and search for `word`; returns the pages visited."""
    visited = []
    for page, requested in browse(site):
        links = page.eval_on_selector_all("nav.md-nav--primary a.md-nav__link[href]",
                                          "els => [...new Set(els.map(e => e.href))]")
        assert len(links) >= 3, links
        for href in links:
            assert href.startswith("file://") and href.split("#")[0].endswith(".html"), href
            page.goto(href)
            assert page.locator("article h1").count() == 1, f"{href} shows no chapter"
            assert "Index of" not in page.title()
            # The first figure is there and decodes (lazy figures load when scrolled into view).
            first = page.locator("article img").first
            if first.count():
                first.scroll_into_view_if_needed()
                page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
            visited.append(href)
        page.goto((site / "index.html").as_uri())
        page.locator("input.md-search__input").fill(word)
        page.wait_for_selector(".md-search-result__item", timeout=20_000)
        assert page.locator(".md-search-result__item").count() >= 1
        assert all(url.startswith(("file://", "data:", "blob:")) for url in requested), \
            [u for u in requested if not u.startswith(("file://", "data:", "blob:"))]
    return visited


def test_the_site_works_opened_from_disk(smoke_build):
    root, _ = smoke_build
    site = root / "build" / "site"
    visited = check_site_from_disk(site, "convolution")
    assert any(v.endswith("06-digits.html") for v in visited) and any("atlas/" in v for v in visited)
    html = (site / "06-digits.html").read_text()
    assert "<math" in html and 'href="atlas/mnist_keras.html' in html.replace("./", "")


def test_the_kernel_animation_gives_way_to_still_frames_when_motion_is_reduced(smoke_build):
    from playwright.sync_api import sync_playwright

    root, _ = smoke_build
    chapter = (root / "build" / "site" / "11-a-cat-through-convolutions.html").as_uri()
    shown = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for motion in ("no-preference", "reduce"):
                page = browser.new_page(reduced_motion=motion)
                page.goto(chapter)
                moving, still = page.locator("img.cnnbook-motion"), page.locator("img.cnnbook-still")
                assert moving.count() == 1 and still.count() == 1
                visible = moving if motion == "no-preference" else still
                visible.scroll_into_view_if_needed()
                page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=visible.element_handle())
                shown[motion] = (moving.is_visible(), still.is_visible())
                page.close()
        finally:
            browser.close()
    assert shown == {"no-preference": (True, False), "reduce": (False, True)}

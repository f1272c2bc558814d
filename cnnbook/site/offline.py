"""The offline check: no page of the site loads anything from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Attributes through which a browser fetches something while showing a page.
_FETCHING = {
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "embed": ("src",), "object": ("data",),
    "link": ("href",),  # style sheets, icons, preloads, fonts
    "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),  # inline SVG
}
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.I)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in _FETCHING.get(tag, ()) and _EXTERNAL.match(value):
                self.found.append((tag, name, value))
            if name == "style" and value:
                self.found.extend((tag, "style", url) for url in _CSS_URL.findall(value))


def external_references(site_dir: Path, since: float | None = None) -> list[str]:
    """Every reference in the built site that would make a browser contact another host (in the
    files written at or after `since`, a time.time(), when given)."""
    problems = []
    for path in sorted(Path(site_dir).rglob("*")):
        if since is not None and path.suffix in (".html", ".css") and path.stat().st_mtime < since:
            continue
        if path.suffix == ".html":
            collector = _Collector()
            collector.feed(path.read_text(encoding="utf-8", errors="replace"))
            problems += [f"{path}: <{tag} {attr}={url!r}>" for tag, attr, url in collector.found]
            problems += [f"{path}: <style> url({url})" for url in _CSS_URL.findall(_style_blocks(path))]
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8", errors="replace")
            problems += [f"{path}: url({url})" for url in _CSS_URL.findall(text)]
    return problems


def _style_blocks(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", text, re.S | re.I))

"""The cnnbook MkDocs plugin: the menu, maths as MathML, figures loaded lazily, and build facts
that change every run filled in at site time. Registered as the `cnnbook` plugin (an entry point),
so a book builds wherever the package is installed.

Timings and cache hits differ between two builds of the same inputs, so the generated
Markdown in build/docs holds a token such as {{report.networks.mnist_keras.train_seconds}}
and this hook fills it from build/report.json. build/docs stays byte-identical across builds.

A prose edit rebuilds the site `--dirty` (`cnnbook.build.stage_site`): into a copy of the last
site, MkDocs renders only the pages whose Markdown is newer than their HTML. This plugin then
keeps that build strict (MkDocs warns that a dirty build is being performed, which `--strict`
would count) and keeps the search index whole (the search plugin indexes only the pages it
rendered; the other pages' entries are taken from the last site's index).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from cnnbook.site.mathml import replace_math

from mkdocs.plugins import BasePlugin, event_priority

_TOKEN = re.compile(r"\{\{report\.([\w.\-]+)\}\}")
_IMG = re.compile(r"<img (?![^>]*\bloading=)")


class CnnbookPlugin(BasePlugin):
    """Reads build/report.json and build/nav.json, the folder that holds the docs."""

    def __init__(self):
        self.report: dict = {}
        self.dirty = False
        self.previous_index: dict | None = None

    def on_startup(self, *, command, dirty):
        self.dirty = dirty
        if dirty:
            logging.getLogger("mkdocs.commands.build").addFilter(_not_the_dirty_build_warning)

    def on_pre_build(self, *, config):
        # The last site's search index, before the search plugin writes this build's over it.
        self.previous_index = None
        if self.dirty:
            try:
                self.previous_index = json.loads((Path(config["site_dir"]) / SEARCH_INDEX).read_text())
            except (OSError, ValueError):
                pass

    @event_priority(-50)  # after the search plugin writes the index (0), before the offline plugin inlines it (-100)
    def on_post_build(self, *, config):
        if self.previous_index is not None:
            path = Path(config["site_dir"]) / SEARCH_INDEX
            index = merged_index(self.previous_index, json.loads(path.read_text(encoding="utf-8")))
            path.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")  # as the search plugin writes it

    def on_config(self, config, **kwargs):
        build = Path(config["docs_dir"]).parent
        try:
            self.report = json.loads((build / "report.json").read_text())
        except (OSError, ValueError):
            self.report = {}
        # The pages stage writes the menu, so a network added to the registry appears with no edit here.
        try:
            config["nav"] = json.loads((build / "nav.json").read_text())
        except (OSError, ValueError):
            pass
        return config

    def on_page_markdown(self, markdown, **kwargs):
        return _TOKEN.sub(lambda m: _lookup(self.report, m.group(1)), markdown)

    def on_page_content(self, html, **kwargs):
        # Figures load as the reader scrolls to them (and those in closed tabs when opened).
        return _IMG.sub('<img loading="lazy" ', replace_math(html))


SEARCH_INDEX = "search/search_index.json"


def merged_index(previous: dict, rendered: dict) -> dict:
    """The search index of a dirty build: each page it rendered with its entries from `rendered`, in
    the place the page had in `previous`, and every other page's entries from `previous`, so the
    index equals the one a full build writes."""
    def page(entry: dict) -> str:
        return entry["location"].split("#")[0]

    fresh: dict[str, list] = {}
    for entry in rendered["docs"]:
        fresh.setdefault(page(entry), []).append(entry)
    docs, placed = [], set()
    for entry in previous["docs"]:
        name = page(entry)
        if name not in fresh:
            docs.append(entry)
        elif name not in placed:
            docs += fresh[name]
            placed.add(name)
    docs += [entry for name, entries in fresh.items() if name not in placed for entry in entries]
    return {**rendered, "docs": docs}


def _not_the_dirty_build_warning(record: logging.LogRecord) -> bool:
    # The one warning a dirty build always gives: that pages left as they were may show a stale menu.
    # The build only goes dirty when the menu, the page list and the configuration are unchanged.
    return not record.getMessage().startswith("A 'dirty' build is being performed")


def _lookup(report: dict, dotted: str) -> str:
    value = report
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return "n/a"
        value = value[part]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


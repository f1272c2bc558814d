"""The cnnbook MkDocs plugin: the menu, maths as MathML, figures loaded lazily, and build facts
that change every run filled in at site time. Registered as the `cnnbook` plugin (an entry point),
so a book builds wherever the package is installed.

Timings and cache hits differ between two builds of the same inputs, so the generated
Markdown in build/docs holds a token such as {{report.networks.mnist_keras.train_seconds}}
and this hook fills it from build/report.json. build/docs stays byte-identical across builds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cnnbook.site.mathml import replace_math

from mkdocs.plugins import BasePlugin

_TOKEN = re.compile(r"\{\{report\.([\w.\-]+)\}\}")
_IMG = re.compile(r"<img (?![^>]*\bloading=)")


class CnnbookPlugin(BasePlugin):
    """Reads build/report.json and build/nav.json, the folder that holds the docs."""

    def __init__(self):
        self.report: dict = {}

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


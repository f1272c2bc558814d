"""Page weight: the bytes a reader downloads for one page, its HTML and the figures it shows."""

from __future__ import annotations

import re
from pathlib import Path

PAGE_BUDGET = 1_500_000  # bytes of HTML and images per page (DESIGN §6)
_IMG_SRC = re.compile(r'<img[^>]*\ssrc="([^"]+)"')


def page_weights(site: Path) -> dict[str, int]:
    """{page path relative to the site: its HTML bytes plus the bytes of every distinct image it shows}."""
    site = Path(site)
    weights = {}
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        images = {(page.parent / src).resolve() for src in _IMG_SRC.findall(html) if "://" not in src}
        weights[str(page.relative_to(site))] = len(html.encode()) + sum(
            p.stat().st_size for p in images if p.is_file())
    return weights


def over_budget(site: Path, budget: int = PAGE_BUDGET) -> dict[str, int]:
    """The pages heavier than the budget (none, in a good build)."""
    return {page: weight for page, weight in page_weights(site).items() if weight > budget}

"""What a chapter cell can show besides a figure or a table: prose and content tabs.

Both display in Jupyter as they are; the page builder (`cnnbook.pages.markdown`) turns them
into Markdown, tabs through their own MIME type.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

TABS_MIME = "application/vnd.cnnbook.tabs+json"
ANIMATION_MIME = "application/vnd.cnnbook.animation+json"


@dataclass(frozen=True)
class Markdown:
    """Markdown text that a notebook shows as rendered prose."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Tabs:
    """Figures shown as content tabs on the page (one figure per tab)."""

    items: tuple  # ((title, Figure), ...)

    def _repr_mimebundle_(self, include=None, exclude=None):
        tabs = [{"title": t, "png": base64.b64encode(f.png).decode(), "alt": f.alt} for t, f in self.items]
        first_title, first = self.items[0]
        # Jupyter shows the first figure; the book's page builder makes the tabs.
        return {TABS_MIME: {"tabs": tabs}, "image/png": base64.b64encode(first.png).decode(),
                "text/plain": f"{first_title}: {first.alt}"}


@dataclass(frozen=True)
class Animation:
    """An animated PNG with a still version (a strip of its frames) for readers who turn motion off.

    The page shows the animation, or the still where the reader's system asks for reduced motion
    (`prefers-reduced-motion`, see cnnbook.css); Jupyter shows the animation.
    """

    apng: bytes
    still: bytes
    alt: str
    still_alt: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        encoded = {"apng": base64.b64encode(self.apng).decode(), "still": base64.b64encode(self.still).decode(),
                   "alt": self.alt, "still_alt": self.still_alt}
        return {ANIMATION_MIME: encoded, "image/png": encoded["apng"], "text/plain": self.alt}


def tabs(*items) -> Tabs:
    """Content tabs from (title, figure) pairs."""
    return Tabs(tuple(items))


def alt_text(text: str) -> str:
    """A figure's description as Markdown alt text: one line that cannot close the bracket early."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")")

"""An executed notebook → Markdown for MkDocs, with figures written as PNG files."""

from __future__ import annotations

import base64
import re
import sys

import nbformat

from cnnbook.render.display import ANIMATION_MIME, TABS_MIME, alt_text

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """Text without the terminal colour codes that tracebacks and progress bars carry."""
    return _ANSI.sub("", text)


def notebook_to_markdown(nb: nbformat.NotebookNode, assets_prefix: str) -> tuple[str, dict[str, bytes]]:
    """Markdown text and {relative path: bytes} of the figures it links to.

    Figures are named by cell and output number, so the same notebook always gives the
    same file names; alt text is the figure's plain-text representation.
    """
    parts: list[str] = []
    assets: dict[str, bytes] = {}
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        if cell.cell_type != "code":
            continue
        hide = cell.metadata.get("cnnbook", {}).get("hide", False)
        if not hide and cell.source.strip():
            parts.append(f"```python\n{cell.source}\n```")
        for k, out in enumerate(cell.get("outputs", [])):
            text = _output_markdown(out, f"{assets_prefix}/cell{n}-{k}.png", assets)
            if text:
                parts.append(text)
    return "\n\n".join(p.strip("\n") for p in parts) + "\n", assets


def _output_markdown(out, png_path: str, assets: dict[str, bytes]) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") == "stderr":  # warnings and logs belong to the build's console, not the page
            sys.stderr.write(out.get("text", ""))
            return ""
        text = strip_ansi(out.get("text", "")).rstrip()
        return f"```text\n{text}\n```" if text else ""
    if kind not in ("display_data", "execute_result"):
        return ""
    data = out.get("data", {})
    if TABS_MIME in data:
        return _tabs_markdown(data[TABS_MIME], png_path, assets)
    if ANIMATION_MIME in data:
        return _animation_markdown(data[ANIMATION_MIME], png_path, assets)
    if "image/png" in data:
        assets[png_path] = base64.b64decode(data["image/png"])
        alt = alt_text(data.get("text/plain", "figure"))
        return f"![{alt}]({png_path})"
    if "text/markdown" in data:
        return data["text/markdown"]
    if "text/plain" in data:
        return f"```text\n{strip_ansi(data['text/plain']).rstrip()}\n```"
    return ""


def _tabs_markdown(tabs: dict, png_path: str, assets: dict[str, bytes]) -> str:
    # Content tabs (pymdownx.tabbed): one figure per tab, e.g. the same maps on three colour scales.
    parts = []
    for k, tab in enumerate(tabs["tabs"]):
        path = png_path.replace(".png", f"-tab{k}.png")
        assets[path] = base64.b64decode(tab["png"])
        parts.append(f'=== "{tab["title"]}"\n\n    ![{alt_text(tab["alt"])}]({path})')
    return "\n\n".join(parts)


def _animation_markdown(animation: dict, png_path: str, assets: dict[str, bytes]) -> str:
    # Both images are on the page; cnnbook.css shows one of them, as the reader's motion setting asks.
    moving, still = png_path.replace(".png", "-animated.png"), png_path.replace(".png", "-still.png")
    assets[moving] = base64.b64decode(animation["apng"])
    assets[still] = base64.b64decode(animation["still"])
    return (f"![{alt_text(animation['alt'])}]({moving}){{ .cnnbook-motion }}\n"
            f"![{alt_text(animation['still_alt'])}]({still}){{ .cnnbook-still }}")


class PageBuilder:
    """A generated page: Markdown blocks and the figures they link to.

    A page `folder/stem.md` keeps its figures in `folder/stem_files/`, linked relative to the page.
    """

    def __init__(self, folder: str, stem: str):
        self.folder, self.prefix = folder, f"{stem}_files"
        self.path = f"{folder}/{stem}.md"
        self.blocks: list[str] = []
        self.assets: dict[str, bytes] = {}

    def add(self, text: str) -> None:
        self.blocks.append(str(text).strip("\n"))

    def figure(self, fig, slug: str, indent: int = 0) -> str:
        """The Markdown image of a figure (its PNG kept as an asset of the page)."""
        link = f"{self.prefix}/{slug}.png"
        self.assets[f"{self.folder}/{link}"] = fig.png
        return " " * indent + f"![{alt_text(fig.alt)}]({link})"

    @staticmethod
    def tabs(items: list[tuple[str, str]]) -> str:
        """Content tabs (pymdownx.tabbed) from (title, body) pairs."""
        return "\n\n".join(f'=== "{title}"\n\n{body}' for title, body in items)

    def markdown(self) -> str:
        return "\n\n".join(self.blocks) + "\n"

"""Chapters: `book/*.md` executed in a kernel, cached by the content of their code.

The cache key covers the code cells only (plus the package code and the trained networks),
so editing a sentence of prose reuses the executed outputs and skips the kernel entirely.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cnnbook import cache
from cnnbook.pages.markdown import notebook_to_markdown
from cnnbook.pages.source import Cell, read_chapter, to_notebook

EXECUTED = "executed.ipynb"


@dataclass
class PageOutput:
    """A generated page: its Markdown and the files it links to (paths relative to build/docs)."""

    path: str  # e.g. "06-digits.md"
    markdown: str
    assets: dict[str, bytes]
    executed: bool = False  # whether a kernel ran for it in this build


def chapter_key(cells: list[Cell], stem: str, context: dict) -> str:
    """What a chapter's outputs depend on: its code cells, the package, the networks, the profile."""
    code = [(c.source, c.hide) for c in cells if c.kind == "code"]
    return cache.content_key({"chapter": stem, "code": code, **context})


def build_chapter(source: Path, *, cache_root: Path, build_dir: Path, context: dict, env: dict[str, str],
                  banner: str = "") -> PageOutput:
    """Execute (or reuse) one chapter and turn it into Markdown plus its notebook."""
    source = Path(source)
    cells, settings = read_chapter(source)
    stem = source.stem
    key = chapter_key(cells, stem, context)
    where = cache.entry_dir(cache_root, f"chapter-{stem}", key)
    executed_nb, ran = None, False
    if cache.is_complete(where):
        try:
            executed_nb = nbformat.reads(cache.read_entry(where, [EXECUTED])[EXECUTED].decode(), as_version=4)
        except (cache.CorruptCacheError, ValueError) as err:
            print(f"warning: corrupt chapter cache, re-running {source}: {err}")
            cache.discard(where)
    if executed_nb is None:
        from cnnbook.pages.execute import cell_timeout, execute  # Jupyter's machinery, only when a kernel runs

        executed_nb = execute(to_notebook(cells), chapter=source, build_dir=build_dir, env=env,
                              timeout=cell_timeout(settings.get("cell_timeout")))
        _strip_volatile(executed_nb)
        cache.write_entry(where, {EXECUTED: nbformat.writes(executed_nb).encode()})
        ran = True

    # Today's prose with the cached outputs: the code cells are identical by construction.
    current = to_notebook(cells)
    code_outputs = [c for c in executed_nb.cells if c.cell_type == "code"]
    code_cells = [c for c in current.cells if c.cell_type == "code"]
    for cell, done in zip(code_cells, code_outputs):
        cell.outputs = done.outputs
        cell.execution_count = done.execution_count

    markdown, assets = notebook_to_markdown(current, f"{stem}_files")
    download = f"[Download this chapter as a Jupyter notebook]({stem}.ipynb){{ .cnnbook-download }}\n\n"
    markdown = _after_title(markdown, banner + download)
    assets[f"{stem}.ipynb"] = _downloadable(current, context["profile"])
    return PageOutput(f"{stem}.md", markdown, assets, executed=ran)


def _after_title(markdown: str, insert: str) -> str:
    # Put notes under the page's first heading, so the heading stays the page title.
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(lines[: i + 1] + ["", insert.rstrip("\n"), ""] + lines[i + 1 :])
    return insert + markdown


def _strip_volatile(nb) -> None:
    # Nothing that changes from run to run may reach build/docs (byte-identical builds).
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)


def _downloadable(nb, profile: str) -> bytes:
    """The executed notebook as a reader downloads it: it says how to install cnnbook, and runs anywhere."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in nb.cells:
        cell.metadata.pop("cnnbook", None)
    setup = [
        nbformat.v4.new_markdown_cell(
            "To run this notebook, install the book's package: `pip install cnnbook` (or `pip install -e .` "
            "in a clone of its repository). The networks it uses are trained once, on first use, into "
            "`~/.cache/cnnbook/networks` (`CNNBOOK_CACHE_DIR`); data as in `make book` (`CNNBOOK_DATA_DIR`, "
            "`CNNBOOK_OFFLINE`).", id="setup-0"),
        nbformat.v4.new_code_cell(f'import os\nos.environ.setdefault("CNNBOOK_PROFILE", "{profile}")  '
                                  "# the profile this chapter was built with", id="setup-1"),
    ]
    nb.cells[:0] = setup
    return nbformat.writes(nb).encode()

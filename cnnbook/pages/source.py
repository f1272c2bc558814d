"""Chapter sources: Markdown with executable ```python cells, parsed into notebook cells.

A fence whose info string starts with `python` is a code cell; `python hide` runs the cell
but shows only its output. Every other line is prose. Sources never hold outputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cnnbook.errors import ChapterSourceError
from cnnbook.files import atomic_write

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
# What an output pasted into a source looks like: refuse it, the build makes outputs.
_OUTPUT_FENCES = {"output", "stdout", "stderr", "result", "out"}
_EMBEDDED_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*data:image/", re.I)
_GENERATED_LINK = re.compile(r"\]\(\s*[^)]*(?:_files/|build/)[^)]*\)")
# A chapter's own settings, on a line of prose: <!-- cnnbook: cell-timeout 900 -->
_SETTING = re.compile(r"^<!--\s*cnnbook:\s*(?P<key>[\w-]+)\s*(?P<value>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    line: int  # 1-based line of the cell's first line in the source file
    hide: bool = False  # code cells only: show the output, not the code


def read_chapter(path: Path) -> tuple[list[Cell], dict]:
    """A chapter file's cells and settings; a file that is not UTF-8 is an error that says where."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ChapterSourceError(f"{path}:{line}: byte {err.start} (0x{raw[err.start]:02x}) is not UTF-8 "
                                 f"({err.reason}); save the chapter as UTF-8") from None
    return _parse(text, path)


def parse(text: str, path: Path | str = "<chapter>") -> list[Cell]:
    """Split a chapter into cells, checking that it holds no outputs."""
    return _parse(text, path)[0]


def _setting(match, path, line: int) -> dict:
    key, value = match.group("key"), match.group("value")
    if key != "cell-timeout":
        raise ChapterSourceError(f"{path}:{line}: unknown chapter setting {key!r} (known: cell-timeout)")
    if not value.isdigit() or int(value) < 1:
        raise ChapterSourceError(f"{path}:{line}: cell-timeout takes a whole number of seconds, got {value!r}")
    return {"cell_timeout": int(value)}


def _parse(text: str, path) -> tuple[list[Cell], dict]:
    lines = text.splitlines()
    settings: dict = {}
    cells: list[Cell] = []
    prose: list[str] = []
    prose_start = 1
    i = 0

    def flush_prose(end_line: int):
        body = "\n".join(prose).strip("\n")
        if body.strip():
            cells.append(Cell("markdown", body, prose_start))
        prose.clear()

    while i < len(lines):
        m = _FENCE.match(lines[i])
        setting = _SETTING.match(lines[i])
        if setting:  # a setting of the build, not prose for the page
            settings.update(_setting(setting, path, i + 1))
            flush_prose(i)  # the prose after it starts a cell of its own, so its line numbers stay true
            i += 1
            continue
        if not m:
            if not prose:
                prose_start = i + 1
            prose.append(lines[i])
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        words = info.split()
        end = _closing_fence(lines, i, fence)
        if end is None:
            raise ChapterSourceError(f"{path}:{i + 1}: code fence {fence} is never closed")
        if words and words[0].lower() in _OUTPUT_FENCES:
            raise ChapterSourceError(
                f"{path}:{i + 1}: a '{words[0]}' block is an output pasted into the source; "
                "sources hold no outputs (the build makes them): delete the block"
            )
        if words and words[0] == "python":
            unknown = [w for w in words[1:] if w != "hide"]
            if unknown:
                raise ChapterSourceError(f"{path}:{i + 1}: unknown cell option {unknown[0]!r} (known: hide)")
            flush_prose(i)
            cells.append(Cell("code", "\n".join(lines[i + 1 : end]), i + 2, hide="hide" in words))
        else:  # a fence for display only (bash, text, …) stays prose
            if not prose:
                prose_start = i + 1
            prose.extend(lines[i : end + 1])
        i = end + 1
    flush_prose(len(lines))
    _check_no_outputs(cells, path)
    return cells, settings


def _closing_fence(lines: list[str], start: int, fence: str) -> int | None:
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
            return j
    return None


def _check_no_outputs(cells: list[Cell], path) -> None:
    for cell in cells:
        if cell.kind != "markdown":
            continue
        for offset, line in enumerate(cell.source.splitlines()):
            where = f"{path}:{cell.line + offset}"
            if _EMBEDDED_IMAGE.search(line):
                raise ChapterSourceError(f"{where}: an embedded data: image is an output; sources hold no outputs")
            if _GENERATED_LINK.search(line):
                raise ChapterSourceError(
                    f"{where}: a link to a generated file (build/ or *_files/) is an output; "
                    "make the figure with a code cell instead"
                )


def to_notebook(cells: list[Cell]) -> nbformat.NotebookNode:
    """The cells as a Jupyter notebook (deterministic ids, no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for n, cell in enumerate(cells):
        meta = {"cnnbook": {"line": cell.line, "hide": cell.hide}}
        if cell.kind == "code":
            nb.cells.append(nbformat.v4.new_code_cell(cell.source, metadata=meta, id=f"cell-{n}"))
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(cell.source, metadata=meta, id=f"cell-{n}"))
    return nb



CHAPTER_TEMPLATE = """# {title}

Prose in Markdown. Every number and figure comes from a cell, never typed by hand.

```python
from cnnbook import book
net = book.network("mnist_keras")
book.md(f"`mnist_keras` has **{{book.params(net):,}}** parameters.")
```

```python hide
book.summary(net)
```
"""


def new_chapter(folder: Path, name: str) -> Path:
    """Write `folder/NN-name.md`, numbered after the chapters already there, with one working cell."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ChapterSourceError(f"{name!r} has no letters or digits to name a chapter file with")
    folder = Path(folder)
    numbers = [int(m.group(1)) for p in folder.glob("*.md") if (m := re.match(r"(\d+)-", p.name))]
    path = folder / f"{max(numbers, default=0) + 1:02d}-{slug}.md"
    if any(p.name.split("-", 1)[-1] == f"{slug}.md" for p in folder.glob("*.md")):
        raise ChapterSourceError(f"{folder} already has a chapter named {slug!r}")
    folder.mkdir(parents=True, exist_ok=True)
    title = name.strip().replace("-", " ").replace("_", " ")
    atomic_write(path, CHAPTER_TEMPLATE.format(title=title[:1].upper() + title[1:]))
    return path

"""Chapter sources: cells, line numbers, and the rule that sources hold no outputs."""

import pytest

from cnnbook.errors import ChapterSourceError
from cnnbook.pages.source import parse, to_notebook

CHAPTER = """# Title

Some prose.

```python
x = 1
```

```bash
make book
```

```python hide
x + 1
```
"""


def test_cells_kinds_lines_and_flags():
    cells = parse(CHAPTER, "book/t.md")
    assert [c.kind for c in cells] == ["markdown", "code", "markdown", "code"]
    assert cells[1].source == "x = 1" and cells[1].line == 6 and not cells[1].hide
    assert "make book" in cells[2].source  # a non-python fence stays prose
    assert cells[3].hide and cells[3].line == 14


def test_notebook_has_stable_ids_and_no_outputs():
    nb = to_notebook(parse(CHAPTER))
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1", "cell-2", "cell-3"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("text, line", [
    ("# T\n\n```output\n42\n```\n", 3),
    ("# T\n\nsee ![fig](data:image/png;base64,AAAA)\n", 3),
    ("# T\n\n![fig](06-digits_files/cell3-0.png)\n", 3),
])
def test_outputs_in_a_source_are_refused_with_file_and_line(text, line):
    with pytest.raises(ChapterSourceError, match=rf"book/x\.md:{line}:"):
        parse(text, "book/x.md")


def test_unclosed_fence_and_unknown_option():
    with pytest.raises(ChapterSourceError, match="never closed"):
        parse("```python\nx = 1\n", "b.md")
    with pytest.raises(ChapterSourceError, match="unknown cell option"):
        parse("```python shout\nx = 1\n```\n", "b.md")

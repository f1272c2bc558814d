"""Running a chapter: a cell that hangs, a kernel that dies and a file that is not UTF-8 each say where."""

from pathlib import Path

import pytest

from cnnbook.errors import ChapterExecutionError, ChapterSourceError
from cnnbook.pages.execute import cell_timeout, execute
from cnnbook.pages.source import parse, read_chapter, to_notebook


def _run(tmp_path, text, timeout=60):
    cells = parse(text, "book/x.md")
    return execute(to_notebook(cells), chapter=Path("book/x.md"), build_dir=tmp_path, env={}, timeout=timeout)


def test_a_cell_that_never_returns_is_stopped_and_named(tmp_path):
    text = "# T\n\n```python\nx = 1\n```\n\n```python\nimport time\ntime.sleep(120)\n```\n"
    with pytest.raises(ChapterExecutionError, match=r"^book/x\.md:8: code cell 2 did not finish in 3 s"):
        _run(tmp_path, text, timeout=3)


def test_a_kernel_that_dies_is_reported_like_a_failing_cell(tmp_path):
    text = "# T\n\n```python\nimport os\nos._exit(1)\n```\n"
    with pytest.raises(ChapterExecutionError, match=r"^book/x\.md:4: code cell 1: the kernel died"):
        _run(tmp_path, text)


def test_the_cell_timeout_comes_from_the_chapter_then_the_environment(tmp_path, monkeypatch):
    source = tmp_path / "x.md"
    source.write_text("<!-- cnnbook: cell-timeout 900 -->\n# T\n\n```python\nx = 1\n```\n")
    cells, settings = read_chapter(source)
    assert settings == {"cell_timeout": 900} and "cnnbook:" not in cells[0].source  # not shown as prose
    monkeypatch.setenv("CNNBOOK_CELL_TIMEOUT", "42")
    assert cell_timeout(900) == 900 and cell_timeout(None) == 42
    monkeypatch.delenv("CNNBOOK_CELL_TIMEOUT")
    assert cell_timeout(None) == 300
    monkeypatch.setenv("CNNBOOK_CELL_TIMEOUT", "soon")
    with pytest.raises(ChapterExecutionError, match="CNNBOOK_CELL_TIMEOUT='soon' is not a whole number"):
        cell_timeout(None)
    source.write_text("# T\n<!-- cnnbook: cell-timeout never -->\n")
    with pytest.raises(ChapterSourceError, match=r"x\.md:2: cell-timeout takes a whole number of seconds"):
        read_chapter(source)
    source.write_text("# T\n\n<!-- cnnbook: kernel py2 -->\n")
    with pytest.raises(ChapterSourceError, match=r"x\.md:3: unknown chapter setting 'kernel'"):
        read_chapter(source)


def test_a_chapter_that_is_not_utf8_names_the_file_line_and_byte(tmp_path):
    source = tmp_path / "latin.md"
    source.write_bytes("# Café\n\nna\xefve\n".encode("latin-1"))
    with pytest.raises(ChapterSourceError, match=r"latin\.md:1: byte 5 \(0xe9\) is not UTF-8"):
        read_chapter(source)


def test_a_setting_line_keeps_the_line_numbers_of_what_follows(tmp_path):
    source = tmp_path / "ch.md"
    source.write_text("# T\n<!-- cnnbook: cell-timeout 60 -->\nProse.\n![x](data:image/png;base64,AAAA)\n")
    with pytest.raises(ChapterSourceError, match=r"ch\.md:4: an embedded data: image"):
        read_chapter(source)

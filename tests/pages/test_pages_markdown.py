"""Executed notebook → Markdown: figures as files with alt text, hidden code, streams."""

import base64

import nbformat

from cnnbook.pages.markdown import notebook_to_markdown
from cnnbook.pages.source import parse, to_notebook


def test_outputs_become_markdown_and_files():
    nb = to_notebook(parse("# T\n\n```python\nprint(1)\n```\n\n```python hide\nfig\n```\n"))
    png = b"\x89PNG fake"
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                           nbformat.v4.new_output("stream", name="stderr", text="a warning\n")]
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": base64.b64encode(png).decode(), "text/plain": "32 feature maps [of conv2d]"})]
    md, assets = notebook_to_markdown(nb, "t_files")
    assert "```python\nprint(1)\n```" in md and "```text\n1\n```" in md
    assert "a warning" not in md  # stderr goes to the console, not the page
    assert "fig\n" not in md  # hidden code
    assert "![32 feature maps (of conv2d)](t_files/cell2-0.png)" in md
    assert assets == {"t_files/cell2-0.png": png}

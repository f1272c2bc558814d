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


def test_tabs_output_becomes_content_tabs():
    from cnnbook.render.style import Figure
    from cnnbook.render.display import tabs

    bundle = tabs(("Trained", Figure(b"A", "trained maps")), ("Untrained", Figure(b"B", "random maps")))
    bundle = bundle._repr_mimebundle_()
    nb = to_notebook(parse("```python hide\nx\n```\n"))
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    md, assets = notebook_to_markdown(nb, "t_files")
    assert '=== "Trained"\n\n    ![trained maps](t_files/cell0-0-tab0.png)' in md
    assert '=== "Untrained"' in md
    assert assets == {"t_files/cell0-0-tab0.png": b"A", "t_files/cell0-0-tab1.png": b"B"}

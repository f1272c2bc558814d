"""The README's chapter-API example runs, as written, against a smoke build."""

import ast
import re

from conftest import REPO


def readme_example() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Adding a chapter"):]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def test_the_readme_example_runs_against_a_build(smoke_build, monkeypatch):
    from cnnbook.render.style import Figure
    from cnnbook.render.tables import Table

    root, _ = smoke_build
    monkeypatch.setenv("CNNBOOK_BUILD_DIR", str(root / "build"))
    code = readme_example()
    assert 'book.network("mnist_keras")' in code
    shown, namespace = [], {}
    for statement in ast.parse(code).body:  # each expression's value, as a notebook would show it
        if isinstance(statement, ast.Expr):
            shown.append(eval(compile(ast.Expression(statement.value), "README.md", "eval"), namespace))
        else:
            exec(compile(ast.Module([statement], []), "README.md", "exec"), namespace)
    assert [type(x) for x in shown] == [Table, Figure]
    assert "93,322" in shown[0]._repr_markdown_() and shown[1].png.startswith(b"\x89PNG")

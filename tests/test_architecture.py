"""The import direction of DESIGN §1: no module imports one of a later stage.

data → models → train → capture → export → render → views → pages → site; the leaves (errors, files,
cache, profiles) import no stage; only the orchestration (build, cli, serve) sees them all.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cnnbook"

STAGES = [  # in order; a module may import its own stage, an earlier one and the leaves
    ("data", ["cnnbook.data"]),
    ("models", ["cnnbook.models"]),
    ("train", ["cnnbook.train", "cnnbook.trained", "cnnbook.experiments"]),
    ("capture", ["cnnbook.capture", "cnnbook.measure", "cnnbook.costs", "cnnbook.channels", "cnnbook.probes"]),
    ("export", ["cnnbook.export"]),
    ("render", ["cnnbook.render"]),
    ("views", ["cnnbook.views"]),
    ("pages", ["cnnbook.pages"]),
    ("site", ["cnnbook.site"]),
]
LEAVES = ["cnnbook.errors", "cnnbook.files", "cnnbook.cache", "cnnbook.profiles", "cnnbook.manifests",
          "cnnbook.hugepages"]
# The top: the build, the command line, and the chapter API (which can train a network on demand).
ORCHESTRATION = ["cnnbook.build", "cnnbook.rebuild", "cnnbook.cli", "cnnbook.serve", "cnnbook.__main__",
                 "cnnbook.book", "cnnbook.standalone"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """Every cnnbook module a file imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x / from .x import y
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    return {m for m in found if m == "cnnbook" or m.startswith("cnnbook.")}


def _owner(module: str, groups) -> str | None:
    for label, prefixes in groups:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return label
    return None


def _rank(module: str) -> int | None:
    label = _owner(module, STAGES)
    return None if label is None else [s for s, _ in STAGES].index(label)


def test_every_module_belongs_somewhere():
    known = LEAVES + ORCHESTRATION + [p for _, prefixes in STAGES for p in prefixes] + ["cnnbook"]
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        assert any(name == k or name.startswith(k + ".") for k in known), f"{name} has no stage: add it to this test"


def _violations(name: str, path: Path) -> list[str]:
    """What is wrong with the imports of module `name` (the file at `path`)."""
    if _owner(name, [("o", ORCHESTRATION)]) or name == "cnnbook":
        return []
    rank, wrong = _rank(name), []
    for imported in sorted(_imports(path, name)):
        if imported == "cnnbook":
            continue
        if _owner(imported, [("o", ORCHESTRATION)]):
            wrong.append(f"{name} imports the orchestration module {imported}")
        elif rank is None and _owner(imported, [("leaf", LEAVES)]) is None:
            wrong.append(f"the leaf {name} imports {imported}")
        elif rank is not None and (_rank(imported) or 0) > rank:
            wrong.append(f"{name} ({STAGES[rank][0]}) imports the later stage {imported}")
    return wrong


def test_no_module_imports_a_later_stage():
    wrong = [w for path in sorted(PACKAGE.rglob("*.py")) for w in _violations(_module_name(path), path)]
    assert wrong == []


def test_the_checker_catches_backward_imports(tmp_path):
    # The test above must be able to fail.
    probe = tmp_path / "probe.py"
    probe.write_text("from cnnbook.views import maps\n\ndef f():\n    from cnnbook.build import build\n")
    assert _violations("cnnbook.render.probe", probe) == [
        "cnnbook.render.probe imports the orchestration module cnnbook.build",
        "cnnbook.render.probe imports the orchestration module cnnbook.build.build",
        "cnnbook.render.probe (render) imports the later stage cnnbook.views",
        "cnnbook.render.probe (render) imports the later stage cnnbook.views.maps",
    ]
    probe.write_text("from . import style\nfrom cnnbook.data import load\n")
    assert _violations("cnnbook.render.probe", probe) == []
    assert _violations("cnnbook.errors", probe) == ["the leaf cnnbook.errors imports cnnbook.data",
                                                    "the leaf cnnbook.errors imports cnnbook.data.load",
                                                    "the leaf cnnbook.errors imports cnnbook.style"]

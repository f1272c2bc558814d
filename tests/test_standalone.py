"""A chapter notebook taken home: downloaded into any folder, it runs top to bottom."""

import json
import shutil

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor


def test_a_downloaded_chapter_notebook_runs_in_any_folder(smoke_build, tmp_path, monkeypatch):
    root, _ = smoke_build
    downloads = tmp_path / "downloads"  # outside the checkout, no build/ here
    downloads.mkdir()
    shutil.copy(root / "build" / "docs" / "06-digits.ipynb", downloads / "06-digits.ipynb")
    nb = nbformat.read(downloads / "06-digits.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "pip install cnnbook" in nb.cells[0].source
    assert 'os.environ.setdefault("CNNBOOK_PROFILE", "smoke")' in nb.cells[1].source

    cache = tmp_path / "cache"
    monkeypatch.delenv("CNNBOOK_BUILD_DIR", raising=False)
    monkeypatch.delenv("CNNBOOK_PROFILE", raising=False)
    monkeypatch.setenv("CNNBOOK_CACHE_DIR", str(cache))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for cell in nb.cells:  # what the reader downloads holds the build's outputs: run it afresh
        if cell.cell_type == "code":
            cell.outputs = []
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(downloads)}})

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 5
    notes = [o.get("text", "") for o in outputs if "is not trained here yet" in o.get("text", "")]
    assert len(notes) == 2 and all(", about " in n and " on this machine" in n for n in notes)  # two networks
    manifest = json.loads((cache / "smoke" / "build" / "captured.json").read_text())
    assert manifest["profile"] == "smoke" and {"mnist_keras", "mnist_dense"} <= set(manifest["networks"])

"""Execute a chapter notebook in a Jupyter kernel with nbconvert."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from traitlets.config import Config
from nbclient.exceptions import CellExecutionError
from nbconvert.preprocessors import ExecutePreprocessor

from cnnbook.errors import ChapterExecutionError
from cnnbook.files import atomic_write
from cnnbook.pages.markdown import strip_ansi

KERNEL = "cnnbook"


def _kernelspec_dir(build_dir: Path) -> Path:
    # Our own kernelspec pins this interpreter, whatever kernels the user has installed.
    root = Path(build_dir) / "jupyter"
    spec = root / "kernels" / KERNEL / "kernel.json"
    content = json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cnnbook (Python 3)",
        "language": "python",
    }, indent=1)
    if not spec.is_file() or spec.read_text() != content:
        atomic_write(spec, content)
    return root


def execute(nb: nbformat.NotebookNode, *, chapter: Path, build_dir: Path, env: dict[str, str],
            timeout: int = 1200) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; a failing cell raises `ChapterExecutionError`."""
    jupyter_path = _kernelspec_dir(build_dir)
    saved = {k: os.environ.get(k) for k in [*env, "JUPYTER_PATH", "PYDEVD_DISABLE_FILE_VALIDATION"]}
    os.environ.update(env)
    os.environ["JUPYTER_PATH"] = str(jupyter_path)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silence debugpy's frozen-modules note
    try:
        with tempfile.TemporaryDirectory(prefix="cnnbook-kernel-") as cwd:
            # Local IPC sockets instead of TCP ports: nothing listens on the network, even on loopback.
            ipc = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(cwd) / "ipc")}})
            ep = ExecutePreprocessor(timeout=timeout, kernel_name=KERNEL, record_timing=False, allow_errors=False,
                                     config=ipc)
            try:
                ep.preprocess(nb, {"metadata": {"path": cwd}})
            except CellExecutionError as err:
                raise ChapterExecutionError(_describe_failure(nb, chapter, err)) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def _describe_failure(nb, chapter: Path, err: CellExecutionError) -> str:
    # The failing cell is the first code cell with an error output.
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                line = cell.metadata.get("cnnbook", {}).get("line", "?")
                return (f"{chapter}:{line}: code cell {number} raised {out['ename']}: "
                        f"{strip_ansi(out['evalue'])}\n--- the cell ---\n{cell.source}")
    return f"{chapter}: a cell failed: {strip_ansi(str(err))}"

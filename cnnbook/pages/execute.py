"""Execute a chapter notebook in a Jupyter kernel with nbconvert."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
from traitlets.config import Config
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
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


DEFAULT_CELL_TIMEOUT = 300  # seconds; a chapter may ask for more (`<!-- cnnbook: cell-timeout 900 -->`)
TIMEOUT_ENV = "CNNBOOK_CELL_TIMEOUT"


def cell_timeout(chapter_setting: int | None = None) -> int:
    """Seconds one cell may run: the chapter's own setting, else $CNNBOOK_CELL_TIMEOUT, else 300."""
    if chapter_setting is not None:
        return chapter_setting
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_CELL_TIMEOUT
    if not value.isdigit() or int(value) < 1:
        raise ChapterExecutionError(f"{TIMEOUT_ENV}={value!r} is not a whole number of seconds above 0")
    return int(value)


_running = set()  # the kernel managers of the chapters running now, in any thread
_running_lock = threading.Lock()


class _Executor(ExecutePreprocessor):
    """An ExecutePreprocessor whose kernel gets `kernel_env` as its environment (None: this
    process's), and is known to `stop_kernels` while it runs."""

    kernel_env: dict[str, str] | None = None

    def setup_kernel(self, **kwargs):
        if self.kernel_env is not None:
            kwargs["env"] = self.kernel_env
        return super().setup_kernel(**kwargs)

    def start_new_kernel(self, **kwargs):
        super().start_new_kernel(**kwargs)
        with _running_lock:
            _running.add(self.km)


def stop_kernels() -> None:
    """Kill the kernel of every chapter running now, from any thread: each of them then fails at once
    (a dead kernel) instead of running to its end. A kernel runs in a session of its own, so a
    Ctrl-C at the terminal never reaches it."""
    with _running_lock:
        managers = list(_running)
    for km in managers:
        process = getattr(km.provisioner, "process", None)
        if process is not None:
            try:
                process.kill()
            except OSError:  # it has just ended
                pass


def _kernel_manager_class(kernels: Path):
    """A kernel manager that finds its kernel spec in `kernels` (ours) rather than through $JUPYTER_PATH."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class Manager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return KernelSpecManager(kernel_dirs=[str(kernels)])

    return Manager


def execute(nb: nbformat.NotebookNode, *, chapter: Path, build_dir: Path, env: dict[str, str],
            timeout: int = DEFAULT_CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; a failing, hanging or killed cell raises `ChapterExecutionError`.

    The kernel's environment (os.environ plus `env`) and its kernel spec are handed to it, and
    os.environ is left as it is: two chapters can run at once, from two threads.
    """
    kernels = _kernelspec_dir(build_dir) / "kernels"
    with tempfile.TemporaryDirectory(prefix="cnnbook-kernel-") as cwd:
        # Local IPC sockets instead of TCP ports: nothing listens on the network, even on loopback.
        ipc = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(cwd) / "ipc")}})
        ep = _Executor(timeout=timeout, kernel_name=KERNEL, record_timing=False, allow_errors=False, config=ipc,
                       kernel_manager_class=_kernel_manager_class(kernels))
        # PYDEVD_DISABLE_FILE_VALIDATION silences debugpy's note about frozen modules.
        ep.kernel_env = {**os.environ, **env, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        running = {}  # the cell being executed, for a timeout or a dead kernel
        ep.on_cell_start = lambda cell, cell_index: running.update(cell=cell)
        try:
            ep.preprocess(nb, {"metadata": {"path": cwd}})
        except CellExecutionError as err:
            raise ChapterExecutionError(_describe_failure(nb, chapter, err)) from None
        except CellTimeoutError:
            raise ChapterExecutionError(f"{_where(nb, chapter, running.get('cell'))} did not finish in "
                                        f"{timeout} s; make it faster, or allow more with "
                                        f"`<!-- cnnbook: cell-timeout SECONDS -->` in the chapter or "
                                        f"{TIMEOUT_ENV}") from None
        except DeadKernelError:
            raise ChapterExecutionError(f"{_where(nb, chapter, running.get('cell'))}: the kernel died while "
                                        "running it (it was killed, crashed or ran out of memory)") from None
        finally:
            with _running_lock:
                _running.discard(ep.km)
            _close_thread_loop()
    return nb


def _close_thread_loop() -> None:
    """Close the event loop nbclient opened for this thread, if it is not the main thread.

    nbclient runs its coroutines on a loop of the calling thread's own and leaves it open; a
    worker thread's loop would be left to the garbage collector, which warns about it.
    """
    import asyncio
    import threading

    if threading.current_thread() is threading.main_thread():
        return
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:  # none was set for this thread
        return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


def _where(nb, chapter: Path, cell) -> str:
    """'book/x.md:LINE: code cell N' for a cell of the chapter's notebook."""
    if cell is None:
        return f"{chapter}: a code cell"
    number = next(n for n, c in enumerate((c for c in nb.cells if c.cell_type == "code"), 1) if c is cell)
    line = cell.metadata.get("cnnbook", {}).get("line", "?")
    return f"{chapter}:{line}: code cell {number}"


def _describe_failure(nb, chapter: Path, err: CellExecutionError) -> str:
    # The failing cell is the first code cell with an error output.
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return (f"{_where(nb, chapter, cell)} raised {out['ename']}: "
                        f"{strip_ansi(out['evalue'])}\n--- the cell ---\n{cell.source}")
    return f"{chapter}: a cell failed: {strip_ansi(str(err))}"

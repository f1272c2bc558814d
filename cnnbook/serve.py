"""`cnnbook serve`: a live preview that rebuilds an edited chapter without retraining anything."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from cnnbook.build import Paths, build, build_lock, stage_pages, write_config
from cnnbook.errors import BuildError
from cnnbook.profiles import get_profile


def _snapshot(book: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in book.rglob("*") if p.is_file()}


def check_free(addr: str) -> None:
    """Fail early, with a clear message, when the address cannot be served on (taken or malformed)."""
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BuildError(f"--addr {addr!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As mkdocs' server does: a port whose old connections linger (TIME_WAIT) is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), int(port)))
        except OSError as err:
            raise BuildError(f"cannot serve on {addr}: {err.strerror}; stop what listens there "
                             f"or choose another port, e.g. --addr {host}:{int(port) + 1}") from None


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # so `finally` stops the mkdocs child too


def serve(profile_name: str, root: Path, addr: str = "127.0.0.1:8000", poll_seconds: float = 0.5) -> None:
    """Build once, start `mkdocs serve` on build/docs, and re-render chapters as they change."""
    profile = get_profile(profile_name)
    paths = Paths(root)
    check_free(addr)
    build(profile_name, root)
    write_config(paths)  # as the build does: serving never depends on what an earlier build left
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", addr, "-f",
                               str(paths.config), "--livereload"],
                              cwd=paths.root)
    print(f"serving on http://{addr}/ — edit a file in book/ and the page reloads; Ctrl-C stops")
    seen = _snapshot(paths.book)
    try:
        while server.poll() is None:
            time.sleep(poll_seconds)
            now = _snapshot(paths.book)
            if now != seen:
                seen = now
                t0 = time.perf_counter()
                try:
                    with build_lock(paths):
                        result = stage_pages(profile, paths, progress=False)
                    print(f"rebuilt pages in {time.perf_counter() - t0:.1f}s "
                          f"(ran: {', '.join(result['executed']) or 'no kernel'})", flush=True)
                except Exception as err:  # keep serving; show the error like a build would
                    print(f"error: {err}", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.terminate()
        server.wait()
    if server.returncode:
        raise BuildError(f"mkdocs serve stopped with status {server.returncode} (see its messages above)")

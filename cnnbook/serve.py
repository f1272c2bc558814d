"""`cnnbook serve`: a live preview that rebuilds an edited chapter without retraining anything."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from cnnbook.build import Paths, build, stage_pages
from cnnbook.profiles import get_profile


def _snapshot(book: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in book.rglob("*") if p.is_file()}


def serve(profile_name: str, root: Path, addr: str = "127.0.0.1:8000", poll_seconds: float = 0.5) -> None:
    """Build once, start `mkdocs serve` on build/docs, and re-render chapters as they change."""
    profile = get_profile(profile_name)
    paths = Paths(root)
    build(profile_name, root)
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", addr, "-f",
                               str(paths.root / "mkdocs.yml"), "--livereload"],
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
                    result = stage_pages(profile, paths, progress=False)
                    print(f"rebuilt pages in {time.perf_counter() - t0:.1f}s "
                          f"(ran: {', '.join(result['executed']) or 'no kernel'})", flush=True)
                except Exception as err:  # keep serving; show the error like a build would
                    print(f"error: {err}", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait()

"""Shared fixtures: a smoke build of the whole book in a temporary project, a local HTTP mirror."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def make_project(root: Path, book: Path | None = None) -> Path:
    """A project folder with the repo's mkdocs.yml and chapters (or `book`), building into root/build."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(book or REPO / "book", root / "book")
    os.symlink(REPO / "cnnbook", root / "cnnbook")  # mkdocs.yml names its hooks file by path
    return root


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory):
    """One cold smoke build of the whole book: (project root, report)."""
    from cnnbook.build import build

    root = make_project(tmp_path_factory.mktemp("smoke") / "project")
    report = build("smoke", root, progress=False)
    return root, report


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the bytes in `server.files` by path; 404 for anything else."""

    def do_GET(self):
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # keep test output quiet


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1; yields (server, base URL), closed afterwards."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.files = {}
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv, f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()

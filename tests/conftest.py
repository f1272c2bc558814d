"""Shared fixtures: a smoke build of the whole book in a temporary project, a local HTTP mirror."""

from __future__ import annotations

import http.server
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# One XLA compilation cache for the test session, set before JAX is imported: the smoke builds'
# chapter kernels, atlas workers and second builds run the same networks in fresh processes,
# and each would compile the same functions again. A fresh folder per session, so no entry of
# another run is ever read; a cached executable is the one XLA would compile, so every result
# a test checks is the same. A folder the caller set is kept.
_XLA_CACHE = tempfile.mkdtemp(prefix="cnnbook-tests-xla-")
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    os.environ.update({"JAX_COMPILATION_CACHE_DIR": _XLA_CACHE, "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                       "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"})


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_XLA_CACHE, ignore_errors=True)


def nearest_mean_accuracy(x_train, y_train, x_test, y_test, classes: int = 10) -> float:
    """Accuracy of the nearest class mean: a cheap stand-in for "a small CNN learns it quickly".

    If plain class means separate the classes, the classes carry real, position-tolerant structure.
    """
    import numpy as np

    train = x_train.reshape(len(x_train), -1).astype(np.float32)
    test = x_test.reshape(len(x_test), -1).astype(np.float32)
    means = np.stack([train[y_train == c].mean(axis=0) for c in range(classes)])
    predicted = ((test[:, None, :] - means[None]) ** 2).sum(-1).argmin(axis=1)
    return float((predicted == y_test).mean())


def make_project(root: Path, book: Path | None = None) -> Path:
    """A project folder with the repo's chapters (or `book`), building into root/build."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(book or REPO / "book", root / "book")
    return root


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root and without a network: no sandbox, and none of Chromium's own calls home.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                                    reason="needs Chromium: apt-get install chromium (.ci/run installs it)")


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


# --- A toy network, found by discovery, built through every stage in seconds -------------------

TOY_NETWORK = '''"""A toy convnet for the tests: one file, found by discovery like the book's networks."""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, flatten, max_pool_2x2
from cnnbook.models.spec import NetworkSpec, TrainConfig


class Toy(Layered):
    def __init__(self, *, rngs: nnx.Rngs):
        self.conv = nnx.Conv(1, 4, (3, 3), padding="VALID", rngs=rngs)
        self.out = nnx.Linear(13 * 13 * 4, 10, rngs=rngs)

    def layers(self):
        return [
            Layer("conv", "conv", self.conv, self.conv),
            Layer("relu", "relu", nnx.relu),
            Layer("pool", "pool", max_pool_2x2),
            Layer("flatten", "flatten", flatten),
            Layer("out", "dense", self.out, self.out),
        ]


QUICK = TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=100, epochs=1)
SPEC = NetworkSpec(name="toy_net", title="Toy convnet", source="the tests", dataset="mnist",
                   input_shape=(28, 28, 1), build=Toy, train={"smoke": QUICK, "default": QUICK, "full": QUICK})
'''


@contextmanager
def models_on_path(folder):
    """While inside, the network files of `folder` are part of the book (found by discovery)."""
    import cnnbook.models
    from cnnbook.models import registry

    cnnbook.models.__path__.append(str(folder))
    registry.discover(refresh=True)
    try:
        yield
    finally:
        cnnbook.models.__path__.remove(str(folder))
        registry.discover(refresh=True)


@pytest.fixture(scope="session")
def toy_models(tmp_path_factory):
    """A folder holding `toy_net.py`; on the models package's path only inside `models_on_path`,
    so the other tests' builds see the book's own networks alone."""
    folder = tmp_path_factory.mktemp("toy_models")
    (folder / "toy_net.py").write_text(TOY_NETWORK)
    return folder


@pytest.fixture(scope="session")
def toy_build(toy_models, tmp_path_factory):
    """A smoke build of only the toy network, with one chapter that has no code: (root, report, spec)."""
    from cnnbook.build import build
    from cnnbook.models import registry

    book = tmp_path_factory.mktemp("toy_book")
    (book / "index.md").write_text("# Toy book\n\nNo code here.\n")
    root = make_project(tmp_path_factory.mktemp("toy") / "project", book=book)
    with models_on_path(toy_models):
        report = build("smoke", root, progress=False, networks=["toy_net"])
        spec = registry.get("toy_net")
    return root, report, spec


@pytest.fixture(scope="session")
def toy_atlas(toy):
    """The toy network's atlas drawn again here, with the banner its smoke build drew it with."""
    from cnnbook.build import SMOKE_BANNER
    from cnnbook.pages.atlas import build_atlas

    return build_atlas(toy, banner=SMOKE_BANNER + "\n\n")


@pytest.fixture(scope="session")
def toy(toy_build):
    """The toy network as pages see it (from its capture entry)."""
    from cnnbook.views.network import load

    root, _, spec = toy_build
    return load(root / "build", "toy_net", spec)

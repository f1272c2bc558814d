"""The explorers in headless Chromium, on the smoke build's site served over HTTP: the JavaScript forward
pass gives JAX's logits, the controls work, and nothing is fetched from any other host."""

import base64
import functools
import http.server
import threading

import numpy as np
import pytest

from cnnbook.export import MAX_PARAMS

from conftest import ARGS, CHROMIUM, needs_chromium

pytestmark = needs_chromium

EXPLORED = ["lenet", "mnist_dense", "mnist_keras", "mnist_torch", "tiny_vgg"]
PARITY_IMAGES = 100


@pytest.fixture(scope="module")
def site_url(smoke_build):
    """The smoke site over HTTP on 127.0.0.1 (a static server, as a reader would use)."""
    root, _ = smoke_build
    handler = functools.partial(_QuietHandler, directory=str(root / "build" / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """One page opened in Chromium, with every console error and every URL it requested."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.errors, self.requested = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.goto(url)

    def explorer(self, name: str):
        """The page's explorer, once its network has loaded and run."""
        self.page.wait_for_selector(f'.cnnbook-explorer[data-network="{name}"][data-ready="1"]', timeout=30_000)
        return self.page.locator(f'.cnnbook-explorer[data-network="{name}"]')

    def check_clean(self, base: str) -> None:
        assert self.errors == []
        elsewhere = [u for u in self.requested if not u.startswith((base, "data:", "blob:"))]
        assert elsewhere == []
        self.page.close()


def _logits_in_browser(visit: Visit, name: str, x: np.ndarray) -> np.ndarray:
    """Run the explorer's forward pass on every image of x (N, H, W, C) in the page; (N, classes) logits."""
    data = base64.b64encode(np.ascontiguousarray(x, "<f4").tobytes()).decode()
    flat = visit.page.evaluate(
        """([name, data, count]) => {
             const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
             const all = new Float32Array(bytes.buffer);
             const size = all.length / count, logits = [];
             for (let i = 0; i < count; i++) {
               logits.push(...cnnbook.explorers[name].run(all.subarray(i * size, (i + 1) * size)).logits);
             }
             return logits;
           }""", [name, data, len(x)])
    return np.asarray(flat, np.float64).reshape(len(x), -1)


@pytest.mark.parametrize("name", EXPLORED)
def test_the_browser_gives_jaxs_logits_on_100_test_images(smoke_build, site_url, browser, name):
    from cnnbook import data
    from cnnbook.train import to_inputs
    from cnnbook.views.network import load

    root, _ = smoke_build
    net = load(root / "build", name)
    assert net.total_params() <= MAX_PARAMS
    test = net.spec.prepared(data.load(net.spec.dataset, synthetic=True, n_test=PARITY_IMAGES, n_train=10))
    x = to_inputs(test.x_test)[:PARITY_IMAGES]
    assert len(x) == PARITY_IMAGES
    expected = np.asarray(net.model(x))
    visit = Visit(browser, f"{site_url}explorers/{name}.html")
    visit.explorer(name)
    got = _logits_in_browser(visit, name, x)
    assert np.abs(got - expected).max() <= 1e-4
    assert (got.argmax(1) == expected.argmax(1)).all()
    visit.check_clean(site_url)

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


def draw_seven(page, pad) -> None:
    """A 7 as a reader draws it: a bar across the top, then a stroke down to the lower left."""
    box = pad.bounding_box()

    def at(fx, fy):
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    page.mouse.move(*at(0.25, 0.2))
    page.mouse.down()
    for fx, fy in [(0.45, 0.2), (0.7, 0.2), (0.75, 0.22), (0.65, 0.45), (0.55, 0.65), (0.48, 0.85)]:
        page.mouse.move(*at(fx, fy), steps=6)
    page.mouse.up()
    # The network reruns at most once per animation frame: two frames later it has read the whole stroke.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _prepared_input(visit: Visit, name: str) -> np.ndarray:
    values = visit.page.evaluate("name => Array.from(cnnbook.explorers[name].state.input)", name)
    return np.asarray(values, np.float32).reshape(28, 28)


def test_a_drawing_is_prepared_as_mnist_digits_are_and_classified(smoke_build, site_url, browser):
    visit = Visit(browser, f"{site_url}explorers/mnist_keras.html")
    explorer = visit.explorer("mnist_keras")
    first = _prepared_input(visit, "mnist_keras")  # the first test image, shown when the page opens
    draw_seven(visit.page, explorer.locator("canvas.cnnbook-pad"))
    x = _prepared_input(visit, "mnist_keras")
    assert not np.array_equal(x, first)
    rows, cols = np.flatnonzero(x.max(1) > 0.05), np.flatnonzero(x.max(0) > 0.05)
    # Fitted into 20 × 20 (a pixel more where the smoothing spreads the ink), centred by mass in 28 × 28.
    assert 19 <= max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) <= 21
    ys, xs = np.mgrid[:28, :28]
    centre = np.array([(ys * x).sum(), (xs * x).sum()]) / x.sum()
    assert np.abs(centre - 13.5).max() <= 1.0, centre
    shown = int(explorer.locator(".cnnbook-prediction").get_attribute("data-class"))
    result = visit.page.evaluate("Array.from(cnnbook.explorers.mnist_keras.state.result.probs)")
    assert shown == int(np.argmax(result))
    visit.check_clean(site_url)


@pytest.mark.parametrize("name, layer, channel", [("mnist_torch", "conv2.0", 3), ("tiny_vgg", "conv_1_1", 1),
                                                  ("mnist_keras", "max_pooling2d", 2)])
def test_a_clicked_pixel_shows_the_arithmetic_that_gives_its_value(smoke_build, site_url, browser, name, layer,
                                                                  channel):
    # mnist_torch's conv2.0: a 5 × 5 window over 16 channels, padded; tiny_vgg's conv_1_1 reads the RGB photo.
    visit = Visit(browser, f"{site_url}explorers/{name}.html")
    explorer = visit.explorer(name)
    canvas = explorer.locator(f'.cnnbook-layer[data-layer="{layer}"] canvas.cnnbook-map').nth(channel)
    size = canvas.bounding_box()
    canvas.click(position={"x": size["width"] * 0.05, "y": size["height"] * 0.4})  # a window over the edge
    panel = explorer.locator(".cnnbook-arithmetic")
    total, value = float(panel.get_attribute("data-sum")), float(panel.get_attribute("data-value"))
    assert abs(total - value) <= 1e-5 * max(1.0, abs(value))
    assert panel.inner_text().strip() != ""
    visit.check_clean(site_url)


def test_the_sandbox_gives_the_output_size_formula(smoke_build, site_url, browser):
    visit = Visit(browser, f"{site_url}explorers/sandbox.html")
    visit.page.wait_for_selector(".cnnbook-sandbox-size[data-size]")
    sliders = visit.page.locator(".cnnbook-sandbox input[type=range]")
    assert sliders.count() >= 4
    labels = [visit.page.evaluate("e => e.labels.length ? e.labels[0].innerText : e.getAttribute('aria-label')",
                                  sliders.nth(i).element_handle()) for i in range(4)]
    order = {key: next(i for i, label in enumerate(labels) if word in label.lower())
             for key, word in (("n", "input"), ("k", "kernel"), ("p", "padding"), ("s", "stride"))}
    for n, k, p, s in [(7, 3, 0, 1), (7, 3, 1, 2), (10, 4, 1, 3), (12, 5, 2, 2)]:
        for key, value in (("n", n), ("k", k), ("p", p), ("s", s)):
            visit.page.evaluate("([e, v]) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }",
                                [sliders.nth(order[key]).element_handle(), value])
        shown = int(visit.page.locator(".cnnbook-sandbox-size").get_attribute("data-size"))
        assert shown == (n + 2 * p - k) // s + 1, (n, k, p, s)
    visit.check_clean(site_url)


def test_an_explorer_runs_from_disk(smoke_build, browser):
    root, _ = smoke_build
    page = root / "build" / "site" / "explorers" / "lenet.html"
    visit = Visit(browser, page.as_uri())
    visit.explorer("lenet")
    assert visit.page.locator(".cnnbook-prediction").get_attribute("data-class") is not None
    visit.check_clean("file://")

"""The explorers with real weights, in headless Chromium: a drawn 7 read by a convnet trained on real MNIST
digits, and CNN Explainer's espresso photo uploaded to Tiny VGG with CNN Explainer's own weights.

These need the real datasets (`CNNBOOK_DATA_DIR`, e.g. ../shared/data): `.ci/run` runs them after
`make test`. The pages are the smoke build's, with the exported networks swapped for real ones.
"""

import dataclasses
import json
import os
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import needs_chromium
from test_explorers_browser import Visit, browser, draw_seven  # noqa: F401  (browser: a fixture)

pytestmark = [needs_chromium, pytest.mark.skipif(
    not os.environ.get("CNNBOOK_DATA_DIR"),
    reason="needs the real datasets: set CNNBOOK_DATA_DIR to a folder like ../shared/data (.ci/run does)")]

DIGITS = 20_000  # real training digits for one epoch of the Keras convnet: about 99% of its accuracy, in seconds


def _captured(x_uint8, labels, captions, classes):
    """What `export_files` reads of a capture entry: the example images a reader may pick."""
    items = [{"slug": f"example-{i}", "caption": c, "label": int(label)}
             for i, (c, label) in enumerate(zip(captions, labels))]
    return SimpleNamespace(arrays={"inputs": x_uint8.astype(np.float32) / np.float32(255)}, meta={"inputs": items},
                           class_names=tuple(classes))


def _write_export(site, name, files):
    for file, data in files.items():
        (site / "explorers" / name / file).write_bytes(data)


@pytest.fixture(scope="module")
def real_site(smoke_build, tmp_path_factory):
    """The smoke site with mnist_keras trained on real digits and Tiny VGG with CNN Explainer's weights."""
    from cnnbook import data
    from cnnbook.data import samples
    from cnnbook.export import export_files
    from cnnbook.models import registry
    from cnnbook.models.tiny_vgg import cnn_explainer_weights
    from cnnbook.train import train_and_evaluate
    from cnnbook.views.network import load

    root, _ = smoke_build
    site = tmp_path_factory.mktemp("real") / "site"
    shutil.copytree(root / "build" / "site", site)

    keras = registry.get("mnist_keras")
    digits = data.load("mnist", n_train=DIGITS, n_test=1000)
    config = dataclasses.replace(keras.config("default"), epochs=1)
    result = train_and_evaluate(keras, config, digits, progress=False)
    accuracy = result.history["test_accuracy"][-1]
    assert accuracy > 0.95
    picks = [int(np.flatnonzero(digits.y_test == c)[0]) for c in range(10)]
    _write_export(site, "mnist_keras", export_files(
        keras, {"trained": (result.model, f"trained on {DIGITS:,} real digits", accuracy)},
        _captured(digits.x_test[picks][..., None], range(10), [f"test image {i}" for i in picks],
                  digits.class_names)))

    vgg = registry.get("tiny_vgg")
    published = cnn_explainer_weights()
    assert published is not None, "CNN Explainer's model/ is missing from CNNBOOK_DATA_DIR/cnn-explainer"
    names = samples.sample_names()
    classes = load(root / "build", "tiny_vgg").class_names
    _write_export(site, "tiny_vgg", export_files(
        vgg, {"trained": (load(root / "build", "tiny_vgg").model, "the smoke build's", None),
              "published": (published, "CNN Explainer's published weights", None)},
        _captured(np.stack([samples.load_sample(n) for n in names]),
                  [classes.index(samples.sample_class(n)) for n in names], [f"{n}.jpeg" for n in names], classes)))
    return site


def test_a_drawn_seven_is_read_as_seven(real_site, browser):  # noqa: F811
    visit = Visit(browser, (real_site / "explorers" / "mnist_keras.html").as_uri())
    explorer = visit.explorer("mnist_keras")
    draw_seven(visit.page, explorer.locator("canvas.cnnbook-pad"))
    prediction = explorer.locator(".cnnbook-prediction")
    assert prediction.get_attribute("data-class") == "7", prediction.inner_text()
    visit.check_clean("file://")


def test_espresso_uploaded_gives_cnn_explainers_088_beside_our_own(real_site, browser):  # noqa: F811
    from cnnbook.data import samples

    visit = Visit(browser, (real_site / "explorers" / "tiny_vgg.html").as_uri())
    explorer = visit.explorer("tiny_vgg")
    explorer.locator("input[type=file]").set_input_files(str(samples.samples_dir() / "espresso_1.jpeg"))
    # The photo is decoded, cropped and run once it has loaded: the picked example is then unselected.
    visit.page.wait_for_function("() => document.querySelector('.cnnbook-explorer select').value === ''")
    probs = {}
    for variant in ("published", "trained"):
        visit.page.evaluate("v => cnnbook.explorers.tiny_vgg.setVariant(v)", variant)
        probs[variant] = visit.page.evaluate("Array.from(cnnbook.explorers.tiny_vgg.state.result.probs)")
    manifest = json.loads((real_site / "explorers" / "tiny_vgg" / "network.json").read_text())
    espresso = manifest["class_names"].index("espresso")
    assert int(np.argmax(probs["published"])) == espresso
    assert round(probs["published"][espresso], 2) == 0.88
    # Both predictions are on the page, CNN Explainer's and this build's.
    listed = explorer.locator(".cnnbook-explorer__variants li")
    assert listed.count() == 2
    visit.check_clean("file://")

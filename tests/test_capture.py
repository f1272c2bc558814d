"""The capture stage: what it writes, that it is the network's own output, that it is reused and checked."""

import json

import numpy as np
import pytest

from cnnbook import cache
from cnnbook.capture import GALLERY, capture, confident_mistakes, ensure_captured, walk_count
from cnnbook.profiles import get_profile
from cnnbook.errors import UnknownNameError


def _entry(root):
    manifest = json.loads((root / "build" / "captured.json").read_text())
    return root / "build" / manifest["networks"]["toy_net"]["capture"], manifest


def test_capture_writes_one_checked_entry_per_network(toy_build):
    root, _, _ = toy_build
    where, manifest = _entry(root)
    assert manifest["profile"] == "smoke"
    assert where.parent == root / "build" / "capture" / "toy_net" and cache.is_complete(where)
    files = cache.read_entry(where)  # every file matches its checksum
    assert {"network.json", "arrays.npz", "activations-trained.npz", "activations-untrained.npz",
            "weights-untrained.safetensors"} <= set(files)
    assert (root / "build" / manifest["networks"]["toy_net"]["weights"]).is_file()


def test_captured_activations_are_the_networks_own_outputs(toy):
    model = toy.model
    for slug, example in toy.captured.examples.items():
        expected = capture(model, example.x[None])
        got = toy.activations(example)
        assert list(got) == [layer.name for layer in model.layers()]
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name][0])
        # The last is the model's output (the capture runs compiled, the model op by op: last bits may differ).
        np.testing.assert_allclose(got["out"], np.asarray(model(example.x[None]))[0], rtol=1e-6, atol=1e-6)


def test_captured_inputs_are_the_first_of_each_class_and_the_most_confident_mistakes(toy):
    y, probs = toy.y_test, toy.test_probs
    meta = toy.captured.meta
    assert meta["per_class"] == [int(np.flatnonzero(y == c)[0]) for c in range(10)]
    pred = probs.argmax(-1)
    wrong = [i for i in range(len(y)) if pred[i] != y[i]]
    by_confidence = sorted(wrong, key=lambda i: (-probs[i, pred[i]], i))
    assert meta["walks"] == by_confidence[:walk_count(get_profile("smoke"), wide=False)] and meta["gallery"] == by_confidence[:GALLERY]
    assert confident_mistakes(probs, y, 3) == by_confidence[:3]
    for index in meta["per_class"] + meta["walks"]:
        example = toy.example(index)
        assert example.label == y[index] and example.caption.startswith(f"test image {index} (label ")


def test_gallery_images_are_the_mistakes_test_images(toy_build, toy):
    from cnnbook import data

    dataset = data.load("mnist", synthetic=True, n_train=2000, n_test=500)
    order = toy.captured.meta["gallery"]
    np.testing.assert_array_equal(toy.captured.arrays["gallery_images"], dataset.x_test[order])
    np.testing.assert_array_equal(toy.y_test, dataset.y_test)


def test_an_input_that_was_not_captured_is_a_clear_error(toy):
    missing = next(i for i in range(len(toy.y_test)) if f"test-{i}" not in toy.captured.examples)
    with pytest.raises(UnknownNameError, match=f"{missing} is not an input captured for toy_net.*test images"):
        toy.example(missing)


def test_untrained_weights_are_captured_apart(toy):
    fresh = toy.with_weights("untrained")
    assert fresh.variant == "untrained" and fresh.test_probs is not None
    a, b = toy.activations(toy.captured.meta["per_class"][0]), fresh.activations(toy.captured.meta["per_class"][0])
    assert not np.array_equal(a["conv"], b["conv"])
    assert toy.with_weights("published") is None  # the toy has no published weights


def test_a_capture_is_reused_and_a_corrupt_one_is_redone(toy_build, capsys):
    from cnnbook.data.samples import extras_digest
    from cnnbook.profiles import get_profile
    from cnnbook.trained import ensure_trained

    root, _, spec = toy_build
    build = root / "build"
    trained = ensure_trained(spec, get_profile("smoke"), build / "cache", progress=False)
    assert trained.cache_hit

    def no_dataset(train_images):
        raise AssertionError("a cached capture must not load the dataset")

    where, _ = _entry(root)
    assert ensure_captured(trained, no_dataset, build / "capture", extras=extras_digest()) == where
    assert "capturing" not in capsys.readouterr().out

    arrays = where / "arrays.npz"
    good = arrays.read_bytes()
    arrays.write_bytes(good[:-20] + b"x" * 20)
    from cnnbook import data

    # as the build loads it: the smoke profile's 2,000 training images (fewer than the probes' 3,000)
    again = ensure_captured(trained, lambda train_images: data.load("mnist", synthetic=True,
                                                                    n_train=min(2000, train_images), n_test=500),
                            build / "capture", extras=extras_digest())
    out = capsys.readouterr().out
    assert "corrupt capture" in out and "capturing every layer of toy_net" in out
    assert again == where and arrays.read_bytes() == good  # deterministic: the same bytes again


def test_the_smoke_profile_follows_two_mistakes_and_the_others_every_one_a_network_gets():
    from cnnbook.capture import WALKS, WIDE_WALKS

    for name in ("default", "full"):
        assert walk_count(get_profile(name), wide=False) == WALKS and walk_count(get_profile(name), wide=True) == WIDE_WALKS
    assert walk_count(get_profile("smoke"), wide=False) == 2 == walk_count(get_profile("smoke"), wide=True)

"""The export stage: a network's manifest, read back in NumPy, computes what the network computes."""

import base64
import json
from types import SimpleNamespace

import numpy as np
import pytest
from flax import nnx

from cnnbook.errors import BuildError
from cnnbook.export import MANIFEST, MODEL_SCRIPT, explorable, export_files, flat_weights, layers_manifest, \
    reference_forward
from cnnbook.models import count_params, registry
from cnnbook.models.layers import Layer, Layered, flatten

SMALL = ["lenet", "mnist_dense", "mnist_keras", "mnist_torch", "tiny_vgg"]


def test_the_small_trained_networks_get_explorers_and_alexnet_does_not():
    chosen = []
    for name in registry.names():
        spec = registry.get(name)
        abstract = nnx.eval_shape(lambda: spec.build(rngs=nnx.Rngs(0)))  # shapes only: AlexNet is 86 MB
        if explorable(count_params(abstract), spec.trained):
            chosen.append(name)
    assert sorted(chosen) == SMALL


@pytest.mark.parametrize("name", SMALL)
def test_the_manifest_computes_the_networks_logits(name):
    spec = registry.get(name)
    model = spec.build(rngs=nnx.Rngs(1))
    layers, params = layers_manifest(model, tuple(spec.input_shape))
    weights, placed = flat_weights(layers, params)
    assert weights.dtype == np.dtype("<f4") and weights.size == count_params(model)
    x = np.random.default_rng(2).uniform(size=(3, *spec.input_shape)).astype(np.float32)
    expected = np.asarray(model(x))
    for one, logits in zip(x, expected):
        got = reference_forward({"layers": placed}, weights, one)[placed[-1]["name"]]
        np.testing.assert_allclose(got, logits, atol=1e-5)


def test_padding_stride_and_fused_relu_are_read_from_the_layers():
    layers, _ = layers_manifest(registry.get("mnist_torch").build(rngs=nnx.Rngs(0)), (28, 28, 1))
    conv = {entry["name"]: entry for entry in layers}["conv1.0"]
    assert conv["padding"] == [[2, 2], [2, 2]] and conv["stride"] == [1, 1] and conv["activation"] is None
    keras = {e["name"]: e for e in layers_manifest(registry.get("mnist_keras").build(rngs=nnx.Rngs(0)), (28, 28, 1))[0]}
    assert keras["conv2d"]["padding"] == [[0, 0], [0, 0]] and keras["conv2d"]["activation"] == "relu"
    assert keras["dense_1"]["activation"] is None
    assert keras["max_pooling2d"] | {} == {"name": "max_pooling2d", "kind": "pool", "reads": None,
                                            "output_shape": [13, 13, 32], "op": "max", "window": 2, "stride": 2}


class _Tanh(Layered):
    """A conv layer with an activation the explorers do not know."""

    def __init__(self, *, rngs):
        self.conv = nnx.Conv(1, 2, (3, 3), padding="VALID", rngs=rngs)
        self.dense = nnx.Linear(2 * 2 * 2, 3, rngs=rngs)

    def layers(self):
        return [Layer("conv", "conv", lambda x: nnx.tanh(self.conv(x)), self.conv),
                Layer("flatten", "flatten", flatten), Layer("dense", "dense", self.dense, self.dense)]


def test_an_activation_the_browser_cannot_run_fails_the_export():
    with pytest.raises(BuildError, match="neither its Conv nor that followed by a ReLU"):
        layers_manifest(_Tanh(rngs=nnx.Rngs(0)), (4, 4, 1))


def _captured(x, classes):
    items = [{"slug": f"test-{i}", "caption": f"test image {i}", "label": i % len(classes)} for i in range(len(x))]
    return SimpleNamespace(arrays={"inputs": x}, meta={"inputs": items}, class_names=tuple(classes))


def test_export_files_hold_the_same_weights_in_the_binary_and_the_page_script():
    spec = registry.get("mnist_keras")
    model = spec.build(rngs=nnx.Rngs(0))
    x = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28, 1)).astype(np.float32) / np.float32(255)
    files = export_files(spec, {"trained": (model, "trained", 0.5)}, _captured(x, [str(c) for c in range(10)]))
    manifest = json.loads(files[MANIFEST])
    assert manifest["input"] == {"shape": [28, 28, 1], "range": [0, 1], "kind": "digit",
                                 "preprocess": {"kind": "digit", "fit": 20, "size": 28}}
    weights = np.frombuffer(files["trained.bin"], "<f4")
    assert weights.size == 93_322
    script = files[MODEL_SCRIPT].decode()
    assert script.startswith('cnnbook.registerModel("mnist_keras", ') and script.endswith(");\n")
    payload = json.loads(script[len('cnnbook.registerModel("mnist_keras", '):-3])
    assert base64.b64decode(payload["weights"]["trained"]) == files["trained.bin"]
    assert payload["manifest"] == manifest
    pixels = np.frombuffer(base64.b64decode(payload["examples"]["pixels"]), np.uint8).reshape(x.shape)
    np.testing.assert_array_equal(pixels.astype(np.float32) / 255, x)
    # The same bytes every time: the smoke site's files are byte-identical across builds.
    again = export_files(spec, {"trained": (model, "trained", 0.5)}, _captured(x, [str(c) for c in range(10)]))
    assert again == files


def test_inputs_that_are_not_bytes_cannot_be_exported():
    spec = registry.get("mnist_keras")
    x = np.full((1, 28, 28, 1), 0.3337, np.float32)
    with pytest.raises(BuildError, match="not whole steps of 1/255"):
        export_files(spec, {"trained": (spec.build(rngs=nnx.Rngs(0)), "t", None)}, _captured(x, list("0123456789")))


def test_a_manifest_that_misreads_a_layer_fails_the_export(monkeypatch):
    import cnnbook.export as export

    monkeypatch.setattr(export, "_activation", lambda layer, x: None)  # as if every ReLU were missed
    spec = registry.get("mnist_keras")
    x = np.random.default_rng(0).integers(0, 256, size=(2, 28, 28, 1)).astype(np.float32) / np.float32(255)
    with pytest.raises(BuildError, match="misreads a layer"):
        export_files(spec, {"trained": (spec.build(rngs=nnx.Rngs(0)), "t", None)}, _captured(x, list("0123456789")))

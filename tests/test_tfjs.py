"""TF.js layers-model reading, loading into TinyVGG, and CNN Explainer's sample images.

The offline tests write small fake TF.js models (a TinyVGG's own random weights) to tmp_path.
The real check runs CNN Explainer's published weights on its samples; it is skipped unless
CNNBOOK_DATA_DIR holds cnn-explainer/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from PIL import Image

from cnnbook.data import catalog

from cnnbook.data import samples
from cnnbook.errors import DataError
from cnnbook.models import tfjs

# CNN Explainer's manifest order: kernel then bias, layer by layer.
WEIGHT_ORDER = [f"{layer}/{p}" for layer in ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2", "output")
                for p in ("kernel", "bias")]


@pytest.fixture(scope="module")
def TinyVGG():
    from cnnbook.models.tiny_vgg import TinyVGG

    return TinyVGG


def keras_layers() -> list[dict]:
    """The Keras Sequential layer configs of CNN Explainer's model.json (trimmed to what matters)."""
    def conv(name):
        return {"class_name": "Conv2D", "config": {
            "name": name, "filters": 10, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": True}}

    def relu(name):
        return {"class_name": "Activation", "config": {"name": name, "activation": "relu"}}

    def pool(name):
        return {"class_name": "MaxPooling2D", "config": {
            "name": name, "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}}

    layers = [conv("conv_1_1"), relu("relu_1_1"), conv("conv_1_2"), relu("relu_1_2"), pool("max_pool_1"),
              conv("conv_2_1"), relu("relu_2_1"), conv("conv_2_2"), relu("relu_2_2"), pool("max_pool_2"),
              {"class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}},
              {"class_name": "Dense", "config": {"name": "output", "units": 10, "activation": "softmax",
                                                 "use_bias": True}}]
    layers[0]["config"]["batch_input_shape"] = [None, 64, 64, 3]
    return layers


def model_weights(model) -> dict[str, np.ndarray]:
    """A module's parameters as {"conv_1_1/kernel": array}."""
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    return {"/".join(map(str, path)): np.asarray(var[...]) for path, var in flat}


def write_model(folder: Path, weights: dict[str, np.ndarray], *, shards: int = 1, layers=None,
                dtype: str = "float32") -> Path:
    """A TF.js layers model of `weights` in `folder`: model.json plus `shards` .bin files
    cut at arbitrary byte offsets (so a weight straddles two shards)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [n for n in WEIGHT_ORDER if n in weights] + [n for n in weights if n not in WEIGHT_ORDER]
    blob = b"".join(np.asarray(weights[n], dtype="<f4").tobytes() for n in names)
    cuts = [0] + [len(blob) * i // shards + 1 for i in range(1, shards)] + [len(blob)]
    paths = []
    for i in range(shards):
        paths.append(f"group1-shard{i + 1}of{shards}.bin")
        (folder / paths[-1]).write_bytes(blob[cuts[i]:cuts[i + 1]])
    model_json = {
        "format": "layers-model",
        "generatedBy": "keras v2.2.4-tf",
        "convertedBy": "TensorFlow.js Converter v1.3.1.1",
        "modelTopology": {"keras_version": "2.2.4-tf", "backend": "tensorflow", "model_config": {
            "class_name": "Sequential",
            "config": {"name": "sequential", "layers": keras_layers() if layers is None else layers}}},
        "weightsManifest": [{"paths": paths, "weights": [
            {"name": n, "shape": list(np.shape(weights[n])), "dtype": dtype} for n in names]}],
    }
    (folder / "model.json").write_text(json.dumps(model_json))
    return folder


@pytest.fixture
def source(TinyVGG):
    """A TinyVGG with random weights: the model the fake files are made from."""
    return TinyVGG(rngs=nnx.Rngs(0))


@pytest.fixture
def fake_dir(tmp_path, source):
    return write_model(tmp_path / "model", model_weights(source))


def logits(model, seed=0):
    x = jax.random.uniform(jax.random.key(seed), (2, 64, 64, 3))
    return np.asarray(model(x))


# --- reading and loading -------------------------------------------------------------------------

def test_topology_names_are_tiny_vggs_layers(source):
    assert [name for name, _, _ in tfjs.TINY_VGG_TOPOLOGY] == [layer.name for layer in source.layers()]


@pytest.mark.parametrize("shards", [1, 3])
def test_round_trip_reproduces_outputs(tmp_path, source, TinyVGG, shards):
    folder = write_model(tmp_path / "model", model_weights(source), shards=shards)
    weights = tfjs.read_weights(folder)
    assert list(weights) == WEIGHT_ORDER
    for name, array in model_weights(source).items():
        assert weights[name].dtype == np.float32 and weights[name].shape == array.shape
        np.testing.assert_array_equal(weights[name], array)

    target = TinyVGG(rngs=nnx.Rngs(1))
    assert not np.allclose(logits(target), logits(source))
    assert tfjs.load_into(target, weights) is target
    np.testing.assert_allclose(logits(target), logits(source), rtol=1e-6, atol=1e-6)

    loaded = tfjs.cnn_explainer_tiny_vgg(folder)
    np.testing.assert_allclose(logits(loaded), logits(source), rtol=1e-6, atol=1e-6)
    assert tfjs.available(folder)


def test_several_manifest_groups(tmp_path, source):
    """Each group has its own shards; the groups are read in order."""
    weights = model_weights(source)
    folder = write_model(tmp_path / "model", weights)
    model_json = json.loads((folder / "model.json").read_text())
    entries = model_json["weightsManifest"][0]["weights"]
    groups = []
    for g, part in enumerate((entries[:3], entries[3:])):
        blob = b"".join(weights[e["name"]].astype("<f4").tobytes() for e in part)
        (folder / f"group{g + 1}-shard1of1.bin").write_bytes(blob)
        groups.append({"paths": [f"group{g + 1}-shard1of1.bin"], "weights": part})
    model_json["weightsManifest"] = groups
    (folder / "model.json").write_text(json.dumps(model_json))
    read = tfjs.read_weights(folder / "model.json")
    assert list(read) == WEIGHT_ORDER
    np.testing.assert_array_equal(read["conv_2_1/kernel"], weights["conv_2_1/kernel"])


def test_default_location_is_the_data_dir(tmp_path, monkeypatch, source):
    write_model(tmp_path / "cnn-explainer" / "model", model_weights(source))
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    assert tfjs.default_model_dir() == tmp_path / "cnn-explainer" / "model"
    assert tfjs.available()
    np.testing.assert_allclose(logits(tfjs.cnn_explainer_tiny_vgg()), logits(source), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cut", [1, 4, 79_000])
def test_truncated_shard(fake_dir, cut):
    shard = fake_dir / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:-cut])
    with pytest.raises(DataError, match="truncated") as err:
        tfjs.read_weights(fake_dir)
    assert str(shard) in str(err.value)


def test_overlong_shard(fake_dir):
    shard = fake_dir / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes() + b"\0\0\0\0")
    with pytest.raises(DataError, match="longer than declared") as err:
        tfjs.cnn_explainer_tiny_vgg(fake_dir)
    assert str(shard) in str(err.value)


def test_non_finite_weights(fake_dir):
    shard = fake_dir / "group1-shard1of1.bin"
    data = bytearray(shard.read_bytes())
    data[8:12] = np.array([np.nan], "<f4").tobytes()
    shard.write_bytes(bytes(data))
    with pytest.raises(DataError, match="conv_1_1/kernel.*NaN"):
        tfjs.read_weights(fake_dir)


def test_shape_mismatch_in_files(tmp_path, source):
    weights = model_weights(source)
    weights["output/kernel"] = np.zeros((1690, 11), np.float32)
    weights["conv_1_2/kernel"] = np.zeros((5, 5, 10, 10), np.float32)
    folder = write_model(tmp_path / "model", weights)
    assert tfjs.read_weights(folder)["output/kernel"].shape == (1690, 11)  # shapes as declared
    with pytest.raises(DataError) as err:
        tfjs.cnn_explainer_tiny_vgg(folder)
    message = str(err.value)
    assert "output/kernel" in message and "(1690, 11)" in message and "(1690, 10)" in message
    assert "conv_1_2/kernel" in message and str(folder / "model.json") in message


def test_load_into_checks_every_parameter(source, TinyVGG):
    target = TinyVGG(rngs=nnx.Rngs(1))
    before = logits(target)
    weights = model_weights(source)
    del weights["conv_2_2/bias"]
    weights["conv_3_1/kernel"] = np.zeros((3, 3, 10, 10), np.float32)
    weights["conv_1_1/kernel"] = np.zeros((3, 3, 1, 10), np.float32)
    with pytest.raises(DataError) as err:
        tfjs.load_into(target, weights)
    message = str(err.value)
    assert "conv_2_2/bias" in message and "gets no weight" in message
    assert "conv_3_1/kernel" in message and "no parameter" in message
    assert "conv_1_1/kernel" in message and "(3, 3, 1, 10)" in message
    np.testing.assert_array_equal(logits(target), before)  # left unchanged


def test_missing_files(tmp_path, fake_dir):
    empty = tmp_path / "nowhere"
    assert not tfjs.available(empty)
    with pytest.raises(DataError) as err:
        tfjs.cnn_explainer_tiny_vgg(empty)
    message = str(err.value)
    assert str(empty / "model.json") in message
    assert "poloclub/cnn-explainer" in message and "public/assets/data/model.json" in message
    assert "only when they are present" in message

    shard = fake_dir / "group1-shard1of1.bin"
    shard.unlink()
    assert not tfjs.available(fake_dir)
    with pytest.raises(DataError, match="poloclub/cnn-explainer") as err:
        tfjs.read_weights(fake_dir)
    assert str(shard) in str(err.value)


def test_damaged_model_json(fake_dir):
    (fake_dir / "model.json").write_text('{"format": "layers-model", "weightsMan')
    assert tfjs.available(fake_dir)  # present: loading reports the damage rather than skipping
    with pytest.raises(DataError, match="not readable JSON") as err:
        tfjs.read_weights(fake_dir)
    assert str(fake_dir / "model.json") in str(err.value)


@pytest.mark.parametrize("dtype", ["int32", "float16"])
def test_only_float32(tmp_path, source, dtype):
    folder = write_model(tmp_path / "model", model_weights(source), dtype=dtype)
    with pytest.raises(DataError, match=f"is {dtype}; only unquantized float32"):
        tfjs.read_weights(folder)


def test_quantized_weights_refused(fake_dir):
    model_json = json.loads((fake_dir / "model.json").read_text())
    model_json["weightsManifest"][0]["weights"][0]["quantization"] = {"dtype": "uint8", "min": 0, "scale": 1}
    (fake_dir / "model.json").write_text(json.dumps(model_json))
    with pytest.raises(DataError, match="quantized"):
        tfjs.read_weights(fake_dir)


def test_graph_model_refused(fake_dir):
    (fake_dir / "model.json").write_text(json.dumps({"format": "graph-model", "weightsManifest": []}))
    with pytest.raises(DataError, match="graph-model"):
        tfjs.read_weights(fake_dir)


def _layers_with(change):
    layers = keras_layers()
    change(layers)
    return layers


@pytest.mark.parametrize(("change", "expected"), [
    (lambda ls: ls[0]["config"].update(padding="same"), "conv_1_1 (Conv2D) has padding='same'"),
    (lambda ls: ls[2]["config"].update(filters=16), "conv_1_2 (Conv2D) has filters=16"),
    (lambda ls: ls[4]["config"].update(pool_size=[3, 3], strides=[3, 3]), "max_pool_1 (MaxPooling2D) has pool_size"),
    (lambda ls: ls[1]["config"].update(activation="tanh"), "relu_1_1 (Activation) has activation='tanh'"),
    (lambda ls: ls[11]["config"].update(activation="linear"), "output (Dense) has activation='linear'"),
    (lambda ls: ls[10]["config"].update(data_format="channels_first"), "flatten (Flatten) has data_format"),
    (lambda ls: ls[0]["config"].update(batch_input_shape=[None, 32, 32, 3]), "input shape is [32, 32, 3]"),
    (lambda ls: ls.pop(1), "layers are conv_1_1 (Conv2D), conv_1_2 (Conv2D)"),
    (lambda ls: ls.__setitem__(10, {"class_name": "GlobalAveragePooling2D", "config": {"name": "flatten"}}),
     "flatten (GlobalAveragePooling2D)"),
])
def test_topology_must_be_tiny_vgg(tmp_path, source, change, expected):
    folder = write_model(tmp_path / "model", model_weights(source), layers=_layers_with(change))
    with pytest.raises(DataError, match="does not describe CNN Explainer's Tiny VGG") as err:
        tfjs.cnn_explainer_tiny_vgg(folder)
    assert expected in str(err.value) and str(folder / "model.json") in str(err.value)


def test_topology_accepts_keras_defaults_and_input_layer(tmp_path, source):
    """Newer converters write an InputLayer first and may leave out default settings."""
    layers = keras_layers()
    del layers[0]["config"]["batch_input_shape"], layers[0]["config"]["strides"], layers[4]["config"]["strides"]
    layers.insert(0, {"class_name": "InputLayer", "config": {"name": "input", "batch_input_shape": [None, 64, 64, 3]}})
    folder = write_model(tmp_path / "model", model_weights(source), layers=layers)
    np.testing.assert_allclose(logits(tfjs.cnn_explainer_tiny_vgg(folder)), logits(source), rtol=1e-6, atol=1e-6)


# --- sample images -------------------------------------------------------------------------------

@pytest.fixture
def fake_samples(tmp_path, monkeypatch):
    """A data dir with three sample JPEGs: RGB 64×64, grayscale 64×64, RGB 80×48."""
    folder = tmp_path / "cnn-explainer" / "img"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(folder / "pizza_1.jpeg")
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(folder / "panda_3.jpeg")
    Image.fromarray(rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)).save(folder / "big_1.jpeg")
    (folder / "notes.txt").write_text("not an image")
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    return folder


def test_sample_names_sorted(fake_samples):
    assert samples.samples_dir() == fake_samples
    assert samples.sample_names() == ["big_1", "panda_3", "pizza_1"]


def test_load_sample(fake_samples):
    rgb = samples.load_sample("pizza_1")
    assert rgb.shape == (64, 64, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb, np.asarray(Image.open(fake_samples / "pizza_1.jpeg")))
    gray = samples.load_sample("panda_3")
    assert gray.shape == (64, 64, 3)
    assert (gray[..., 0] == gray[..., 1]).all() and (gray[..., 1] == gray[..., 2]).all()
    resized = samples.load_sample("big_1")
    assert resized.shape == (64, 64, 3) and resized.dtype == np.uint8


def test_to_input():
    x = samples.to_input(np.array([[[0, 51, 255]]], np.uint8))
    assert x.shape == (1, 1, 1, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.ravel(), np.float32([0, 0.2, 1]))


def test_missing_and_corrupt_samples(fake_samples, tmp_path, monkeypatch):
    with pytest.raises(DataError, match="Known samples: big_1, panda_3, pizza_1") as err:
        samples.load_sample("espresso_1")
    assert str(fake_samples / "espresso_1.jpeg") in str(err.value)
    with pytest.raises(DataError, match="not a sample name"):
        samples.load_sample("../img/pizza_1")

    (fake_samples / "pizza_1.jpeg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    with pytest.raises(DataError, match="not a readable image") as err:
        samples.load_sample("pizza_1")
    assert str(fake_samples / "pizza_1.jpeg") in str(err.value)

    good = (fake_samples / "panda_3.jpeg").read_bytes()
    (fake_samples / "panda_3.jpeg").write_bytes(good[: len(good) // 2])  # truncated JPEG
    with pytest.raises(DataError, match="panda_3.jpeg"):
        samples.load_sample("panda_3")

    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DataError, match="poloclub/cnn-explainer") as err:
        samples.sample_names()
    assert str(tmp_path / "empty" / "cnn-explainer" / "img") in str(err.value)


# --- the published model, on the real files ------------------------------------------------------

REAL_DIR = os.environ.get("CNNBOOK_DATA_DIR")

# CNN Explainer's published Tiny VGG on its own samples: (top class, its softmax probability).
# Measured with this loader; espresso_1's 0.88 is what CNN Explainer's interface shows.
PUBLISHED = {
    "boat_1": (0, 0.8208), "bug_1": (1, 0.9842), "bug_3": (1, 0.3820), "bus_1": (4, 0.9948),
    "bus_2": (0, 0.6277), "car_1": (9, 0.9655), "espresso_1": (6, 0.8798), "koala_1": (5, 0.9530),
    "koala_2": (1, 0.2777), "koala_3": (5, 0.9878), "orange_1": (8, 0.9854), "orange_3": (8, 0.9047),
    "panda_1": (7, 0.9570), "panda_2": (7, 0.4923), "panda_3": (1, 0.4337), "panda_5": (6, 0.9846),
    "pepper_1": (3, 0.7857), "pepper_2": (8, 0.5894), "pizza_1": (2, 0.9907), "pizza_2": (7, 0.6479),
}


@pytest.fixture(scope="module")
def published():
    """CNN Explainer's Tiny VGG from $CNNBOOK_DATA_DIR/cnn-explainer/model."""
    if not REAL_DIR:
        pytest.skip("CNNBOOK_DATA_DIR is not set: no published CNN Explainer weights to test against")
    folder = Path(REAL_DIR) / "cnn-explainer" / "model"
    if not tfjs.available(folder):
        pytest.skip(f"cnn-explainer/model (model.json + shard) is not in CNNBOOK_DATA_DIR={REAL_DIR}")
    if not (Path(REAL_DIR) / "cnn-explainer" / "img").is_dir():
        pytest.skip(f"cnn-explainer/img (the sample images) is not in CNNBOOK_DATA_DIR={REAL_DIR}")
    return tfjs.cnn_explainer_tiny_vgg(folder)


def softmax_of(model, name):
    return np.asarray(jax.nn.softmax(model(jnp.asarray(samples.to_input(samples.load_sample(name)))))[0])


def test_published_espresso(published):
    probs = softmax_of(published, "espresso_1")
    assert probs.argmax() == 6 and catalog.get("tiny-imagenet-10").class_names[6] == "espresso"
    assert probs[6] == pytest.approx(0.88, abs=0.005)


def test_published_on_all_samples(published):
    assert samples.sample_names() == sorted(PUBLISHED)
    for name, (top, p) in PUBLISHED.items():
        probs = softmax_of(published, name)
        assert (int(probs.argmax()), float(probs.max())) == (top, pytest.approx(p, abs=1e-3)), name


# --- CNN Explainer's files are pinned: damaged or changed files are errors, never substitutes ----------

def test_a_changed_published_model_is_refused_by_the_build(tmp_path, source, monkeypatch):
    from cnnbook.models.tiny_vgg import cnn_explainer_weights

    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    write_model(tmp_path / "cnn-explainer" / "model", model_weights(source))  # readable, but not theirs
    with pytest.raises(DataError, match=r"model\.json is not CNN Explainer's model/model\.json .*SHA-256"):
        cnn_explainer_weights()
    (tmp_path / "cnn-explainer" / "model" / "model.json").unlink()
    assert cnn_explainer_weights() is None  # absent is fine: the page says so


def test_a_model_json_of_the_wrong_shape_names_the_file(tmp_path, source):
    layers = keras_layers()
    layers[0]["config"] = ["filters", 10]  # a list where Keras writes an object
    folder = write_model(tmp_path / "model", model_weights(source), layers=layers)
    with pytest.raises(DataError, match=r"model\.json does not have the structure of a TF\.js layers model"):
        tfjs.cnn_explainer_tiny_vgg(folder)


def test_a_damaged_sample_is_an_error_that_names_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    folder = tmp_path / "cnn-explainer" / "img"
    folder.mkdir(parents=True)
    (folder / "koala_1.jpeg").write_bytes(b"")  # zero bytes: once swapped for a stand-in in silence
    with pytest.raises(DataError, match=r"koala_1\.jpeg is not CNN Explainer's img/koala_1\.jpeg"):
        samples.present_samples("tiny-imagenet-10")
    (folder / "koala_1.jpeg").unlink()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(folder / "my_cat.jpeg")
    assert samples.present_samples("tiny-imagenet-10") == {}  # not a sample: left out, and said so
    assert "my_cat.jpeg is not one of CNN Explainer's samples; left out" in capsys.readouterr().out
    assert samples.present_samples("mnist") == {}


def test_an_enormous_sample_is_refused_before_decoding(fake_samples):
    Image.new("L", (5000, 4000)).save(fake_samples / "boat_1.jpeg")
    with pytest.raises(DataError, match=r"boat_1\.jpeg is 5000×4000 pixels; a sample is 64×64"):
        samples.load_sample("boat_1")


@pytest.mark.skipif(not os.environ.get("CNNBOOK_DATA_DIR"), reason="needs CNNBOOK_DATA_DIR with cnn-explainer/")
def test_the_real_published_files_match_their_pins():
    from cnnbook.models.tiny_vgg import cnn_explainer_weights

    if not (samples.data_dir() / "cnn-explainer").is_dir():
        pytest.skip("CNNBOOK_DATA_DIR has no cnn-explainer/")
    assert sorted(samples.present_samples("tiny-imagenet-10")) == list(samples.SAMPLE_NAMES)
    assert len(samples.SAMPLE_NAMES) == 20 and cnn_explainer_weights() is not None


def test_a_decompression_bomb_is_a_data_error(fake_samples, monkeypatch):
    from PIL import Image as PILImage

    Image.new("L", (300, 300)).save(fake_samples / "bus_1.jpeg")
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 10_000)  # 300×300 is then a "bomb", as 20000² is
    with pytest.raises(DataError, match=r"bus_1\.jpeg is too large to be a sample"):
        samples.load_sample("bus_1")

"""Read a TensorFlow.js layers-format model and load CNN Explainer's published Tiny VGG.

A TF.js "layers-model" is a `model.json` (the Keras topology plus a `weightsManifest`) and
one or more binary shards. The manifest is a list of groups; each group names its shard
files, which are concatenated in order, and its weights, which lie back to back in that
byte stream in manifest order (float32, little-endian). TF.js splits a group's stream into
shards at arbitrary byte offsets, so a weight may straddle two shards.

Keras and Flax store these layers the same way, so no transposition is needed:
`Conv2D` kernels are HWIO like `nnx.Conv`'s, `Dense` kernels are (in, out) like
`nnx.Linear`'s, and both `Flatten`s are NHWC (channels_last).
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from cnnbook.errors import DataError
from cnnbook.data.locations import data_dir

MODEL_JSON = "model.json"

# TF.js dtype -> NumPy dtype of its little-endian bytes. Only float32 is supported; the
# converter's other dtypes (int32, bool, quantized uint8/uint16/float16) are refused.
_DTYPES = {"float32": np.dtype("<f4")}

_WHERE_FROM = (
    "They come from the poloclub/cnn-explainer repository: public/assets/data/model.json and "
    "public/assets/data/group1-shard1of1.bin. Put both into {folder} (or set CNNBOOK_DATA_DIR "
    "to a folder that holds cnn-explainer/model/). The build shows CNN Explainer's published "
    "model only when they are present."
)

# CNN Explainer's Sequential model, layer by layer: (name, Keras class, config values that
# must match). Names are those of TinyVGG.layers(), in the same order.
_CONV = {"filters": 10, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
         "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
         "use_bias": True}
_RELU = {"activation": "relu"}
_POOL = {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid", "data_format": "channels_last"}
TINY_VGG_TOPOLOGY = (
    ("conv_1_1", "Conv2D", _CONV),
    ("relu_1_1", "Activation", _RELU),
    ("conv_1_2", "Conv2D", _CONV),
    ("relu_1_2", "Activation", _RELU),
    ("max_pool_1", "MaxPooling2D", _POOL),
    ("conv_2_1", "Conv2D", _CONV),
    ("relu_2_1", "Activation", _RELU),
    ("conv_2_2", "Conv2D", _CONV),
    ("relu_2_2", "Activation", _RELU),
    ("max_pool_2", "MaxPooling2D", _POOL),
    ("flatten", "Flatten", {"data_format": "channels_last"}),
    ("output", "Dense", {"units": 10, "activation": "softmax", "use_bias": True}),
)
TINY_VGG_INPUT_SHAPE = [64, 64, 3]


def default_model_dir() -> Path:
    """Where CNN Explainer's model lives: `<data_dir>/cnn-explainer/model/`."""
    return data_dir() / "cnn-explainer" / "model"


def read_model_json(path: str | Path) -> dict:
    """Parse a TF.js layers-model `model.json` (a file, or the folder that holds one).

    Checks that it is a layers model with a weights manifest; raises DataError naming the
    file otherwise.
    """
    path = _json_path(path)
    if not path.is_file():
        raise DataError(f"{path} is missing. " + _WHERE_FROM.format(folder=path.parent))
    try:
        model_json = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"{path} is not readable JSON ({exc}); it is damaged. Replace it with a fresh copy of "
            "public/assets/data/model.json from the poloclub/cnn-explainer repository."
        ) from None
    if not isinstance(model_json, dict):
        raise DataError(f"{path} holds JSON of type {type(model_json).__name__}, not a TF.js model object. "
                        "Replace it with a TF.js layers-model model.json.")
    fmt = model_json.get("format", "layers-model")
    if fmt != "layers-model":
        raise DataError(f"{path} is a TF.js {fmt!r}, not a 'layers-model'; only the layers format "
                        "(what tensorflowjs_converter writes for a Keras model) can be read.")
    if not isinstance(model_json.get("weightsManifest"), list):
        raise DataError(f"{path} has no 'weightsManifest' list, so it names no weights; it is not a "
                        "complete TF.js layers model. Replace it with a fresh copy.")
    return model_json


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """All weights of a TF.js layers model, {"conv_1_1/kernel": float32 array, ...}.

    `path` is the model folder or its `model.json`. The weights come in manifest order;
    each has the shape the manifest declares. Raises DataError naming the file when a
    file is missing, a shard's size differs from what the manifest declares (truncated
    or corrupt), a dtype is not float32, or the manifest itself is malformed.
    """
    json_path = _json_path(path)
    manifest = read_model_json(json_path)["weightsManifest"]
    folder = json_path.parent
    weights: dict[str, np.ndarray] = {}
    for g, group in enumerate(manifest):
        specs = _group_specs(group, g, json_path)
        shards = _group_shards(group, g, json_path)
        data = _read_shards(shards, folder)
        expected = sum(nbytes for _, _, _, nbytes in specs)
        if len(data) != expected:
            names = _shard_list(shards, folder)
            state = "truncated" if len(data) < expected else "longer than declared"
            raise DataError(
                f"{names}: {len(data):,} bytes, but {json_path} declares {expected:,} bytes of weights "
                f"({len(specs)} weights) for {'this shard' if len(shards) == 1 else 'these shards'}: "
                f"the weights file is {state}, i.e. corrupt or from another model. "
                "Replace it (and model.json) with fresh copies from the same release."
            )
        offset = 0
        for name, shape, dtype, nbytes in specs:
            if name in weights:
                raise DataError(f"{json_path} lists the weight {name!r} twice; the manifest is damaged. "
                                "Replace model.json with a fresh copy.")
            array = np.frombuffer(data, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset)
            weights[name] = array.astype(np.float32).reshape(shape)  # a native-endian, writable copy
            offset += nbytes
            if not np.isfinite(weights[name]).all():
                raise DataError(
                    f"{_shard_list(shards, folder)}: weight {name!r} holds NaN or infinite values; the weights file "
                    "is corrupt. Replace it with a fresh copy."
                )
    return weights


def check_tiny_vgg_topology(model_json: dict, path: str | Path = MODEL_JSON) -> None:
    """Check that a model.json describes CNN Explainer's Tiny VGG, layer by layer.

    Names, Keras classes and the settings that change the arithmetic (filters, kernel size,
    strides, padding, activation, pool size, units, data format) must be those of TinyVGG.
    Raises DataError listing every difference.
    """
    layers = _topology_layers(model_json, path)
    problems = []
    if layers and layers[0].get("class_name") == "InputLayer":  # Keras >= 2.4 writes one
        shape = (layers[0].get("config") or {}).get("batch_input_shape")
        if shape is not None and list(shape[1:]) != TINY_VGG_INPUT_SHAPE:
            problems.append(f"input shape is {list(shape[1:])}, expected {TINY_VGG_INPUT_SHAPE}")
        layers = layers[1:]
    if layers:
        shape = (layers[0].get("config") or {}).get("batch_input_shape")
        if shape is not None and list(shape[1:]) != TINY_VGG_INPUT_SHAPE:
            problems.append(f"input shape is {list(shape[1:])}, expected {TINY_VGG_INPUT_SHAPE}")
    found = [((layer.get("config") or {}).get("name"), layer.get("class_name")) for layer in layers]
    wanted = [(name, kind) for name, kind, _ in TINY_VGG_TOPOLOGY]
    if found != wanted:
        problems.append(
            "layers are " + ", ".join(f"{n} ({k})" for n, k in found)
            + "; expected " + ", ".join(f"{n} ({k})" for n, k in wanted)
        )
    else:
        for layer, (name, kind, settings) in zip(layers, TINY_VGG_TOPOLOGY):
            config = layer.get("config") or {}
            for key, value in settings.items():
                actual = config.get(key, _KERAS_DEFAULTS.get((kind, key)))
                if kind == "MaxPooling2D" and key == "strides" and actual is None:
                    actual = config.get("pool_size")  # Keras: strides default to pool_size
                if isinstance(actual, tuple):
                    actual = list(actual)
                if actual != value:
                    problems.append(f"{name} ({kind}) has {key}={actual!r}, expected {value!r}")
    if problems:
        raise DataError(
            f"{path} does not describe CNN Explainer's Tiny VGG:\n  " + "\n  ".join(problems)
            + "\nThese weights belong to another network, so TinyVGG cannot use them. Replace the "
            "model folder with public/assets/data/model.json and its shard from the "
            "poloclub/cnn-explainer repository."
        )


def load_into(model, weights: dict[str, np.ndarray], *, source: str | Path | None = None):
    """Copy `weights` ({"conv_1_1/kernel": array, ...}) into the NNX module `model`; return it.

    The name "layer/param" is the module's attribute path (`model.conv_1_1.kernel`). Every
    parameter of the module must get a value of its exact shape and every weight must have
    a parameter to go to; otherwise a DataError lists all the differences and the model is
    left unchanged. `source` (e.g. the model.json) is named in the message.
    """
    import jax.numpy as jnp
    from flax import nnx

    params = nnx.to_flat_state(nnx.state(model, nnx.Param))
    targets = {"/".join(str(part) for part in path): (path, var) for path, var in params}
    problems = []
    for name in targets.keys() - weights.keys():
        problems.append(f"{name}: the module's parameter {targets[name][1].shape} gets no weight")
    for name in weights.keys() - targets.keys():
        problems.append(f"{name}: weight {tuple(np.shape(weights[name]))} has no parameter in the module")
    for name in targets.keys() & weights.keys():
        want, got = tuple(targets[name][1].shape), tuple(np.shape(weights[name]))
        if want != got:
            problems.append(f"{name}: weight has shape {got}, the module's parameter has {want}")
    if problems:
        where = f" from {source}" if source is not None else ""
        raise DataError(
            f"the weights{where} do not fit {type(model).__name__}:\n  " + "\n  ".join(sorted(problems))
            + "\nThey belong to a different network (or the model file is damaged); load weights "
            f"saved from {type(model).__name__}'s architecture."
        )
    update = [(path, jnp.asarray(weights[name], dtype=var.dtype)) for name, (path, var) in targets.items()]
    nnx.update(model, nnx.from_flat_state(update))
    return model


def available(model_dir: str | Path | None = None) -> bool:
    """Whether CNN Explainer's model files are present (model.json and the shards it names).

    A model.json that cannot be parsed counts as present, so that loading it reports the
    damage instead of the build silently leaving the published model out.
    """
    json_path = _json_path(default_model_dir() if model_dir is None else model_dir)
    if not json_path.is_file():
        return False
    try:
        with _structure(json_path):
            manifest = read_model_json(json_path)["weightsManifest"]
            shards = [shard for g, group in enumerate(manifest) for shard in _group_shards(group, g, json_path)]
    except DataError:
        return True
    return all((json_path.parent / shard).is_file() for shard in shards)


def cnn_explainer_tiny_vgg(model_dir: str | Path | None = None, *, seed: int = 0):
    """A TinyVGG holding CNN Explainer's published weights (default: `<data_dir>/cnn-explainer/model/`).

    Raises DataError naming the missing or damaged file, and saying where it comes from.
    The model returns logits; CNN Explainer shows their softmax.
    """
    from flax import nnx

    from cnnbook.models.tiny_vgg import TinyVGG

    json_path = _json_path(default_model_dir() if model_dir is None else model_dir)
    with _structure(json_path):
        check_tiny_vgg_topology(read_model_json(json_path), json_path)
        weights = read_weights(json_path)
    return load_into(TinyVGG(rngs=nnx.Rngs(seed)), weights, source=json_path)


@contextmanager
def _structure(json_path: Path):
    """A model.json whose fields have the wrong JSON types (a list where an object belongs, …)
    is a DataError that names the file, not a TypeError from deep inside the reader."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, IndexError) as err:
        raise DataError(f"{json_path} does not have the structure of a TF.js layers model "
                        f"({type(err).__name__}: {err}). Replace it with CNN Explainer's model.json "
                        "(public/assets/data/ of the poloclub/cnn-explainer repository).") from None


# Keras defaults for settings a model.json may leave out.
_KERAS_DEFAULTS = {
    ("Conv2D", "strides"): [1, 1],
    ("Conv2D", "padding"): "valid",
    ("Conv2D", "data_format"): "channels_last",
    ("Conv2D", "dilation_rate"): [1, 1],
    ("Conv2D", "activation"): "linear",
    ("Conv2D", "use_bias"): True,
    ("MaxPooling2D", "pool_size"): [2, 2],
    ("MaxPooling2D", "padding"): "valid",
    ("MaxPooling2D", "data_format"): "channels_last",
    ("Flatten", "data_format"): "channels_last",
    ("Dense", "activation"): "linear",
    ("Dense", "use_bias"): True,
}


def _json_path(path: str | Path) -> Path:
    """`path` itself when it names a .json file, else `path/model.json`."""
    path = Path(path)
    return path if path.suffix == ".json" else path / MODEL_JSON


def _topology_layers(model_json: dict, path) -> list[dict]:
    """The layer list of a Sequential topology, in either layout the converters write."""
    topology = model_json.get("modelTopology")
    if isinstance(topology, dict) and "model_config" in topology:  # converter 1.x: Keras' save format
        topology = topology["model_config"]
    if not isinstance(topology, dict) or topology.get("class_name") != "Sequential":
        kind = topology.get("class_name") if isinstance(topology, dict) else None
        raise DataError(
            f"{path}: the model topology is {kind or 'missing'}, expected a Keras Sequential model "
            "(CNN Explainer's Tiny VGG). Replace it with public/assets/data/model.json from the "
            "poloclub/cnn-explainer repository."
        )
    config = topology.get("config")
    layers = config.get("layers") if isinstance(config, dict) else config  # old Keras: a bare list
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise DataError(f"{path}: the Sequential model has no list of layers; model.json is damaged. "
                        "Replace it with a fresh copy.")
    return layers


def _group_specs(group, g: int, json_path: Path) -> list[tuple[str, tuple[int, ...], np.dtype, int]]:
    """(name, shape, dtype, byte count) of each weight of manifest group `g`, checked."""
    if not isinstance(group, dict) or not isinstance(group.get("weights"), list):
        raise DataError(f"{json_path}: weightsManifest[{g}] has no 'weights' list; the manifest is damaged. "
                        "Replace model.json with a fresh copy.")
    specs = []
    for entry in group["weights"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise DataError(f"{json_path}: weightsManifest[{g}] has a malformed entry {entry!r} (it needs a "
                            "'name' and a 'shape' of non-negative integers). Replace model.json with a fresh copy.")
        dtype_name = entry.get("dtype", "float32")
        if dtype_name not in _DTYPES or entry.get("quantization") is not None:
            what = f"quantized ({entry['quantization']})" if entry.get("quantization") is not None else dtype_name
            raise DataError(
                f"{json_path}: weight {name!r} is {what}; only unquantized float32 weights can be read. "
                "Convert the model again with tensorflowjs_converter without quantization."
            )
        dtype = _DTYPES[dtype_name]
        specs.append((name, tuple(shape), dtype, math.prod(shape) * dtype.itemsize))
    return specs


def _group_shards(group, g: int, json_path: Path) -> list[str]:
    """The shard file names of manifest group `g`, checked to be plain names in the model folder."""
    paths = group.get("paths") if isinstance(group, dict) else None
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise DataError(f"{json_path}: weightsManifest[{g}] has no 'paths' list of shard files; the manifest is "
                        "damaged. Replace model.json with a fresh copy.")
    for shard in paths:
        if Path(shard).is_absolute() or ".." in Path(shard).parts or "://" in shard:
            raise DataError(f"{json_path}: shard {shard!r} is not a file next to model.json; only relative "
                            "paths inside the model folder are read.")
    return paths


def _read_shards(shards: list[str], folder: Path) -> bytes:
    """The bytes of a group's shards, concatenated in order."""
    chunks = []
    for shard in shards:
        path = folder / shard
        if not path.is_file():
            raise DataError(f"{path} is missing (model.json names it as a weights shard). "
                            + _WHERE_FROM.format(folder=folder))
        try:
            chunks.append(path.read_bytes())
        except OSError as exc:
            raise DataError(f"{path} cannot be read ({exc}). Check its permissions or replace it.") from None
    return b"".join(chunks)


def _shard_list(shards: list[str], folder: Path) -> str:
    """The full paths of a group's shards, for messages."""
    return " + ".join(str(folder / shard) for shard in shards)

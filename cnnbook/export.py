"""The export stage: each small network's weights and layers, written for the in-browser explorers.

An explorer (`cnnbook/site/explorer/`) runs a network in the reader's browser. It needs what the
network computes, written down without Python: every layer's kind, shapes, padding, stride and
activation (`network.json`), and its weights as little-endian float32 (`<variant>.bin`). The page
itself loads the same data as one script, `model.js`: a page opened from disk (file://) may run
scripts but may not fetch files.

Each export is checked before it is written: `reference_forward`, a NumPy reading of the manifest,
must give the network's own logits on the captured images. A manifest that misdescribes a layer
fails the build instead of showing a reader wrong numbers.

An entry lives in `build/export/<net>/entry-<key>/`, keyed by the capture entry (which is keyed by
the weights) and this module, written atomically like the other caches: a rebuild with nothing
changed reads it back without JAX.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np

from cnnbook import cache
from cnnbook.errors import BuildError

MANIFEST = "network.json"  # the layers; the cache entry keeps its own manifest.json of checksums
MODEL_SCRIPT = "model.js"
# A network whose weights are larger than this gets no explorer: its page would load tens of MB
# (AlexNet: 21.6 million parameters, 86 MB), and its forward pass would take seconds in a browser.
MAX_PARAMS = 500_000
# How far the manifest's NumPy forward pass may be from the network's own logits (float32 both).
CHECK_TOLERANCE = 1e-4


def explorable(params: int, trained: bool) -> bool:
    """Whether a network gets an explorer: trained (random weights classify nothing) and small."""
    return trained and params <= MAX_PARAMS


# --- What each layer computes ------------------------------------------------------------------

def _activation(layer, x) -> str | None:
    """What a conv or dense layer applies after its sum, found by running it: None or "relu"."""
    from flax import nnx

    raw, out = np.asarray(layer.module(x)), np.asarray(layer.apply(x))
    if np.allclose(out, raw, atol=1e-5):
        return None
    if np.allclose(out, np.asarray(nnx.relu(raw)), atol=1e-5):
        return "relu"
    raise BuildError(f"layer {layer.name!r} computes neither its {type(layer.module).__name__} nor that "
                     "followed by a ReLU: the explorers cannot run it (cnnbook/export.py knows those two)")


def _pool_op(layer, x) -> str:
    """Whether a pool layer takes the maximum or the mean of its windows, checked against both."""
    k, s = layer.apply.window, layer.apply.stride
    out = np.asarray(layer.apply(x))
    for op in ("max", "avg"):
        expected = _pool(np.asarray(x[0]), k, s, op)[None]
        if out.shape == expected.shape and np.allclose(out, expected, atol=1e-6):
            return op
    raise BuildError(f"pool layer {layer.name!r} is neither a max nor a mean over {k}×{k} windows of stride {s}")


def layers_manifest(model, input_shape: tuple[int, ...]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Every layer as the explorers read it, and its parameters by "<layer>/kernel" and "<layer>/bias"."""
    import jax.numpy as jnp

    from cnnbook.capture import layer_table
    from cnnbook.models.layers import INPUT, conv_padding, forward, pair

    rows = {row.name: row for row in layer_table(model, input_shape)}
    rng = np.random.default_rng(0)
    # Normal values, negative as often as positive, so a ReLU changes what it is given.
    x = jnp.asarray(rng.normal(size=(1, *input_shape)).astype(np.float32))
    shapes, outputs, previous = {INPUT: tuple(input_shape)}, {INPUT: x}, INPUT
    layers, params = [], {}
    for layer, out in forward(model.layers(), x):
        source = previous if layer.reads is None else layer.reads
        entry = {"name": layer.name, "kind": layer.kind, "reads": layer.reads,
                 "output_shape": list(rows[layer.name].output_shape)}
        given = outputs[source]
        if layer.kind in ("conv", "dense"):
            module = layer.module
            entry["kernel_shape"] = list(module.kernel.shape)
            entry["activation"] = _activation(layer, given)
            params[f"{layer.name}/kernel"] = np.asarray(module.kernel[...], np.float32)
            # A layer without a bias adds zeros: the page's arithmetic still shows "+ bias".
            bias = module.bias[...] if module.bias is not None else np.zeros(module.kernel.shape[-1])
            params[f"{layer.name}/bias"] = np.asarray(bias, np.float32)
            if layer.kind == "conv":
                if pair(module.kernel_dilation) != (1, 1) or module.feature_group_count != 1:
                    raise BuildError(f"conv layer {layer.name!r} is dilated or grouped: the explorers run neither")
                entry["stride"] = list(pair(module.strides))
                entry["padding"] = [list(p) for p in conv_padding(module, shapes[source][:2])]
        elif layer.kind == "pool":
            entry.update(op=_pool_op(layer, given), window=int(layer.apply.window), stride=int(layer.apply.stride))
        layers.append(entry)
        shapes[layer.name], outputs[layer.name] = tuple(out.shape[1:]), out
        previous = layer.name
    return layers, params


def flat_weights(layers: list[dict], params: dict[str, np.ndarray]) -> tuple[np.ndarray, list[dict]]:
    """All parameters in one float32 vector, layer by layer (kernel, then bias); the layers get their
    [offset, count] into it under "params"."""
    chunks, offset, placed = [], 0, []
    for entry in layers:
        entry = dict(entry)
        if entry["kind"] in ("conv", "dense"):
            entry["params"] = {}
            for part in ("kernel", "bias"):
                values = params[f"{entry['name']}/{part}"].ravel()
                entry["params"][part] = [offset, int(values.size)]
                chunks.append(values)
                offset += values.size
        placed.append(entry)
    return np.concatenate(chunks).astype("<f4"), placed


# --- The manifest read back, in NumPy: what the browser will compute -------------------------------

def _pool(x: np.ndarray, k: int, s: int, op: str) -> np.ndarray:
    h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    views = np.stack([x[i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s] for i in range(k) for j in range(k)])
    return views.max(0) if op == "max" else views.mean(0)


def _conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride, padding) -> np.ndarray:
    (pt, pb), (pl, pr) = padding
    x = np.pad(x, ((pt, pb), (pl, pr), (0, 0)))
    kh, kw, cin, cout = kernel.shape
    oh, ow = (x.shape[0] - kh) // stride[0] + 1, (x.shape[1] - kw) // stride[1] + 1
    out = np.zeros((oh, ow, cout), np.float64) + bias
    for i in range(kh):
        for j in range(kw):
            patch = x[i : i + stride[0] * (oh - 1) + 1 : stride[0], j : j + stride[1] * (ow - 1) + 1 : stride[1]]
            out += patch.astype(np.float64) @ kernel[i, j].astype(np.float64)
    return out.astype(np.float32)


def reference_forward(manifest: dict, weights: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """Run the network a manifest describes on one input (H, W, C), as explorer's forward.js does;
    returns every layer's output by name (the last is the logits)."""

    def param(entry, part):
        offset, count = entry["params"][part]
        return weights[offset : offset + count]

    values, previous = {"input": np.asarray(x, np.float32)}, "input"
    for entry in manifest["layers"]:
        given = values[previous if entry["reads"] is None else entry["reads"]]
        kind = entry["kind"]
        if kind == "conv":
            out = _conv(given, param(entry, "kernel").reshape(entry["kernel_shape"]), param(entry, "bias"),
                        entry["stride"], entry["padding"])
        elif kind == "dense":
            kernel = param(entry, "kernel").reshape(entry["kernel_shape"]).astype(np.float64)
            out = (given.astype(np.float64) @ kernel + param(entry, "bias")).astype(np.float32)
        elif kind == "pool":
            out = _pool(given, entry["window"], entry["stride"], entry["op"])
        elif kind == "relu":
            out = np.maximum(given, 0)
        elif kind == "flatten":
            out = given.reshape(-1)
        else:
            raise BuildError(f"layer {entry['name']!r} is of kind {kind!r}, which the explorers do not run")
        if entry.get("activation") == "relu":
            out = np.maximum(out, 0)
        values[entry["name"]] = out
        previous = entry["name"]
    del values["input"]
    return values


# --- Writing an entry ------------------------------------------------------------------------------

def _preprocessing(input_shape) -> dict:
    """How a reader's own input becomes the network's: a drawn digit as MNIST's digits were made
    (cropped to the ink, fitted into 20 × 20, centred by mass in 28 × 28), a photo as CNN Explainer
    prepares one (the shorter side scaled to the input size, the middle square kept)."""
    size = int(input_shape[0])
    if input_shape[-1] == 1:
        return {"kind": "digit", "preprocess": {"kind": "digit", "fit": round(size * 20 / 28), "size": size}}
    return {"kind": "photo", "preprocess": {"kind": "photo", "size": size}}


def export_files(spec, variants: dict, captured) -> dict[str, bytes]:
    """The files of a network's export: manifest, one .bin per variant, and model.js for the page.

    `variants` maps a variant name ("trained", "published") to (model, title, test accuracy);
    `captured` (a `cnnbook.capture.Captured`) gives the example images a reader may pick.
    """
    from cnnbook.capture import capture

    layers, weights = None, {}
    for variant, (model, _, _) in variants.items():
        described, params = layers_manifest(model, tuple(spec.input_shape))
        weights[variant], placed = flat_weights(described, params)
        if layers is not None and placed != layers:
            raise BuildError(f"{spec.name}'s {variant} weights describe other layers than its trained ones")
        layers = placed
    x = np.asarray(captured.arrays["inputs"], np.float32)
    items = [{"slug": i["slug"], "caption": i["caption"], "label": i["label"]} for i in captured.meta["inputs"]]
    pixels = np.rint(x * 255).astype(np.uint8)
    if not np.array_equal(pixels.astype(np.float32) / np.float32(255), x):
        raise BuildError(f"{spec.name}'s captured inputs are not whole steps of 1/255: they cannot be shipped as bytes")
    manifest = {
        "network": spec.name, "title": spec.title,
        "input": {"shape": list(spec.input_shape), "range": [0, 1], **_preprocessing(spec.input_shape)},
        "class_names": list(captured.class_names),
        "variants": {v: {"title": title, "test_accuracy": accuracy, "file": f"{v}.bin"}
                     for v, (_, title, accuracy) in variants.items()},
        "layers": layers,
    }
    for variant, (model, _, _) in variants.items():
        expected = capture(model, x)[layers[-1]["name"]]
        got = np.stack([reference_forward(manifest, weights[variant], one)[layers[-1]["name"]] for one in x])
        worst = float(np.abs(got - expected).max())
        if worst > CHECK_TOLERANCE:
            raise BuildError(f"{spec.name}'s exported {variant} network gives logits {worst:.3g} away from the "
                             f"network's own (more than {CHECK_TOLERANCE}): cnnbook/export.py misreads a layer")
    files = {MANIFEST: json.dumps(manifest, indent=1, sort_keys=True).encode()}
    files.update({f"{v}.bin": w.tobytes() for v, w in weights.items()})
    payload = {"manifest": manifest,
               "weights": {v: base64.b64encode(w.tobytes()).decode() for v, w in weights.items()},
               "examples": {"pixels": base64.b64encode(pixels.tobytes()).decode(), "items": items}}
    files[MODEL_SCRIPT] = (f"cnnbook.registerModel({json.dumps(spec.name)}, "
                           f"{json.dumps(payload, sort_keys=True, separators=(',', ':'))});\n").encode()
    return files


def export_key(capture_entry: Path) -> str:
    """An export depends on the capture entry (itself keyed by the weights and the code) and this module."""
    return cache.content_key({"export": capture_entry.name, "code": cache.file_digest(Path(__file__))})


def ensure_exported(spec, trained, capture_entry: Path, root: Path) -> Path:
    """The export entry of a network: reused when intact, else written from its weights and capture."""
    from cnnbook.capture import Captured
    from cnnbook.trained import load_weights

    folder = Path(root) / spec.name
    where = cache.entry_dir(folder, "entry", export_key(capture_entry))
    if cache.is_complete(where):
        try:
            cache.read_entry(where)
            return where
        except cache.CorruptCacheError as err:
            print(f"warning: corrupt export, exporting {spec.name} again: {err}")
            cache.discard(where)
    captured = Captured(capture_entry)
    accuracy = captured.meta["accuracy"]
    variants = {"trained": (trained.model, "trained by this build", accuracy.get("trained"))}
    if "published" in captured.meta["variants"]:
        published = load_weights(spec, captured.weights_file("published"))
        variants["published"] = (published, "the source's published weights", accuracy.get("published"))
    cache.write_entry(where, export_files(spec, variants, captured))
    for old in folder.iterdir():  # one entry per network
        if old != where:
            shutil.rmtree(old, ignore_errors=True)
    return where

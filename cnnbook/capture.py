"""The capture stage: everything the pages show of a trained network, written once to disk.

After training, each network is run on the inputs the pages follow and every named layer's
output is recorded, with the test-set predictions, the class names and the images of its
mistakes. Pages and chapter kernels read only this (and the cached weights): they never
load a dataset, hash it or download anything, and they never re-run a network.

An entry lives in `build/capture/<net>/entry-<key>/`, written atomically with a manifest
(`cnnbook.cache`), keyed by the trained weights, this code and CNN Explainer's files:

- `network.json`: names, settings, metrics, class names, which inputs were captured;
- `arrays.npz`: test labels, test probabilities, the inputs, the mistakes' images;
- `activations-<variant>.npz`: `<input slug>/<layer>` → that layer's output for that input;
- `weights-<variant>.safetensors` for the variants other than the trained weights
  (`untrained`: the seeded initial weights; `published`: a source's own weights, if any);
- `channels.npz`: what each channel of the trained network responds to (`cnnbook.channels`),
  summarised under "channels" in `network.json`;
- under "probes" in `network.json`: how well each layer's pooled features name the class, and how
  much its maps still look like the input's silhouette (`cnnbook.probes`).
"""

from __future__ import annotations

import functools
import io
import json
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from cnnbook import cache
from cnnbook.errors import DataError, UnknownNameError

NETWORK, ARRAYS, CHANNELS = "network.json", "arrays.npz", "channels.npz"
WALKS = 8  # confident mistakes followed through every layer (their activations are captured)
# A network with more channels than this in its conv and pool layers is wide: its channels take one
# page per layer, its atlas follows two samples, and it gets WIDE_WALKS walks, since a walk draws
# every map of every layer (one of AlexNet's took about 4 seconds to draw).
WIDE_CHANNELS = 600
WIDE_WALKS = 4


def walk_count(profile, wide: bool) -> int:
    """How many confident mistakes a network's capture follows through every layer in `profile`."""
    limit = WIDE_WALKS if wide else WALKS
    return limit if profile.walks is None else min(limit, profile.walks)


def is_wide(channel_counts) -> bool:
    """Whether a network whose conv and pool layers have these numbers of channels is wide."""
    return sum(channel_counts) > WIDE_CHANNELS
GALLERY = 24  # confident mistakes whose images are kept for the misclassified gallery


# --- Running a network layer by layer -------------------------------------------------------------

def capture(model, x) -> dict[str, np.ndarray]:
    """Run a batch through the model layer by layer; {layer name: output}, in order.

    The last entry is the model's output, since `__call__` runs the same list. The layers run as
    one compiled call (`_compiled_layers`), not op by op: AlexNet's capture spent 18 s in this
    function op by op, 8 s compiled.
    """
    import jax
    import jax.numpy as jnp
    from flax import nnx

    graphdef, state = nnx.split(model)
    outputs = jax.device_get(_compiled_layers()(graphdef, state, jnp.asarray(x)))
    return {layer.name: np.asarray(out) for layer, out in zip(model.layers(), outputs)}


@functools.cache
def _compiled_layers():
    """Every layer's output of the model `graphdef`/`state` on x, in order: compiled once per
    network and input shape (the graph is a static argument, as in `cnnbook.train.compile_step`).
    Made on first use: the pages stage imports this module without needing JAX."""
    import jax

    return jax.jit(_run_layers, static_argnums=0)


def _run_layers(graphdef, state, x):
    from flax import nnx

    from cnnbook.models.layers import forward

    return [out for _, out in forward(nnx.merge(graphdef, state).layers(), x)]


@dataclass(frozen=True)
class LayerInfo:
    """One row of a Keras-style summary."""

    name: str
    kind: str  # as the layer declares it: conv, relu, pool, flatten, dense or softmax
    output_shape: tuple[int, ...]  # one sample, no batch axis
    params: int
    kernel_shape: tuple[int, ...] | None  # conv (kh, kw, cin, cout) or dense (in, out)
    has_bias: bool
    reads: str | None = None  # the layer whose output this one reads (None: the network's input)


def layer_table(model, input_shape: tuple[int, ...]) -> list[LayerInfo]:
    """Every layer's output shape and parameter count, computed from the model itself."""
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from cnnbook.models.layers import INPUT, forward

    x = jax.ShapeDtypeStruct((1, *input_shape), jnp.float32)
    rows, previous = [], None
    for layer, x in forward(model.layers(), x, lambda layer, value: jax.eval_shape(layer.apply, value)):
        kernel_shape, params, has_bias = None, 0, False
        if layer.module is not None:
            kernel_shape = tuple(layer.module.kernel.shape)
            has_bias = layer.module.bias is not None
            params = sum(leaf.size for leaf in jax.tree_util.tree_leaves(nnx.state(layer.module, nnx.Param)))
        reads = previous if layer.reads is None else (None if layer.reads == INPUT else layer.reads)
        rows.append(LayerInfo(layer.name, layer.kind, tuple(x.shape[1:]), int(params), kernel_shape, has_bias, reads))
        previous = layer.name
    return rows


# --- Which inputs the pages follow ------------------------------------------------------------------

def first_of_each_class(y_test: np.ndarray, classes: int) -> list[int]:
    """The first test image of every class, in class order (classes absent from the set are skipped)."""
    return [int(np.flatnonzero(y_test == label)[0]) for label in range(classes) if (y_test == label).any()]


def confident_mistakes(probs: np.ndarray, y_test: np.ndarray, k: int) -> list[int]:
    """Indices of the test images the network got wrong with the highest confidence, most confident first."""
    pred = probs.argmax(-1)
    wrong = np.flatnonzero(pred != y_test)
    return [int(i) for i in wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:k]]


def test_slug(index: int) -> str:
    return f"test-{index}"


# --- Writing an entry ---------------------------------------------------------------------------------

def capture_key(trained, extras: str | None) -> str:
    """What a capture depends on: the trained weights, CNN Explainer's files, and all the code that
    runs or names what it stores (this module, training's evaluation, the data and model packages)."""
    package = Path(__file__).parent
    code = sorted([Path(__file__), package / "measure.py", package / "channels.py", package / "costs.py",
                   package / "probes.py",
                   package / "profiles.py",
                   package / "train.py", package / "trained.py",
                   *(package / "data").glob("*.py"), *(package / "models").glob("*.py"),
                   trained.spec.source_file()])
    return cache.content_key({"capture": trained.spec.name, "weights": trained.cache_dir.name,
                              "code": cache.file_digest(*dict.fromkeys(code)), "extras": extras})


def ensure_captured(trained, dataset_loader, root: Path, *, extras: str | None) -> Path:
    """The capture entry of a trained network: reused when intact, else computed and written.

    `dataset_loader(train_images)` gives the network's dataset with that many training images, from
    every class (None for a network never trained, which is run on its photos); it is called only
    when capturing. The capture reads training images only to fit the probes.
    """
    from cnnbook.probes import PROBE_TRAIN

    key = capture_key(trained, extras)
    folder = Path(root) / trained.spec.name
    where = cache.entry_dir(folder, "entry", key)
    if cache.is_complete(where):
        try:
            cache.read_entry(where)  # every file checked against its checksum
            return where
        except cache.CorruptCacheError as err:
            print(f"warning: corrupt capture, capturing {trained.spec.name} again: {err}")
            cache.discard(where)
    print(f"capturing every layer of {trained.spec.name}", flush=True)
    dataset = dataset_loader(PROBE_TRAIN)
    cache.write_entry(where, capture_files(trained, dataset) if dataset is not None else photo_files(trained))
    for old in folder.iterdir():  # one entry per network: older captures are stale
        if old != where:
            shutil.rmtree(old, ignore_errors=True)
    return where


def capture_files(trained, dataset) -> dict[str, bytes]:
    """The files of a capture entry (see the module docstring)."""
    from flax import nnx
    from safetensors.numpy import save as save_tensors

    from cnnbook.channels import learned
    from cnnbook.data import samples
    from cnnbook.measure import measure
    from cnnbook.profiles import get_profile
    from cnnbook.train import evaluate, to_inputs
    from cnnbook.costs import costs_of
    from cnnbook.probes import linear_probes, silhouette
    from cnnbook.trained import state_to_arrays

    spec = trained.spec
    y_test = np.asarray(dataset.y_test)
    probs = trained.test_probs
    classes = dataset.class_names
    per_class = first_of_each_class(y_test, len(classes))
    maps = [row.output_shape[-1] for row in layer_table(trained.model, spec.input_shape)
            if row.kind in ("conv", "pool") and len(row.output_shape) == 3]
    wide = is_wide(maps)
    profile = get_profile(trained.config["profile"])
    walks = confident_mistakes(probs, y_test, walk_count(profile, wide))
    gallery = confident_mistakes(probs, y_test, GALLERY)

    # The inputs every variant is run on: test images by index, then CNN Explainer's samples.
    inputs = []
    for index in dict.fromkeys(per_class + walks):
        label = int(y_test[index])
        inputs.append({"slug": test_slug(index), "caption": f"test image {index} (label {classes[label]})",
                       "label": label, "index": index})
    pixels = [to_inputs(dataset.x_test[i["index"] : i["index"] + 1])[0] for i in inputs]
    for name, image in samples.present_samples(spec.dataset).items():
        inputs.append({"slug": name, "caption": f"{name}.jpeg", "label": classes.index(samples.sample_class(name)),
                       "index": None})
        pixels.append(image.astype(np.float32) / 255.0)
    x = np.stack(pixels).astype(np.float32)

    channel_arrays, channel_summary = learned(spec, trained.model, np.asarray(dataset.x_test), y_test,
                                              profile.visualisation_steps)
    # After `learned`, which makes its own: 10,000 AlexNet inputs are 540 MB of floats, converted once here.
    x_test = to_inputs(dataset.x_test)
    variants = {"trained": trained.model}
    seed = trained.config["train"]["seed"]
    variants["untrained"] = spec.build(rngs=nnx.Rngs(seed))
    variants["untrained"].eval()
    published = spec.published() if spec.published else None
    if published is not None:
        variants["published"] = published

    arrays = {"y_test": y_test, "probs/trained": probs.astype(np.float32), "inputs": x,
              "gallery_images": np.asarray(dataset.x_test[gallery])}
    accuracy = {"trained": trained.metrics["test_accuracy"]}
    files = {CHANNELS: _npz(channel_arrays)}
    for variant, model in variants.items():
        acts = {}
        for item, one in zip(inputs, x):  # one image at a time, as a reader's single image would go
            for layer, out in capture(model, one[None]).items():
                acts[f"{item['slug']}/{layer}"] = out[0]
        files[f"activations-{variant}.npz"] = _npz(acts)
        if variant != "trained":  # the trained network's test results came with its training
            _, accuracy[variant], probs_v = evaluate(model, x_test, y_test.astype("int32"))
            arrays[f"probs/{variant}"] = np.asarray(probs_v, np.float32)
            files[f"weights-{variant}.safetensors"] = save_tensors(state_to_arrays(model))
    meta = {
        "network": spec.name, "profile": trained.config["profile"], "config": trained.config,
        "metrics": trained.metrics, "weights": str(trained.cache_dir.name), "class_names": list(classes),
        "inputs": inputs, "per_class": per_class, "walks": walks, "gallery": gallery, "wide": wide,
        "variants": list(variants), "accuracy": {k: float(v) for k, v in accuracy.items()},
        "measures": measure(trained.model, x_test, y_test.astype("int32"),
                            macs_per_image=sum(c.macs for c in costs_of(spec)), at_most=profile.measure_images),
        "channels": channel_summary,
        "probes": {"linear": linear_probes(trained.model, to_inputs(dataset.x_train), dataset.y_train,
                                           x_test, y_test, len(classes)),
                   "silhouette": silhouette(trained.model, x_test)},
    }
    files[NETWORK] = json.dumps(meta, indent=1, sort_keys=True).encode()
    files[ARRAYS] = _npz(arrays)
    return files


def photo_files(trained) -> dict[str, bytes]:
    """The files of a capture entry for a network that is never trained: its layers on its photos."""
    spec = trained.spec
    photos = spec.photos()
    for p in photos.values():  # the layer table is computed for input_shape: the photos must have it
        if p.x.shape != tuple(spec.input_shape):
            raise DataError(f"photo {p.slug!r} is {p.x.shape}, but {spec.name} declares input_shape "
                            f"{tuple(spec.input_shape)}: make them agree in {spec.source_file()}")
    inputs = [{"slug": p.slug, "caption": p.caption, "label": None, "index": None, "credit": p.credit,
               "original_shape": list(p.original_shape)} for p in photos.values()]
    x = np.stack([p.x for p in photos.values()])
    acts = {}
    for item, one in zip(inputs, x):
        for layer, out in capture(trained.model, one[None]).items():
            acts[f"{item['slug']}/{layer}"] = out[0]
    meta = {"network": spec.name, "profile": trained.config["profile"], "config": trained.config,
            "metrics": trained.metrics, "weights": str(trained.cache_dir.name), "class_names": [],
            "inputs": inputs, "per_class": [], "walks": [], "gallery": [], "variants": ["trained"],
            "accuracy": {}, "measures": {}}
    return {NETWORK: json.dumps(meta, indent=1, sort_keys=True).encode(), ARRAYS: _npz({"inputs": x}),
            "activations-trained.npz": _npz(acts)}


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


# --- Reading an entry ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """One input image the pages follow through a network."""

    x: np.ndarray  # (H, W, C) float32 in 0..1, as the network sees it
    caption: str  # how pages name it, e.g. "test image 3 (label 0)"
    label: int | None = None  # the true class, when known
    slug: str = "image"  # for file names and anchors, and the key of its captured activations


class Captured:
    """A capture entry, read lazily: arrays are loaded when first asked for."""

    def __init__(self, where: Path):
        self.where = Path(where)
        self.meta = json.loads((self.where / NETWORK).read_text())
        self._activations: dict[str, np.lib.npyio.NpzFile] = {}

    @cached_property
    def arrays(self):
        return np.load(self.where / ARRAYS)

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(self.meta["class_names"])

    @cached_property
    def channels(self):
        """What each channel of the trained weights responds to (`cnnbook.channels`); None for a
        network that is never trained."""
        path = self.where / CHANNELS
        if not path.is_file():
            return None
        with np.load(path) as npz:  # read every array once: views index them many times per figure
            return {key: npz[key] for key in npz.files}

    @cached_property
    def y_test(self) -> np.ndarray:
        """The test labels (none for a network run on photos instead of a test set)."""
        return self.arrays["y_test"] if "y_test" in self.arrays.files else np.zeros(0, np.uint8)

    def probs(self, variant: str = "trained") -> np.ndarray | None:
        key = f"probs/{variant}"
        return self.arrays[key] if key in self.arrays.files else None

    @cached_property
    def examples(self) -> dict[str, Example]:
        """Every captured input by slug."""
        x = self.arrays["inputs"]
        return {item["slug"]: Example(x[i], item["caption"], item["label"], item["slug"])
                for i, item in enumerate(self.meta["inputs"])}

    def example(self, image) -> Example:
        """A captured input from a test index, a slug, or the `Example` itself."""
        if isinstance(image, Example):
            mine = self.examples.get(image.slug)
            if mine is None or not np.array_equal(mine.x, image.x):
                raise UnknownNameError(f"{image.caption} is not an input captured for {self.meta['network']}: "
                                       "take the image from this network (book.example or book.sample)")
            return mine
        slug = image if isinstance(image, str) else test_slug(int(image))
        if slug not in self.examples:
            photos = [i["slug"] for i in self.meta["inputs"] if "credit" in i]
            if photos:
                raise UnknownNameError(f"{image!r} is not a photo of {self.meta['network']}; its photos are: "
                                       f"{', '.join(photos)}")
            tests = [str(i["index"]) for i in self.meta["inputs"] if i["index"] is not None]
            raise UnknownNameError(
                f"{image!r} is not an input captured for {self.meta['network']}: the capture stage follows the "
                f"first test image of each class and the most confident mistakes (test images {', '.join(tests)})")
        return self.examples[slug]

    def activations(self, image, variant: str = "trained") -> dict[str, np.ndarray]:
        """Every layer's output for a captured input, batch axis removed, in layer order."""
        slug = self.example(image).slug
        if variant not in self._activations:
            path = self.where / f"activations-{variant}.npz"
            if not path.is_file():
                raise UnknownNameError(f"no {variant!r} weights were captured for {self.meta['network']}; "
                                       f"captured: {', '.join(self.meta['variants'])}")
            self._activations[variant] = np.load(path)
        npz = self._activations[variant]
        prefix = f"{slug}/"
        return {key[len(prefix):]: npz[key] for key in npz.files if key.startswith(prefix)}

    def weights_file(self, variant: str) -> Path:
        return self.where / f"weights-{variant}.safetensors"

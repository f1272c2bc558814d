"""Trained networks: train once, cache by content hash, load back for the pages.

The cache key covers everything that can change the weights: the model's source file,
the training code, the settings, the data's checksum, the seed and the library versions.
Editing prose never changes it, so it never retrains a network.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from cnnbook import cache, data
from cnnbook.models import count_params
from cnnbook.models.registry import NetworkSpec, TrainConfig
from cnnbook.profiles import Profile

STATE, CONFIG, METRICS, EVAL = "state.safetensors", "config.json", "metrics.json", "eval.safetensors"


@dataclass
class TrainedNetwork:
    """A network with its trained weights and everything its training recorded."""

    spec: NetworkSpec
    config: dict  # training settings, profile, data checksum: what the cache key was made of
    metrics: dict  # history, accuracy, timings
    model: object  # the nnx.Module with trained weights
    test_probs: np.ndarray
    cache_dir: Path
    cache_hit: bool


def _code_files(spec: NetworkSpec) -> list[Path]:
    import cnnbook.models.layers as layers
    import cnnbook.models.registry as registry
    import cnnbook.train as train

    return [spec.source_file(), Path(layers.__file__), Path(registry.__file__), Path(train.__file__)]


def describe(spec: NetworkSpec, profile: Profile) -> dict:
    """Everything the trained weights depend on, as the JSON stored beside them."""
    cfg: TrainConfig = spec.config(profile.name)
    return {
        "network": spec.name,
        "profile": profile.name,
        "train": cfg.to_dict(),
        "dataset": spec.dataset,
        "synthetic": profile.synthetic,
        "n_train": profile.n_train,
        "n_test": profile.n_test,
        "data_checksum": data.dataset_checksum(spec.dataset, synthetic=profile.synthetic),
        "code_checksum": cache.file_digest(*_code_files(spec)),
        "versions": {k: v for k, v in cache.library_versions().items() if k in ("python", "jax", "jaxlib", "flax", "optax", "numpy")},
    }


def state_to_arrays(model) -> dict[str, np.ndarray]:
    """A model's parameters as a flat {"conv2d.kernel": array} dict (safetensors-ready)."""
    import jax
    from flax import nnx

    flat, _ = jax.tree_util.tree_flatten_with_path(nnx.state(model, nnx.Param))
    return {_path_name(path): np.asarray(leaf) for path, leaf in flat}


def arrays_to_model(spec: NetworkSpec, arrays: dict[str, np.ndarray]):
    """A fresh model of `spec` with its parameters replaced by `arrays`."""
    import jax
    from flax import nnx

    model = spec.build(rngs=nnx.Rngs(0))
    state = nnx.state(model, nnx.Param)
    flat, treedef = jax.tree_util.tree_flatten_with_path(state)
    leaves = []
    for path, leaf in flat:
        name = _path_name(path)
        if name not in arrays or arrays[name].shape != leaf.shape:
            raise cache.CorruptCacheError(f"{spec.name}: stored weights lack {name} {leaf.shape}")
        leaves.append(arrays[name])
    nnx.update(model, jax.tree_util.tree_unflatten(treedef, leaves))
    model.eval()
    return model


def _path_name(path) -> str:
    parts = []
    for key in path:
        for attr in ("key", "name", "idx"):
            if hasattr(key, attr):
                parts.append(str(getattr(key, attr)))
                break
    # nnx states end in a `.value` leaf on some versions; keep names stable across them.
    return ".".join(p for p in parts if p != "value")


def ensure_trained(spec: NetworkSpec, profile: Profile, cache_root: Path, *, progress: bool = True) -> TrainedNetwork:
    """Load the network from the cache, or train it and cache it (a corrupt entry is retrained)."""
    from cnnbook.train import train_and_evaluate

    config = describe(spec, profile)
    key = cache.content_key(config)
    where = cache.entry_dir(cache_root, spec.name, key)
    if cache.is_complete(where):
        try:
            return _load_entry(spec, where, cache_hit=True)
        except cache.CorruptCacheError as err:
            print(f"warning: corrupt cache entry, retraining {spec.name}: {err}", file=sys.stderr)
            cache.discard(where)

    dataset = data.load(spec.dataset, synthetic=profile.synthetic, n_train=profile.n_train, n_test=profile.n_test)
    cfg = spec.config(profile.name)
    result = train_and_evaluate(spec, cfg, dataset, progress=progress)
    metrics = {
        "history": result.history,
        "test_accuracy": result.history["test_accuracy"][-1],
        "train_seconds": round(result.train_seconds, 3),
        "train_images_per_second": round(result.images_per_second, 1),
        "epochs": len(result.history["train_loss"]),  # fewer than planned after early stopping
        "train_samples": int(len(dataset.x_train)),
        "test_samples": int(len(dataset.x_test)),
        "params": count_params(result.model),
    }
    files = {
        STATE: save_tensors(state_to_arrays(result.model)),
        EVAL: save_tensors({"test_probs": result.test_probs.astype(np.float32)}),
        CONFIG: json.dumps(config, indent=1, sort_keys=True).encode(),
        METRICS: json.dumps(metrics, indent=1, sort_keys=True).encode(),
    }
    cache.write_entry(where, files)
    return TrainedNetwork(spec, config, metrics, result.model, result.test_probs, where, cache_hit=False)


def _load_entry(spec: NetworkSpec, where: Path, *, cache_hit: bool) -> TrainedNetwork:
    files = cache.read_entry(where, [STATE, EVAL, CONFIG, METRICS])
    try:
        arrays = load_tensors(files[STATE])
        probs = load_tensors(files[EVAL])["test_probs"]
        config, metrics = json.loads(files[CONFIG]), json.loads(files[METRICS])
    except Exception as err:  # checksums matched but the content does not parse
        raise cache.CorruptCacheError(f"{where}: {err}") from None
    model = arrays_to_model(spec, arrays)
    return TrainedNetwork(spec, config, metrics, model, probs, where, cache_hit)


def load_from(where: Path, spec: NetworkSpec) -> TrainedNetwork:
    """Load a cache entry the train stage recorded (used by the pages)."""
    return _load_entry(spec, Path(where), cache_hit=True)


def untrained(net: TrainedNetwork) -> TrainedNetwork:
    """The same network with the random weights it started training from (same seed)."""
    import dataclasses

    from flax import nnx

    model = net.spec.build(rngs=nnx.Rngs(net.config["train"]["seed"]))
    model.eval()
    return dataclasses.replace(net, model=model, test_probs=None)

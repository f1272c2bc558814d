"""Trained networks: train once, cache by content hash, load back for the pages.

The cache key covers everything that can change the weights: the model's source file,
the training code, the settings, the data's checksum, the seed and the library versions.
Editing prose never changes it, so it never retrains a network.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from cnnbook import cache
from cnnbook.models import count_params
from cnnbook.models.spec import NetworkSpec, TrainConfig
from cnnbook.profiles import Profile

STATE, CONFIG, METRICS, EVAL = "state.safetensors", "config.json", "metrics.json", "eval.safetensors"


@dataclass
class TrainedNetwork:
    """A network's cache entry: what its training recorded, with the weights loaded on demand.

    A cache hit reads no weights into a model: a build whose captures are also cached never
    needs one.
    """

    spec: NetworkSpec
    config: dict  # training settings, profile, data checksum: what the cache key was made of
    metrics: dict  # history, accuracy, timings
    cache_dir: Path
    cache_hit: bool

    @cached_property
    def model(self):
        """The nnx.Module with the trained weights."""
        return load_weights(self.spec, self.cache_dir / STATE)

    @cached_property
    def test_probs(self) -> np.ndarray:
        """The softmax probabilities of every test image."""
        return _parse(self.cache_dir, lambda: load_tensors((self.cache_dir / EVAL).read_bytes())["test_probs"])


def _code_files(spec: NetworkSpec) -> list[Path]:
    import cnnbook.models.layers as layers
    import cnnbook.models.spec as spec_module
    import cnnbook.train as train

    return [spec.source_file(), Path(layers.__file__), Path(spec_module.__file__), Path(train.__file__),
            Path(__file__)]  # this file names the stored weights


def describe(spec: NetworkSpec, profile: Profile, data_checksum: str | None = None) -> dict:
    """Everything the trained weights depend on, as the JSON stored beside them."""
    if not spec.trained:  # seeded random weights: they depend on the code and the seed only
        return {"network": spec.name, "profile": profile.name, "trained": False, "seed": spec.seed,
                "code_checksum": cache.file_digest(*_code_files(spec)),
                "versions": _versions(), "machine": {k: v for k, v in cache.machine().items() if k != "cores"}}
    cfg: TrainConfig = spec.config(profile.name)
    if data_checksum is None:  # the build passes the checksum its data stage computed; others compute it
        from cnnbook import data

        data_checksum = data.dataset_checksum(spec.dataset, synthetic=profile.synthetic)
    return {
        "network": spec.name,
        "profile": profile.name,
        "train": cfg.to_dict(),
        "dataset": spec.dataset,
        "input_shape": list(spec.input_shape),
        "synthetic": profile.synthetic,
        "n_train": profile.n_train,
        "n_test": profile.n_test,
        "data_checksum": data_checksum,
        "code_checksum": cache.file_digest(*_code_files(spec)),
        "versions": _versions(),
        # XLA compiles for this CPU: weights trained on another kind of CPU differ slightly.
        # Recorded with the weights, but not part of the key (see `cache_key`).
        "machine": {k: v for k, v in cache.machine().items() if k != "cores"},
    }


def _versions() -> dict:
    return {k: v for k, v in cache.library_versions().items() if k in ("python", "jax", "jaxlib", "flax", "optax", "numpy")}


def cache_key(config: dict) -> str:
    """The training cache key: everything the weights depend on, less the machine they were trained on.

    The machine is recorded, so a page can say where its weights came from; keying on it would
    retrain on every new CPU model name although the settings are the same.
    """
    return cache.content_key({k: v for k, v in config.items() if k != "machine"})


def state_to_arrays(model) -> dict[str, np.ndarray]:
    """A model's parameters as a flat {"conv2d.kernel": array} dict (safetensors-ready)."""
    import jax
    from flax import nnx

    flat, _ = jax.tree_util.tree_flatten_with_path(nnx.state(model, nnx.Param))
    return {_path_name(path): np.asarray(leaf) for path, leaf in flat}


def arrays_to_model(spec: NetworkSpec, arrays: dict[str, np.ndarray]):
    """A model of `spec` holding `arrays` as its parameters.

    The model is built abstractly (`nnx.eval_shape`): drawing random initial weights only to
    replace them would compile every initialiser, seconds per network in each chapter kernel.
    """
    import jax
    import jax.numpy as jnp
    from flax import nnx

    model = nnx.eval_shape(lambda: spec.build(rngs=nnx.Rngs(0)))
    state = nnx.state(model, nnx.Param)
    flat, treedef = jax.tree_util.tree_flatten_with_path(state)
    leaves = []
    for path, leaf in flat:
        name = _path_name(path)
        if name not in arrays or arrays[name].shape != leaf.shape:
            raise cache.CorruptCacheError(f"{spec.name}: stored weights lack {name} {leaf.shape}")
        leaves.append(jnp.asarray(arrays[name]))
    nnx.update(model, jax.tree_util.tree_unflatten(treedef, leaves))
    # The rest (a dropout's random-number state) was built abstractly too: give it real values, or
    # a compiled call on the model fails. Unused at inference, so any fixed value will do.
    nnx.update(model, jax.tree_util.tree_map(_concrete, nnx.state(model, nnx.Not(nnx.Param))))
    model.eval()
    return model


def _concrete(leaf):
    """A fixed value for an abstract (shape-only) leaf; a real array stays as it is."""
    import jax
    import jax.numpy as jnp

    if not isinstance(leaf, jax.ShapeDtypeStruct):
        return leaf
    if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
        return jax.random.split(jax.random.key(0), max(1, int(np.prod(leaf.shape)))).reshape(leaf.shape)
    return jnp.zeros(leaf.shape, leaf.dtype)


def _path_name(path) -> str:
    parts = []
    for key in path:
        for attr in ("key", "name", "idx"):
            if hasattr(key, attr):
                parts.append(str(getattr(key, attr)))
                break
    # nnx states end in a `.value` leaf on some versions; keep names stable across them.
    return ".".join(p for p in parts if p != "value")


def ensure_trained(spec: NetworkSpec, profile: Profile, cache_root: Path, *, data_checksum: str | None = None,
                   progress: bool = True) -> TrainedNetwork:
    """The network's cache entry, checked; trained and cached first when missing (a corrupt entry is retrained)."""
    from cnnbook import data
    from cnnbook.train import train_and_evaluate

    spec = spec.for_profile(profile.name)  # e.g. AlexNet's input differs between profiles
    config = describe(spec, profile, data_checksum)
    key = cache_key(config)
    where = cache.entry_dir(cache_root, spec.name, key)
    if cache.is_complete(where):
        try:
            names = [STATE, EVAL, CONFIG, METRICS] if spec.trained else [STATE, CONFIG, METRICS]
            files = cache.read_entry(where, names)  # every checksum checked
            config, metrics = _parse(where, lambda: (json.loads(files[CONFIG]), json.loads(files[METRICS])))
            _check_shapes(spec, where, files[STATE])
            return TrainedNetwork(spec, config, metrics, where, cache_hit=True)
        except cache.CorruptCacheError as err:
            print(f"warning: corrupt cache entry, retraining {spec.name}: {err}", file=sys.stderr)
            cache.discard(where)
    if not spec.trained:
        return _initialise(spec, config, where)

    cfg = spec.config(profile.name)
    n_train = profile.n_train
    if cfg.train_samples is not None:  # a quick experiment trains on the start of the training set
        n_train = min(cfg.train_samples, n_train or cfg.train_samples)
    dataset = spec.prepared(data.load(spec.dataset, synthetic=profile.synthetic, n_train=n_train,
                                      n_test=profile.n_test))
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
    trained = TrainedNetwork(spec, config, metrics, where, cache_hit=False)
    trained.model = result.model  # already in memory: no need to read it back
    trained.test_probs = result.test_probs.astype(np.float32)
    return trained


def _initialise(spec: NetworkSpec, config: dict, where: Path) -> TrainedNetwork:
    """The cache entry of a network that is never trained: its seeded initial weights, no test results."""
    from flax import nnx

    model = spec.build(rngs=nnx.Rngs(spec.seed))
    model.eval()
    metrics = {"history": {}, "test_accuracy": None, "train_seconds": 0.0, "train_images_per_second": None,
               "epochs": 0, "train_samples": 0, "test_samples": 0, "params": count_params(model)}
    cache.write_entry(where, {
        STATE: save_tensors(state_to_arrays(model)),
        CONFIG: json.dumps(config, indent=1, sort_keys=True).encode(),
        METRICS: json.dumps(metrics, indent=1, sort_keys=True).encode(),
    })
    trained = TrainedNetwork(spec, config, metrics, where, cache_hit=False)
    trained.model = model
    return trained


def _check_shapes(spec: NetworkSpec, where: Path, state: bytes) -> None:
    """The stored weights have the names and shapes the model has (read from the file's header,
    against an abstract model: nothing is loaded). A mismatch is a corrupt entry, retrained."""
    import jax
    from flax import nnx

    length = int.from_bytes(state[:8], "little")
    header = _parse(where, lambda: json.loads(state[8 : 8 + length]))
    stored = {name: tuple(info["shape"]) for name, info in header.items() if name != "__metadata__"}
    model = nnx.eval_shape(lambda: spec.build(rngs=nnx.Rngs(0)))
    flat, _ = jax.tree_util.tree_flatten_with_path(nnx.state(model, nnx.Param))
    wanted = {_path_name(path): tuple(leaf.shape) for path, leaf in flat}
    if stored != wanted:
        missing = sorted(set(wanted) - set(stored)) or sorted(n for n in wanted if stored.get(n) != wanted[n])
        raise cache.CorruptCacheError(f"{where}: the stored weights do not fit {spec.name} ({', '.join(missing[:3])})")


def _parse(where: Path, read):
    try:
        return read()
    except Exception as err:  # checksums matched but the content does not parse
        raise cache.CorruptCacheError(f"{where}: {err}") from None


def load_weights(spec: NetworkSpec, path: Path):
    """A model of `spec` holding the weights stored in a safetensors file."""
    path = Path(path)
    return arrays_to_model(spec, _parse(path, lambda: load_tensors(path.read_bytes())))


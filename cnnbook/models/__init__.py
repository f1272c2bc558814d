"""The book's networks, one Flax NNX module per file, found by discovery (see `registry`)."""

from cnnbook.models.registry import get, names
from cnnbook.models.spec import NetworkSpec, TrainConfig

__all__ = ["NetworkSpec", "TrainConfig", "get", "names", "build_model", "count_params"]


def build_model(name: str, seed: int = 0):
    """A freshly initialised (untrained) instance of the named network."""
    from flax import nnx

    return get(name).build(rngs=nnx.Rngs(seed))


def count_params(model) -> int:
    """The number of trainable parameters of a model."""
    import jax
    from flax import nnx

    return sum(x.size for x in jax.tree_util.tree_leaves(nnx.state(model, nnx.Param)))

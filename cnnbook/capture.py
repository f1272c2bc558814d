"""Capture: the output of every named layer, in order, and what each layer is."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from cnnbook.models.registry import UnknownNameError


def capture(model, x) -> dict[str, np.ndarray]:
    """Run a batch through the model layer by layer; {layer name: output}, in order.

    The last entry is exactly the model's output, since `__call__` runs the same list.
    """
    outputs = {}
    x = jnp.asarray(x)
    for name, layer in model.layers():
        x = layer(x)
        outputs[name] = np.asarray(x)
    return outputs


def layer_output(model, x, layer: str) -> np.ndarray:
    """The output of one named layer (an error lists the layers when the name is unknown)."""
    names = layer_names(model)
    if layer not in names:
        raise UnknownNameError(f"unknown layer {layer!r}; this network has: {', '.join(names)}")
    return capture(model, x)[layer]


def layer_names(model) -> list[str]:
    """The model's layer names, in order."""
    return [name for name, _ in model.layers()]


@dataclass(frozen=True)
class LayerInfo:
    """One row of a Keras-style summary."""

    name: str
    kind: str  # "conv", "dense", "relu", "pool", "flatten" or "other"
    output_shape: tuple[int, ...]  # one sample, no batch axis
    params: int
    kernel_shape: tuple[int, ...] | None  # conv (kh, kw, cin, cout) or dense (in, out)
    has_bias: bool


def layer_table(model, input_shape: tuple[int, ...]) -> list[LayerInfo]:
    """Every layer's output shape and parameter count, computed from the model itself."""
    x = jax.ShapeDtypeStruct((1, *input_shape), jnp.float32)
    rows = []
    for name, layer in model.layers():
        x = jax.eval_shape(layer, x)
        module = getattr(model, name, None)
        kind, kernel_shape, params, has_bias = _kind(name, module), None, 0, False
        if isinstance(module, (nnx.Conv, nnx.Linear)):
            kernel_shape = tuple(module.kernel.shape)
            has_bias = module.bias is not None
            params = sum(leaf.size for leaf in jax.tree_util.tree_leaves(nnx.state(module, nnx.Param)))
        rows.append(LayerInfo(name, kind, tuple(x.shape[1:]), int(params), kernel_shape, has_bias))
    return rows


def _kind(name: str, module) -> str:
    if isinstance(module, nnx.Conv):
        return "conv"
    if isinstance(module, nnx.Linear):
        return "dense"
    if "pool" in name:
        return "pool"
    if "relu" in name:
        return "relu"
    if "flatten" in name:
        return "flatten"
    return "other"

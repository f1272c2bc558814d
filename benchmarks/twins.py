"""PyTorch twins of the book's networks, for the speed benchmark only (the book never needs PyTorch).

A twin is built from the network's manifest (`cnnbook.export.layers_manifest`), the description
the explorers and the NumPy reference read: the same layers in the same order, with the same
shapes, strides, paddings and parameter count. The dropouts a layer applies while training are
found by running it (`dropout_rates`). Weights copy across (`copy_weights`), so a test can check
that a twin gives its network's logits.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from torch import nn


class FlattenLikeKeras(nn.Module):
    """NCHW maps flattened in NHWC order, as the Flax networks (and Keras) flatten them."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1)


class Twin(nn.Sequential):
    """The twin: NCHW input, one module per manifest layer (plus its ReLU and dropout)."""


def build_twin(layers: list[dict], dropout: dict[str, float] | None = None) -> Twin:
    """A PyTorch network computing what `layers` (a manifest's) describe, on NCHW input."""
    modules: list[tuple[str, nn.Module]] = []
    for entry in layers:
        if entry["reads"] is not None:
            raise ValueError(f"layer {entry['name']!r} reads {entry['reads']!r}: twins are sequential")
        kind, name = entry["kind"], entry["name"].replace(".", "_")  # PyTorch names hold no dots
        if kind == "conv":
            kh, kw, cin, cout = entry["kernel_shape"]
            (top, bottom), (left, right) = entry["padding"]
            if top != bottom or left != right:  # PyTorch pads both sides alike: pad the extra row first
                modules.append((f"{name}_pad", nn.ZeroPad2d((left, right, top, bottom))))
                padding = 0
            else:
                padding = (top, left)
            modules.append((name, nn.Conv2d(cin, cout, (kh, kw), stride=tuple(entry["stride"]), padding=padding)))
        elif kind == "dense":
            fan_in, fan_out = entry["kernel_shape"]
            modules.append((name, nn.Linear(fan_in, fan_out)))
        elif kind == "pool":
            pool = nn.MaxPool2d if entry["op"] == "max" else nn.AvgPool2d
            modules.append((name, pool(entry["window"], entry["stride"])))
        elif kind == "relu":
            modules.append((name, nn.ReLU()))
        elif kind == "flatten":
            modules.append((name, FlattenLikeKeras()))
        else:
            raise ValueError(f"layer {name!r} is of kind {kind!r}, which a twin does not build")
        if entry.get("activation") == "relu":
            modules.append((f"{name}_relu", nn.ReLU()))
        if dropout and entry["name"] in dropout:
            modules.append((f"{name}_dropout", nn.Dropout(dropout[entry["name"]])))
    twin = Twin(OrderedDict(modules))
    twin.layer_names = {entry["name"].replace(".", "_"): entry["name"] for entry in layers}
    return twin


def copy_weights(twin: Twin, params: dict[str, np.ndarray]) -> None:
    """Give the twin the Flax network's parameters ("<layer>/kernel", "<layer>/bias", as the manifest has them)."""
    def tensor(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.array(array, np.float32))  # a writable copy

    with torch.no_grad():
        for key, module in twin.named_children():
            name = twin.layer_names.get(key)
            if isinstance(module, nn.Conv2d):  # HWIO → OIHW
                module.weight.copy_(tensor(params[f"{name}/kernel"].transpose(3, 2, 0, 1)))
                module.bias.copy_(tensor(params[f"{name}/bias"]))
            elif isinstance(module, nn.Linear):  # (in, out) → (out, in)
                module.weight.copy_(tensor(params[f"{name}/kernel"].T))
                module.bias.copy_(tensor(params[f"{name}/bias"]))


def dropout_rates(model, input_shape: tuple[int, ...]) -> dict[str, float]:
    """{layer: rate} of the layers that drop units while training, found by running each twice in
    training mode (the rate is the model's `nnx.Dropout`'s; the book's networks use one rate)."""
    import jax.numpy as jnp
    from flax import nnx

    from cnnbook.models.layers import forward

    rates = {d.rate for _, d in nnx.iter_graph(model) if isinstance(d, nnx.Dropout)}
    if not rates:
        return {}
    if len(rates) > 1:
        raise ValueError(f"the network's dropouts have several rates {sorted(rates)}: say which layer has which")
    model.train()
    try:
        x = jnp.asarray(np.random.default_rng(0).normal(size=(2, *input_shape)), jnp.float32)
        found, given = [], x
        for layer, out in forward(model.layers(), x):  # sequential: each layer reads the one before
            if layer.kind == "dense" and not np.array_equal(np.asarray(layer.apply(given)),
                                                            np.asarray(layer.apply(given))):
                found.append(layer.name)
            given = out
    finally:
        model.eval()
    (rate,) = rates
    return {name: rate for name in found}

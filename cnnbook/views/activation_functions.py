"""Activation functions compared: their curves, their effect on a real feature map, ReLU's zeros on the test set."""

from __future__ import annotations

import math

import numpy as np

from cnnbook.render import activation_functions as curves_render
from cnnbook.render.formats import fmt_percent, fmt_value
from cnnbook.render.tables import Table
from cnnbook.views.convolution import strongest_channel

LEAKY_SLOPE = 0.1  # libraries default to 0.01; 0.1 makes the leak visible on a page


def functions(slope: float = LEAKY_SLOPE) -> dict:
    """{name: f} for ReLU, leaky ReLU, sigmoid and tanh, each NumPy in and out (computed by jax.nn)."""
    import jax  # here, so that `from cnnbook import book` does not load JAX for every page
    import jax.numpy as jnp

    def numpy(f):
        return lambda z: np.asarray(f(jnp.asarray(z, jnp.float32)), np.float64)

    return {
        "ReLU": numpy(jax.nn.relu),
        f"leaky ReLU ({slope:g})": numpy(lambda z: jax.nn.leaky_relu(z, negative_slope=slope)),
        "sigmoid": numpy(jax.nn.sigmoid),
        "tanh": numpy(jnp.tanh),
    }


def activation_curves(slope: float = LEAKY_SLOPE, lo: float = -5.0, hi: float = 5.0):
    """The four activation functions drawn for inputs lo..hi."""
    z = np.linspace(lo, hi, 401)
    return curves_render.activation_curves(z, {name: f(z) for name, f in functions(slope).items()},
                                           title="Four activation functions")


def activation_values(zs=(-3.0, -1.0, -0.1, 0.0, 0.1, 1.0, 3.0), slope: float = LEAKY_SLOPE) -> Table:
    """A table of each function's output at a few inputs: what the curves say, in numbers."""
    fs = functions(slope)
    zs = np.asarray(zs, dtype=np.float64)
    outs = {name: f(zs) for name, f in fs.items()}
    rows = [[fmt_value(z)] + [fmt_value(outs[name][i]) for name in fs] for i, z in enumerate(zs)]
    return Table(["z"] + list(fs), rows, align=["right"] * (len(fs) + 1))


def activation_maps(net, layer: str, image, channel: int | None = None, slope: float = LEAKY_SLOPE):
    """One channel of a convolution's output (before any activation) and the same map after each function.

    When the network's next layer is its ReLU, the ReLU panel is checked against it.
    """
    net.check_layer(layer, kind="conv")
    readers = net.readers(layer)
    after = readers[0] if len(readers) == 1 else None
    if after is None or net.check_layer(after).kind != "relu":
        # Keras-style layers apply their activation inside: their output is not "before any activation".
        raise ValueError(f"{net.spec.name} {layer} is not followed by a ReLU layer of its own, so its captured "
                         "output may already be activated; pick a convolution whose ReLU is a separate layer "
                         "(e.g. mnist_torch conv1.0)")
    acts = net.activations(image)
    before = acts[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    outputs = {name: f(before[..., channel]) for name, f in functions(slope).items()}
    if not np.allclose(outputs["ReLU"], acts[after][..., channel], rtol=1e-4, atol=1e-6):
        raise ValueError(f"ReLU of {layer} does not match the network's own {after}: a capture mismatch")
    return curves_render.activation_maps(
        before[..., channel], outputs,
        title=f"{net.spec.name} {layer}, channel {channel} — {net.example(image).caption}")


def relu_layers(net) -> list[str]:
    """The network's ReLU layers, in order."""
    return [r.name for r in net.layers if r.kind == "relu"]


def zero_shares(net, zeros: dict, layers: list[str] | None = None) -> Table:
    """Per layer (the ReLU layers unless named): its output shape and the share of exact zeros over the test set.

    zeros: {layer: share of exactly-zero values in its output}, as measured by the build
    (`book.measures(net)["zeros"]`).
    """
    layers = relu_layers(net) if layers is None else list(layers)
    rows = []
    for layer in layers:
        row = net.check_layer(layer)
        if layer not in zeros:
            raise KeyError(f"no zero share measured for {net.spec.name} {layer}; measured: {', '.join(zeros)}")
        share = float(zeros[layer])
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{net.spec.name} {layer}: a share of zeros must lie in 0..1, got {share}")
        size = math.prod(row.output_shape)
        rows.append([f"[`{layer}`](atlas/{net.spec.name}.md#{layer})", " × ".join(map(str, row.output_shape)),
                     f"{size:,}", fmt_percent(share), f"{share * size:,.0f}"])
    return Table(["Layer", "Output shape", "Values per image", "Zeros", "Zero values per image (mean)"], rows,
                 align=["left", "left", "right", "right", "right"])

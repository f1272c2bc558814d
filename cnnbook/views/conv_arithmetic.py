"""The arithmetic of a convolution: output sizes by formula and by a real convolution, and one window's sum."""

from __future__ import annotations

import numpy as np

from cnnbook.render import conv_arithmetic as geometry
from cnnbook.render.display import Tabs
from cnnbook.render.tables import Math, Table
from cnnbook.views.convolution import strongest_channel
from cnnbook.views.costs import conv_padding
from cnnbook.views.kernels import conv_weights

output_size = geometry.output_size

# (n, k, p, s, d): the book's own layers and a few that show the floor and the dilation
CASES = (
    (28, 5, 2, 1, 1),   # mnist_torch's convolutions: 5×5, padding 2
    (28, 3, 0, 1, 1),   # mnist_keras' first convolution
    (64, 3, 0, 1, 1),   # Tiny VGG's first convolution
    (28, 5, 0, 1, 1),   # 5×5 without padding: 4 rows and columns lost
    (28, 3, 1, 1, 1),   # 3×3 "same"
    (28, 3, 0, 2, 1),   # stride 2: ⌊25 / 2⌋ + 1 = 13
    (28, 3, 1, 2, 1),   # stride 2 with padding: 14, half of 28
    (7, 3, 1, 2, 1),
    (227, 11, 0, 4, 1),  # AlexNet's first convolution
    (28, 3, 0, 1, 2),   # dilation 2: a 3×3 kernel spread over 5×5
    (28, 3, 2, 1, 2),   # dilation 2 with padding 2 keeps 28
)


def measured_size(n: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> int:
    """The output length of a real convolution (`jax.lax.conv_general_dilated`) on an n×n input of zeros."""
    import jax
    import jax.numpy as jnp

    x = jnp.zeros((1, n, n, 1), jnp.float32)
    kernel = jnp.zeros((k, k, 1, 1), jnp.float32)
    y = jax.eval_shape(lambda x, w: jax.lax.conv_general_dilated(
        x, w, (s, s), [(p, p), (p, p)], rhs_dilation=(d, d), dimension_numbers=("NHWC", "HWIO", "NHWC")), x, kernel)
    return int(y.shape[1])


def size_check(cases=CASES) -> Table:
    """The formula against a real convolution for each (n, k, p, s, d); an error if any disagree."""
    rows = []
    for n, k, p, s, d in cases:
        formula, measured = output_size(n, k, p, s, d), measured_size(n, k, p, s, d)
        if formula != measured:
            raise AssertionError(f"n={n}, k={k}, p={p}, s={s}, d={d}: the formula gives {formula}, "
                                 f"a real convolution {measured}")
        rows.append([n, k, p, s, d, f"$\\lfloor ({n} + {2 * p} - {d * (k - 1)} - 1) / {s} \\rfloor + 1$",
                     formula, measured])
    return Table(["n", "k", "p", "s", "d", "formula", "by formula", "measured"], rows,
                 align=["right"] * 5 + ["left", "right", "right"])


def size_tabs(n: int = 8, kernels=(3, 5), paddings=(0, 1, 2), strides=(1, 2)) -> Tabs:
    """One tab per (kernel, padding, stride): the padded input, the last kernel position, the output.

    Every size drawn is the formula's, checked against a real convolution first.
    """
    items = []
    for k in kernels:
        for p in paddings:
            for s in strides:
                if output_size(n, k, p, s) != measured_size(n, k, p, s):
                    raise AssertionError(f"n={n}, k={k}, p={p}, s={s}: formula and convolution disagree")
                items.append((f"k={k}, p={p}, s={s}", geometry.conv_geometry(n, k, p, s)))
    return Tabs(tuple(items))


def same_padding(kernels=(3, 5, 7), n: int = 28) -> Table:
    """The padding that keeps the size at stride 1, p = (k − 1)/2, checked on an n×n input."""
    rows = []
    for k in kernels:
        if k % 2 == 0:
            raise ValueError(f"an even kernel ({k}) has no symmetric 'same' padding")
        p = (k - 1) // 2
        rows.append([f"{k}×{k}", f"$({k} - 1) / 2 = {p}$", output_size(n, k, p), measured_size(n, k, p)])
    return Table(["Kernel", "Padding p", f"Output of {n} (formula)", "Measured"], rows,
                 align=["left", "left", "right", "right"])


def _window(net, layer: str, image, channel, row, col):
    """The numbers behind one output value of a stride-1 conv layer (its padding as the layer declares it)."""
    kernel, bias = conv_weights(net, layer)
    x = net.input_of(layer, image)
    if x.ndim == 4:
        x = x[0]
    out = net.activations(image)[layer]
    padding = conv_padding(net.modules[layer], kernel.shape[0])
    channel = strongest_channel(net, layer, image) if channel is None else channel
    if row is None or col is None:
        row, col = (int(v) for v in np.unravel_index(np.abs(out[..., channel]).argmax(), out.shape[:2]))
    data = geometry.window_products(x, kernel[..., channel], bias[channel], row, col, padding)
    captured = float(out[row, col, channel])
    if abs(captured - data["total"]) > 1e-4 * max(1.0, abs(captured)):
        raise AssertionError(f"{layer}: the window's sum {data['total']:.6f} is not the network's output "
                             f"{captured:.6f} at ({row}, {col}) of channel {channel}")
    return data, captured, channel, row, col


def window_arithmetic(net, layer: str, image=0, channel: int | None = None, row: int | None = None,
                      col: int | None = None):
    """One output value of a conv layer worked out with the trained weights: window ⊙ kernel, summed, + bias.

    By default the strongest response of the strongest channel; checked against the captured output.
    """
    data, captured, channel, row, col = _window(net, layer, image, channel, row, col)
    return geometry.window_figure(data, captured=captured, title=(
        f"{layer}, channel {channel}, output ({row}, {col}) — {net.example(image).caption}"))

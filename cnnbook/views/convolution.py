"""One convolution on one image: each input channel with its kernel, and the arithmetic at one pixel."""

from __future__ import annotations

import numpy as np

from cnnbook.render import convolution as conv_render
from cnnbook.render.display import Markdown
from cnnbook.render.tables import Math
from cnnbook.views.costs import conv_padding
from cnnbook.views.kernels import conv_weights


def strongest_channel(net, layer: str, image) -> int:
    """The output channel of a layer with the largest total response to an image."""
    net.check_layer(layer)
    return int(np.abs(net.activations(image)[layer]).sum(axis=(0, 1)).argmax())


def _parts(net, layer: str, image):
    kernel, bias = conv_weights(net, layer)
    x = net.input_of(layer, image)
    # A padded convolution (PyTorch's Conv2d(padding=2)) reads zeros around its input: add them, so
    # that window (row, col) of `x` is exactly what output pixel (row, col) was computed from.
    pad = conv_padding(net.modules[layer], kernel.shape[0])
    if pad:
        x = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    # The first layer of a colour network reads the photo's red, green and blue.
    names = ["R", "G", "B"] if x.shape[-1] == 3 and net.layer_before(layer) is None else None
    return x, kernel, bias, names


def conv_decomposition(net, layer: str, image, channel: int | None = None):
    """How one output channel is made: each input channel with its own kernel, summed, plus the bias."""
    x, kernel, bias, names = _parts(net, layer, image)
    channel = strongest_channel(net, layer, image) if channel is None else channel
    return conv_render.conv_decomposition(x, kernel, bias, channel, names=names,
                                          title=f"{layer}, output channel {channel} — {net.example(image).caption}")


def pixel_arithmetic(net, layer: str, image, channel: int | None = None, row: int | None = None,
                     col: int | None = None) -> Markdown:
    """The kernel arithmetic at one output pixel, written out with the real numbers.

    By default the pixel is the strongest response of the channel, so the numbers matter.
    """
    x, kernel, bias, names = _parts(net, layer, image)
    channel = strongest_channel(net, layer, image) if channel is None else channel
    out = net.activations(image)[layer][..., channel]
    if row is None or col is None:
        row, col = (int(v) for v in np.unravel_index(np.abs(out).argmax(), out.shape))
    data = conv_render.pixel_arithmetic(x, kernel, bias, channel, row, col, names=names)
    latex = conv_render.pixel_arithmetic_latex(data)
    value = float(out[row, col])
    # A layer may include its activation (Keras' Conv2D(activation="relu")): then its output is the
    # activation of the sum, and the page says so rather than print a number that disagrees.
    after = ("" if abs(value - float(data["total"])) <= 1e-4 * max(1.0, abs(value))
             else f" after the layer's activation (it keeps {value:.4f} of the sum {float(data['total']):.4f})")
    return Markdown(
        f"Output pixel (row {row}, column {col}) of channel {channel} of `{layer}`: each input channel's "
        f"{kernel.shape[0]}×{kernel.shape[1]} patch is multiplied cell by cell with its kernel, the products "
        f"are summed, the sums are added up with the bias:\n\n{Math(latex)._repr_markdown_()}\n"
        f"The network's own output at that pixel is {value:.4f}{after}."
    )

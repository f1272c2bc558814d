"""Max-pooling on one image: each window's winner, and one window enlarged."""

from __future__ import annotations

import numpy as np

from cnnbook.render import pooling as pooling_render
from cnnbook.views.convolution import strongest_channel


def pooling(net, layer: str, image=0, channel: int | None = None):
    """A max-pool's input and output for one channel, each window's winner marked."""
    net.check_layer(layer, kind="pool")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    if channel is None:  # the channel that responds most to this image
        channel = int(np.abs(after).sum(axis=(0, 1)).argmax())
    return pooling_render.pooling_before_after(
        before[..., channel], after[..., channel],
        title=f"{layer}, channel {channel} — {net.example(image).caption}")


def pool_zoom(net, layer: str, image, channel: int | None = None):
    """One 2×2 max-pool window enlarged: the four values and the one kept (the strongest window)."""
    net.check_layer(layer, kind="pool")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    out = after[..., channel]
    row, col = (int(v) for v in np.unravel_index(out.argmax(), out.shape))
    return pooling_render.pooling_zoom(before[..., channel], row, col,
                                       title=f"{layer}, channel {channel} — {net.example(image).caption}")

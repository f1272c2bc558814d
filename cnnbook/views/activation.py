"""ReLU on one image: its input and output, and the share of values it set to zero."""

from __future__ import annotations

from cnnbook.render import activation as activation_render
from cnnbook.views.convolution import strongest_channel


def relu(net, layer: str, image, channel: int | None = None):
    """A ReLU layer's input and output, with the share of values it set to zero."""
    net.check_layer(layer, kind="relu")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    return activation_render.relu_before_after(before, after, channel=channel,
                                               title=f"{layer} — {net.example(image).caption}")


def share_zeroed(net, layer: str, image) -> float:
    """The share of a ReLU's inputs that it set to zero (they were negative)."""
    net.check_layer(layer, kind="relu")
    return activation_render.share_zeroed(net.input_of(layer, image))

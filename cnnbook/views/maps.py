"""Inputs and feature maps: what a network sees, and every channel of a layer's output."""

from __future__ import annotations

from cnnbook.render import feature_maps as maps_render
from cnnbook.render import images as images_render


def input_figure(net, image=0):
    """An input image as the network sees it."""
    ex = net.example(image)
    return images_render.input_image(ex.x, title=ex.caption)


def channels(net, image):
    """The input split into its colour channels, as the first layer sees it."""
    ex = net.example(image)
    return images_render.channels(ex.x, title=ex.caption)


def feature_maps(net, layer: str, image=0, scale: str = "layer"):
    """All channels of one layer's output for one image.

    scale: "layer" (one colour scale for the layer's channels), "channel" (each channel its
    own) or "network" (one scale for every layer of the network, as CNN Explainer offers).
    """
    net.check_layer(layer)
    acts = net.activations(image)
    title = f"{layer} — {net.example(image).caption}"
    if scale == "layer":
        return maps_render.feature_map_grid(acts[layer], title)
    if scale == "channel":
        return maps_render.feature_map_grid(acts[layer], title, scale="channel")
    if scale == "network":
        vmax = maps_render.style.symmetric_range(list(acts.values()))
        return maps_render.feature_map_grid(acts[layer], title, vmax=vmax)
    raise ValueError(f"unknown colour scale {scale!r}: use 'layer', 'channel' or 'network'")


def strongest_maps(net, layer: str, image=0, k: int = 6):
    """The `k` channels of a layer that respond most to an image (largest total |activation|),
    enlarged, on the layer's shared colour scale; each tile is labelled with its channel number."""
    from cnnbook.render.stacked import strongest

    row = net.check_layer(layer)
    if len(row.output_shape) != 3:
        raise ValueError(f"{layer} of {net.spec.name} outputs {row.output_shape}, not maps")
    acts = net.activations(image)[layer]
    chosen = strongest(acts, k)
    title = f"{layer}: the {len(chosen)} strongest of {acts.shape[-1]} channels — {net.example(image).caption}"
    return maps_render.feature_map_grid(acts[..., chosen], title, vmax=maps_render.style.symmetric_range(acts),
                                        channel_labels=[int(c) for c in chosen])


def stacked(net, layers, image=0):
    """Layers' maps for an image as stacks of cards in depth, strongest channel in front (one figure);
    `layers`: a name or a list of names of layers with map outputs."""
    from cnnbook.render.stacked import stacked_layers

    names = [layers] if isinstance(layers, str) else list(layers)
    acts = net.activations(image)
    for name in names:
        row = net.check_layer(name)
        if len(row.output_shape) != 3:
            raise ValueError(f"{name} of {net.spec.name} outputs {row.output_shape}, not maps: stack a conv or pool layer")
    return stacked_layers([(name, acts[name]) for name in names],
                          f"{net.spec.name} in depth — {net.example(image).caption}")

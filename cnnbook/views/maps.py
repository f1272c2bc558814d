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

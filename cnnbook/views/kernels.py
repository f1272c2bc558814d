"""A convolution layer's trained kernels."""

from __future__ import annotations

import numpy as np

from cnnbook.render import feature_maps as maps_render


def conv_weights(net, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """A convolution layer's kernel (kh, kw, cin, cout) and bias (cout,)."""
    net.check_layer(layer, kind="conv")
    module = net.modules[layer]
    return np.asarray(module.kernel[...]), np.asarray(module.bias[...])


def kernels(net, layer: str):
    """A convolution layer's trained kernels, one small image per (input, output) channel pair."""
    kernel, _ = conv_weights(net, layer)
    return maps_render.kernel_grid(kernel, f"{layer} kernels")

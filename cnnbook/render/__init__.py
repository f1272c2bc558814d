"""Render: pure drawing functions that turn NumPy data into figures (PNG + alt text) and tables.

Nothing here knows about models or training: callers pass arrays, renderers return a
`Figure` (deterministic PNG bytes and alt text derived from the data) or a `Table`/`Math`
that displays as Markdown. Colours, sizes and fonts live in `style`.
"""

import importlib

# Each name from the module that defines it, imported on first use: a page that only needs a
# table (or a rebuild that only reads cached figures) does not pay for importing Matplotlib.
_HOMES = {
    "relu_before_after": "activation",
    "share_zeroed": "activation",
    "confusion_figure": "confusion",
    "confusion_matrix": "confusion",
    "conv_decomposition": "convolution",
    "correlate_valid": "convolution",
    "intermediate_maps": "convolution",
    "pixel_arithmetic": "convolution",
    "pixel_arithmetic_latex": "convolution",
    "training_curves": "curves",
    "feature_map_grid": "feature_maps",
    "kernel_grid": "feature_maps",
    "contribution_map": "flatten",
    "contributions": "flatten",
    "flatten_index": "flatten",
    "top_contributions": "flatten",
    "unflatten_index": "flatten",
    "fmt_int": "formats",
    "misclassified_gallery": "gallery",
    "channels": "images",
    "input_image": "images",
    "pooling_before_after": "pooling",
    "pooling_windows": "pooling",
    "pooling_zoom": "pooling",
    "probability_bars": "probabilities",
    "probability_grid": "probabilities",
    "softmax": "probabilities",
    "Figure": "style",
    "png_bytes": "style",
    "symmetric_range": "style",
    "Math": "tables",
    "Table": "tables",
    "param_derivation": "tables",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_HOMES)

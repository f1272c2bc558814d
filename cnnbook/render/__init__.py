"""Render: pure drawing functions that turn NumPy data into figures (PNG + alt text) and tables.

Nothing here knows about models or training: callers pass arrays, renderers return a
`Figure` (deterministic PNG bytes and alt text derived from the data) or a `Table`/`Math`
that displays as Markdown. Colours, sizes and fonts live in `style`.
"""

from cnnbook.render.activation import relu_before_after, share_zeroed
from cnnbook.render.confusion import confusion_figure, confusion_matrix
from cnnbook.render.convolution import (conv_decomposition, correlate_valid, intermediate_maps, pixel_arithmetic,
                                        pixel_arithmetic_latex)
from cnnbook.render.curves import training_curves
from cnnbook.render.feature_maps import feature_map_grid, kernel_grid
from cnnbook.render.flatten import (contribution_map, contributions, flatten_index, top_contributions,
                                    unflatten_index)
from cnnbook.render.formats import fmt_int
from cnnbook.render.gallery import misclassified_gallery
from cnnbook.render.images import channels, input_image
from cnnbook.render.pooling import pooling_before_after, pooling_windows, pooling_zoom
from cnnbook.render.probabilities import probability_bars, probability_grid, softmax
from cnnbook.render.style import Figure, png_bytes, symmetric_range
from cnnbook.render.tables import Math, Table, param_derivation

__all__ = [
    "Figure",
    "Math",
    "Table",
    "channels",
    "confusion_figure",
    "confusion_matrix",
    "contribution_map",
    "contributions",
    "conv_decomposition",
    "correlate_valid",
    "feature_map_grid",
    "flatten_index",
    "fmt_int",
    "input_image",
    "intermediate_maps",
    "kernel_grid",
    "misclassified_gallery",
    "param_derivation",
    "pixel_arithmetic",
    "pixel_arithmetic_latex",
    "png_bytes",
    "pooling_before_after",
    "pooling_windows",
    "pooling_zoom",
    "probability_bars",
    "probability_grid",
    "relu_before_after",
    "share_zeroed",
    "softmax",
    "symmetric_range",
    "top_contributions",
    "training_curves",
    "unflatten_index",
]

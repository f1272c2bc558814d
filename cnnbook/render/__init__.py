"""Render: pure drawing functions that turn NumPy data into figures (PNG + alt text) and tables.

Nothing here knows about models or training: callers pass arrays, renderers return a
`Figure` (deterministic PNG bytes and alt text derived from the data) or a `Table`/`Math`
that displays as Markdown. Colours, sizes and fonts live in `style`.
"""

from cnnbook.render.confusion import confusion_figure, confusion_matrix
from cnnbook.render.curves import training_curves
from cnnbook.render.feature_maps import feature_map_grid, kernel_grid
from cnnbook.render.formats import fmt_int
from cnnbook.render.gallery import misclassified_gallery
from cnnbook.render.images import channels, input_image
from cnnbook.render.pooling import pooling_before_after, pooling_windows
from cnnbook.render.style import Figure, png_bytes, symmetric_range
from cnnbook.render.tables import Math, Table, param_derivation

__all__ = [
    "Figure",
    "Math",
    "Table",
    "channels",
    "confusion_figure",
    "confusion_matrix",
    "feature_map_grid",
    "fmt_int",
    "input_image",
    "kernel_grid",
    "misclassified_gallery",
    "param_derivation",
    "png_bytes",
    "pooling_before_after",
    "pooling_windows",
    "symmetric_range",
    "training_curves",
]

"""Flatten and the dense layer: where each flattened value comes from, and what it adds to a class.

`shape` is always the (H, W, C) of the maps that were flattened, as the caller's network has it.
"""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_value
from cnnbook.render.mosaic import tile_figure

def flatten_index(row: int, col: int, channel: int, shape) -> int:
    """Position of (row, col, channel) in the flattened vector, NHWC/Keras order:
    index = (row * W + col) * C + channel (channels vary fastest, as NumPy's C-order reshape)."""
    h, w, c = _shape(shape)
    for name, v, n in (("row", row, h), ("col", col, w), ("channel", channel, c)):
        if not 0 <= v < n:
            raise ValueError(f"{name} {v} is outside 0..{n - 1}")
    return (int(row) * w + int(col)) * c + int(channel)


def unflatten_index(i: int, shape) -> tuple[int, int, int]:
    """The (row, col, channel) that flattened value i came from; the inverse of `flatten_index`."""
    h, w, c = _shape(shape)
    if not 0 <= i < h * w * c:
        raise ValueError(f"index {i} is outside 0..{h * w * c - 1}")
    pixel, channel = divmod(int(i), c)
    row, col = divmod(pixel, w)
    return row, col, channel


def contributions(flat, weights, class_index: int) -> np.ndarray:
    """What each flattened value adds to one class's logit: flat * weights[:, class_index].

    flat (N,), weights (N, classes). Their sum plus the class's bias is the logit.
    """
    flat = np.asarray(flat, dtype=np.float64).ravel()
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != flat.size:
        raise ValueError(f"expected weights ({flat.size}, classes) for {flat.size} values, got {weights.shape}")
    if not 0 <= class_index < weights.shape[1]:
        raise ValueError(f"class {class_index} is outside 0..{weights.shape[1] - 1}")
    return flat * weights[:, class_index]


def top_contributions(contrib, shape, k: int = 10) -> list[tuple[int, int, int, int, float]]:
    """The k largest contributions (most for the class), largest first, as rows for a table:
    (flat_index, row, col, channel, value). Ties keep the flattened order."""
    contrib = _vector(contrib, shape)
    order = np.argsort(-contrib, kind="stable")[:k]
    return [(int(i), *unflatten_index(i, shape), float(contrib[i])) for i in order]


def contribution_map(contrib, shape, *, title: str, top: int = 10) -> style.Figure:
    """The contributions reshaped back to where they came from: one map per channel.

    One zero-centred scale for all channels (red: pushes the class up, blue: down); the `top`
    largest contributions are outlined.
    """
    contrib = _vector(contrib, shape)
    h, w, c = _shape(shape)
    tiles = np.moveaxis(contrib.reshape(h, w, c), -1, 0)
    best = top_contributions(contrib, shape, top)
    vmax = style.symmetric_range(tiles)
    per_channel = tiles.sum(axis=(1, 2))
    strongest = int(np.argmax(per_channel))
    heading = f"{title}: {fmt_int(contrib.size)} contributions as {c} maps of {h}×{w}"
    if best:
        heading += f", top {len(best)} outlined"
    with style.theme():
        fig = tile_figure(tiles, title=heading, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax, labels=range(c),
                          colorbar_label="contribution to the logit",
                          outline=[(ch, r, col) for _, r, col, ch, _ in best])
        alt = (f"Contributions of the {fmt_int(contrib.size)} flattened values to {title}, shown as {c} maps of "
               f"{h}×{w}: they sum to {fmt_value(contrib.sum())} (the logit minus the bias), from "
               f"{fmt_value(contrib.min())} to {fmt_value(contrib.max())}; channel {strongest} adds the most "
               f"({fmt_value(per_channel[strongest])})")
        if best:
            alt += f"; the largest {len(best)} are outlined, led by " + ", ".join(
                f"row {r}, column {col}, channel {ch} ({fmt_value(v)})" for _, r, col, ch, v in best[:3])
        return style.finish(fig, alt)


def _shape(shape) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"expected a shape (H, W, C), got {shape}")
    return shape


def _vector(contrib, shape) -> np.ndarray:
    contrib = np.asarray(contrib, dtype=np.float64).ravel()
    h, w, c = _shape(shape)
    if contrib.size != h * w * c:
        raise ValueError(f"{contrib.size} contributions do not fill a {h}×{w}×{c} shape")
    return contrib

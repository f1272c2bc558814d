"""Many small maps as one image: a grid layout, a NumPy mosaic with gaps, and one imshow to draw it."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from cnnbook.render import style


def grid_shape(n: int, tile_aspect: float = 1.0) -> tuple[int, int]:
    """(rows, cols) for n tiles: a single row when few, else near-square with few empty slots.

    tile_aspect is a tile's height / width; the grid is chosen so the whole mosaic is between
    0.4 and 1 times as tall as it is wide (web pages are wider than tall), wasting fewest slots.
    """
    if n <= 6:
        return 1, max(n, 1)
    best = None
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        ratio = rows * tile_aspect / cols
        if not 0.4 <= ratio <= 1.0:
            continue
        # fewest empty slots first, then the squarest
        key = (rows * cols - n, abs(1 - ratio))
        if best is None or key < best[0]:
            best = (key, (rows, cols))
    if best is None:  # extreme tile shapes: fall back to a square grid of slots
        cols = math.ceil(math.sqrt(n))
        return math.ceil(n / cols), cols
    return best[1]


def mosaic(tiles, cols: int, *, gap: int = 1, row_gap: int | None = None, fill=np.nan) -> np.ndarray:
    """Tiles (N, h, w) or (N, h, w, 3) laid out row by row with `gap` pixels between them.

    Gaps and empty slots hold `fill`: NaN draws in the colour map's "bad" colour, so no
    value in the data can be mistaken for a gap.
    """
    tiles = np.asarray(tiles, dtype=np.float32)
    n, h, w = tiles.shape[:3]
    rows = math.ceil(n / cols)
    row_gap = gap if row_gap is None else row_gap
    out = np.full((rows * (h + row_gap) - row_gap, cols * (w + gap) - gap, *tiles.shape[3:]), fill, np.float32)
    for i, tile in enumerate(tiles):
        top, left = tile_origin(i, cols, h, w, gap, row_gap)
        out[top : top + h, left : left + w] = tile
    return out


def tile_origin(i: int, cols: int, h: int, w: int, gap: int = 1, row_gap: int | None = None) -> tuple[int, int]:
    """(top, left) pixel of tile i in a mosaic built with the same arguments."""
    row_gap = gap if row_gap is None else row_gap
    r, c = divmod(i, cols)
    return r * (h + row_gap), c * (w + gap)


MAX_LABELLED = 128  # tiles: a mosaic of more (AlexNet's 256 and 384 channels) is drawn without numbers


def tile_figure(tiles, *, title: str, cmap, vmin: float, vmax: float, labels=None,
                colorbar_label: str = "", width: float = style.PAGE_WIDTH, outline=()):
    """A figure of tiles (N, h, w): one mosaic, one shared colour scale, one colour bar.

    labels: one string per tile, written in its top-left corner (left out when the tiles
    are too small on the page to hold a readable number, or more than MAX_LABELLED: hundreds of
    numbers hide the maps, triple the PNG and take a second to draw; the tiles are in reading
    order). outline: (tile, row, col) cells to outline, in the tiles' own coordinates.
    """
    tiles = np.asarray(tiles)
    scale = 1
    if min(tiles.shape[1:]) < 16:
        # Tiny tiles (3×3 kernels) are enlarged so a one-pixel gap stays thin beside them.
        scale = -(-16 // min(tiles.shape[1:]))
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w = tiles.shape
    rows, cols = grid_shape(n, h / w)
    gap = max(1, round(min(h, w) / 16))  # gaps grow with the tiles so they stay visible
    image = mosaic(tiles, cols, gap=gap)
    # Size the figure so the mosaic's pixels come out square; 85% of the width is the image,
    # the rest the colour bar.
    image_width = width * 0.85
    image_height = min(image_width * image.shape[0] / image.shape[1], style.MAX_HEIGHT - 0.5)
    fig = style.new_figure(width, image_height + 0.5)
    ax = fig.add_subplot()
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_axis_off()
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.9, label=colorbar_label)
    boxes = []
    for i, r, c in outline:
        top, left = tile_origin(int(i), cols, h, w, gap)
        boxes.append(Rectangle((left + c * scale - 0.5, top + r * scale - 0.5), scale, scale))
    if boxes:
        ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor=style.HIGHLIGHT_COLOR, linewidth=1.2))
    points_per_pixel = 72 * min(image_width / image.shape[1], image_height / image.shape[0])
    tile_points = points_per_pixel * min(h, w)
    if labels is not None and tile_points >= 14 and n <= MAX_LABELLED:
        size = min(style.LABEL_SIZE + 1, max(4.5, tile_points / 6))
        for i, text in enumerate(labels):
            top, left = tile_origin(i, cols, h, w, gap)
            ax.text(left - 0.5, top - 0.5, str(text), fontsize=size, ha="left", va="top",
                    bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.7))
    return fig

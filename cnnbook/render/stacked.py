"""A layer's feature maps stacked in depth, as a 3-D viewer shows them (Zetane's look), drawn flat:
each map is a card seen at an angle (an oblique projection), the layers side by side.

Static and deterministic: the same maps always give the same pixels.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Polygon
from matplotlib.transforms import Affine2D

from cnnbook.render import style

STACK_LIMIT = 16  # cards per stack: more would hide each other behind the front one
DEPTH = 0.75  # how far a card's width runs into the page (its horizontal extent, in card heights)
RISE = 0.28  # how much a card's far edge rises (the view from slightly above)
SPACING = 0.16  # card heights between neighbouring cards of one stack
LAYER_GAP = 0.45  # card heights between stacks


def strongest(maps: np.ndarray, limit: int = STACK_LIMIT) -> np.ndarray:
    """Indices of the `limit` channels of maps (h, w, C) with the largest total |activation|, strongest first."""
    strength = np.abs(maps).sum(axis=(0, 1))
    return np.argsort(-strength, kind="stable")[:limit]


def stacked_layers(layers: list[tuple[str, np.ndarray]], title: str, *, limit: int = STACK_LIMIT,
                   per_row: int = 4) -> style.Figure:
    """Every (name, maps (h, w, C)) as a stack of cards, left to right and `per_row` stacks to a row;
    the strongest channel in front.

    Each layer is coloured on its own zero-centred scale. A stack shows at most `limit` channels
    (the strongest), and its label says how many of how many.
    """
    if not layers:
        raise ValueError("no layers to draw")
    stack_width = DEPTH + (limit - 1) * SPACING  # every slot as wide as a full stack: the rows line up
    row_height = 1 + RISE + 0.6  # the cards, their rise, and a label row
    rows = [layers[i : i + per_row] for i in range(0, len(layers), per_row)]
    columns = min(per_row, len(layers))
    width_units = columns * stack_width + (columns - 1) * LAYER_GAP
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH * len(rows) * row_height / width_units + 0.45)
        ax = fig.add_subplot()
        for r, row in enumerate(rows):
            bottom = (len(rows) - 1 - r) * row_height
            for k, (name, maps) in enumerate(row):
                maps = np.asarray(maps, np.float32)
                if maps.ndim != 3:
                    raise ValueError(f"{name}: expected maps shaped (h, w, C), got {maps.shape}")
                _stack(ax, name, maps, strongest(maps, limit), k * (stack_width + LAYER_GAP), bottom, stack_width)
        ax.set_xlim(-0.05, width_units + 0.05)
        ax.set_ylim(-0.5, len(rows) * row_height - 0.55)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title)
        alt = (f"{title}: " + "; ".join(f"{name}, {np.shape(maps)[-1]} maps of {np.shape(maps)[0]}×{np.shape(maps)[1]}"
                                        for name, maps in layers)
               + ", each drawn as a card in a stack, the strongest channel in front")
        return style.finish(fig, alt)


def _stack(ax, name: str, maps: np.ndarray, order: np.ndarray, left: float, bottom: float, slot: float) -> None:
    """One layer's cards, back to front, centred in a slot `slot` wide, with its label below."""
    vmax = style.symmetric_range(maps)
    width = DEPTH + (len(order) - 1) * SPACING
    left += (slot - width) / 2
    for depth, channel in reversed(list(enumerate(order))):
        # unit square (u across, v up) → the card: u runs into the page and rises
        card = Affine2D.from_values(DEPTH, RISE, 0, 1, left + depth * SPACING, bottom)
        ax.imshow(maps[..., channel], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax, extent=(0, 1, 0, 1),
                  origin="upper", transform=card + ax.transData, interpolation="nearest")
        corners = card.transform([(0, 0), (1, 0), (1, 1), (0, 1)])
        ax.add_patch(Polygon(corners, closed=True, fill=False, linewidth=0.4, edgecolor=style.GRID_COLOR))
    h, w, c = maps.shape
    shown = f"{len(order)} of {c}" if len(order) < c else f"{c}"
    ax.text(left + width / 2, bottom - 0.06, f"{name}\n{shown} × {h}×{w}", ha="center", va="top",
            fontsize=style.LABEL_SIZE + 1)

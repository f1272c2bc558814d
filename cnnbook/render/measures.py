"""Figures of what the build measured: accuracy under shifts, receptive fields drawn on an image."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent
from cnnbook.render.images import as_unit_image

SERIES_COLORS, MARKERS = style.SERIES_COLORS, style.SERIES_MARKERS


def shift_accuracy(curves: dict[str, tuple[list[int], list[float]]], title: str) -> style.Figure:
    """Test accuracy against the shift in pixels, one line per network: {label: (shifts, accuracies)}."""
    if not curves:
        raise ValueError("no curves to draw: give at least one network's shift accuracies")
    with style.theme():
        fig = style.new_figure(*style.CURVES_SIZE)
        ax = fig.subplots()
        for i, (label, (shifts, accuracy)) in enumerate(curves.items()):
            ax.plot(shifts, accuracy, marker=MARKERS[i % len(MARKERS)], markersize=4,
                    color=SERIES_COLORS[i % len(SERIES_COLORS)], label=label)
        ax.set_xlabel("shift (pixels)")
        ax.set_ylabel("test accuracy")
        ax.set_xticks(sorted({s for shifts, _ in curves.values() for s in shifts}))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_title(title)
        alt = f"{title}. " + "; ".join(
            f"{label}: {fmt_percent(acc[0])} unshifted, {fmt_percent(acc[-1])} at {shifts[-1]} pixels"
            for label, (shifts, acc) in curves.items())
        return style.finish(fig, alt)


def receptive_fields(image: np.ndarray, boxes: list[tuple[str, float, float, int]], title: str) -> style.Figure:
    """An image with squares: (label, centre row, centre column, size) per layer, smallest first.

    A square may reach past the image (padding): it is drawn to its full size, over a grey margin.
    """
    x = as_unit_image(image)
    h, w = x.shape[:2]
    margin = max(0.0, max((max(abs(r - (h - 1) / 2), abs(c - (w - 1) / 2)) + s / 2 - h / 2
                           for _, r, c, s in boxes), default=0.0))
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH * 0.62, style.PAGE_WIDTH * 0.5)
        ax = fig.subplots()
        ax.set_facecolor(style.GAP_COLOR)
        ax.imshow(x.squeeze(-1) if x.shape[-1] == 1 else x, cmap=style.GREYS, vmin=0, vmax=1)
        for i, (label, r, c, size) in enumerate(boxes):
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            ax.add_patch(Rectangle((c - size / 2, r - size / 2), size, size, fill=False, lw=1.6, color=color,
                                   label=f"{label}: {size}×{size}"))
        pad = margin + 0.5
        ax.set_xlim(-0.5 - pad, w - 0.5 + pad)
        ax.set_ylim(h - 0.5 + pad, -0.5 - pad)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
        ax.set_title(title)
        alt = f"{title}: " + ", ".join(f"{label} sees {size}×{size} pixels" for label, _, _, size in boxes)
        return style.finish(fig, alt)

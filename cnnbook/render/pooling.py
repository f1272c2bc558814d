"""Max pooling taken apart: which cell of each window wins, and the map before and after."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_percent


def pooling_windows(before, window: int = 2, stride: int | None = None):
    """Max-pool a map (H, W) with VALID padding; return (after, winners).

    after: (out_h, out_w) with out = (H - window) // stride + 1, so with 2×2 windows an odd
    last row/column is dropped, as VALID pooling does. winners: the (row, col) in `before`
    of each window's maximum, row by row (on a tie the first in reading order wins).
    """
    before = np.asarray(before)
    if before.ndim != 2:
        raise ValueError(f"expected one map shaped (H, W), got {before.shape}")
    stride = window if stride is None else stride
    h, w = before.shape
    if h < window or w < window:
        raise ValueError(f"a {h}×{w} map is smaller than one {window}×{window} window")
    # windows[i, j] is the window whose top-left corner is (i * stride, j * stride)
    windows = np.lib.stride_tricks.sliding_window_view(before, (window, window))[::stride, ::stride]
    out_h, out_w = windows.shape[:2]
    flat = windows.reshape(out_h, out_w, window * window)
    best = flat.argmax(axis=-1)
    after = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    rows = np.arange(out_h)[:, None] * stride + best // window
    cols = np.arange(out_w)[None, :] * stride + best % window
    winners = [(int(r), int(c)) for r, c in zip(rows.ravel(), cols.ravel())]
    return after, winners


def pooling_before_after(before, after=None, *, title: str, window: int = 2, stride: int | None = None) -> style.Figure:
    """The map before pooling (window grid drawn, each winner outlined) beside the pooled map.

    `after`, when given (e.g. the layer's real output for this channel), must equal what
    pooling `before` gives; both panels share one zero-centred colour scale.
    """
    before = np.asarray(before, dtype=np.float32)
    stride = window if stride is None else stride
    pooled, winners = pooling_windows(before, window, stride)
    if after is not None:
        after = np.asarray(after, dtype=np.float32)
        if after.shape != pooled.shape or not np.allclose(after, pooled, rtol=1e-4, atol=1e-6):
            raise ValueError(f"`after` {after.shape} is not the {window}×{window}, stride {stride} max-pool "
                             f"of `before` {before.shape}: was the same channel passed for both?")
        pooled = after
    h, w = before.shape
    out_h, out_w = pooled.shape
    vmax = style.symmetric_range([before, pooled])
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH * 0.55 * h / (w + out_w) + 0.8)
        # Width ratios equal to the maps' widths: a pixel is the same size in both panels,
        # so the pooled map looks as much smaller as it is.
        left, right = fig.subplots(1, 2, width_ratios=[w, out_w])
        im = left.imshow(before, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        right.imshow(pooled, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        left.set_title(f"before: {h}×{w}")
        right.set_title(f"after: {out_h}×{out_w}")
        for ax in (left, right):
            ax.set_axis_off()
        _draw_windows(left, h, w, out_h, out_w, window, stride, winners)
        fig.suptitle(title)
        fig.colorbar(im, ax=[left, right], shrink=0.9, label="activation")
        n = out_h * out_w
        dropped = 1 - n / (h * w)
        alt = (f"Max pooling of a {h}×{w} map ({title}) with {window}×{window} windows, stride {stride}: "
               f"{fmt_int(n)} windows each keep their largest value, giving {out_h}×{out_w}; "
               f"{fmt_percent(dropped)} of the values are dropped")
        return style.finish(fig, alt)


def _draw_windows(ax, h, w, out_h, out_w, window, stride, winners):
    """Window boundaries (when windows do not overlap), winners outlined, uncovered cells greyed."""
    if stride == window:
        ends_y, ends_x = out_h * stride - 0.5, out_w * stride - 0.5
        ax.hlines(np.arange(out_h + 1) * stride - 0.5, -0.5, ends_x, colors=style.GRID_COLOR, linewidths=0.5)
        ax.vlines(np.arange(out_w + 1) * stride - 0.5, -0.5, ends_y, colors=style.GRID_COLOR, linewidths=0.5)
    boxes = [Rectangle((c - 0.5, r - 0.5), 1, 1) for r, c in winners]
    ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor=style.WINNER_COLOR, linewidth=1.4))
    # Cells no window reaches (an odd last row or column) are dropped by VALID pooling: grey them.
    covered_y, covered_x = (out_h - 1) * stride + window, (out_w - 1) * stride + window
    for x0, y0, dx, dy in ((covered_x, 0, w - covered_x, h), (0, covered_y, covered_x, h - covered_y)):
        if dx > 0 and dy > 0:
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), dx, dy, facecolor=style.GAP_COLOR, alpha=0.8,
                                   edgecolor="none"))
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)

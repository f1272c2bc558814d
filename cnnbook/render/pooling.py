"""Max pooling taken apart: which cell of each window wins, and the map before and after."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import ConnectionPatch, Rectangle

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_percent, fmt_value


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


def pooling_zoom(before, row: int, col: int, window: int = 2, *, title: str) -> style.Figure:
    """One max-pooling window enlarged: where it sits, its values, and the one it keeps.

    row, col: the window's position in the pooled output, so it covers
    before[row*window : (row+1)*window, col*window : (col+1)*window] (stride = window). Three
    panels: the whole map with the window outlined, the window with every value written in
    and the winner outlined, and the output cell it becomes. One zero-centred colour scale
    for the whole map, as in `pooling_before_after`.
    """
    before = np.asarray(before, dtype=np.float32)
    if before.ndim != 2:
        raise ValueError(f"expected one map shaped (H, W), got {before.shape}")
    h, w = before.shape
    out_h, out_w = (h - window) // window + 1, (w - window) // window + 1
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(f"window ({row}, {col}) is outside the {out_h}×{out_w} pooled output")
    top, left = row * window, col * window
    cells = before[top : top + window, left : left + window]
    kept, (winner,) = pooling_windows(cells, window)
    kept = float(kept[0, 0])
    n = window * window
    dropped = fmt_percent(1 - 1 / n)
    vmax = style.symmetric_range(before)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 2.5)
        ax_map, ax_win, ax_out = fig.subplots(1, 3, width_ratios=[1, 1, 0.55])
        ax_map.imshow(before, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        ax_map.add_patch(Rectangle((left - 0.5, top - 0.5), window, window, facecolor="none",
                                   edgecolor=style.WINNER_COLOR, linewidth=1.2))
        ax_map.set_title(f"{title}: {h}×{w}")
        ax_win.imshow(cells, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        for (i, j), v in np.ndenumerate(cells):
            ax_win.text(j, i, fmt_value(v), ha="center", va="center", fontsize=style.FONT_SIZE,
                        color=style.cell_text_color(v, vmax), fontweight="bold" if (i, j) == winner else "normal")
        ax_win.add_patch(Rectangle((winner[1] - 0.45, winner[0] - 0.45), 0.9, 0.9, facecolor="none",
                                   edgecolor=style.WINNER_COLOR, linewidth=2))
        ax_win.set_title(f"rows {top}–{top + window - 1}, columns {left}–{left + window - 1}")
        ax_out.imshow([[kept]], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        ax_out.text(0, 0, fmt_value(kept), ha="center", va="center", fontsize=style.FONT_SIZE, fontweight="bold",
                    color=style.cell_text_color(kept, vmax))
        ax_out.set_title(f"output ({row}, {col})")
        for ax in (ax_map, ax_win, ax_out):
            style.frame(ax)
        # zoom lines from the outlined window to its enlargement, and an arrow to the output
        for y_map, y_win in ((top - 0.5, 0), (top + window - 0.5, 1)):
            fig.add_artist(ConnectionPatch((left + window - 0.5, y_map), (0, 1 - y_win), "data", "axes fraction",
                                           axesA=ax_map, axesB=ax_win, color=style.GRID_COLOR, linewidth=0.6))
        fig.add_artist(ConnectionPatch((1.04, 0.5), (-0.08, 0.5), "axes fraction", "axes fraction", axesA=ax_win,
                                       axesB=ax_out, arrowstyle="->", color=style.WINNER_COLOR, linewidth=1))
        ax_win.annotate("max", (1, 0.5), xycoords="axes fraction", xytext=(14, 4), textcoords="offset points",
                        ha="center", va="bottom")
        fig.suptitle(f"Max pooling keeps 1 of {n} values per window: {dropped} of values dropped")
        values = ", ".join(fmt_value(v) for v in cells.ravel())
        alt = (f"One {window}×{window} max-pooling window of {title} ({h}×{w}), rows {top}–{top + window - 1} and "
               f"columns {left}–{left + window - 1}: values {values}; the largest, {fmt_value(kept)}, is kept as "
               f"output ({row}, {col}) and the other {n - 1} are dropped ({dropped} of values dropped)")
        return style.finish(fig, alt)

"""Pooling compared: max against average on one map, and how pooling damps a small shift of the image."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent, fmt_value
from cnnbook.render.pooling import _draw_windows, pooling_windows

NET_COLORS = style.SERIES_COLORS


def average_pool(before, window: int = 2) -> np.ndarray:
    """Average-pool a map (H, W) with non-overlapping window×window windows (VALID: an odd edge is dropped)."""
    before = np.asarray(before, dtype=np.float64)
    if before.ndim != 2:
        raise ValueError(f"expected one map shaped (H, W), got {before.shape}")
    h, w = before.shape
    out_h, out_w = h // window, w // window
    if out_h == 0 or out_w == 0:
        raise ValueError(f"a {h}×{w} map is smaller than one {window}×{window} window")
    cut = before[: out_h * window, : out_w * window]
    return cut.reshape(out_h, window, out_w, window).mean(axis=(1, 3))


def max_vs_average(before, *, title: str, window: int = 2) -> style.Figure:
    """The map before pooling (windows drawn, max winners outlined), its max-pool and its average-pool.

    All three panels share one zero-centred colour scale, so the average's paler colours show
    how averaging dilutes a strong response with its weaker neighbours.
    """
    before = np.asarray(before, dtype=np.float32)
    maxed, winners = pooling_windows(before, window)
    averaged = average_pool(before, window)
    h, w = before.shape
    out_h, out_w = maxed.shape
    vmax = style.symmetric_range([before, maxed, averaged])
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH * 0.62 * h / (w + 2 * out_w) + 0.8)
        axes = fig.subplots(1, 3, width_ratios=[w, out_w, out_w])
        panels = ((before, f"before: {h}×{w}"), (maxed, f"max: {out_h}×{out_w}"),
                  (averaged, f"average: {out_h}×{out_w}"))
        for ax, (m, label) in zip(axes, panels):
            im = ax.imshow(m, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
            ax.set_title(label)
            style.frame(ax)
        _draw_windows(axes[0], h, w, out_h, out_w, window, window, winners)
        fig.suptitle(title)
        fig.colorbar(im, ax=list(axes), shrink=0.9, label="activation")
        alt = (f"{title}: a {h}×{w} map pooled with {window}×{window} windows into {out_h}×{out_w}; max pooling "
               f"keeps values from {fmt_value(maxed.min())} to {fmt_value(maxed.max())}, average pooling gives "
               f"{fmt_value(averaged.min())} to {fmt_value(averaged.max())}")
        return style.finish(fig, alt)


def pool_shift_figure(measured: dict, *, title: str) -> style.Figure:
    """For each pool layer of each network: the relative change of its input and of its output
    when the image is shifted by 1 and by 2 pixels, as paired bars (before pooling pale, after dark).

    measured: {network: {pool_layer: {"input_layer", "shifts", "before", "after"}}}.
    """
    groups = []  # (label, shifts, before, after, colour)
    for n, (net, pools) in enumerate(measured.items()):
        for layer, m in pools.items():
            shifts, before, after = list(m["shifts"]), list(m["before"]), list(m["after"])
            if not (len(shifts) == len(before) == len(after)) or not shifts:
                raise ValueError(f"{net} {layer}: {len(shifts)} shifts, {len(before)} befores, {len(after)} afters")
            groups.append((f"{net}\n{layer}", shifts, before, after, NET_COLORS[n % len(NET_COLORS)]))
    if not groups:
        raise ValueError("no pool layers measured")
    shifts = groups[0][1]
    if any(g[1] != shifts for g in groups):
        raise ValueError("every pool layer must be measured at the same shifts")
    k = len(shifts)
    width = 0.8 / (2 * k)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 2.8)
        ax = fig.add_subplot()
        x = np.arange(len(groups))
        for g, (_, _, before, after, color) in enumerate(groups):
            for s in range(k):
                left = x[g] - 0.4 + 2 * s * width
                ax.bar(left + width / 2, before[s], width, color=color, alpha=0.35, edgecolor=color, linewidth=0.6)
                ax.bar(left + 1.5 * width, after[s], width, color=color, edgecolor=color, linewidth=0.6)
                ax.text(left + width, max(before[s], after[s]), f"{shifts[s]} px", ha="center", va="bottom",
                        fontsize=style.LABEL_SIZE - 0.5, color=style.INK)
        ax.set_xticks(x, [g[0] for g in groups], fontsize=style.LABEL_SIZE)
        ax.set_ylabel("relative change")
        ax.set_ylim(0, 1.15 * max(max(g[2] + g[3]) for g in groups))
        ax.yaxis.set_major_formatter(lambda v, _: fmt_percent(v))
        ax.grid(axis="y", alpha=0.3)
        grey = style.MUTED_COLOR
        fig.legend(handles=[Patch(facecolor=grey, alpha=0.35, edgecolor=grey, label="pool input (before)"),
                            Patch(facecolor=grey, label="pool output (after)")], loc="outside lower center", ncols=2)
        ax.set_title(title)
        parts = [label.replace("\n", " ") + ": " + ", ".join(
            f"{s} px {fmt_percent(b)} before, {fmt_percent(a)} after" for s, b, a in zip(shifts, before, after))
            for label, _, before, after, _ in groups]
        alt = (f"{title}: relative change of each pool layer's input and output when the image shifts; "
               + "; ".join(parts))
        return style.finish(fig, alt)

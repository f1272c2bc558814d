"""Activation functions drawn: their curves, and what each does to one feature map."""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent, fmt_value

CURVE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def activation_curves(z, curves: dict, *, title: str) -> style.Figure:
    """Each function's output against its input z, one panel per function on shared axes.

    curves: {name: values at z}. Dotted lines mark zero on both axes, so where a curve is
    flat, where it crosses zero and what it does to negative inputs all show.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"z must be a line of at least 2 points, got shape {z.shape}")
    if not curves:
        raise ValueError("no curves to draw")
    values = {}
    for name, y in curves.items():
        y = np.asarray(y, dtype=np.float64)
        if y.shape != z.shape:
            raise ValueError(f"{name}: {y.shape[0] if y.ndim else 1} values for {z.size} inputs")
        values[name] = y
    lo = min(-1.0, min(float(y.min()) for y in values.values()))
    hi = max(1.0, max(float(y.max()) for y in values.values()))
    pad = 0.08 * (hi - lo)
    n = len(values)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 1.9 if n <= 4 else 3.6)
        axes = np.atleast_1d(fig.subplots(1 if n <= 4 else 2, min(n, 4) if n <= 4 else -(-n // 2),
                                          sharex=True, sharey=True)).ravel()
        for ax, (name, y), color in zip(axes, values.items(), CURVE_COLORS * n):
            ax.axhline(0, color=style.GRID_COLOR, linewidth=0.6, linestyle=":")
            ax.axvline(0, color=style.GRID_COLOR, linewidth=0.6, linestyle=":")
            ax.plot(z, y, color=color, linewidth=1.8)
            ax.set_title(name)
            ax.set_xlabel("input z")
            ax.set_ylim(lo - pad, hi + pad)
            ax.grid(alpha=0.25)
        for ax in axes[n:]:
            ax.set_visible(False)
        axes[0].set_ylabel("output f(z)")
        fig.suptitle(title)
        parts = [f"{name} from {fmt_value(y.min())} to {fmt_value(y.max())}, f(0) = "
                 f"{fmt_value(np.interp(0.0, z, y))}" for name, y in values.items()]
        alt = (f"{title}: {n} activation functions for inputs z from {fmt_value(z[0])} to {fmt_value(z[-1])}: "
               + "; ".join(parts))
        return style.finish(fig, alt)


def activation_maps(before, outputs: dict, *, title: str) -> style.Figure:
    """One feature map (H, W) before any activation, then the map after each function.

    Every panel has its own zero-centred colour scale and colour bar: the functions' ranges
    differ (a sigmoid's output lies in 0..1 whatever its input), and a shared scale would
    wash the small ones out. Each panel's title gives the share of its values that are 0.
    """
    before = np.asarray(before, dtype=np.float32)
    if before.ndim != 2:
        raise ValueError(f"expected one map shaped (H, W), got {before.shape}")
    maps = {"before": before}
    for name, after in outputs.items():
        after = np.asarray(after, dtype=np.float32)
        if after.shape != before.shape:
            raise ValueError(f"{name}: a {after.shape} map for a {before.shape} input")
        maps[name] = after
    n = len(maps)
    h, w = before.shape
    parts = []
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH / n * h / w + 1.0)
        axes = np.atleast_1d(fig.subplots(1, n)).ravel()
        for ax, (name, m) in zip(axes, maps.items()):
            vmax = style.symmetric_range(m)
            im = ax.imshow(m, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
            zeros = float(np.mean(m == 0))
            ax.set_title(f"{name}\n{fmt_percent(zeros)} zeros", fontsize=style.FONT_SIZE)
            style.frame(ax)
            bar = fig.colorbar(im, ax=ax, orientation="horizontal", shrink=0.9, pad=0.03)
            bar.ax.tick_params(labelsize=style.LABEL_SIZE)
            bar.ax.locator_params(nbins=3)
            parts.append(f"{name} from {fmt_value(m.min())} to {fmt_value(m.max())}, {fmt_percent(zeros)} zeros")
        fig.suptitle(title)
        alt = f"{title}, {h}×{w}, each panel on its own zero-centred colour scale: " + "; ".join(parts)
        return style.finish(fig, alt)

"""Activations and kernels: every channel of a layer on one shared, zero-centred colour scale."""

from __future__ import annotations

import math

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_value
from cnnbook.render.mosaic import grid_shape, tile_figure


SCALES = ("shared", "channel")


def feature_map_grid(acts, title: str, *, vmax: float | None = None, channel_labels=True,
                     scale: str = "shared") -> style.Figure:
    """All channels of one layer's output for one input.

    acts (H, W, C): C maps in a near-square mosaic. acts (C,): a flatten/dense vector drawn as
    a strip (or grid) of cells. A leading batch axis of size 1 is dropped.

    channel_labels: True numbers the tiles 0…C−1; a sequence gives each tile its own label (the
    channels' numbers when only some are shown).

    scale="shared": one colour scale for all channels (vmax, e.g. the whole network's range,
    or the largest |value| here), so channels can be compared by colour. scale="channel":
    each map divided by its own largest |value|, so a faint channel's pattern shows too; the
    colour bar then reads -1..1 relative to each channel's max (vmax does not apply; a vector
    counts as one channel).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(map(repr, SCALES))}; got {scale!r}")
    if scale == "channel" and vmax is not None:
        raise ValueError("vmax sets the one shared scale; it does not apply with scale='channel'")
    acts = np.asarray(acts, dtype=np.float32)
    if acts.ndim in (2, 4) and acts.shape[0] == 1:  # a batch of one, as captured
        acts = acts[0]
    if acts.ndim == 1:
        return _vector(acts, title, vmax)
    if acts.ndim == 2:  # a single map (H, W)
        acts = acts[:, :, None]
    if acts.ndim != 3:
        raise ValueError(f"expected activations shaped (H, W, C) or (C,), got {acts.shape}")
    h, w, c = acts.shape
    tiles = np.moveaxis(acts, -1, 0)
    heading = f"{title}: {c} {'channel' if c == 1 else 'channels'}, {h}×{w}"
    labels = _labels(channel_labels, c)
    alt = _maps_alt(tiles, title, None if labels is None else list(labels))
    if scale == "channel":
        shown = tiles / np.array([style.symmetric_range(t) for t in tiles], np.float32)[:, None, None]
        vmax, bar = 1.0, "relative to each channel's max"
        heading += ", each on its own scale"
        alt += "; each channel is coloured relative to its own largest |value|"
    else:
        shown, vmax, bar = tiles, _scale(acts, vmax), "activation"
    with style.theme():
        fig = tile_figure(shown, title=heading, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax,
                          labels=labels, colorbar_label=bar)
        return style.finish(fig, alt)


def _labels(channel_labels, count: int):
    """Tile labels: the channel numbers (True), none (False), or the given ones (a subset's own numbers)."""
    if channel_labels is True:
        return range(count)
    if channel_labels is False or channel_labels is None:
        return None
    labels = list(channel_labels)
    if len(labels) != count:
        raise ValueError(f"{len(labels)} channel labels for {count} channels")
    return labels


def kernel_grid(kernel, title: str, *, input_channel: int | None = None) -> style.Figure:
    """The filters of a conv kernel (kh, kw, cin, cout), one tile per output channel.

    With several input channels each filter is a (kh, kw, cin) block; a tile shows its mean
    over the input channels, or only `input_channel` when given. The title says which.
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.ndim != 4:
        raise ValueError(f"expected a conv kernel shaped (kh, kw, cin, cout), got {kernel.shape}")
    kh, kw, cin, cout = kernel.shape
    if cin == 1:
        shown, how = kernel[:, :, 0, :], ""
    elif input_channel is None:
        shown, how = kernel.mean(axis=2), f"mean over the {cin} input channels"
    else:
        shown, how = kernel[:, :, input_channel, :], f"input channel {input_channel} of {cin}"
    tiles = np.moveaxis(shown, -1, 0)
    vmax = style.symmetric_range(tiles)
    heading = f"{title}: {cout} filters, {kh}×{kw}" + (f" ({how})" if how else "")
    with style.theme():
        fig = tile_figure(tiles, title=heading, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax,
                          labels=range(cout), colorbar_label="weight")
        alt = (f"{cout} filters of {title}, each {kh}×{kw}" + (f" ({how})" if how else "")
               + f"; weights from {fmt_value(tiles.min())} to {fmt_value(tiles.max())}")
        return style.finish(fig, alt)


def _vector(v, title: str, vmax: float | None) -> style.Figure:
    """A 1-D activation vector as a strip of cells (up to 32) or a grid of cells."""
    n = v.size
    vmax = _scale(v, vmax)
    rows, cols = (1, n) if n <= 32 else grid_shape(n)
    cells = np.full(rows * cols, np.nan, np.float32)
    cells[:n] = v
    cells = cells.reshape(rows, cols)
    with style.theme():
        width = style.PAGE_WIDTH if n > 8 else style.PAGE_WIDTH / 2
        strip = rows == 1
        height = width * rows / cols + (1.0 if strip else 0.5)
        fig = style.new_figure(width, height)
        ax = fig.add_subplot()
        im = ax.imshow(cells, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        ax.set_title(f"{title}: {fmt_int(n)} values")
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        if strip:
            ax.set_xticks(range(n), [str(i) for i in range(n)] if n <= 16 else
                          [str(i) if i % 5 == 0 else "" for i in range(n)])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, orientation="horizontal", location="bottom", shrink=0.6,
                         aspect=30, label="activation")
        else:
            # Rows are labelled by the index of their first cell: cell = row label + column.
            step = max(1, math.ceil(rows / 12))
            ax.set_yticks(range(0, rows, step), [fmt_int(r * cols) for r in range(0, rows, step)])
            ax.set_xticks([])
            fig.colorbar(im, ax=ax, shrink=0.9, label="activation")
        top = int(np.nanargmax(v))
        alt = (f"A vector of {fmt_int(n)} values from {title}; values from {fmt_value(v.min())} to "
               f"{fmt_value(v.max())}; unit {top} is the largest ({fmt_value(v[top])})"
               + _zeros(np.count_nonzero(v == 0), n, "units"))
        return style.finish(fig, alt)


def _scale(acts, vmax) -> float:
    """The half-width of the colour scale: the caller's (to share it across inputs) or the data's."""
    return style.symmetric_range(acts) if vmax is None or not vmax > 0 else float(vmax)


def _maps_alt(tiles, title: str, labels: list | None = None) -> str:
    """Alt text from the data: how many maps, their size, the value range, the busiest channel
    (by its label when the tiles are some channels of a layer)."""
    c, h, w = tiles.shape
    means = tiles.mean(axis=(1, 2))
    busiest = int(np.argmax(means))
    size = f"{h}×{w}" if c == 1 else f"each {h}×{w}"
    noun = "feature map" if c == 1 else "feature maps"
    text = (f"{c} {noun} of {title}, {size}; values from {fmt_value(tiles.min())} to "
            f"{fmt_value(tiles.max())}")
    if c > 1:
        name = labels[busiest] if labels else busiest
        text += f"; channel {name} is the most active (mean {fmt_value(means[busiest])})"
        dead = int(np.count_nonzero(~tiles.reshape(c, -1).any(axis=1)))
        text += _zeros(dead, c, "channels")
    return text


def _zeros(count: int, total: int, noun: str) -> str:
    """The part of an alt text that says how many were all zero (ReLU's dead units)."""
    if count == 0:
        return ""
    return f"; {fmt_int(count)} of {fmt_int(total)} {noun} are zero"

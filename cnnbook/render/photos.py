"""Photos through convolutions: an output of three channels as one colour picture, channels in grey
with their own scales, rows of maps that share one scale, and how much fine detail a map holds."""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.images import unit_range
from cnnbook.render.formats import fmt_percent


def unit_scaled(channel: np.ndarray) -> np.ndarray:
    """One channel stretched to 0..1 (its smallest value black, its largest white); a flat one is grey."""
    channel = np.asarray(channel, np.float64)
    low, high = channel.min(), channel.max()
    if high - low <= 0:
        return np.full(channel.shape, 0.5)
    return (channel - low) / (high - low)


def rgb_composite(maps: np.ndarray) -> np.ndarray:
    """Three channels (H, W, 3) as one RGB picture, each channel stretched to 0..1 on its own.

    The article's trick: a layer with exactly three filters fits the three colours of a picture.
    """
    if maps.ndim != 3 or maps.shape[-1] != 3:
        raise ValueError(f"an RGB composite needs exactly three channels (H, W, 3), got {maps.shape}")
    return np.stack([unit_scaled(maps[..., c]) for c in range(3)], axis=-1)


def high_frequency_share(image: np.ndarray, cutoff: float = 0.25) -> float:
    """The share of an image's variation (its spectrum's energy, mean removed) at spatial frequencies
    above `cutoff` cycles per pixel: fine detail. 0.5 cycles per pixel is the finest a grid can hold.

    For several channels (H, W, C), the energies of all channels are added up. A Hann window tapers
    the edges first: the transform treats the picture as repeating, and the jump from its right edge
    back to its left would otherwise count as fine detail.
    """
    x = np.asarray(image, np.float64)
    if x.ndim == 2:
        x = x[..., None]
    x = x - x.mean(axis=(0, 1))
    x = x * np.outer(np.hanning(x.shape[0]), np.hanning(x.shape[1]))[..., None]
    power = (np.abs(np.fft.fft2(x, axes=(0, 1))) ** 2).sum(axis=-1)
    fy = np.fft.fftfreq(x.shape[0])[:, None]
    fx = np.fft.fftfreq(x.shape[1])[None, :]
    total = power.sum()
    if total <= 0:
        return 0.0
    return float(power[np.hypot(fy, fx) > cutoff].sum() / total)


PICTURE_WIDTH = 3.4  # inches: a colour picture in true colour is heavy, so one is drawn this wide


def picture(rgb: np.ndarray, *, title: str, alt: str) -> style.Figure:
    """One colour picture (e.g. a layer's three channels as R, G and B)."""
    with style.theme():
        h, w = rgb.shape[:2]
        fig = style.new_figure(PICTURE_WIDTH, PICTURE_WIDTH * h / w + 0.45)
        ax = fig.subplots()
        ax.imshow(unit_range(rgb, title), interpolation="antialiased")
        style.frame(ax)
        ax.set_title(title)
        return style.finish(fig, alt)


def grey_channels(maps: np.ndarray, *, title: str, label: str = "channel") -> style.Figure:
    """Every channel of a map (H, W, C) in grey, each on its own scale with its colour bar."""
    channels = maps.shape[-1]
    with style.theme():
        h, w = maps.shape[:2]
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH / channels * h / w + 0.9)
        axes = np.atleast_1d(fig.subplots(1, channels))
        for c, ax in enumerate(axes):
            image = ax.imshow(maps[..., c], cmap=style.GREYS, interpolation="antialiased")
            ax.set_title(f"{label} {c}", fontsize=style.FONT_SIZE)
            style.frame(ax)
            bar = fig.colorbar(image, ax=ax, orientation="horizontal", fraction=0.06, pad=0.04)
            bar.ax.tick_params(labelsize=style.LABEL_SIZE)
        fig.suptitle(title)
        ranges = "; ".join(f"{label} {c} from {maps[..., c].min():.3g} to {maps[..., c].max():.3g}"
                           for c in range(channels))
        return style.finish(fig, f"{title}: {channels} channels in grey, each on its own scale ({ranges})")


def picture_grid(rows: list[tuple[str, list[tuple[str, np.ndarray]]]], *, title: str, alt: str) -> style.Figure:
    """Rows of colour pictures, each row labelled, each picture titled (e.g. its shape). Every picture is
    drawn the same size, so a pooled one shows its coarser pixels (its title gives its real size)."""
    columns = max(len(items) for _, items in rows)
    h0, w0 = rows[0][1][0][1].shape[:2]
    width = min(style.PAGE_WIDTH, columns * PICTURE_WIDTH * 0.7)  # true-colour pictures are heavy: keep them small
    with style.theme():
        cell = width / columns
        fig = style.new_figure(width, len(rows) * (cell * h0 / w0 + 0.35) + 0.5)
        axes = np.atleast_2d(fig.subplots(len(rows), columns, squeeze=False))
        for r, (label, items) in enumerate(rows):
            for c in range(columns):
                ax = axes[r, c]
                if c >= len(items):
                    ax.axis("off")
                    continue
                name, picture = items[c]
                # Nearest: a pooled pixel is drawn as the block it is (and blocks compress well).
                ax.imshow(unit_range(picture, name), interpolation="nearest")
                ax.set_title(f"{label}: {name}" if c == 0 else name, fontsize=style.FONT_SIZE)
                style.frame(ax)
                for spine in ax.spines.values():
                    spine.set_visible(False)
        fig.suptitle(title)
        return style.finish(fig, alt)


def map_rows(rows: list[tuple[str, np.ndarray]], *, title: str, channels: int | None = None) -> style.Figure:
    """Rows of feature maps (label, (H, W, C)), one column per channel, all on one zero-centred scale."""
    vmax = style.symmetric_range([maps for _, maps in rows])
    channels = channels or max(maps.shape[-1] for _, maps in rows)
    h, w = rows[0][1].shape[:2]
    with style.theme():
        cell = style.PAGE_WIDTH / (channels + 0.4)
        fig = style.new_figure(style.PAGE_WIDTH, len(rows) * (cell * h / w + 0.25) + 0.6)
        axes = np.atleast_2d(fig.subplots(len(rows), channels, squeeze=False))
        image = None
        for r, (label, maps) in enumerate(rows):
            for c in range(channels):
                ax = axes[r, c]
                image = ax.imshow(maps[..., c], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax,
                                  interpolation="antialiased")
                style.frame(ax)
                if r == 0:
                    ax.set_title(str(c), fontsize=style.LABEL_SIZE)
                if c == 0:
                    ax.set_ylabel(label, fontsize=style.LABEL_SIZE + 1)
        bar = fig.colorbar(image, ax=axes, fraction=0.02, pad=0.01)
        bar.ax.tick_params(labelsize=style.LABEL_SIZE)
        fig.suptitle(title)
        parts = "; ".join(f"{label}: {fmt_percent((maps > 0).mean())} of values positive, "
                          f"largest {np.abs(maps).max():.3g}" for label, maps in rows)
        return style.finish(fig, f"{title}, one colour scale from {-vmax:.3g} to {vmax:.3g}. {parts}")

"""Input images as the network sees them: the whole picture, and each colour channel on its own."""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.mosaic import mosaic
from cnnbook.render.formats import fmt_value


def unit_range(x, what: str = "image") -> np.ndarray:
    """Pixels as float32 in 0..1, the range every image figure displays: uint8 is divided by 255.

    Anything else outside 0..1 is refused, never clipped: a clipped photo turns into saturated
    blotches that look like a picture and are wrong.
    """
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return (x / 255.0).astype(np.float32)
    x = np.asarray(x, dtype=np.float32)
    if x.size and not (np.isfinite(x).all() and x.min() >= -1e-6 and x.max() <= 1 + 1e-6):
        raise ValueError(f"{what}: pixel values run from {float(np.nanmin(x)):g} to {float(np.nanmax(x)):g}; "
                         "an image figure takes floats in 0..1 or uint8 in 0..255")
    return np.clip(x, 0, 1)  # only float rounding is clipped here


def as_unit_image(x) -> np.ndarray:
    """An image as float (H, W) or (H, W, C) in 0..1; uint8 pixels are divided by 255."""
    x = unit_range(x)
    if x.ndim == 4 and x.shape[0] == 1:  # a batch of one, as captured
        x = x[0]
    if x.ndim not in (2, 3):
        raise ValueError(f"expected an image shaped (H, W), (H, W, 1) or (H, W, 3), got {x.shape}")
    return x


def input_image(x, title: str = "") -> style.Figure:
    """One input image: greys with a colour bar for one channel, true colour for three."""
    x = as_unit_image(x)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]
    if x.ndim == 3 and x.shape[2] != 3:
        raise ValueError(f"input_image draws 1 or 3 channels, got {x.shape[2]}; use channels()")
    h, w = x.shape[:2]
    grey = x.ndim == 2
    with style.theme():
        width = style.SMALL_WIDTH + (0.6 if grey else 0)
        fig = style.new_figure(width, style.SMALL_WIDTH * h / w + 0.4)
        ax = fig.add_subplot()
        if grey:
            im = ax.imshow(x, cmap=style.GREYS, vmin=0, vmax=1)
            fig.colorbar(im, ax=ax, shrink=0.9, label="intensity")
        else:
            ax.imshow(x)  # pixels as blocks: the network sees exactly these numbers
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        kind = "greyscale" if grey else "colour"
        alt = (f"{h}×{w} {kind} image{_of(title)}; pixel values from {fmt_value(x.min())} "
               f"to {fmt_value(x.max())}, mean {fmt_value(x.mean())}")
        return style.finish(fig, alt)


def channels(x, names=("R", "G", "B"), title: str = "") -> style.Figure:
    """Each channel of an image drawn separately in greys, side by side, on one 0..1 scale."""
    x = as_unit_image(x)
    if x.ndim == 2:
        x = x[:, :, None]
    h, w, c = x.shape
    names = list(names)[:c] + [str(i) for i in range(len(names), c)]
    tiles = np.moveaxis(x, -1, 0)
    gap = max(1, round(w / 16))
    image = mosaic(tiles, c, gap=gap)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH * 0.85 * image.shape[0] / image.shape[1] + 0.5)
        ax = fig.add_subplot()
        im = ax.imshow(image, cmap=style.GREYS, vmin=0, vmax=1)
        ax.set_xticks([i * (w + gap) + (w - 1) / 2 for i in range(c)], names)
        ax.set_yticks([])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        if title:
            ax.set_title(title)
        fig.colorbar(im, ax=ax, shrink=0.9, label="amount of that channel")
        means = ", ".join(f"{n} {fmt_value(m)}" for n, m in zip(names, x.mean(axis=(0, 1))))
        alt = f"The {_join(names)} channels of a {h}×{w} image{_of(title)}, each in greys; channel means {means}"
        return style.finish(fig, alt)


def _of(title: str) -> str:
    return f" ({title})" if title else ""


def _join(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

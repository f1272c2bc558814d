"""Misclassified examples: the images the network got wrong, most confident mistakes first."""

from __future__ import annotations

import textwrap

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_int
from cnnbook.render.images import unit_range
from cnnbook.render.mosaic import mosaic

TILE_INCHES = 1.0  # one image on the page
MAX_COLS = 6  # 6 × 1 inch and the gaps fill the text column
CAPTION_SIZE = style.LABEL_SIZE + 1  # points: legible at the page's width
CHARS_PER_LINE = int(TILE_INCHES * 72 / (CAPTION_SIZE * 0.62))  # what fits under one image


def misclassified_gallery(images, y_true, y_pred, confidence, class_names=None, *, max_items: int = 24,
                          title: str = "Misclassified", totals: tuple[int, int] | None = None) -> style.Figure:
    """A grid of the wrongly predicted images, each captioned "true → predicted (p=0.93)".

    images (N, H, W), (N, H, W, 1) or (N, H, W, 3), floats in 0..1 or uint8 in 0..255 (as the
    dataset stores them); anything else is refused, never clipped. confidence is the probability
    the network gave its (wrong) prediction. Correct predictions among the inputs are skipped,
    so the whole test set can be passed. The most confident mistakes come first: they show
    best what the network has not learnt. `totals` = (misclassified, tested) when only some of
    the test set is passed, so the alt text counts the whole set.
    """
    images = unit_range(images, "misclassified images")
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    confidence = np.asarray(confidence, dtype=np.float64).ravel()
    if not len(images) == y_true.size == y_pred.size == confidence.size:
        raise ValueError("images, y_true, y_pred and confidence need one entry per image")
    wrong = np.flatnonzero(y_true != y_pred)
    # stable sort: equal confidences keep their test-set order, so the figure is deterministic
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:max_items]
    name = (lambda c: str(c)) if class_names is None else (lambda c: str(class_names[int(c)]))
    n_wrong, n_tested = totals if totals is not None else (wrong.size, len(images))
    with style.theme():
        if order.size == 0:
            return _none(n_tested, title)
        rgb = _as_rgb(images[order])
        n, h, w = rgb.shape[:3]
        cols = min(MAX_COLS, n)
        captions = [_caption(name(y_true[i]), name(y_pred[i]), confidence[i]) for i in order]
        lines = max(c.count("\n") + 1 for c in captions)
        # Gaps are in image pixels: work out how many pixels the captions need at this scale.
        pixels_per_inch = w / TILE_INCHES
        gap = max(1, round(0.1 * pixels_per_inch))
        row_gap = max(gap, round((lines * CAPTION_SIZE * 1.25 + 6) / 72 * pixels_per_inch))
        # fill=1: white gaps (an RGB mosaic has no "bad" colour); an extra caption band at the bottom
        image = mosaic(rgb, cols, gap=gap, row_gap=row_gap, fill=1.0)
        image = np.concatenate([image, np.ones((row_gap, *image.shape[1:]), np.float32)])
        width_in = image.shape[1] / pixels_per_inch
        fig = style.new_figure(width_in + 0.2, image.shape[0] / pixels_per_inch + 0.45)
        ax = fig.add_subplot()
        ax.imshow(image, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(title)
        for slot, caption in enumerate(captions):
            r, c = divmod(slot, cols)
            x, y = c * (w + gap) + (w - 1) / 2, r * (h + row_gap) + h
            ax.text(x, y, caption, ha="center", va="top", fontsize=CAPTION_SIZE, linespacing=1.1)
        first = order[0]
        alt = (f"{n} of the {fmt_int(n_wrong)} misclassified images out of {fmt_int(n_tested)}, "
               f"most confident first: {name(y_true[first])} read as {name(y_pred[first])} "
               f"(p={confidence[first]:.2f})")
        return style.finish(fig, alt)


def _caption(true: str, predicted: str, confidence: float) -> str:
    """"true → predicted (p)", each part wrapped to the width of one image, so neighbours never touch."""
    parts = [true, f"→ {predicted}", f"(p={confidence:.2f})"]
    return "\n".join(textwrap.fill(part, CHARS_PER_LINE) for part in parts)


def _as_rgb(images: np.ndarray) -> np.ndarray:
    """(N, H, W[, 1 or 3]) in 0..1 → (N, H, W, 3), so greys and colour share one mosaic."""
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images (N, H, W), (N, H, W, 1) or (N, H, W, 3), got {images.shape}")
    return images


def _none(total: int, title: str) -> style.Figure:
    """A small figure that says there is nothing to show, rather than an empty grid."""
    fig = style.new_figure(style.SMALL_WIDTH, 0.8)
    fig.text(0.5, 0.5, f"No misclassified images among {fmt_int(total)}.", ha="center", va="center")
    fig.suptitle(title)
    return style.finish(fig, f"No misclassified images among {fmt_int(total)}")

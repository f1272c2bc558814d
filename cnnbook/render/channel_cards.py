"""What channels respond to, drawn: one card per channel (its visualisation, its strongest test
patches, its weakest test images), all cards of a layer in one mosaic image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.colors import to_rgb

from cnnbook.render import style
from cnnbook.render.formats import fmt_value
from cnnbook.render.images import unit_range

PAGE_PIXELS = int(style.PAGE_WIDTH * style.DPI)  # the width of a page-wide figure, in pixels
MOSAIC_PIXELS = 900  # a layer's mosaic stays about this tall: more channels, smaller cards
LARGEST_TILE = 24  # pixels; a page of photo mosaics in true colour stays within its weight budget
GAP = 2  # pixels between the parts of a card
CARD_GAP = 8  # pixels between cards
LABEL = 13  # pixels above each card for its channel number and strongest response
SHOWN_LEAST = 3  # weakest test images on a card


@dataclass(frozen=True)
class Card:
    """One channel: its number, visualisation (or None), top patches, weakest images, strongest value."""

    channel: int
    dream: np.ndarray | None  # (H, W, C) in 0..1
    patches: list[np.ndarray]  # (f, f, C), strongest first
    least: list[np.ndarray]  # (H, W, C), weakest first
    strongest: float


def _resized(image: np.ndarray, size: int) -> np.ndarray:
    """An image (h, w, C) in 0..1 as size × size RGB: pixels repeated when enlarged, averaged when shrunk."""
    from PIL import Image

    rgb = np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image
    picture = Image.fromarray(np.round(unit_range(rgb) * 255).astype(np.uint8))
    method = Image.Resampling.NEAREST if size >= max(image.shape[:2]) else Image.Resampling.BOX
    return np.asarray(picture.resize((size, size), method), np.float32) / 255


def _card_width(p: int, dreams: bool) -> int:
    # a dream as tall as the card, the 3×3 top patches, a column of the weakest images, a gap after each but the last
    side = 3 * p + 2 * GAP
    return (side + GAP if dreams else 0) + side + GAP + p


def layout(count: int, dreams: bool) -> tuple[int, int]:
    """(columns of cards, tile size in pixels) so `count` cards fill the page's width and stay about
    MOSAIC_PIXELS tall; tiles between 8 and LARGEST_TILE pixels."""
    for cols in range(1, count + 1):
        p = LARGEST_TILE
        while p > 8 and cols * _card_width(p, dreams) + (cols - 1) * CARD_GAP > PAGE_PIXELS:
            p -= 1
        rows = -(-count // cols)
        if rows * (3 * p + 2 * GAP + LABEL) + (rows - 1) * CARD_GAP <= MOSAIC_PIXELS or p == 8:
            return cols, p
    return count, 8


def card_mosaic(cards: list[Card], title: str, alt: str) -> style.Figure:
    """All cards of a layer as one image: per card, the visualisation (when there is one), a 3×3 grid
    of the strongest patches, and a column of the weakest whole images; the channel number and its
    strongest response above each card."""
    dreams = any(c.dream is not None for c in cards)
    cols, p = layout(len(cards), dreams)
    card_w, card_h = _card_width(p, dreams), 3 * p + 2 * GAP
    rows = -(-len(cards) // cols)
    width = cols * card_w + (cols - 1) * CARD_GAP
    height = rows * (card_h + LABEL) + (rows - 1) * CARD_GAP
    canvas = np.ones((height, width, 3), np.float32)  # white page
    gap = np.asarray(to_rgb(style.GAP_COLOR), np.float32)
    labels = []
    for i, card in enumerate(cards):
        r, c = divmod(i, cols)
        top, left = r * (card_h + LABEL + CARD_GAP) + LABEL, c * (card_w + CARD_GAP)
        canvas[top : top + card_h, left : left + card_w] = gap
        x = left
        if dreams:
            if card.dream is not None:
                canvas[top : top + card_h, x : x + card_h] = _resized(card.dream, card_h)
            x += card_h + GAP
        for k, patch in enumerate(card.patches[:9]):
            pr, pc = divmod(k, 3)
            y0, x0 = top + pr * (p + GAP), x + pc * (p + GAP)
            canvas[y0 : y0 + p, x0 : x0 + p] = _resized(patch, p)
        x += 3 * p + 2 * GAP + GAP
        for k, image in enumerate(card.least[:SHOWN_LEAST]):
            y0 = top + k * (p + GAP)
            canvas[y0 : y0 + p, x : x + p] = _resized(image, p)
        labels.append((left, top - 2, f"{card.channel} · {fmt_value(card.strongest)}"))
    with style.theme():
        # at least a small figure's width, so the title fits over a narrow column of cards
        fig = style.new_figure(max(width / style.DPI, style.SMALL_WIDTH), height / style.DPI + 0.35)
        ax = fig.add_subplot()
        ax.imshow(canvas, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(title)
        for x, y, text in labels:
            ax.text(x, y, text, fontsize=style.LABEL_SIZE, ha="left", va="bottom", color=style.INK)
        return style.finish(fig, alt)


def image_rows(rows: list[list[np.ndarray]], captions: list[list[str]], row_labels: list[str], title: str,
               alt: str, *, size: int = 56) -> style.Figure:
    """Rows of images, each enlarged to `size` pixels, a caption under each and a label before each row."""
    n = max(len(r) for r in rows)
    with style.theme():
        fig = style.new_figure(min(style.PAGE_WIDTH, 0.9 + n * (size + 12) / style.DPI),
                               len(rows) * (size + 30) / style.DPI + 0.35)
        axes = fig.subplots(len(rows), n, squeeze=False)
        for r, (images, texts) in enumerate(zip(rows, captions)):
            for c in range(n):
                ax = axes[r][c]
                if c >= len(images):
                    ax.set_axis_off()
                    continue
                ax.imshow(_resized(images[c], size), interpolation="nearest")
                style.frame(ax)
                ax.set_xlabel(texts[c], fontsize=style.LABEL_SIZE)
            axes[r][0].set_ylabel(row_labels[r], fontsize=style.LABEL_SIZE + 1)
        fig.suptitle(title)
        return style.finish(fig, alt)

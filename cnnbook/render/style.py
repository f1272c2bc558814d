"""All visual encoding in one place: colour maps, sizes, fonts, and how a figure becomes PNG bytes."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure as MplFigure

from cnnbook.files import atomic_write

# --- Colour -----------------------------------------------------------------------------------
# Activations and weights can be negative: a diverging map centred on zero shows the sign as
# hue and the size as depth, so white always means "nothing here" (CNN Explainer's choice).
GAP_COLOR = "#c8c8c8"  # the gaps between tiles: grey, so they never read as a zero (white)
DIVERGING = matplotlib.colormaps["RdBu_r"].with_extremes(bad=GAP_COLOR)
# Inputs are light intensities in 0..1: plain greys, black = 0.
GREYS = matplotlib.colormaps["gray"].with_extremes(bad=GAP_COLOR)
# Counts (confusion matrices) only grow from zero: a sequential map.
SEQUENTIAL = matplotlib.colormaps["Blues"]
WINNER_COLOR = "#111111"  # outline of the cell a max-pool window keeps
GRID_COLOR = "#9a9a9a"  # pooling window boundaries
TRAIN_COLOR = "#1f77b4"
TEST_COLOR = "#d62728"
HIGHLIGHT_COLOR = "#111111"  # outline of the cells a figure points out (e.g. the largest contributions)
# The colour channels of an input image, each from black (none of that light) to its full colour.
RGB_MAPS = tuple(
    LinearSegmentedColormap.from_list(name, ["black", color]).with_extremes(bad=GAP_COLOR)
    for name, color in (("R", "#ff2a2a"), ("G", "#2ad52a"), ("B", "#3a6bff"))
)
# Class probabilities: every class in a quiet colour, the prediction strong, the truth outlined.
# One colour and marker per series when a figure compares networks (lines, paired bars).
SERIES_COLORS = ("#1f4e8c", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P")
MUTED_COLOR = "#777777"  # reference lines and notes that must not compete with the data
BAR_COLOR = "#b9c7d6"
PREDICTED_COLOR = "#1f4e8c"
TRUE_COLOR = "#2ca02c"
INK = "#222222"  # dark text; white is used on deep-coloured cells

# --- Size -------------------------------------------------------------------------------------
DPI = 120  # fixed, so the same data always gives the same pixels
PAGE_WIDTH = 6.4  # inches; about the width of the text column at this DPI
SMALL_WIDTH = 3.2  # a single image or map
CURVES_SIZE = (6.4, 2.6)
CONFUSION_SIZE = (5.2, 4.6)
MAX_HEIGHT = 9.0  # inches; a very tall mosaic is scaled down rather than scrolled past

# --- Type -------------------------------------------------------------------------------------
FONT_SIZE = 8
TITLE_SIZE = 9
LABEL_SIZE = 6  # channel numbers, cell counts, captions
RC = {
    "font.size": FONT_SIZE,
    "axes.titlesize": TITLE_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": LABEL_SIZE + 1,
    "ytick.labelsize": LABEL_SIZE + 1,
    "legend.fontsize": LABEL_SIZE + 1,
    "figure.titlesize": TITLE_SIZE + 1,
    "image.interpolation": "nearest",  # a pixel is a number here: never blur it
    "image.interpolation_stage": "data",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def theme():
    """Draw inside this so a notebook's own rcParams never change the book's figures."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> MplFigure:
    """An empty Agg-backed figure (no pyplot: nothing global, nothing to close)."""
    height = min(height, MAX_HEIGHT)
    fig = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


PALETTE_COLOURS = 256  # heat maps, curves and text fit a palette
PALETTE_MAX_ERROR = 1.0  # mean error (of 255) a palette may add; photos need more and stay true colour


def png_bytes(fig: MplFigure, *, drawn: bool = False) -> bytes:
    """The figure as a small PNG; no timestamp or version in the metadata, so equal input gives equal bytes.

    Matplotlib renders 32-bit RGBA. A heat map, a curve or a table of text loses nothing visible
    in an optimised 256-colour palette, which is 2–3 times smaller and keeps a page of many maps
    within the page budget (DESIGN §6). Median cut without dithering keeps each colour flat.
    Photos would band in a palette: a figure the palette would change by more than
    PALETTE_MAX_ERROR on average is stored as optimised true colour instead (lossless).

    The pixels are the canvas's own: `drawn=True` says the canvas already holds the finished
    figure (as `finish` leaves it), which saves drawing it a second time.
    """
    from PIL import Image

    if not drawn:
        fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])  # opaque white: alpha says nothing
    palette = rgb.quantize(PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(rgb, np.int16) - np.asarray(palette.convert("RGB"), np.int16)).mean()
    out = io.BytesIO()
    (palette if error <= PALETTE_MAX_ERROR else rgb).save(out, format="PNG", optimize=True)
    return out.getvalue()


def fit_titles(fig: MplFigure) -> None:
    """Wrap any title that would run past the figure's edge, so no title is ever clipped.

    A title is centred over its axes, which a colour bar pushes left of the figure's centre:
    a long one runs off the left edge. Each is re-wrapped at fewer characters until it fits.
    The figure is drawn on its canvas (extents are known only after a draw) and is left drawn
    as it finally is, so `png_bytes(fig, drawn=True)` takes the pixels without drawing again.
    """
    texts = [ax.title for ax in fig.axes] + [t for t in (fig._suptitle,) if t is not None]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for text in texts:
        words = " ".join(text.get_text().split())
        chars = len(words)
        while words and not _inside(text.get_window_extent(renderer), fig):
            if chars <= 12:
                raise ValueError(f"the title {words!r} does not fit a {fig.get_figwidth():g}-inch figure")
            chars = max(12, int(chars * 0.85))
            text.set_text(textwrap.fill(words, chars, break_long_words=False))
            fig.canvas.draw()


def _inside(box, fig: MplFigure) -> bool:
    return box.x0 >= 0 and box.x1 <= fig.bbox.width


@dataclass(frozen=True)
class Figure:
    """A rendered figure: PNG bytes and the alt text that describes them.

    In Jupyter it displays as the image with the alt text as its plain-text form, which is
    how the page builder finds the alt text.
    """

    png: bytes
    alt: str
    name: str | None = None  # a slug for the file name, when the caller wants one

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self.alt

    def save(self, path) -> Path:
        """Write the PNG atomically: a reader never sees half a file."""
        atomic_write(path, self.png)
        return Path(path)


def finish(fig: MplFigure, alt: str, name: str | None = None) -> Figure:
    """Render a Matplotlib figure to a `Figure` (PNG bytes + alt text), its titles fitted to its width."""
    fit_titles(fig)  # leaves the canvas drawn
    return Figure(png_bytes(fig, drawn=True), alt, name)


def symmetric_range(arrays) -> float:
    """The largest |value| over one array or several: the half-width of a zero-centred scale.

    Never 0 (an all-zero map still gets a scale) and NaN/inf are ignored.
    """
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, Iterable):
        arrays = [arrays]
    largest = 0.0
    for a in arrays:
        a = np.abs(np.asarray(a, dtype=np.float64))
        a = a[np.isfinite(a)]
        if a.size:
            largest = max(largest, float(a.max()))
    return largest if largest > 0 else 1.0


def cell_text_color(value, vmax) -> str:
    """Ink for a number written on a cell of a zero-centred map: white where the colour is deep."""
    return "white" if abs(float(value)) > 0.6 * float(vmax) else INK


def frame(ax) -> None:
    """A map panel without ticks but with a thin grey frame: a white (zero) map still shows its edge."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(GRID_COLOR)
        spine.set_linewidth(0.6)

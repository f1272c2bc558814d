"""The geometry of a convolution: where the kernel fits on a padded input, and one window's sum."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import ConnectionPatch, Rectangle

from cnnbook.render import style
from cnnbook.render.formats import fmt_value

PAD_COLOR = "#e4e4e4"  # the zeros added around the input
INPUT_COLOR = "#ffffff"
UNREACHED_COLOR = "#bdbdbd"  # cells no kernel position covers (the floor in the formula drops them)
WINDOW_COLOR = "#1f4e8c"  # the highlighted kernel position and the output cell it makes
_PAD_MAP = ListedColormap([PAD_COLOR])


def output_size(n: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> int:
    """⌊(n + 2p − d(k−1) − 1) / s⌋ + 1: the output length of a convolution along one axis.

    n input length, k kernel size, p zeros added on each side, s stride, d dilation. Zero or
    less means the (dilated) kernel does not fit in the padded input.
    """
    for name, v, least in (("n", n, 1), ("k", k, 1), ("p", p, 0), ("s", s, 1), ("d", d, 1)):
        if int(v) != v or v < least:
            raise ValueError(f"{name} must be an integer ≥ {least}, got {v}")
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def size_latex(n: int, k: int, p: int = 0, s: int = 1, d: int = 1) -> str:
    """The formula with the numbers put in, e.g. ⌊(28 + 2·2 − 1·(5−1) − 1) / 1⌋ + 1 = 28, in LaTeX."""
    return (f"\\left\\lfloor \\frac{{{n} + 2 \\cdot {p} - {d} \\cdot ({k} - 1) - 1}}{{{s}}} \\right\\rfloor + 1"
            f" = {output_size(n, k, p, s, d)}")


def covered(n: int, k: int, p: int, s: int) -> np.ndarray:
    """Which cells of the padded input (n + 2p) some kernel position covers (True) along one axis."""
    out = output_size(n, k, p, s)
    mask = np.zeros(n + 2 * p, dtype=bool)
    for i in range(max(out, 0)):
        mask[i * s : i * s + k] = True
    return mask


def conv_geometry(n: int, k: int, p: int, s: int, *, position: tuple[int, int] | None = None,
                  title: str | None = None) -> style.Figure:
    """An n×n input with p zeros drawn around it, one k×k kernel position outlined, and the output grid.

    position: the output cell (row, col) whose window is outlined; by default the last one
    (bottom right), which shows how far the kernel reaches. Cells of the padded input that no
    kernel position covers are shaded darker: the floor of the formula drops them. Both grids
    are drawn with the same cell size, so the output looks as much smaller (or larger) as it is.
    """
    out = output_size(n, k, p, s)
    if out < 1:
        raise ValueError(f"a {k}×{k} kernel does not fit in a {n}×{n} input padded by {p}")
    row, col = (out - 1, out - 1) if position is None else position
    if not (0 <= row < out and 0 <= col < out):
        raise ValueError(f"output cell ({row}, {col}) is outside the {out}×{out} output")
    m = n + 2 * p
    reach = covered(n, k, p, s)
    unreached = int(m - reach.sum())
    title = title or f"kernel {k}×{k}, padding {p}, stride {s}"
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 0.24 * max(m, out) + 1.0)
        ax_in, ax_out = fig.subplots(1, 2, width_ratios=[m + 1, out + 1])
        for i in range(m):
            for j in range(m):
                pad = not (p <= i < p + n and p <= j < p + n)
                color = UNREACHED_COLOR if not (reach[i] and reach[j]) else PAD_COLOR if pad else INPUT_COLOR
                ax_in.add_patch(Rectangle((j, i), 1, 1, facecolor=color, edgecolor=style.GRID_COLOR, linewidth=0.5))
                if pad and m <= 14:
                    ax_in.text(j + 0.5, i + 0.5, "0", ha="center", va="center", fontsize=style.LABEL_SIZE,
                               color=style.GRID_COLOR)
        if p:  # the border of the real input
            ax_in.add_patch(Rectangle((p, p), n, n, facecolor="none", edgecolor=style.INK, linewidth=1.0))
        top, left = row * s, col * s
        ax_in.add_patch(Rectangle((left, top), k, k, facecolor=WINDOW_COLOR, alpha=0.25, edgecolor="none"))
        ax_in.add_patch(Rectangle((left, top), k, k, facecolor="none", edgecolor=WINDOW_COLOR, linewidth=2))
        for i in range(out):
            for j in range(out):
                color = WINDOW_COLOR if (i, j) == (row, col) else INPUT_COLOR
                ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor=color, edgecolor=style.GRID_COLOR, linewidth=0.5))
        for ax, size in ((ax_in, m), (ax_out, out)):
            ax.set_xlim(-0.2, size + 0.2)
            ax.set_ylim(max(m, out) + 0.2, -0.2)  # same scale in both panels, row 0 on top
            ax.set_aspect("equal")
            ax.set_axis_off()
        ax_in.set_title(f"input {n}×{n}" + (f", padded to {m}×{m}" if p else ""))
        ax_out.set_title(f"output {out}×{out}")
        fig.add_artist(ConnectionPatch((left + k, top + k / 2), (row + 0.5, col + 0.5)[::-1], "data", "data",
                                       axesA=ax_in, axesB=ax_out, arrowstyle="->", color=WINDOW_COLOR, linewidth=1))
        fig.suptitle(f"{title}: ⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {out}")
        rings = f"{p} row{'s' if p > 1 else ''} and column{'s' if p > 1 else ''}"
        alt = (f"Convolution geometry, {title}: the {n}×{n} input"
               + (f" with {rings} of zeros on every side ({m}×{m})" if p else " without padding")
               + f"; the {k}×{k} kernel at output cell ({row}, {col}) covers rows {top}–{top + k - 1} and "
               f"columns {left}–{left + k - 1}; the output is {out}×{out}"
               + (f"; the last {unreached} row{'s' if unreached > 1 else ''} and column{'s' if unreached > 1 else ''}"
                  f" of the padded input are never covered" if unreached else ""))
        return style.finish(fig, alt)


def window_products(x, kernel, bias: float, row: int, col: int, padding: int) -> dict:
    """Every number behind out[row, col] of one output channel of a stride-1 convolution with zero padding.

    x (H, W, Cin), kernel (k, k, Cin) for that output channel. Returns {"padded": the padded
    input, "top", "left": the window's corner in it, "windows", "kernels", "products": one
    (k, k) array per input channel, "sums": per channel, "bias", "total"}.
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    if kernel.ndim == 2:
        kernel = kernel[:, :, None]
    if x.ndim != 3 or kernel.ndim != 3 or kernel.shape[2] != x.shape[2]:
        raise ValueError(f"expected x (H, W, Cin) and one output channel's kernel (k, k, Cin), "
                         f"got {x.shape} and {kernel.shape}")
    k = kernel.shape[0]
    padded = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    oh, ow = padded.shape[0] - k + 1, padded.shape[1] - kernel.shape[1] + 1
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"({row}, {col}) is outside the {oh}×{ow} output")
    windows = padded[row : row + k, col : col + kernel.shape[1], :]
    products = windows * kernel
    sums = products.sum(axis=(0, 1))
    return {"padded": padded, "top": row, "left": col, "padding": padding,
            "windows": np.moveaxis(windows, -1, 0), "kernels": np.moveaxis(kernel, -1, 0),
            "products": np.moveaxis(products, -1, 0), "sums": sums, "bias": float(bias),
            "total": float(sums.sum() + bias)}


def window_figure(data: dict, *, title: str, captured: float | None = None) -> style.Figure:
    """One output value worked out: the padded input with the window, the window, the kernel, their products.

    One row per input channel (at most 3). Numbers are written in the cells; the padding's
    zeros are shaded grey. The title gives the sum, the bias and the total (and the network's
    own value, when given).
    """
    windows, kernels, products = data["windows"], data["kernels"], data["products"]
    cin, k = windows.shape[0], windows.shape[1]
    if cin > 3:
        raise ValueError(f"window_figure draws at most 3 input channels, got {cin}")
    p, top, left = data["padding"], data["top"], data["left"]
    padded = data["padded"]
    m = padded.shape[0]
    in_max = style.symmetric_range(padded)
    image = bool(padded.min() >= 0 and padded.max() <= 1)
    k_max = style.symmetric_range(kernels)
    prod_max = style.symmetric_range(products)
    # which cells of the window are padding (outside the real input)
    rows = np.arange(top, top + k)
    cols = np.arange(left, left + kernels.shape[2])
    is_pad = ~(((rows >= p) & (rows < m - p))[:, None] & ((cols >= p) & (cols < padded.shape[1] - p))[None, :])
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 1.75 * cin + 0.7)
        axes = np.atleast_2d(fig.subplots(cin, 4, width_ratios=[1.1, 1, 1, 1]))
        for c in range(cin):
            ax_map, ax_win, ax_k, ax_prod = axes[c]
            if image:  # pixels in 0..1 are light: greys, as every input figure
                ax_map.imshow(padded[:, :, c], cmap=style.GREYS, vmin=0, vmax=1)
            else:
                ax_map.imshow(padded[:, :, c], cmap=style.DIVERGING, vmin=-in_max, vmax=in_max)
            if p:
                ax_map.add_patch(Rectangle((p - 0.5, p - 0.5), padded.shape[1] - 2 * p, m - 2 * p, facecolor="none",
                                           edgecolor=style.GRID_COLOR, linewidth=0.8, linestyle=":"))
            ax_map.add_patch(Rectangle((left - 0.5, top - 0.5), kernels.shape[2], k, facecolor="none",
                                       edgecolor=WINDOW_COLOR, linewidth=1.5))
            _cells(ax_win, windows[c], in_max, shade=is_pad, greys=image)
            _cells(ax_k, kernels[c], k_max)
            _cells(ax_prod, products[c], prod_max, shade=is_pad)
            for ax, symbol in ((ax_win, "⊙"), (ax_k, "=")):
                ax.annotate(symbol, (1, 0.5), xycoords="axes fraction", xytext=(6, 0), textcoords="offset points",
                            ha="center", va="center", fontsize=style.TITLE_SIZE + 2)
            ax_prod.set_xlabel(f"sum {fmt_value(data['sums'][c])}", fontsize=style.FONT_SIZE)
            if cin > 1:
                ax_map.set_ylabel(f"input channel {c}", fontsize=style.FONT_SIZE)
            if c == 0:
                ax_map.set_title(f"input, padded {m}×{padded.shape[1]}" if p else f"input {m}×{padded.shape[1]}")
                ax_win.set_title("window" + (" (padding grey)" if is_pad.any() else ""))
                ax_k.set_title(f"kernel {k}×{kernels.shape[2]}")
                ax_prod.set_title("products")
            for ax in (ax_map, ax_win, ax_k, ax_prod):
                style.frame(ax)
        total = f"sum {fmt_value(data['sums'].sum())} + bias {fmt_value(data['bias'])} = {data['total']:.4f}"
        own = "" if captured is None else f" (network: {captured:.4f})"
        fig.suptitle(f"{title}: {total}{own}")
        n_pad = int(is_pad.sum()) * cin
        alt = (f"The arithmetic of one output value of {title}: a {k}×{kernels.shape[2]} window of the input at "
               f"input rows {top - p}–{top - p + k - 1} and columns {left - p}–{left - p + kernels.shape[2] - 1}"
               + (f" ({n_pad} of its cells are padding zeros)" if n_pad else "")
               + f", multiplied cell by cell with the kernel; the products sum to {fmt_value(data['sums'].sum())}, "
               f"plus the bias {fmt_value(data['bias'])} gives {data['total']:.4f}"
               + ("" if captured is None else f"; the network's own output there is {captured:.4f}"))
        return style.finish(fig, alt)


def _cells(ax, values, vmax: float, shade=None, greys: bool = False) -> None:
    """A small grid with its numbers written in; shaded cells (padding) are drawn grey.

    greys: pixel values in 0..1 drawn in greys (black 0, white 1), else a zero-centred scale.
    """
    if greys:
        ax.imshow(values, cmap=style.GREYS, vmin=0, vmax=1)
    else:
        ax.imshow(values, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
    if shade is not None and shade.any():
        ax.imshow(np.where(shade, 1.0, np.nan), cmap=_PAD_MAP, vmin=0, vmax=1)
    size = style.LABEL_SIZE if max(values.shape) <= 3 else style.LABEL_SIZE - 1
    for (i, j), v in np.ndenumerate(values):
        if shade is not None and shade[i, j]:
            color = style.GRID_COLOR
        elif greys:
            color = style.INK if v > 0.5 else "white"
        else:
            color = style.cell_text_color(v, vmax)
        ax.text(j, i, _short(v), ha="center", va="center", fontsize=size, color=color)


def _short(v: float) -> str:
    """A cell number in at most 4 characters: two decimals, no leading zero, no sign on a rounded zero."""
    text = f"{float(v):.2f}"
    if float(text) == 0:
        return "0"
    return text.replace("0.", ".", 1) if abs(float(text)) < 1 else text

"""Convolution taken apart: how one output channel is made from every input channel, down to one pixel."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import ConnectionPatch

from cnnbook.render import style
from cnnbook.render.formats import fmt_value


def correlate_valid(channel, kernel) -> np.ndarray:
    """Slide `kernel` (kh, kw) over `channel` (H, W) without padding: (H - kh + 1, W - kw + 1).

    This is what a deep-learning "convolution" layer computes: a cross-correlation, the kernel
    is not flipped. out[i, j] = sum(channel[i:i+kh, j:j+kw] * kernel), in float64.
    """
    channel = np.asarray(channel, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if channel.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"expected a channel (H, W) and a kernel (kh, kw), got {channel.shape} and {kernel.shape}")
    if kernel.shape[0] > channel.shape[0] or kernel.shape[1] > channel.shape[1]:
        raise ValueError(f"a {kernel.shape} kernel does not fit in a {channel.shape} channel")
    windows = np.lib.stride_tricks.sliding_window_view(channel, kernel.shape)  # (out_h, out_w, kh, kw)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def intermediate_maps(x, kernel, out_channel: int) -> np.ndarray:
    """For output channel `out_channel`: each input channel correlated with its own kernel slice.

    x (H, W, Cin), kernel (kh, kw, Cin, Cout) → (Cin, H - kh + 1, W - kw + 1). Their sum plus
    the channel's bias is the layer's output channel (before the activation).
    """
    x, kernel = _check(x, kernel, out_channel)
    return np.stack([correlate_valid(x[:, :, k], kernel[:, :, k, out_channel]) for k in range(x.shape[2])])


def conv_decomposition(x, kernel, bias, out_channel: int, *, title: str, names=None) -> style.Figure:
    """How ONE output channel is made, as CNN Explainer shows it.

    One row per input channel k: the input channel, its own kh×kw kernel slice (values
    written in the cells), and the intermediate map correlate_valid(x[..., k], kernel[..., k, c]).
    Arrows lead from the intermediate maps to their sum plus the bias: the output channel.
    Intermediate maps and output share one zero-centred scale; the inputs keep their own colours
    (R/G/B tints for a 3-channel image in 0..1, else greys). names: one label per input channel.
    """
    x, kernel = _check(x, kernel, out_channel)
    bias = np.asarray(bias, dtype=np.float64).ravel()
    if bias.size != kernel.shape[3]:
        raise ValueError(f"expected {kernel.shape[3]} biases (one per output channel), got {bias.size}")
    h, w, cin = x.shape
    kh, kw = kernel.shape[:2]
    names = _names(cin, names)
    inter = intermediate_maps(x, kernel, out_channel)
    b = float(bias[out_channel])
    out = inter.sum(axis=0) + b
    oh, ow = out.shape
    vmax = style.symmetric_range([inter, out])
    weights = kernel[:, :, :, out_channel]
    kmax = style.symmetric_range(weights)
    rgb = cin == 3 and x.min() >= 0 and x.max() <= 1
    in_lo, in_hi = (0.0, 1.0) if x.min() >= 0 and x.max() <= 1 else (min(0.0, float(x.min())), float(x.max()))
    in_hi = in_hi if in_hi > in_lo else in_lo + 1
    row_inches = 1.15 if cin <= 4 else 0.8
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, cin * row_inches + 0.7)
        # columns: input, kernel, intermediate, room for the arrows, output
        grid = fig.add_gridspec(cin, 5, width_ratios=[1, 0.75, 1, 0.4, 1.2])
        arrows_from = []
        for k in range(cin):
            ax_in, ax_k, ax_mid = (fig.add_subplot(grid[k, i]) for i in range(3))
            cmap = style.RGB_MAPS[k] if rgb else style.GREYS
            ax_in.imshow(x[:, :, k], cmap=cmap, vmin=in_lo, vmax=in_hi)
            ax_in.set_ylabel(names[k], rotation=0, ha="right", va="center")
            _kernel_cells(ax_k, weights[:, :, k], kmax)
            im = ax_mid.imshow(inter[k], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
            for ax, symbol in ((ax_in, "⋆"), (ax_k, "=")):
                ax.annotate(symbol, (1, 0.5), xycoords="axes fraction", xytext=(7, 0), textcoords="offset points",
                            ha="center", va="center", fontsize=style.TITLE_SIZE + (6 if symbol == "⋆" else 2))
            if k == 0:
                ax_in.set_title(f"input ({h}×{w})")
                ax_k.set_title(f"kernel ({kh}×{kw})")
                ax_mid.set_title(f"intermediate ({oh}×{ow})")
            for ax in (ax_in, ax_k, ax_mid):
                style.frame(ax)
            arrows_from.append(ax_mid)
        ax_out = fig.add_subplot(grid[:, 4])
        ax_out.imshow(out, cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        ax_out.set_title(f"output channel {out_channel} ({oh}×{ow})\n= sum + bias ({fmt_value(b)})")
        style.frame(ax_out)
        for ax in arrows_from:
            fig.add_artist(ConnectionPatch((1.04, 0.5), (-0.04, 0.5), "axes fraction", "axes fraction", axesA=ax,
                                           axesB=ax_out, arrowstyle="->", color=style.GRID_COLOR, linewidth=0.8))
        # right under the output, whatever the number of rows: intermediate maps and output share it
        fig.colorbar(im, cax=ax_out.inset_axes([0.05, -0.16, 0.9, 0.06]), orientation="horizontal",
                     label="intermediate and output value")
        fig.suptitle(f"{title}: output channel {out_channel} from {cin} input channel{'' if cin == 1 else 's'}")
        each = "the input channel" if cin == 1 else f"each of the {cin} input channels"
        maps = "1 intermediate map" if cin == 1 else f"{cin} intermediate maps"
        alt = (f"How output channel {out_channel} of {title} is made: {each} ({h}×{w}) is cross-correlated "
               f"with its own {kh}×{kw} kernel slice, giving {maps} of {oh}×{ow}; their sum plus the bias "
               f"{fmt_value(b)} is the output channel, with values from {fmt_value(out.min())} to "
               f"{fmt_value(out.max())}")
        return style.finish(fig, alt)


def pixel_arithmetic(x, kernel, bias, out_channel: int, row: int, col: int, *, names=None) -> dict:
    """Every number behind one output value out[row, col, out_channel] (VALID, stride 1).

    Returns {"row", "col", "out_channel", "channels", "bias", "total"}: channels holds one dict
    per input channel with "name", the (kh, kw) "patch" of the input under the kernel, the
    "kernel" slice, their elementwise "products" and "sum" (the partial sum); total = the
    partial sums + bias, which equals correlate_valid(...)[row, col] summed over channels + bias.
    """
    x, kernel = _check(x, kernel, out_channel)
    bias = np.asarray(bias, dtype=np.float64).ravel()
    h, w, cin = x.shape
    kh, kw = kernel.shape[:2]
    if not (0 <= row <= h - kh and 0 <= col <= w - kw):
        raise ValueError(f"({row}, {col}) is outside the {h - kh + 1}×{w - kw + 1} output")
    names = _names(cin, names)
    channels = []
    for k in range(cin):
        patch = x[row : row + kh, col : col + kw, k]
        weights = kernel[:, :, k, out_channel]
        products = patch * weights
        channels.append({"name": names[k], "patch": patch, "kernel": weights, "products": products,
                         "sum": float(products.sum())})
    b = float(bias[out_channel])
    total = sum(c["sum"] for c in channels) + b
    return {"row": int(row), "col": int(col), "out_channel": int(out_channel), "channels": channels,
            "bias": b, "total": float(total)}


def pixel_arithmetic_latex(data: dict, digits: int = 2) -> str:
    r"""The arithmetic of `pixel_arithmetic` written out in LaTeX with its real numbers.

    One line per input channel, s_k = Σ(patch ⊙ kernel) = partial sum, then
    out[row, col] = s_R + s_G + s_B + b = the numbers = total. Every number is rounded to
    `digits` decimals for display, so the rounded terms may miss the total by a last digit.
    """
    lines = []
    for c in data["channels"]:
        lines.append(f"s_{{{c['name']}}} & = \\sum \\left( {_bmatrix(c['patch'], digits)} \\odot "
                     f"{_bmatrix(c['kernel'], digits)} \\right) = {_num(c['sum'], digits)}")
    symbols = " + ".join(f"s_{{{c['name']}}}" for c in data["channels"]) + " + b"
    terms = [c["sum"] for c in data["channels"]] + [data["bias"]]
    numbers = _num(terms[0], digits) + "".join(
        f" - {_num(-t, digits)}" if _num(t, digits).startswith("-") else f" + {_num(t, digits)}" for t in terms[1:])
    where = f"\\text{{out}}_{{{data['out_channel']}}}[{data['row']}, {data['col']}]"
    lines.append(f"{where} & = {symbols} = {numbers} = {_num(data['total'], digits)}")
    return "\\begin{array}{rl}\n" + " \\\\\n".join(lines) + "\n\\end{array}"


def _check(x, kernel, out_channel: int):
    """x (H, W, Cin) and kernel (kh, kw, Cin, Cout) as float64, and a valid output channel."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if x.ndim == 4 and x.shape[0] == 1:  # a batch of one, as captured
        x = x[0]
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or kernel.ndim != 4 or kernel.shape[2] != x.shape[2]:
        raise ValueError(f"expected x (H, W, Cin) and a kernel (kh, kw, Cin, Cout), got {x.shape} and {kernel.shape}")
    if not 0 <= out_channel < kernel.shape[3]:
        raise ValueError(f"output channel {out_channel} is not among the kernel's {kernel.shape[3]}")
    return x, kernel


def _names(cin: int, names) -> list[str]:
    """Labels of the input channels: the caller's, R/G/B for three, else their numbers."""
    if names is None:
        names = ("R", "G", "B") if cin == 3 else range(cin)
    names = [str(n) for n in names]
    if len(names) != cin:
        raise ValueError(f"{len(names)} names for {cin} input channels")
    return names


def _kernel_cells(ax, weights, kmax: float) -> None:
    """A small kernel slice as coloured cells with each weight written in."""
    ax.imshow(weights, cmap=style.DIVERGING, vmin=-kmax, vmax=kmax)
    size = style.LABEL_SIZE if max(weights.shape) <= 3 else style.LABEL_SIZE - 1.5
    for (i, j), v in np.ndenumerate(weights):
        ax.text(j, i, _num(v, 2), ha="center", va="center", fontsize=size,
                color=style.cell_text_color(v, kmax))


def _num(v: float, digits: int) -> str:
    """A number rounded for display; a rounded zero never shows a minus sign."""
    text = f"{float(v):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _bmatrix(a, digits: int) -> str:
    rows = (" & ".join(_num(v, digits) for v in row) for row in np.asarray(a))
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"

"""The network's answer: softmax probabilities over the classes, for one image or a row per image."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent
from cnnbook.render.images import as_unit_image


def softmax(logits) -> np.ndarray:
    """exp(z) / Σ exp(z) over the last axis, in float64; the max is subtracted first, so large
    logits never overflow (the result is the same: softmax ignores a constant shift)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def probability_bars(logits, class_names, *, title: str, true_label=None) -> style.Figure:
    """Horizontal bars of the softmax probabilities, one per class, the logit written beside each.

    The predicted class (the largest probability) is filled dark; the true class, when given
    (index or name), is outlined and named "(true)".
    """
    logits, names = _check(logits, class_names)
    probs = softmax(logits)
    pred = int(np.argmax(probs))
    true = _index(true_label, names)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 0.5 + 0.22 * len(names))
        ax = fig.add_subplot()
        _bars(ax, probs, names, pred, true, style.LABEL_SIZE + 1)
        for i, (p, z) in enumerate(zip(probs, logits)):
            ax.text(p + 0.015, i, f"{fmt_percent(p)}   (logit {z:.2f})", va="center", fontsize=style.LABEL_SIZE + 1,
                    color=style.INK)
        ax.set_xlim(0, 1.32)  # room right of a full bar for its numbers
        ax.set_xlabel("softmax probability")
        ax.set_title(title)
        order = np.argsort(-probs, kind="stable")[:3]
        top = ", ".join(f"{names[i]} {fmt_percent(probs[i])}" for i in order)
        alt = (f"Softmax probabilities of {title} over {len(names)} classes; predicted {names[pred]} "
               f"({fmt_percent(probs[pred])}); top 3: {top}")
        if true is not None:
            alt += f"; the true class is {names[true]}" + (" (correct)" if true == pred else
                                                           f" ({fmt_percent(probs[true])}, wrong)")
        return style.finish(fig, alt)


def probability_grid(items, class_names, *, title: str, cols: int | None = None) -> style.Figure:
    """One small image and its probability bars per item, e.g. one image of every class.

    items: (image (H, W, 3) in 0..1, logits, true_label) each. Items go row by row; with more
    than 4 they are set in two columns (cols overrides) so each bar chart stays readable.
    """
    items = list(items)
    if not items:
        raise ValueError("no items to draw")
    names = [str(n) for n in class_names]
    cols = (1 if len(items) <= 4 else 2) if cols is None else int(cols)
    rows = -(-len(items) // cols)
    results = []
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 0.45 + rows * max(1.0, 0.13 * len(names)))
        grid = fig.add_gridspec(rows, 2 * cols, width_ratios=[1, 2.4] * cols)
        for n, (image, logits, true_label) in enumerate(items):
            logits, _ = _check(logits, names)
            probs = softmax(logits)
            pred, true = int(np.argmax(probs)), _index(true_label, names)
            r, c = divmod(n, cols)
            ax_img, ax_bar = fig.add_subplot(grid[r, 2 * c]), fig.add_subplot(grid[r, 2 * c + 1])
            ax_img.imshow(as_unit_image(image))
            ax_img.set_axis_off()
            ax_img.set_title(names[true] if true is not None else f"image {n}", fontsize=style.LABEL_SIZE + 1)
            _bars(ax_bar, probs, names, pred, true, style.LABEL_SIZE - 0.5)
            ax_bar.text(probs[pred] + 0.02, pred, fmt_percent(probs[pred]), va="center", fontsize=style.LABEL_SIZE,
                        color=style.INK)
            ax_bar.set_xlim(0, 1.2)
            ax_bar.tick_params(axis="x", labelsize=style.LABEL_SIZE - 0.5)
            results.append((true, pred, probs[pred]))
        fig.suptitle(title)
        known = [(t, p) for t, p, _ in results if t is not None]
        alt = f"{len(items)} images ({title}), each with its softmax probabilities over {len(names)} classes"
        if known:
            alt += f"; {sum(t == p for t, p in known)} of {len(known)} predicted correctly"
        alt += ": " + "; ".join(
            f"{names[t] if t is not None else f'image {i}'} → {names[p]} ({fmt_percent(q)})"
            for i, (t, p, q) in enumerate(results))
        return style.finish(fig, alt)


def _bars(ax, probs, names, pred: int, true: int | None, label_size: float) -> None:
    """The bars, class 0 at the top: the prediction filled dark, the true class outlined and named."""
    k = len(names)
    colors = [style.PREDICTED_COLOR if i == pred else style.BAR_COLOR for i in range(k)]
    edges = [style.TRUE_COLOR if i == true else "none" for i in range(k)]
    ax.barh(range(k), probs, height=0.75, color=colors, edgecolor=edges, linewidth=1.5)
    labels = [f"{n} (true)" if i == true else n for i, n in enumerate(names)]
    ax.set_yticks(range(k), labels, fontsize=label_size)
    if true is not None:
        ax.get_yticklabels()[true].set_color(style.TRUE_COLOR)
        ax.get_yticklabels()[true].set_fontweight("bold")
    ax.get_yticklabels()[pred].set_fontweight("bold")
    ax.set_ylim(k - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.xaxis.set_major_formatter(PercentFormatter(1, decimals=0))
    ax.spines["bottom"].set_bounds(0, 1)


def _check(logits, class_names):
    logits = np.asarray(logits, dtype=np.float64).ravel()
    names = [str(n) for n in class_names]
    if logits.size != len(names):
        raise ValueError(f"{logits.size} logits for {len(names)} class names")
    return logits, names


def _index(label, names) -> int | None:
    """A true label given as index or name, as an index (None stays None)."""
    if label is None:
        return None
    if isinstance(label, str):
        if label not in names:
            raise ValueError(f"{label!r} is not one of the classes {names}")
        return names.index(label)
    label = int(label)
    if not 0 <= label < len(names):
        raise ValueError(f"true label {label} is outside 0..{len(names) - 1}")
    return label

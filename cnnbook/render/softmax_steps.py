"""Softmax taken apart: the probabilities at several temperatures, one panel each."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent, fmt_value


def temperature_figure(probs_by_t: dict, class_names, *, title: str, true_label: int | None = None) -> style.Figure:
    """One bar panel per temperature T: softmax(z / T) over the classes, on one 0..100% axis.

    probs_by_t: {T: probabilities}. The largest bar of each panel is dark; the true class,
    when given, is named in green. A dotted line marks the uniform 1/K.
    """
    names = [str(n) for n in class_names]
    k = len(names)
    if not probs_by_t:
        raise ValueError("no temperatures to draw")
    panels = []
    for t, p in probs_by_t.items():
        p = np.asarray(p, dtype=np.float64).ravel()
        if p.size != k:
            raise ValueError(f"T = {t}: {p.size} probabilities for {k} classes")
        if not np.isclose(p.sum(), 1.0, atol=1e-6):
            raise ValueError(f"T = {t}: probabilities sum to {p.sum():.6f}, not 1")
        panels.append((float(t), p))
    n = len(panels)
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 0.9 + 0.16 * k)
        axes = np.atleast_1d(fig.subplots(1, n, sharey=True)).ravel()
        for ax, (t, p) in zip(axes, panels):
            top = int(p.argmax())
            colors = [style.PREDICTED_COLOR if i == top else style.BAR_COLOR for i in range(k)]
            ax.barh(range(k), p, height=0.75, color=colors)
            ax.axvline(1 / k, color=style.GRID_COLOR, linestyle=":", linewidth=0.8)
            ax.set_xlim(0, 1)
            ax.set_xticks([0, 0.5, 1])
            ax.xaxis.set_major_formatter(PercentFormatter(1, decimals=0))
            ax.set_title(f"T = {t:g}\ntop {fmt_percent(p[top])}", fontsize=style.FONT_SIZE)
            ax.tick_params(axis="y", length=0)
        axes[0].set_yticks(range(k), names, fontsize=style.LABEL_SIZE + 0.5)
        axes[0].set_ylim(k - 0.5, -0.5)
        if true_label is not None:
            axes[0].get_yticklabels()[int(true_label)].set_color(style.TRUE_COLOR)
            axes[0].get_yticklabels()[int(true_label)].set_fontweight("bold")
        fig.suptitle(title)
        parts = [f"T = {t:g}: largest {names[int(p.argmax())]} {fmt_percent(p.max())}, smallest "
                 f"{fmt_percent(p.min())}" for t, p in panels]
        alt = (f"{title}: softmax probabilities over {k} classes at {n} temperatures (uniform would be "
               f"{fmt_value(1 / k)}): " + "; ".join(parts))
        return style.finish(fig, alt)

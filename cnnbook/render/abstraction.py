"""Depth against abstraction: a linear probe's accuracy and the maps' resemblance to the input's
silhouette, layer by layer (`cnnbook.probes` measures both)."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent


def abstraction_figure(layers: list[str], probe: list[float], own: list[float | None], other: list[float | None],
                       title: str) -> style.Figure:
    """Two panels over the layers in order: probe accuracy; silhouette resemblance (own image and
    another image's, which is what chance gives). A missing resemblance (a 1×1 map) is left out."""
    x = np.arange(len(layers))
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, 3.0)
        left, right = fig.subplots(1, 2)
        left.plot(x, probe, marker="o", markersize=3, color=style.SERIES_COLORS[0])
        left.set_title("linear probe on pooled features: test accuracy")
        left.yaxis.set_major_formatter(PercentFormatter(1.0))
        for xs, values, label, colour in ((x, own, "its own silhouette", style.SERIES_COLORS[0]),
                                          (x, other, "another image's (chance)", style.MUTED_COLOR)):
            keep = [i for i, v in enumerate(values) if v is not None]
            right.plot(xs[keep], [values[i] for i in keep], marker="o", markersize=3, color=colour, label=label)
        right.set_title("maps vs silhouette: mean |correlation|")
        right.legend(frameon=False)
        for ax in (left, right):
            ax.set_xticks(x, layers, rotation=60, ha="right")
            ax.set_ylim(bottom=0)
        alt = f"{title}. Probe accuracy by layer: " + ", ".join(
            f"{name} {fmt_percent(p)}" for name, p in zip(layers, probe))
        fig.suptitle(title)
        return style.finish(fig, alt)

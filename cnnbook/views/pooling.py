"""Max-pooling on one image: each window's winner, and one window enlarged."""

from __future__ import annotations

import numpy as np

from cnnbook.render import pooling as pooling_render
from cnnbook.views.convolution import strongest_channel


def pooling(net, layer: str, image=0, channel: int | None = None):
    """A max-pool's input and output for one channel, each window's winner marked."""
    net.check_layer(layer, kind="pool")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    if channel is None:  # the channel that responds most to this image
        channel = int(np.abs(after).sum(axis=(0, 1)).argmax())
    window, stride = net.pool_window(layer)
    return pooling_render.pooling_before_after(
        before[..., channel], after[..., channel], window=window, stride=stride,
        title=f"{layer}, channel {channel} — {net.example(image).caption}")


def pool_zoom(net, layer: str, image, channel: int | None = None):
    """One 2×2 max-pool window enlarged: the four values and the one kept (the strongest window)."""
    if net.pool_window(layer) != (2, 2):
        raise ValueError(f"{layer} of {net.spec.name} pools {net.pool_window(layer)} (window, stride): "
                         "pool_zoom draws 2×2 windows only")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    out = after[..., channel]
    row, col = (int(v) for v in np.unravel_index(out.argmax(), out.shape))
    return pooling_render.pooling_zoom(before[..., channel], row, col,
                                       title=f"{layer}, channel {channel} — {net.example(image).caption}")


def _winners(maps: np.ndarray, window: int, stride: int):
    """(pooled (C, oh, ow), winner cells (C, oh*ow) as flat indices) of every channel of maps (H, W, C)."""
    pooled, winners = [], []
    w = maps.shape[1]
    for c in range(maps.shape[-1]):
        after, cells = pooling_render.pooling_windows(maps[..., c], window, stride)
        pooled.append(after)
        winners.append([r * w + col for r, col in cells])
    return np.stack(pooled), np.asarray(winners)


def overlap_measures(net, layer: str, image) -> dict:
    """A pooling layer's windows against 2×2 windows of stride 2, on one image over all channels.

    For each: output size, the share of input cells that win some window ("kept"), the share of
    winners that win two or more windows (overlapping windows can pick the same cell), the share of
    input cells no window sees, and the mean output; for the layer's own windows also the share of
    outputs larger than the 2×2 window's at the same place (the extra row and column won). A window
    whose values are all 0 (switched off by the ReLU before it) has no winner: it is left out.
    """
    window, stride = net.pool_window(layer)
    before = np.asarray(net.input_of(layer, image), np.float32)
    h, w, _ = before.shape
    result = {"window": window, "stride": stride, "input": [h, w]}
    pooled = {}
    for name, (k, s) in (("own", (window, stride)), ("2x2", (2, 2))):
        after, winners = _winners(before, k, s)
        oh, ow = after.shape[1:]
        seen = np.zeros((h, w), bool)
        seen[: (oh - 1) * s + k, : (ow - 1) * s + k] = True
        active = after.reshape(len(after), -1) > 0  # windows with something to win
        repeats = [np.unique(cells[on], return_counts=True)[1] for cells, on in zip(winners, active)]
        distinct = sum(len(r) for r in repeats)
        result[name] = {
            "output": [int(oh), int(ow)],
            "kept": float(distinct / (len(repeats) * h * w)),
            "unseen": float(1 - seen.mean()),
            "mean_kept": float(after.mean()),
            "shared_winners": float(sum(int((r > 1).sum()) for r in repeats) / max(distinct, 1)),
        }
        pooled[name] = after
    own, two = pooled["own"], pooled["2x2"]
    oh, ow = min(own.shape[1], two.shape[1]), min(own.shape[2], two.shape[2])
    own, two = own[:, :oh, :ow], two[:, :oh, :ow]
    either = (own > 0) | (two > 0)
    result["larger_than_2x2"] = float((own > two + 1e-7)[either].mean()) if either.any() else 0.0
    return result


def overlap_table(net, image) -> "Table":
    """Every pooling layer of `net` on one image: its own windows against 2×2 windows, stride 2."""
    from cnnbook.render.formats import fmt_percent, fmt_value
    from cnnbook.render.tables import Table

    rows = []
    for row in net.layers:
        if row.kind != "pool":
            continue
        m = overlap_measures(net, row.name, image)
        for name, label in (("own", f"{m['window']}×{m['window']}, stride {m['stride']}"), ("2x2", "2×2, stride 2")):
            v = m[name]
            rows.append([f"`{row.name}`", label, "×".join(map(str, m["input"])), "×".join(map(str, v["output"])),
                         fmt_percent(v["kept"]), fmt_percent(v["shared_winners"]), fmt_percent(v["unseen"]),
                         fmt_value(v["mean_kept"]),
                         fmt_percent(m["larger_than_2x2"]) if name == "own" else ""])
    return Table(["Layer", "Windows", "In", "Out", "Cells kept", "Winners kept twice or more", "Cells never seen",
                  "Mean kept value", "Outputs above 2×2's"], rows,
                 align=["left", "left", "right", "right", "right", "right", "right", "right", "right"])


def overlap_figures(net, layer: str, image, channel: int | None = None):
    """The layer's own pooling and 2×2 pooling of one channel, before/after with winners, as two tabs."""
    from cnnbook.render.display import Tabs

    before, after = net.input_of(layer, image), net.activations(image)[layer]
    if channel is None:
        channel = int(np.abs(after).sum(axis=(0, 1)).argmax())
    window, stride = net.pool_window(layer)
    caption = net.example(image).caption
    own = pooling_render.pooling_before_after(
        before[..., channel], after[..., channel], window=window, stride=stride,
        title=f"{layer}, channel {channel}: {window}×{window} windows, stride {stride} — {caption}")
    two = pooling_render.pooling_before_after(
        before[..., channel], window=2, stride=2,
        title=f"{layer}, channel {channel}, if it pooled 2×2 windows, stride 2 — {caption}")
    return Tabs(((f"{window}×{window}, stride {stride} (the network's)", own), ("2×2, stride 2 (for comparison)", two)))

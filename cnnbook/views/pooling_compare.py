"""Pooling compared: max against average on a real map, what a pool drops, and what it buys against a shift."""

from __future__ import annotations

import math

import numpy as np

from cnnbook.render import pooling_compare as compare_render
from cnnbook.render.formats import fmt_percent
from cnnbook.render.pooling import pooling_windows
from cnnbook.render.tables import Table
from cnnbook.views.convolution import strongest_channel


def max_vs_average(net, layer: str, image, channel: int | None = None):
    """A max-pool layer's input for one channel, its real (max) output, and what average pooling would give."""
    net.check_layer(layer, kind="pool")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    maxed, _ = pooling_windows(before[..., channel])
    if maxed.shape != after[..., channel].shape or not np.allclose(maxed, after[..., channel], rtol=1e-4, atol=1e-6):
        raise ValueError(f"{net.spec.name} {layer} is not a 2×2 max-pool of its input: cannot compare with average")
    return compare_render.max_vs_average(
        before[..., channel], title=f"{net.spec.name} {layer}, channel {channel} — {net.example(image).caption}")


def pool_layers(net) -> list[str]:
    return [r.name for r in net.layers if r.kind == "pool"]


def pool_drop(net) -> Table:
    """Per pool layer: the shapes in and out, how many values it reads and keeps, and the share it drops."""
    rows = []
    for layer in pool_layers(net):
        before = net.layer_before(layer)
        shape_in = net.check_layer(before).output_shape if before else net.spec.input_shape
        shape_out = net.check_layer(layer).output_shape
        n_in, n_out = math.prod(shape_in), math.prod(shape_out)
        rows.append([f"[`{layer}`](atlas/{net.spec.name}.md#{layer})", " × ".join(map(str, shape_in)),
                     " × ".join(map(str, shape_out)), f"{n_in:,}", f"{n_out:,}", fmt_percent(1 - n_out / n_in)])
    return Table(["Pool layer", "Input", "Output", "Values in", "Values kept", "Dropped"], rows,
                 align=["left", "left", "left", "right", "right", "right"])


def dropped_share(net, layer: str) -> float:
    """The share of its input values that a pool layer does not pass on."""
    net.check_layer(layer, kind="pool")
    before = net.layer_before(layer)
    shape_in = net.check_layer(before).output_shape if before else net.spec.input_shape
    return 1 - math.prod(net.check_layer(layer).output_shape) / math.prod(shape_in)


def pool_shift(net, measured: dict) -> Table:
    """Per pool layer and shift: how much its input and its output change when the image moves.

    measured: `book.measures(net)["pool_shift"]`, {pool layer: {"input_layer", "shifts", "before", "after"}}.
    """
    rows = []
    for layer, m in measured.items():
        net.check_layer(layer, kind="pool")
        for shift, before, after in zip(m["shifts"], m["before"], m["after"], strict=True):
            if not before:  # None: the layer's input was zero for every image (nothing to compare)
                cells = ["no signal", "no signal", "–"]
            else:
                cells = [fmt_percent(before), fmt_percent(after), f"{after / before:.2f}"]
            rows.append([f"[`{layer}`](atlas/{net.spec.name}.md#{layer})", f"`{m['input_layer']}`",
                         f"{shift} px", *cells])
    return Table(["Pool layer", "Its input", "Shift", "Input changes by", "Output changes by", "Output / input"],
                 rows, align=["left", "left", "right", "right", "right", "right"])


def pool_shift_figure(measured: dict):
    """The pool_shift measures of several networks, {network name: pool_shift}, as paired bars."""
    # A pool whose input was zero for every image has nothing to show.
    measured = {name: {layer: m for layer, m in pools.items() if all(v is not None for v in m["before"] + m["after"])}
                for name, pools in measured.items()}
    shifts = sorted({s for pools in measured.values() for m in pools.values() for s in m["shifts"]})
    return compare_render.pool_shift_figure(
        measured, title=f"How much a shift of {' or '.join(str(s) for s in shifts)} pixels changes each pool's "
                        "input and output")

"""Flatten and the output layer: why the vector is as long as it is, and what each value adds to a class."""

from __future__ import annotations

import numpy as np

from cnnbook.errors import UnknownNameError
from cnnbook.render import flatten as flatten_render
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Math, Table


def flatten_row(net):
    """The flatten layer's row and the row of the layer it flattens."""
    for row in net.layers:
        if row.kind == "flatten" and row.reads is not None:
            return row, net.check_layer(row.reads)
    raise UnknownNameError(f"{net.spec.name} has no flatten layer after another layer")


def flatten_sum(net) -> Math:
    """Why the flatten layer has as many values as it has: rows · columns · channels."""
    flat, before = flatten_row(net)
    h, w, c = before.output_shape
    return Math(f"{h} \\cdot {w} \\cdot {c} = {fmt_int(flat.output_shape[0]).replace(',', '{,}')}")


def flatten_contributions(net, image, top: int = 10):
    """Which flattened values push the predicted class up most: value × its weight to that class.

    Needs an output layer that reads the flatten layer directly (as Tiny VGG's does).
    """
    flat_row, before = flatten_row(net)
    output = net.output_layer()
    if net.layer_before(output) != flat_row.name:
        raise UnknownNameError(f"the output layer {output!r} of {net.spec.name} does not read the flatten layer "
                               f"{flat_row.name!r} directly, so its logits are no sum over the flattened values")
    acts = net.activations(image)
    flat, logits = acts[flat_row.name], acts[output]
    weights = np.asarray(net.modules[output].kernel[...])
    winner = int(np.argmax(logits))
    shape = before.output_shape
    contrib = flatten_render.contributions(flat, weights, winner)
    fig = flatten_render.contribution_map(contrib, shape, top=top, title=(
        f"contributions to '{net.class_names[winner]}' — {net.example(image).caption}"))
    rows = [[fmt_int(i), str(r), str(c), str(ch), f"{flat[i]:.3f}", f"{weights[i, winner]:.3f}", f"{v:.3f}"]
            for i, r, c, ch, v in flatten_render.top_contributions(contrib, shape, top)]
    table = Table(["Flat index", "Row", "Column", "Channel", "Value", "Weight", "Value × weight"], rows)
    return fig, table

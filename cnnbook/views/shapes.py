"""A network's shapes layer by layer, and whether a claimed flatten size fits its output layer."""

from __future__ import annotations

import math

import numpy as np

from cnnbook.errors import UnknownNameError
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Table
from cnnbook.views.flatten import flatten_row


def _shape(shape) -> str:
    return " × ".join(str(s) for s in shape)


def _kernel(row) -> str:
    if row.kernel_shape is None:
        return ""
    if len(row.kernel_shape) == 4:
        kh, kw, cin, cout = row.kernel_shape
        return f"{kh}×{kw}, {cin} → {cout}"
    n_in, n_out = row.kernel_shape
    return f"{fmt_int(n_in)} → {fmt_int(n_out)}"


def _change(before, after, kind: str) -> str:
    """What a layer did to the shape, in words."""
    if before == after:
        return "same shape" + (" (values changed)" if kind in ("conv", "relu", "dense") else "")
    if kind == "flatten":
        return f"{_shape(before)} laid out in one row"
    if len(before) == 3 and len(after) == 3:
        parts = []
        if before[:2] != after[:2]:
            factor = (before[0] * before[1]) / (after[0] * after[1])
            parts.append(f"{factor:g}× fewer positions" if factor > 1 else f"{1 / factor:g}× more positions")
        if before[2] != after[2]:
            parts.append(f"{before[2]} → {after[2]} channels")
        return ", ".join(parts)
    return f"{fmt_int(math.prod(before))} → {fmt_int(math.prod(after))} values"


def shape_trace(net) -> Table:
    """Every layer's output shape, its kernel, its number of values, and what it changed, from the model."""
    rows = [["input", "", "", _shape(net.spec.input_shape), fmt_int(math.prod(net.spec.input_shape)), ""]]
    for r in net.layers:
        before = tuple(net.check_layer(r.reads).output_shape if r.reads else net.spec.input_shape)
        rows.append([f"`{r.name}`", r.kind, _kernel(r), _shape(r.output_shape), fmt_int(math.prod(r.output_shape)),
                     _change(before, tuple(r.output_shape), r.kind)])
    return Table(["Layer", "Kind", "Kernel", "Output shape", "Values", "What changed"], rows,
                 align=["left", "left", "left", "left", "right", "left"])


def _flatten_rows(net):
    """The layer the flatten reads, the flatten, and the layer that reads it."""
    flat, before = flatten_row(net)
    readers = net.readers(flat.name)
    if not readers:
        raise UnknownNameError(f"{net.spec.name}'s flatten layer {flat.name!r} is read by no layer")
    return before, flat, net.check_layer(readers[0])


def flatten_check(net, claims: dict[str, tuple[int, ...]]) -> Table:
    """Each claimed flatten shape (e.g. {"the comment": (32, 7, 7)}) against the model's own, tried on its weights.

    The last rows are the model's: the layer before the flatten, and the rows of the next
    layer's kernel. Each size is multiplied with the trained kernel, as the next layer would.
    """
    before, flat, after = _flatten_rows(net)
    kernel = np.asarray(net.modules[after.name].kernel[...])
    candidates = [(name, tuple(shape)) for name, shape in claims.items()]
    candidates.append((f"`{before.name}`'s output", tuple(before.output_shape)))
    rows = []
    for name, shape in candidates:
        size = math.prod(shape)
        try:
            np.zeros((1, size), kernel.dtype) @ kernel
            fits = f"yes: {fmt_int(size)} × {fmt_int(kernel.shape[1])} → {kernel.shape[1]} values"
        except ValueError:
            fits = f"no: `{after.name}` needs {fmt_int(kernel.shape[0])} inputs"
        rows.append([name, " · ".join(str(s) for s in shape), fmt_int(size), fits])
    return Table(["Where the size comes from", "Shape", "Values", f"Multiplies with `{after.name}`'s kernel "
                  f"({fmt_int(kernel.shape[0])} × {kernel.shape[1]})?"], rows,
                 align=["left", "left", "right", "left"])

"""The cost table of a network: per layer, output shape, parameters, multiply-adds, activation memory
and receptive field (computed by `cnnbook.costs`)."""

from __future__ import annotations

from cnnbook.costs import FLOAT_BYTES, LayerCost, conv_padding, layer_costs, total_macs
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Table

__all__ = ["FLOAT_BYTES", "LayerCost", "conv_padding", "cost_table", "layer_costs", "layer_padding", "total_macs"]


def layer_padding(net, layer: str) -> int:
    """The zeros a conv layer adds on each side of its input (0 for VALID)."""
    row = net.check_layer(layer, kind="conv")
    return conv_padding(net.modules[layer], row.kernel_shape[0])


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n:,} B"
    return f"{n / 1024:,.1f} KiB" if n < 1024 ** 2 else f"{n / 1024 ** 2:,.2f} MiB"


def cost_table(net) -> Table:
    """Per layer: output shape, parameters, multiply-adds, activation memory for one image (float32)
    and receptive field on the input (size × size pixels, and its stride); then the totals."""
    rows, costs = [], layer_costs(net)
    input_size = net.spec.input_shape[0]
    for c in costs:
        field = "whole image" if c.receptive_field is None else \
            f"{c.receptive_field}×{c.receptive_field}, stride {c.jump}"
        if c.receptive_field is not None and c.receptive_field > input_size:
            field += f" (wider than the {input_size}-pixel input)"
        rows.append([f"`{c.name}` ({c.kind})", "×".join(str(s) for s in c.output_shape), fmt_int(c.params),
                     fmt_int(c.macs), _bytes(c.activation_bytes), field])
    rows.append(["**Total**", "", f"**{fmt_int(sum(c.params for c in costs))}**",
                 f"**{fmt_int(sum(c.macs for c in costs))}**",
                 f"**{_bytes(sum(c.activation_bytes for c in costs))}**", ""])
    return Table(["Layer", "Output", "Parameters", "Multiply-adds", "Output size (1 image)", "Receptive field"],
                 rows, align=["left", "left", "right", "right", "right", "left"])


def profile_costs(net, profile: str) -> dict:
    """What `net`'s layers cost as `profile` builds them (its input may differ, as AlexNet's does):
    {"input_shape", "params", "macs", "flatten", "dense_params", "conv_macs"}, computed on shapes only."""
    from cnnbook.costs import costs_of
    from cnnbook.models import registry

    spec = registry.get(net.spec.name).for_profile(profile)
    rows = costs_of(spec)
    flatten = [r.output_shape[0] for r in rows if r.kind == "flatten"]
    return {"input_shape": tuple(spec.input_shape), "params": sum(r.params for r in rows),
            "macs": sum(r.macs for r in rows), "flatten": flatten[0] if flatten else None,
            "dense_params": sum(r.params for r in rows if r.kind == "dense"),
            "conv_macs": sum(r.macs for r in rows if r.kind == "conv")}

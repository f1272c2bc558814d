"""A network's layers as a graph (`cnnbook.render.graph`), each node's numbers from the cost table."""

from __future__ import annotations

from typing import Callable

from cnnbook.costs import layer_costs
from cnnbook.render.graph import Node, network_graph


def graph(net, link: Callable[[str], str | None] | None = None):
    """The graph of `net`: input first, then every layer with its output shape, parameters and
    multiply-adds for one image. `link(layer)` gives each node's link target (None: no link)."""
    link = link or (lambda layer: None)
    rows = {row.name: row for row in net.layers}
    nodes = [Node("input", "input", tuple(net.spec.input_shape), 0, 0, None, link("input"))]
    for cost in layer_costs(net):
        reads = rows[cost.name].reads
        nodes.append(Node(cost.name, cost.kind, cost.output_shape, cost.params, cost.macs,
                          "input" if reads is None else reads, link(cost.name)))
    return network_graph(nodes, f"{net.spec.title}: every layer with its output shape, parameters and "
                                f"multiply-adds for one {' × '.join(map(str, net.spec.input_shape))} image")

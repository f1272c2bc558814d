"""A network drawn as a graph: one node per layer, with its output shape, parameters and
multiply-adds, and an edge from each layer to the ones that read it. An inline SVG, so the page's
own colours (light or dark) draw it and every node is a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from cnnbook.render.display import Markdown
from cnnbook.render.formats import fmt_int

NODE_WIDTH, NODE_HEIGHT, GAP = 300, 46, 18  # px; one node per row, the input at the top
BAR_WIDTH = 150  # px for 100% of the network's parameters (or multiply-adds)
LEFT = 10
# The page's own colours (Material's CSS variables), with fallbacks for a notebook.
INK = "var(--md-default-fg-color, #222)"
PAPER = "var(--md-default-bg-color, #fff)"
PARAMS_COLOUR = "var(--md-primary-fg-color, #1f4e8c)"
MACS_COLOUR = "#e8710a"  # orange: apart from the blue in light and dark mode alike


@dataclass(frozen=True)
class Node:
    """One layer as the graph shows it."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int
    macs: int
    reads: str | None  # the name of the node it reads (None: the one above it)
    link: str | None  # where clicking the node goes


def network_graph(nodes: list[Node], title: str) -> Markdown:
    """The graph as an inline SVG inside a raw HTML block of the page."""
    total_params = max(sum(n.params for n in nodes), 1)
    total_macs = max(sum(n.macs for n in nodes), 1)
    width = LEFT + NODE_WIDTH + 2 * BAR_WIDTH + 60
    height = len(nodes) * (NODE_HEIGHT + GAP)
    rows = {n.name: i for i, n in enumerate(nodes)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cnnbook-graph" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}" '
             f'style="max-width:{width}px;font-family:var(--md-text-font-family, sans-serif);font-size:12px">',
             f"<title>{escape(title)}</title>",
             '<defs><marker id="cnnbook-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
             f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>']
    # Edges first, so the nodes are drawn over them.
    for i, node in enumerate(nodes[1:], start=1):
        source = rows.get(node.reads, i - 1)
        x, y0, y1 = LEFT + NODE_WIDTH / 2, _top(source) + NODE_HEIGHT, _top(i)
        if source == i - 1:
            parts.append(f'<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1 - 1}" stroke="{INK}" '
                         'marker-end="url(#cnnbook-arrow)"/>')
        else:  # a branch: around the nodes it skips, on the left
            parts.append(f'<path d="M{LEFT + 20},{y0} C{LEFT - 8},{y0 + 20} {LEFT - 8},{y1 - 20} {LEFT + 20},{y1 - 1}" '
                         f'fill="none" stroke="{INK}" marker-end="url(#cnnbook-arrow)"/>')
    for i, node in enumerate(nodes):
        top = _top(i)
        shape = " × ".join(map(str, node.shape))
        label = (f'<text x="{LEFT + 8}" y="{top + 18}" fill="{INK}" font-weight="bold">{escape(node.name)}'
                 f'<tspan font-weight="normal"> · {escape(node.kind)}</tspan></text>'
                 f'<text x="{LEFT + 8}" y="{top + 36}" fill="{INK}">{escape(shape)}</text>')
        box = (f'<rect x="{LEFT}" y="{top}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
               f'fill="{PAPER}" stroke="{INK}"/>' + label
               + _number(LEFT + NODE_WIDTH - 130, top + 8, node.params, total_params, "params", PARAMS_COLOUR)
               + _number(LEFT + NODE_WIDTH - 130, top + 26, node.macs, total_macs, "MACs", MACS_COLOUR))
        tip = f"{node.name}: {shape}, {fmt_int(node.params)} parameters, {fmt_int(node.macs)} multiply-adds"
        if node.link:
            box = f'<a href="{escape(node.link)}"><title>{escape(tip)}</title>{box}</a>'
        else:
            box = f"<g><title>{escape(tip)}</title>{box}</g>"
        parts.append(box)
        parts.append(_share(LEFT + NODE_WIDTH + 10, top + 8, node.params, total_params, "parameters", PARAMS_COLOUR))
        parts.append(_share(LEFT + NODE_WIDTH + 10, top + 26, node.macs, total_macs, "multiply-adds", MACS_COLOUR))
    parts.append("</svg>")
    # One line: a blank line would end Markdown's raw HTML block.
    return Markdown(f'<div class="cnnbook-graph-box">{"".join(parts)}</div>')


def _top(i: int) -> int:
    return i * (NODE_HEIGHT + GAP) + 4


def _number(x: float, y: float, value: int, total: int, what: str, colour: str) -> str:
    """The number inside the node, right-aligned."""
    return (f'<text x="{x + 122}" y="{y + 10}" text-anchor="end" fill="{INK}">{fmt_int(value)} '
            f'<tspan fill-opacity="0.7">{what}</tspan></text>') if value else ""


def _share(x: float, y: float, value: int, total: int, what: str, colour: str) -> str:
    """A bar beside the node, its length the layer's share of the network's total."""
    if not value:
        return ""
    share = value / total
    length = max(1.0, share * BAR_WIDTH * 2)
    return (f'<rect x="{x}" y="{y}" width="{length:.1f}" height="12" fill="{colour}">'
            f"<title>{share:.1%} of the {what}</title></rect>"
            f'<text x="{x + length + 4}" y="{y + 10}" fill="{INK}">{share:.1%}</text>')

"""Walk pages: one image followed through every layer of a network (generated, linked from atlases)."""

from __future__ import annotations

from cnnbook.pages.chapters import PageOutput
from cnnbook.pages.markdown import PageBuilder
from cnnbook.views import maps, softmax
from cnnbook.views.walks import walk_path


def build_walk(net, index: int, banner: str = "") -> PageOutput:
    """Every layer's response to one test image, with the final probabilities."""
    name = net.spec.name
    path = walk_path(net, index)
    page = PageBuilder("walks", path[len("walks/") : -len(".md")])
    ex = net.example(index)
    predicted, p = softmax.top_prediction(net, ex)
    page.add(f"# Walk: {ex.caption} through {net.spec.title}")
    if banner:
        page.add(banner)
    page.add(f"The network predicts **{predicted}** with probability {p:.3f}. Below, the image's path "
             f"through every layer of [`{name}`](../atlas/{name}.md); each layer's channels share one colour scale.")
    page.add(page.figure(maps.input_figure(net, ex), "input"))
    page.add(page.figure(softmax.probabilities(net, ex), "probabilities"))
    for row in net.layers[:-1]:
        page.add(f"## [`{row.name}`](../atlas/{name}.md#{row.name})")
        page.add(page.figure(maps.feature_maps(net, row.name, ex), row.name))
    return PageOutput(path, page.markdown(), page.assets)

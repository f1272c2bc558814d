"""Walk pages: one image followed through every layer of a network (generated, linked from atlases)."""

from __future__ import annotations

import numpy as np

from cnnbook import explain, views
from cnnbook.pages.chapters import PageOutput


def walk_path(net, index: int) -> str:
    """Where the walk of test image `index` through `net` lives, relative to build/docs."""
    return f"walks/{net.spec.name}-test-{index}.md"


def confident_mistakes(net, k: int = 8) -> list[int]:
    """Indices of the test images the network got wrong with the highest confidence."""
    probs = net.test_probs
    pred = probs.argmax(-1)
    wrong = np.flatnonzero(pred != views.dataset_of(net).y_test)
    return [int(i) for i in wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:k]]


def build_walk(net, index: int, banner: str = "") -> PageOutput:
    """Every layer's response to one test image, with the final probabilities."""
    name = net.spec.name
    stem = walk_path(net, index)[len("walks/") : -len(".md")]
    prefix = f"{stem}_files"
    ex = views.example(net, index)
    predicted, p = explain.top_prediction(net, ex)
    blocks = [f"# Walk: {ex.caption} through {net.spec.title}"]
    if banner:
        blocks.append(banner.strip("\n"))
    blocks.append(f"The network predicts **{predicted}** with probability {p:.3f}. Below, the image's path "
                  f"through every layer of [`{name}`](../atlas/{name}.md); each layer's channels share one colour scale.")
    assets = {}

    def figure(fig, slug):
        assets[f"walks/{prefix}/{slug}.png"] = fig.png
        alt = " ".join(fig.alt.split()).replace("[", "(").replace("]", ")")
        return f"![{alt}]({prefix}/{slug}.png)"

    blocks.append(figure(views.input_figure(net, ex), "input"))
    blocks.append(figure(explain.probabilities(net, ex), "probabilities"))
    for row in views.layers(net)[:-1]:
        blocks.append(f"## [`{row.name}`](../atlas/{name}.md#{row.name})")
        blocks.append(figure(views.feature_maps(net, row.name, ex), row.name))
    return PageOutput(walk_path(net, index), "\n\n".join(blocks) + "\n", assets)

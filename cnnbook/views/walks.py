"""The walks: a network's most confident mistakes, each followed through every layer on a page of its own."""

from __future__ import annotations

from cnnbook.capture import WALKS, confident_mistakes as _mistakes


def confident_mistakes(net, k: int | None = None) -> list[int]:
    """Indices of the test images the network got wrong with the highest confidence, most confident first.

    k None: those the capture followed through every layer, which have walks (8, or 4 for a wide
    network; 2 in the smoke profile). Another k, or weights other than the trained ones, rank the mistakes afresh.
    """
    walks = [int(i) for i in net.captured.meta["walks"]]
    if net.variant == "trained" and (k is None or k <= len(walks)):
        return walks[:k]
    return _mistakes(net.test_probs, net.y_test, WALKS if k is None else k)


def walk_path(net, index: int) -> str:
    """Where the walk of test image `index` through `net` lives, relative to build/docs."""
    return f"walks/{net.spec.name}-test-{index}.md"

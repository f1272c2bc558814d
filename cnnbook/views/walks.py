"""The walks: a network's most confident mistakes, each followed through every layer on a page of its own."""

from __future__ import annotations

def confident_mistakes(net, k: int | None = None) -> list[int]:
    """Indices of the test images the network got wrong with the highest confidence, most confident
    first: those the capture followed through every layer (8, or 4 for a wide network), or the first k."""
    return [int(i) for i in net.captured.meta["walks"][:k]]


def walk_path(net, index: int) -> str:
    """Where the walk of test image `index` through `net` lives, relative to build/docs."""
    return f"walks/{net.spec.name}-test-{index}.md"

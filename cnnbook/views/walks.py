"""The walks: a network's most confident mistakes, each followed through every layer on a page of its own."""

from __future__ import annotations

from cnnbook.capture import confident_mistakes as _mistakes


def confident_mistakes(net, k: int = 8) -> list[int]:
    """Indices of the test images the network got wrong with the highest confidence."""
    return _mistakes(net.test_probs, net.y_test, k)


def walk_path(net, index: int) -> str:
    """Where the walk of test image `index` through `net` lives, relative to build/docs."""
    return f"walks/{net.spec.name}-test-{index}.md"

"""How training went and what the network gets wrong: curves, confusion matrix, misclassified gallery."""

from __future__ import annotations

import numpy as np

from cnnbook.capture import GALLERY
from cnnbook.render import confusion as confusion_render
from cnnbook.render import curves as curves_render
from cnnbook.render import gallery as gallery_render


def accuracy(net) -> float:
    """Final test accuracy."""
    return float(net.metrics["test_accuracy"])


def curves(net):
    """Loss and accuracy per epoch, training and test."""
    return curves_render.training_curves(net.metrics["history"])


def confusion(net):
    """The test-set confusion matrix."""
    cm = confusion_render.confusion_matrix(net.y_test, net.predictions(), len(net.class_names))
    return confusion_render.confusion_figure(cm, net.class_names, f"{net.spec.name}: test confusion matrix")


def misclassified_count(net) -> int:
    return int((net.predictions() != net.y_test).sum())


def misclassified(net, max_items: int = GALLERY):
    """Test images the network got wrong, the most confident mistakes first."""
    if max_items > GALLERY:
        raise ValueError(f"the capture keeps the {GALLERY} most confident mistakes; ask for at most {GALLERY}")
    order = np.asarray(net.captured.meta["gallery"][:max_items], dtype=int)
    images = net.captured.arrays["gallery_images"][: len(order)]
    pred = net.predictions()[order]
    return gallery_render.misclassified_gallery(images, net.y_test[order], pred, net.test_probs[order, pred],
                                                net.class_names, max_items=max_items,
                                                totals=(misclassified_count(net), len(net.y_test)))

"""How training went and what the network gets wrong: curves, confusion matrix, misclassified gallery."""

from __future__ import annotations

import numpy as np

from cnnbook.capture import GALLERY
from cnnbook.errors import UnknownNameError
from cnnbook.render import confusion as confusion_render
from cnnbook.render import curves as curves_render
from cnnbook.render import gallery as gallery_render
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Table


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


def confusion_counts(net, classes: list[str]) -> Table:
    """How often each of `classes` was read as each other one (test set): rows true, columns predicted."""
    index = [_class_index(net, name) for name in classes]
    pred, true = net.predictions(), net.y_test
    rows = [[f"**{name}**", *(fmt_int(int(((true == a) & (pred == b)).sum())) for b in index),
             fmt_int(int((true == a).sum()))] for name, a in zip(classes, index)]
    return Table(["true ↓ / predicted →", *classes, "images"], rows,
                 align=["left", *["right"] * (len(classes) + 1)])


def share_of_errors_within(net, classes: list[str]) -> tuple[int, int]:
    """(mistakes whose true and predicted class are both among `classes`, all mistakes)."""
    index = [_class_index(net, name) for name in classes]
    pred, true = net.predictions(), net.y_test
    wrong = pred != true
    return int((wrong & np.isin(true, index) & np.isin(pred, index)).sum()), int(wrong.sum())


def mistakes_between(net, classes: list[str], max_items: int = 8):
    """The most confident mistakes (of those the capture keeps) whose true and predicted classes are both
    among `classes`: their images with both labels. Returns (figure, test indices)."""
    index = [_class_index(net, name) for name in classes]
    kept = np.asarray(net.captured.meta["gallery"], dtype=int)
    pred = net.predictions()
    chosen = [k for k, i in enumerate(kept) if net.y_test[i] in index and pred[i] in index][:max_items]
    order = kept[chosen]
    images = net.captured.arrays["gallery_images"][chosen]
    figure = gallery_render.misclassified_gallery(
        images, net.y_test[order], pred[order], net.test_probs[order, pred[order]], net.class_names,
        max_items=max_items, totals=(misclassified_count(net), len(net.y_test)),
        title=f"The most confident mistakes among {', '.join(classes)}")
    return figure, [int(i) for i in order]


def _class_index(net, name: str) -> int:
    if name not in net.class_names:
        raise UnknownNameError(f"{net.spec.name} has no class {name!r}; its classes are: {', '.join(net.class_names)}")
    return net.class_names.index(name)

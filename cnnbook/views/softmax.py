"""The output layer on one image: logits, softmax probabilities, the predicted class."""

from __future__ import annotations

from cnnbook.render import probabilities as prob_render


def logits(net, image):
    """The output layer's values for an image."""
    return net.activations(image)[net.output_layer()]


def probabilities(net, image):
    """The output layer's logits and their softmax probabilities for one image."""
    ex = net.example(image)
    return prob_render.probability_bars(logits(net, ex), net.class_names, title=ex.caption, true_label=ex.label)


def probabilities_per_class(net):
    """One test image of every class with the network's probabilities."""
    items = []
    for label in range(len(net.class_names)):
        ex = net.example(net.first_of_class(label))
        items.append((ex.x, logits(net, ex), label))
    return prob_render.probability_grid(items, net.class_names, title=f"{net.spec.name}: one test image per class")


def top_prediction(net, image) -> tuple[str, float]:
    """The predicted class name and its probability."""
    probs = prob_render.softmax(logits(net, image))
    return net.class_names[int(probs.argmax())], float(probs.max())

"""Views that explain one operation on one image: a convolution's arithmetic, ReLU, max-pooling,
flatten and softmax, each with the trained network's own numbers (CNN Explainer's views)."""

from __future__ import annotations

import numpy as np

from cnnbook import views
from cnnbook.capture import layer_names
from cnnbook.models.registry import UnknownNameError
from cnnbook.render import activation as activation_render
from cnnbook.render import convolution as conv_render
from cnnbook.render import flatten as flatten_render
from cnnbook.render import images as images_render
from cnnbook.render import pooling as pooling_render
from cnnbook.render import probabilities as prob_render
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Math, Table
from cnnbook.views import Example, Markdown, activations, example

# CNN Explainer's sample images are named after their class: "espresso_1", "panda_2", …
SAMPLE_CLASSES = {"boat": "lifeboat", "bug": "ladybug", "pizza": "pizza", "pepper": "bell pepper",
                  "bus": "school bus", "koala": "koala", "espresso": "espresso", "panda": "red panda",
                  "orange": "orange", "car": "sport car"}


def sample(net, name: str) -> Example:
    """One of CNN Explainer's sample images (e.g. "espresso_1") when the data dir has them;
    otherwise the first validation image of the same class, and the caption says so."""
    from cnnbook.data import DataError
    from cnnbook.data.samples import load_sample

    stem = name.split("_")[0]
    if stem not in SAMPLE_CLASSES:
        raise UnknownNameError(f"unknown sample {name!r}; samples are named after: {', '.join(SAMPLE_CLASSES)}")
    label = views.class_names(net).index(SAMPLE_CLASSES[stem])
    try:
        pixels = load_sample(name)
        return Example(pixels.astype(np.float32) / 255.0, f"{name}.jpeg", label, name)
    except DataError:  # the caption names the stand-in; `slug` tells a page which one it got
        index = int(np.flatnonzero(views.dataset_of(net).y_test == label)[0])
        return example(net, index)


def channels(net, image):
    """The input split into its colour channels, as the first layer sees it."""
    ex = example(net, image)
    return images_render.channels(ex.x, title=ex.caption)


def _conv_parts(net, layer: str, image):
    module = getattr(net.model, layer, None)
    if module is None or np.ndim(module.kernel[...]) != 4:
        raise UnknownNameError(f"layer {layer!r} of {net.spec.name} is not a convolution")
    names = layer_names(net.model)
    index = names.index(layer)
    x = example(net, image).x if index == 0 else activations(net, image)[names[index - 1]]
    return x, np.asarray(module.kernel[...]), np.asarray(module.bias[...])


def strongest_channel(net, layer: str, image) -> int:
    """The output channel of a layer with the largest total response to an image."""
    return int(np.abs(activations(net, image)[layer]).sum(axis=(0, 1)).argmax())


def conv_decomposition(net, layer: str, image, channel: int | None = None):
    """How one output channel is made: each input channel with its own kernel, summed, plus the bias."""
    x, kernel, bias = _conv_parts(net, layer, image)
    channel = strongest_channel(net, layer, image) if channel is None else channel
    names = ["R", "G", "B"] if x.shape[-1] == 3 and layer == layer_names(net.model)[0] else None
    return conv_render.conv_decomposition(x, kernel, bias, channel, names=names,
                                          title=f"{layer}, output channel {channel} — {example(net, image).caption}")


def pixel_arithmetic(net, layer: str, image, channel: int | None = None, row: int | None = None,
                     col: int | None = None) -> Markdown:
    """The kernel arithmetic at one output pixel, written out with the real numbers.

    By default the pixel is the strongest response of the channel, so the numbers matter.
    """
    x, kernel, bias = _conv_parts(net, layer, image)
    channel = strongest_channel(net, layer, image) if channel is None else channel
    out = activations(net, image)[layer][..., channel]
    if row is None or col is None:
        row, col = (int(v) for v in np.unravel_index(np.abs(out).argmax(), out.shape))
    names = ["R", "G", "B"] if x.shape[-1] == 3 and layer == layer_names(net.model)[0] else None
    data = conv_render.pixel_arithmetic(x, kernel, bias, channel, row, col, names=names)
    latex = conv_render.pixel_arithmetic_latex(data)
    check = float(out[row, col])
    return Markdown(
        f"Output pixel (row {row}, column {col}) of channel {channel} of `{layer}`: each input channel's "
        f"{kernel.shape[0]}×{kernel.shape[1]} patch is multiplied cell by cell with its kernel, the products "
        f"are summed, the sums are added up with the bias:\n\n{Math(latex)._repr_markdown_()}\n"
        f"The network's own output at that pixel is {check:.4f}."
    )


def relu(net, layer: str, image, channel: int | None = None):
    """A ReLU layer's input and output, with the share of values it set to zero."""
    names = layer_names(net.model)
    if layer not in names or names.index(layer) == 0:
        raise UnknownNameError(f"unknown ReLU layer {layer!r}; layers: {', '.join(names)}")
    acts = activations(net, image)
    before, after = acts[names[names.index(layer) - 1]], acts[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    return activation_render.relu_before_after(before, after, channel=channel,
                                               title=f"{layer} — {example(net, image).caption}")


def share_zeroed(net, layer: str, image) -> float:
    """The share of a ReLU's inputs that it set to zero (they were negative)."""
    names = layer_names(net.model)
    return activation_render.share_zeroed(activations(net, image)[names[names.index(layer) - 1]])


def pool_zoom(net, layer: str, image, channel: int | None = None):
    """One 2×2 max-pool window enlarged: the four values and the one kept (the strongest window)."""
    names = layer_names(net.model)
    acts = activations(net, image)
    before_all, after_all = acts[names[names.index(layer) - 1]], acts[layer]
    channel = strongest_channel(net, layer, image) if channel is None else channel
    after = after_all[..., channel]
    row, col = (int(v) for v in np.unravel_index(after.argmax(), after.shape))
    return pooling_render.pooling_zoom(before_all[..., channel], row, col,
                                       title=f"{layer}, channel {channel} — {example(net, image).caption}")


def flatten_sum(net) -> Math:
    """Why the flatten layer has as many values as it has: rows · columns · channels."""
    rows = views.layers(net)
    for i, row in enumerate(rows):
        if row.kind == "flatten":
            h, w, c = rows[i - 1].output_shape
            return Math(f"{h} \\cdot {w} \\cdot {c} = {fmt_int(row.output_shape[0]).replace(',', '{,}')}")
    raise UnknownNameError(f"{net.spec.name} has no flatten layer")


def _output_parts(net, image):
    names = layer_names(net.model)
    acts = activations(net, image)
    flat = acts[names[-2]]
    dense = getattr(net.model, names[-1])
    return flat, np.asarray(dense.kernel[...]), acts[names[-1]]


def flatten_contributions(net, image, top: int = 10):
    """Which flattened values push the predicted class up most: value × its weight to that class."""
    flat, weights, logits = _output_parts(net, image)
    winner = int(np.argmax(logits))
    shape = views.layers(net)[-3].output_shape
    contrib = flatten_render.contributions(flat, weights, winner)
    fig = flatten_render.contribution_map(contrib, shape, top=top, title=(
        f"contributions to '{views.class_names(net)[winner]}' — {example(net, image).caption}"))
    rows = [[fmt_int(i), str(r), str(c), str(ch), f"{flat[i]:.3f}", f"{weights[i, winner]:.3f}", f"{v:.3f}"]
            for i, r, c, ch, v in flatten_render.top_contributions(contrib, shape, top)]
    table = Table(["Flat index", "Row", "Column", "Channel", "Value", "Weight", "Value × weight"], rows)
    return fig, table


def probabilities(net, image):
    """The output layer's logits and their softmax probabilities for one image."""
    ex = example(net, image)
    _, _, logits = _output_parts(net, ex)
    return prob_render.probability_bars(logits, views.class_names(net), title=ex.caption, true_label=ex.label)


def probabilities_per_class(net):
    """One test image of every class with the network's probabilities."""
    ds = views.dataset_of(net)
    items = []
    for label in range(len(ds.class_names)):
        index = int(np.flatnonzero(ds.y_test == label)[0])
        ex = example(net, index)
        items.append((ex.x, activations(net, ex)[layer_names(net.model)[-1]], label))
    return prob_render.probability_grid(items, ds.class_names, title=f"{net.spec.name}: one test image per class")


def top_prediction(net, image) -> tuple[str, float]:
    """The predicted class name and its probability."""
    _, _, logits = _output_parts(net, image)
    probs = prob_render.softmax(logits)
    return views.class_names(net)[int(probs.argmax())], float(probs.max())

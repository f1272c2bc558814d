"""Views of a trained network: the figures and tables that chapters and atlases show.

Each function takes a `TrainedNetwork` (and sometimes test images) and returns something
Jupyter can display: a `Figure` (PNG + alt text), a `Table` or `Markdown`. Chapters call
them through `cnnbook.book`; atlas pages call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cnnbook import data
from cnnbook.capture import LayerInfo, capture, layer_names, layer_table
from cnnbook.models.registry import UnknownNameError
from cnnbook.render import confusion as confusion_render
from cnnbook.render import curves as curves_render
from cnnbook.render import feature_maps as maps_render
from cnnbook.render import gallery as gallery_render
from cnnbook.render import images as images_render
from cnnbook.render import pooling as pooling_render
from cnnbook.render.formats import fmt_int, fmt_tex_int
from cnnbook.render.tables import Table, param_derivation
from cnnbook.train import to_inputs


@dataclass(frozen=True)
class Markdown:
    """Markdown text that a notebook shows as rendered prose."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Tabs:
    """Figures shown as content tabs on the page (one figure per tab)."""

    items: tuple  # ((title, Figure), ...)

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        from cnnbook.pages.markdown import TABS_MIME

        tabs = [{"title": t, "png": base64.b64encode(f.png).decode(), "alt": f.alt} for t, f in self.items]
        first_title, first = self.items[0]
        # Jupyter shows the first figure; the book's page builder makes the tabs.
        return {TABS_MIME: {"tabs": tabs}, "image/png": base64.b64encode(first.png).decode(),
                "text/plain": f"{first_title}: {first.alt}"}


def tabs(*items) -> Tabs:
    """Content tabs from (title, figure) pairs."""
    return Tabs(tuple(items))


# --- Data the views share ----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _dataset(name: str, synthetic: bool, n_train, n_test):
    return data.load(name, synthetic=synthetic, n_train=n_train, n_test=n_test)


def dataset_of(net):
    """The dataset (real or synthetic, as the network was trained) of a trained network."""
    c = net.config
    return _dataset(c["dataset"], c["synthetic"], c["n_train"], c["n_test"])


def class_names(net) -> tuple[str, ...]:
    return dataset_of(net).class_names


def sample_indices(net, n: int = 3) -> list[int]:
    """The first test images of `n` different classes: the book's running examples."""
    labels = dataset_of(net).y_test
    chosen, seen = [], set()
    for i, label in enumerate(labels):
        if int(label) not in seen:
            chosen.append(i)
            seen.add(int(label))
        if len(chosen) == n:
            break
    return chosen


@dataclass(frozen=True)
class Example:
    """One input image the pages follow through a network."""

    x: np.ndarray  # (H, W, C) float32 in 0..1, as the network sees it
    caption: str  # how pages name it, e.g. "test image 3 (label 0)"
    label: int | None = None  # the true class, when known
    slug: str = "image"  # for file names and anchors


def example(net, image) -> Example:
    """An `Example` from a test-set index, or the `Example` itself."""
    if isinstance(image, Example):
        return image
    index = int(image)
    ds = dataset_of(net)
    label = int(ds.y_test[index])
    return Example(to_inputs(ds.x_test[index : index + 1])[0], f"test image {index} (label {ds.class_names[label]})",
                   label, f"test-{index}")


def test_input(net, index: int) -> np.ndarray:
    """One test image as the network's input batch of one (1, H, W, C), in 0..1."""
    return example(net, index).x[None]


def activations(net, image) -> dict[str, np.ndarray]:
    """Every layer's output for one image (a test index or an `Example`), batch axis removed."""
    return {k: v[0] for k, v in capture(net.model, example(net, image).x[None]).items()}


def describe_image(net, image) -> str:
    """'test image 3 (label 0)': how pages name an image."""
    return example(net, image).caption


def _check_layer(net, layer: str) -> None:
    names = layer_names(net.model)
    if layer not in names:
        raise UnknownNameError(f"unknown layer {layer!r} of {net.spec.name}; its layers are: {', '.join(names)}")


# --- Tables ------------------------------------------------------------------------------------

def layers(net) -> list[LayerInfo]:
    """The layers of a network with output shapes and parameter counts, from the model itself."""
    return layer_table(net.model, net.spec.input_shape)


def total_params(net) -> int:
    return sum(row.params for row in layers(net))


def summary(net) -> Table:
    """A Keras `model.summary()`-style table: layer, output shape, parameters."""
    rows = [[f"`{r.name}` ({r.kind})", _shape(r.output_shape), fmt_int(r.params)] for r in layers(net)]
    rows.append(["**Total**", "", f"**{fmt_int(total_params(net))}**"])
    return Table(["Layer (type)", "Output shape", "Param #"], rows, align=["left", "left", "right"])


def _shape(shape) -> str:
    return "(None, " + ", ".join(str(s) for s in shape) + ")"


def derivation_latex(row: LayerInfo) -> str | None:
    """A layer's parameter count as arithmetic, e.g. 3·3·32·64 + 64 = 18,496."""
    if row.kernel_shape is None:
        return None
    math = param_derivation(row.name, row.kind, row.kernel_shape, bias=row.has_bias)
    # The arithmetic must agree with the parameters the model really holds.
    if not math.latex.endswith(fmt_tex_int(row.params)):
        raise AssertionError(f"{row.name}: derivation {math.latex} disagrees with {row.params} parameters")
    return math.latex


def derivations(net) -> Markdown:
    """Every parameter count derived, one line of maths per layer, and the total."""
    lines = []
    for row in layers(net):
        latex = derivation_latex(row)
        if latex is None:
            continue
        what = _derivation_words(row)
        lines.append(f"- `{row.name}`: {what}\n\n    $$\n    {latex}\n    $$\n")
    counts = " + ".join(fmt_tex_int(r.params) for r in layers(net) if r.params)
    lines.append(f"- total:\n\n    $$\n    {counts} = {fmt_tex_int(total_params(net))}\n    $$\n")
    return Markdown("\n".join(lines))


def _derivation_words(row: LayerInfo) -> str:
    if len(row.kernel_shape) == 4:
        kh, kw, cin, cout = row.kernel_shape
        return (f"{cout} filters, each {kh}×{kw} over {cin} input channel{'s' if cin > 1 else ''}, "
                f"plus one bias per filter")
    n_in, n_out = row.kernel_shape
    return f"{n_out} units, each with a weight for each of {n_in} inputs, plus one bias per unit"


def provenance(net) -> Table:
    """Where the numbers on a page come from: settings, data, code, versions."""
    c, m = net.config, net.metrics
    t = c["train"]
    versions = ", ".join(f"{k} {v}" for k, v in sorted(c["versions"].items()))
    rows = [
        ["Network", f"{net.spec.title} (`{net.spec.name}`)"],
        ["Source", net.spec.source],
        ["Profile", f"`{c['profile']}`" + (" (synthetic look-alike data)" if c["synthetic"] else "")],
        ["Data", f"{c['dataset']}: {fmt_int(m['train_samples'])} training, {fmt_int(m['test_samples'])} test images"],
        ["Data checksum", f"`{c['data_checksum'][:16]}…`"],
        ["Optimizer", f"{t['optimizer']}, learning rate {t['learning_rate']:g}, batch {t['batch_size']}"],
        ["Epochs", str(t["epochs"])],
        ["Seed", str(t["seed"])],
        ["Parameters", fmt_int(m["params"])],
        ["Test accuracy", f"{m['test_accuracy']:.4f}"],
        ["Training time", f"{{{{report.networks.{net.spec.name}.train_seconds}}}} s in the latest build "
                          f"(cached: {{{{report.networks.{net.spec.name}.cache_hit}}}})"],
        ["Code checksum", f"`{c['code_checksum'][:16]}…`"],
        ["Libraries", versions],
    ]
    return Table(["", ""], rows, align=["left", "left"])


# --- Figures -----------------------------------------------------------------------------------

def input_figure(net, image):
    """An input image as the network sees it."""
    ex = example(net, image)
    return images_render.input_image(ex.x, title=ex.caption)


def feature_maps(net, layer: str, image=0, scale: str = "layer"):
    """All channels of one layer's output for one image.

    scale: "layer" (one colour scale for the layer's channels), "channel" (each channel its
    own) or "network" (one scale for every layer of the network, as CNN Explainer offers).
    """
    _check_layer(net, layer)
    acts = activations(net, image)
    title = f"{layer} — {describe_image(net, image)}"
    if scale == "layer":
        return maps_render.feature_map_grid(acts[layer], title)
    if scale == "channel":
        return maps_render.feature_map_grid(acts[layer], title, scale="channel")
    if scale == "network":
        vmax = maps_render.style.symmetric_range(list(acts.values()))
        return maps_render.feature_map_grid(acts[layer], title, vmax=vmax)
    raise ValueError(f"unknown colour scale {scale!r}: use 'layer', 'channel' or 'network'")


def kernels(net, layer: str):
    """A convolution layer's trained kernels."""
    _check_layer(net, layer)
    module = getattr(net.model, layer, None)
    if module is None or not hasattr(module, "kernel") or np.ndim(module.kernel[...]) != 4:
        raise UnknownNameError(f"layer {layer!r} of {net.spec.name} has no convolution kernel")
    return maps_render.kernel_grid(np.asarray(module.kernel[...]), f"{layer} kernels")


def pooling(net, layer: str, index=0, channel: int | None = None):
    """A max-pool's input and output for one channel, each window's winner marked."""
    _check_layer(net, layer)
    names = layer_names(net.model)
    before_name = names[names.index(layer) - 1]
    acts = activations(net, index)
    before, after = acts[before_name], acts[layer]
    if channel is None:  # the channel that responds most to this image
        channel = int(np.abs(after).sum(axis=(0, 1)).argmax())
    return pooling_render.pooling_before_after(
        before[..., channel], after[..., channel],
        title=f"{layer}, channel {channel} — {describe_image(net, index)}")


def curves(net):
    """Loss and accuracy per epoch, training and test."""
    return curves_render.training_curves(net.metrics["history"])


def predictions(net) -> np.ndarray:
    return net.test_probs.argmax(-1)


def confusion(net):
    """The test-set confusion matrix."""
    y = dataset_of(net).y_test
    cm = confusion_render.confusion_matrix(y, predictions(net), len(class_names(net)))
    return confusion_render.confusion_figure(cm, class_names(net), f"{net.spec.name}: test confusion matrix")


def misclassified(net, max_items: int = 24):
    """Test images the network got wrong, the most confident mistakes first."""
    ds = dataset_of(net)
    pred = predictions(net)
    wrong = np.flatnonzero(pred != ds.y_test)
    confidence = net.test_probs[wrong, pred[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:max_items]
    return gallery_render.misclassified_gallery(
        ds.x_test[order], ds.y_test[order], pred[order], net.test_probs[order, pred[order]],
        class_names(net), max_items=max_items)

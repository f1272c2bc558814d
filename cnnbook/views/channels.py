"""What each channel learned, as the pages show it: top patches, weakest images, visualisations,
class models, and the numbers behind them. Everything is read from the capture entry
(`cnnbook.channels` computed it); nothing here runs a network."""

from __future__ import annotations

from collections import Counter

import numpy as np

from cnnbook.channels import Field, crop
from cnnbook.errors import UnknownNameError
from cnnbook.render import channel_cards as render
from cnnbook.render.formats import fmt_int, fmt_percent, fmt_value
from cnnbook.render.tables import Table


def summary(net) -> dict:
    """The channels summary of network.json (fields, settings), or an error for a network never trained."""
    meta = net.captured.meta.get("channels")
    if meta is None or net.captured.channels is None:
        raise UnknownNameError(f"{net.spec.name} has no channel measurements: only trained networks have "
                               "them (its capture entry predates them, or it is never trained)")
    return meta


def layers(net) -> list[str]:
    """The layers whose channels were measured (conv and pool layers that output maps), in layer order."""
    measured = summary(net)["layers"]
    return [name for name in net.layer_names() if name in measured]


def _check(net, layer: str) -> dict:
    known = summary(net)["layers"]
    if layer not in known:
        raise UnknownNameError(f"no channel measurements for layer {layer!r} of {net.spec.name}; "
                               f"they exist for: {', '.join(known)}")
    return known[layer]


def field(net, layer: str) -> Field:
    """The receptive field of one unit of `layer`, as the top patches are cropped."""
    info = _check(net, layer)
    return Field(info["size"], info["jump"], info["start"])


def dreamed(net, layer: str) -> bool:
    """Whether the layer's channels have visualisations (conv layers do; pools show the maxima of
    the channels before them)."""
    return bool(_check(net, layer)["dreamed"])


def _array(net, key: str) -> np.ndarray:
    return net.captured.channels[key]


def count(net, layer: str) -> int:
    """The number of channels of a measured layer."""
    _check(net, layer)
    return int(_array(net, f"{layer}/best_test").shape[0])


def _channel(net, layer: str, channel: int) -> int:
    n = count(net, layer)
    if not 0 <= int(channel) < n:
        raise UnknownNameError(f"{net.spec.name}'s {layer} has channels 0 to {n - 1}, not {channel}")
    return int(channel)


def _test_image(net, index: int) -> np.ndarray:
    """A kept test image (H, W, C) in 0..1, by its test-set index."""
    kept = _array(net, "images/index")
    where = int(np.searchsorted(kept, index))
    if where >= len(kept) or kept[where] != index:
        raise UnknownNameError(f"test image {index} of {net.spec.name} was not kept by the capture stage: only the "
                               "top and weakest images of each channel are")
    return _array(net, "images/pixels")[where].astype(np.float32) / 255


def top_patches(net, layer: str, channel: int, k: int | None = None) -> list[dict]:
    """The test images that excite a channel most, strongest first: for each, the crop of its
    strongest unit's receptive field, the value, the test index, its label and the unit's position."""
    channel = _channel(net, layer, channel)
    shown = summary(net)["top"]
    k = k or shown
    if not 1 <= k <= shown:
        raise UnknownNameError(f"the capture keeps the top {shown} patches of each channel, not {k}")
    f = field(net, layer)
    out = []
    for i in range(k):
        index = int(_array(net, f"{layer}/top_index")[channel, i])
        row, col = (int(v) for v in _array(net, f"{layer}/top_unit")[channel, i])
        out.append({"patch": crop(_test_image(net, index), f, row, col), "index": index, "row": row, "col": col,
                    "value": float(_array(net, f"{layer}/top_value")[channel, i]),
                    "label": int(net.y_test[index])})
    return out


def least(net, layer: str, channel: int) -> list[dict]:
    """The test images with the weakest mean response of a channel, weakest first."""
    channel = _channel(net, layer, channel)
    return [{"image": _test_image(net, int(index)), "index": int(index), "value": float(value),
             "label": int(net.y_test[int(index)])}
            for index, value in zip(_array(net, f"{layer}/least_index")[channel],
                                    _array(net, f"{layer}/least_value")[channel])]


def dream(net, layer: str, channel: int) -> tuple[np.ndarray, float]:
    """The input found to maximise a conv channel's mean activation, and the mean it reaches."""
    channel = _channel(net, layer, channel)
    if not dreamed(net, layer):
        raise UnknownNameError(f"{layer} of {net.spec.name} is a pooling layer: its channels are the maxima "
                               f"of the channels of `{source_conv(net, layer)}`, whose visualisations are theirs")
    return _array(net, f"{layer}/dream")[channel], float(_array(net, f"{layer}/dream_value")[channel])


def best_test(net, layer: str) -> np.ndarray:
    """Per channel: the largest mean activation any test image gives it."""
    _check(net, layer)
    return _array(net, f"{layer}/best_test")


def dream_gains(net, layer: str) -> np.ndarray:
    """Per channel: its visualisation's mean activation over the best test image's (inf where no test
    image switches the channel on but the visualisation does, NaN where neither does)."""
    values, best = _array(net, f"{layer}/dream_value"), best_test(net, layer)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(best > 0, values / np.where(best > 0, best, 1), np.where(values > 0, np.inf, np.nan))


def dreams_beating_tests(net, layer: str) -> tuple[int, int]:
    """(channels whose visualisation excites them more than every test image does, channels)."""
    values, best = _array(net, f"{layer}/dream_value"), best_test(net, layer)
    return int((values > best).sum()), int(values.size)


def class_purity(net, layer: str, k: int | None = None) -> np.ndarray:
    """Per channel: the share of its `k` most exciting test images (default: all ranked) that belong to
    the most common class among them; only images that switch the channel on count (NaN: none does).
    1 means one class only; `purity_by_chance` is what a channel without preference scores."""
    top, values = _array(net, f"{layer}/top_index"), _array(net, f"{layer}/top_value")
    k = k or top.shape[1]
    out = []
    for row, value in zip(top[:, :k], values[:, :k]):
        labels = net.y_test[row[value > 0]].tolist()
        out.append(Counter(labels).most_common(1)[0][1] / len(labels) if labels else np.nan)
    return np.array(out)


def purity_by_chance(net, k: int | None = None, draws: int = 200) -> float:
    """The class purity of `k` test images drawn at random (mean over `draws` seeded draws): what a
    channel with no preference for any class scores. Above 1/classes, since the commonest class of a
    small sample is over-represented by chance."""
    k = min(k or summary(net)["ranked"], len(net.y_test))
    rng = np.random.default_rng(0)
    shares = [Counter(net.y_test[rng.choice(len(net.y_test), k, replace=False)].tolist()).most_common(1)[0][1] / k
              for _ in range(draws)]
    return float(np.mean(shares))


def source_conv(net, layer: str) -> str | None:
    """The conv layer whose channels a pooling layer's channels are (following ReLU and pooling layers back)."""
    name = net.layer_before(layer)
    while name is not None and net.check_layer(name).kind in ("relu", "pool"):
        name = net.layer_before(name)
    return name if name is not None and net.check_layer(name).kind == "conv" else None


def favourite_class(net, layer: str, channel: int, k: int | None = None) -> tuple[str, float]:
    """The class most of a channel's `k` most exciting test images belong to, and their share (of those
    that switch it on; ("none", NaN) when none does)."""
    channel = _channel(net, layer, channel)
    top, values = _array(net, f"{layer}/top_index")[channel], _array(net, f"{layer}/top_value")[channel]
    k = k or top.shape[0]
    labels = net.y_test[top[:k][values[:k] > 0]].tolist()  # as class_purity: images that switch it on
    if not labels:
        return "none", float("nan")
    label, hits = Counter(labels).most_common(1)[0]
    return net.class_names[int(label)], hits / len(labels)


# Oriented edges: a ramp of brightness at 0°, 45°, 90° and 135°, which a kernel that detects an edge
# of that direction resembles (up to sign and size).
ORIENTATIONS = {"vertical (dark left, light right)": (0.0, 1.0), "horizontal (dark above, light below)": (1.0, 0.0),
                "diagonal (dark top-left, light bottom-right)": (1.0, 1.0),
                "diagonal (dark top-right, light bottom-left)": (1.0, -1.0)}


def edge_of(kernel: np.ndarray) -> tuple[str, float]:
    """The oriented edge a 2-D kernel is most like, and the cosine similarity of the kernel (its mean
    removed) with that ramp of brightness: 1 is exactly that edge, 0 nothing like it. A kernel like a
    ramp with dark and light swapped is named as that edge."""
    kernel = np.asarray(kernel, np.float64)
    kernel = kernel - kernel.mean()
    kh, kw = kernel.shape
    ys, xs = np.mgrid[0:kh, 0:kw]
    best = ("none", 0.0)
    for name, (dy, dx) in ORIENTATIONS.items():
        ramp = dy * (ys - (kh - 1) / 2) + dx * (xs - (kw - 1) / 2)
        cosine = float((kernel * ramp).sum() / (np.linalg.norm(kernel) * np.linalg.norm(ramp) + 1e-12))
        if abs(cosine) > abs(best[1]):
            best = (name, cosine)
    name, cosine = best
    if cosine < 0:  # the same edge, dark and light swapped
        name = name.replace("dark", "\0").replace("light", "dark").replace("\0", "light")
    return name, abs(cosine)


def edge_match(net, layer: str, channel: int) -> tuple[str, float]:
    """The oriented edge a conv channel's kernel (summed over its input channels) is most like, and how
    much (`edge_of`)."""
    channel = _channel(net, layer, channel)
    net.check_layer(layer, kind="conv")
    return edge_of(np.asarray(net.modules[layer].kernel[...])[..., channel].sum(axis=2))


def patch_edge(net, layer: str, channel: int) -> tuple[str, float]:
    """The oriented edge the mean of a channel's strongest test patches (summed over colours) is most like,
    and how much (`edge_of`): what the channel responds to, where `edge_match` reads its kernel."""
    patches = [t["patch"].sum(axis=-1) for t in top_patches(net, layer, channel)]
    return edge_of(np.mean(patches, axis=0))


# --- figures and tables ------------------------------------------------------------------------------

def mosaic(net, layer: str) -> object:
    """Every channel of a layer in one image: visualisation, strongest patches, weakest images."""
    f, info = field(net, layer), summary(net)
    cards = []
    for c in range(count(net, layer)):
        top = top_patches(net, layer, c)
        cards.append(render.Card(c, dream(net, layer, c)[0] if dreamed(net, layer) else None,
                                 [t["patch"] for t in top], [w["image"] for w in least(net, layer, c)],
                                 top[0]["value"]))
    what = "its visualisation, " if dreamed(net, layer) else ""
    title = (f"{net.spec.name} · {layer}: each channel's {'visualisation, ' if dreamed(net, layer) else ''}"
             f"{info['top']} strongest {f.size}×{f.size} patches, {render.SHOWN_LEAST} weakest images")
    alt = (f"{count(net, layer)} channels of {layer}, one card each: {what}the {info['top']} test-image patches "
           f"({f.size}×{f.size} pixels, one unit's receptive field) where the channel responds most, and the "
           f"{render.SHOWN_LEAST} test images where it responds least; above each card the channel number and "
           f"its strongest response")
    return render.card_mosaic(cards, title, alt)


def channel_figure(net, layer: str, channel: int) -> object:
    """One channel: its visualisation, its strongest patches with their values and labels, its weakest images."""
    names = net.class_names
    top = top_patches(net, layer, channel)
    weakest = least(net, layer, channel)[: render.SHOWN_LEAST]
    rows = [[t["patch"] for t in top], [w["image"] for w in weakest]]
    captions = [[f"{fmt_value(t['value'])}\n{names[t['label']]}" for t in top],
                [f"{fmt_value(w['value'])}\n{names[w['label']]}" for w in weakest]]
    labels = ["strongest", "weakest"]
    if dreamed(net, layer):
        image, value = dream(net, layer, channel)
        rows.insert(0, [image])
        captions.insert(0, [f"mean {fmt_value(value)}"])
        labels.insert(0, "visualised")
    f = field(net, layer)
    return render.image_rows(
        rows, captions, labels, f"{net.spec.name} · {layer}, channel {channel}",
        f"Channel {channel} of {layer}: " + ("the input that maximises it, " if dreamed(net, layer) else "")
        + f"its {len(top)} strongest {f.size}×{f.size} test patches (values "
        f"{fmt_value(top[0]['value'])} to {fmt_value(top[-1]['value'])}) and its {len(weakest)} weakest test images")


def class_models(net) -> object:
    """Each class's mean test image beside the input that maximises its logit."""
    names = net.class_names
    means, models = _array(net, "classes/mean_image"), _array(net, "classes/model")
    logits, best = _array(net, "classes/model_logit"), _array(net, "classes/best_test")
    return render.image_rows(
        [list(means), list(models)],
        [[n[:12] for n in names], [f"logit {fmt_value(v)}" for v in logits]],
        ["mean test image", "class model"], f"{net.spec.name}: each class's mean test image and its class model",
        f"For each of the {len(names)} classes of {net.spec.name}, the mean of its test images and the input "
        f"found to maximise its logit; the class models reach logits of {fmt_value(logits.min())} to "
        f"{fmt_value(logits.max())}, against {fmt_value(best.min())} to {fmt_value(best.max())} for the best test image")


def channel_table(net, layer: str) -> Table:
    """Per channel: its strongest responses, its visualisation against the best test image, the class
    its top images come from."""
    info, names = summary(net), net.class_names
    values = _array(net, f"{layer}/top_value")
    rows = []
    for c in range(count(net, layer)):
        name, share = favourite_class(net, layer, c)
        row = [str(c), " · ".join(fmt_value(v) for v in values[c, : info["top"]]),
               fmt_value(best_test(net, layer)[c])]
        if dreamed(net, layer):
            row.append(fmt_value(_array(net, f"{layer}/dream_value")[c]))
        row.append(f"{name} ({fmt_percent(share)})" if np.isfinite(share) else "none switches it on")
        rows.append(row)
    headers = ["Channel", f"Strongest {info['top']} responses", "Best test image (mean)"]
    if dreamed(net, layer):
        headers.append("Visualisation (mean)")
    headers.append(f"Class of most of its top {fmt_int(info['ranked'])}")
    return Table(headers, rows, align=["right", "left", "right", *(["right"] if dreamed(net, layer) else []), "left"])


def class_model_logits(net) -> np.ndarray:
    """Per class: the logit its class model reaches."""
    return _array(net, "classes/model_logit")


def class_best_test_logits(net) -> np.ndarray:
    """Per class: the largest logit any test image gives it."""
    return _array(net, "classes/best_test")


def class_model_match(net) -> np.ndarray:
    """Per class: whether its class model correlates (pixel by pixel) more with its own class's mean test
    image than with any other class's."""
    models = _array(net, "classes/model").reshape(len(net.class_names), -1)
    means = _array(net, "classes/mean_image").reshape(len(net.class_names), -1)

    def centred(a):
        a = a - a.mean(axis=1, keepdims=True)
        return a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-12)

    correlation = centred(models) @ centred(means).T  # (class model, class mean)
    return correlation.argmax(axis=1) == np.arange(len(models))


def class_model_table(net) -> Table:
    """Per class: the class model's logit against the best test image's."""
    logits, best = _array(net, "classes/model_logit"), _array(net, "classes/best_test")
    return Table(["Class", "Class model's logit", "Best test image's logit"],
                 [[n, fmt_value(a), fmt_value(b)] for n, a, b in zip(net.class_names, logits, best)])

"""Photos through convolutions (the cat chapter and the `cat_conv` atlas): three filters as one colour
picture, what a large kernel blurs, what ReLU zeroes, what pooling keeps, and random against trained
kernels on the same picture. Every number is measured on the maps the build computed."""

from __future__ import annotations

import numpy as np

from cnnbook.render import animation as animation_render
from cnnbook.render import photos as photos_render
from cnnbook.render import pooling as pooling_render
from cnnbook.render.display import Animation
from cnnbook.render.formats import fmt_int, fmt_percent
from cnnbook.errors import UnknownNameError
from cnnbook.render.tables import Table

high_frequency_share = photos_render.high_frequency_share
HIGH_FREQUENCY = 0.25  # cycles per pixel: detail finer than 4 pixels per cycle counts as fine detail
LUMINANCE = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601, how a colour photo becomes grey


def shape_text(shape) -> str:
    return "×".join(str(s) for s in shape)


def grey(x: np.ndarray) -> np.ndarray:
    """A colour image (H, W, 3) as one grey channel (H, W, 1), by the BT.601 luminance weights."""
    return (np.asarray(x, np.float32) @ LUMINANCE)[..., None]


def photo(net, image: str) -> np.ndarray:
    """A photo's pixels as the network reads them, (H, W, 3) in 0..1."""
    return net.example(image).x


def credit(net, image: str) -> str:
    """Where a photo comes from and its licence."""
    for item in net.captured.meta["inputs"]:
        if item["slug"] == image and "credit" in item:
            return item["credit"]
    raise UnknownNameError(f"{image!r} is not one of the photos of {net.spec.name}: {', '.join(net.photo_names())}")


def three_filters(net, layer: str, image: str):
    """A layer's three output channels drawn as the red, green and blue of one picture."""
    net.check_layer(layer)
    x, out = photo(net, image), net.activations(image)[layer]
    return photos_render.picture(
        photos_render.rgb_composite(out),
        title=f"{layer} as colour: {shape_text(out.shape)} — {net.example(image).caption}",
        alt=f"The output of {layer} for {net.example(image).caption} ({shape_text(x.shape)} in, "
            f"{shape_text(out.shape)} out), its three channels shown as the red, green and blue of one picture, "
            "each stretched to its own range")


def channels_in_grey(net, layer: str, image: str):
    """Each channel of a layer's output on its own, in grey with its colour bar."""
    net.check_layer(layer)
    return photos_render.grey_channels(net.activations(image)[layer],
                                       title=f"{layer}, channel by channel — {net.example(image).caption}")


def shrink(net, layer: str) -> str:
    """Why a VALID conv layer's output is smaller than its input: H − k + 1 by W − k + 1."""
    row = net.check_layer(layer, kind="conv")
    before = net.layer_before(layer)
    h, w = (net.check_layer(before).output_shape if before else net.spec.input_shape)[:2]
    k = row.kernel_shape[0]
    oh, ow = row.output_shape[:2]
    if (oh, ow) != (h - k + 1, w - k + 1):
        raise ValueError(f"{layer} is not a VALID stride-1 convolution: {h}×{w} → {oh}×{ow} with a {k}×{k} kernel")
    return f"{h} − {k} + 1 = {oh} rows and {w} − {k} + 1 = {ow} columns"


def detail(net, layer: str | None, image: str) -> float:
    """The share of fine detail (spectral energy above HIGH_FREQUENCY cycles per pixel) in a layer's
    output, or in the photo itself (layer None, in grey)."""
    if layer is not None:
        net.check_layer(layer)
    x = grey(photo(net, image)) if layer is None else net.activations(image)[layer]
    return high_frequency_share(x, HIGH_FREQUENCY)


def detail_table(net, image: str, layers: list[str]) -> Table:
    """Fine detail of the photo and of each layer's output: how much of the variation is in fine detail."""
    rows = [["the photo (grey)", shape_text(photo(net, image).shape), fmt_percent(detail(net, None, image))]]
    for layer in layers:
        rows.append([f"`{layer}`", shape_text(net.check_layer(layer).output_shape),
                     fmt_percent(detail(net, layer, image))])
    return Table(["Map", "Shape", f"Energy above {HIGH_FREQUENCY} cycles/pixel"], rows,
                 align=["left", "left", "right"])


def relu_table(net, image: str) -> Table:
    """For every ReLU: how many values it reads, the share that are negative, the share of zeros after."""
    rows = []
    for row in net.layers:
        if row.kind != "relu":
            continue
        before, after = net.input_of(row.name, image), net.activations(image)[row.name]
        rows.append([f"`{row.name}`", f"`{row.reads}`", fmt_int(before.size), fmt_percent((before < 0).mean()),
                     fmt_percent((before == 0).mean()), fmt_percent((after == 0).mean())])
    return Table(["ReLU", "Reads", "Values", "Negative before", "Zero before", "Zero after"], rows,
                 align=["left", "left", "right", "right", "right", "right"])


def windows_2x2(maps: np.ndarray) -> np.ndarray:
    """(H, W, C) maps as their 2×2 windows, (H/2, W/2, C, 4) in reading order (an odd last row or column dropped)."""
    h, w, c = maps.shape
    windows = maps[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c)
    return windows.transpose(0, 2, 4, 1, 3).reshape(h // 2, w // 2, c, 4)


def pool2(maps: np.ndarray, how: str) -> np.ndarray:
    """One 2×2, stride-2 pooling of (H, W, C) maps by max or mean."""
    if how == "max":
        return windows_2x2(maps).max(axis=-1)
    if how == "average":
        return windows_2x2(maps).mean(axis=-1)
    raise ValueError(f"unknown pooling {how!r}: use 'max' or 'average'")


def pool_steps(maps: np.ndarray, how: str, fraction: float = 1 / 3) -> list[np.ndarray]:
    """Pool 2×2 again and again until the maps are at most `fraction` of their first height."""
    steps, target = [], maps.shape[0] * fraction
    while not steps or steps[-1].shape[0] > target:
        steps.append(pool2(steps[-1] if steps else maps, how))
    return steps


def pooled_repeatedly(net, layer: str, image: str, fraction: float = 1 / 3):
    """Max against average pooling, applied again and again to a layer's three channels (as colour)."""
    net.check_layer(layer)
    maps = net.activations(image)[layer]
    rows, sizes = [], []
    for how in ("max", "average"):
        steps = pool_steps(maps, how, fraction)
        sizes = [shape_text(s.shape[:2]) for s in steps]
        rows.append((how, [(f"pooled {k + 1}×: {size}", photos_render.rgb_composite(s))
                           for k, (size, s) in enumerate(zip(sizes, steps))]))
    return photos_render.picture_grid(
        rows, title=f"2×2 max and average pooling, again and again — {net.example(image).caption}",
        alt=f"{layer}'s three channels as colour, pooled 2×2 repeatedly by max (top) and by average (bottom): "
            f"{shape_text(maps.shape[:2])} → {' → '.join(sizes)}; every picture is drawn the same size, its title "
            "gives its real size")


def mixed_winners(maps: np.ndarray) -> float:
    """The share of 2×2 max-pool windows whose channels' maxima sit at different pixels.

    Each channel is pooled on its own, so one output pixel can take its red from one input pixel and
    its green from another: colours that were never side by side in the input, the "mottled" look.
    """
    winners = windows_2x2(maps).argmax(-1)
    return float((winners != winners[..., :1]).any(-1).mean())


def pool_size_steps(net, layer: str, image: str, fraction: float = 1 / 3) -> list[tuple[int, ...]]:
    """The map's size after each 2×2 pooling of `pooled_repeatedly`."""
    net.check_layer(layer)
    return [tuple(s.shape[:2]) for s in pool_steps(net.activations(image)[layer], "max", fraction)]


def pooling_crop(net, layer: str, image: str, size: int = 16, channel: int | None = None):
    """A max-pool layer's windows and winners on a size×size crop of its input: the channel that varies
    most, around the output that stands out most from the channel's typical value."""
    net.check_layer(layer, kind="pool")
    before, after = net.input_of(layer, image), net.activations(image)[layer]
    channel = int(after.std(axis=(0, 1)).argmax()) if channel is None else channel
    standout = np.abs(after[..., channel] - np.median(after[..., channel]))
    r, c = (int(v) for v in np.unravel_index(standout.argmax(), after.shape[:2]))
    half = size // 4  # output cells each side of the strongest one
    r0 = min(max(r - half, 0), after.shape[0] - size // 2)
    c0 = min(max(c - half, 0), after.shape[1] - size // 2)
    crop_before = before[2 * r0 : 2 * r0 + size, 2 * c0 : 2 * c0 + size, channel]
    crop_after = after[r0 : r0 + size // 2, c0 : c0 + size // 2, channel]
    return pooling_render.pooling_before_after(
        crop_before, crop_after,
        title=f"{layer}, channel {channel}, rows {2 * r0}–{2 * r0 + size - 1}, columns {2 * c0}–{2 * c0 + size - 1} "
              f"— {net.example(image).caption}")


def channel_similarity(maps: np.ndarray) -> float:
    """The mean |correlation| between every two channels of (H, W, C) maps: 1 when all the maps are the
    same picture up to scale and sign, near 0 when each shows something else. Flat channels are left out."""
    flat = maps.reshape(-1, maps.shape[-1]).astype(np.float64)
    flat = flat[:, flat.std(axis=0) > 0]
    if flat.shape[1] < 2:
        return float("nan")
    corr = np.corrcoef(flat, rowvar=False)
    upper = np.triu_indices(corr.shape[0], k=1)
    return float(np.abs(corr[upper]).mean())


def compare_maps(nets: dict, x: np.ndarray, layer: str, title: str, channels: int | None = None):
    """One layer's maps for each set of weights ({label: network}), in rows on one colour scale."""
    rows = [(label, net.run(x, layer)[layer]) for label, net in nets.items()]
    return photos_render.map_rows(rows, title=title, channels=channels)


def detail_of_weights(nets: dict, x: np.ndarray, layers: list[str]) -> Table:
    """Fine detail and the share of positive values of each layer's maps, for each set of weights."""
    rows = []
    for label, net in nets.items():
        outputs = net.run(x, layers[-1])
        for layer in layers:
            maps = outputs[layer]
            rows.append([label, f"`{layer}`", shape_text(maps.shape), fmt_percent(high_frequency_share(maps, HIGH_FREQUENCY)),
                         fmt_percent((maps > 0).mean())])
    return Table(["Weights", "Layer", "Output", f"Energy above {HIGH_FREQUENCY} cycles/pixel", "Positive values"], rows,
                 align=["left", "left", "left", "right", "right"])


def liveliest_patch(out: np.ndarray, size: int, kernel_size: int) -> tuple[int, int]:
    """Top-left corner of the size×size input patch whose outputs vary most: an edge, not a flat area."""
    m = size - kernel_size + 1
    spread = np.lib.stride_tricks.sliding_window_view(out, (m, m)).var(axis=(-2, -1))
    return tuple(int(v) for v in np.unravel_index(spread.argmax(), spread.shape))


def sliding_kernel(net, layer: str, image: str, channel: int = 0, size: int = 8):
    """A conv layer's kernel sliding over a size×size patch of the photo, its outputs filling in.

    The patch is where the channel's outputs vary most; every output drawn is the network's own value.
    """
    row = net.check_layer(layer, kind="conv")
    if net.layer_before(layer) is not None:
        raise ValueError(f"{layer} does not read the photo: the animation shows a kernel on the input")
    k = row.kernel_shape[0]
    out = net.activations(image)[layer][..., channel]
    r0, c0 = liveliest_patch(out, size, k)
    m = size - k + 1
    if m < 2:
        raise ValueError(f"a {size}×{size} patch leaves a {k}×{k} kernel {m} position(s): take a larger patch")
    patch = photo(net, image)[r0 : r0 + size, c0 : c0 + size]
    frames = animation_render.sliding_frames(patch, out[r0 : r0 + m, c0 : c0 + m], k)
    picks = [0, m, len(frames) - 1]  # the first window, the first of the next row, the finished output
    where = f"rows {r0}–{r0 + size - 1}, columns {c0}–{c0 + size - 1} of {net.example(image).caption}"
    return Animation(
        animation_render.animated_png(frames), animation_render.frame_strip(frames, picks),
        alt=f"Animation: the {k}×{k} kernel of {layer}, channel {channel}, slides over {where}; each of the "
            f"{m}×{m} outputs appears as the window reaches it",
        still_alt=f"Three moments of the {k}×{k} kernel of {layer}, channel {channel}, sliding over {where}: "
                  f"the first window, the first window of the second row, and all {m * m} outputs")


def sliding_patch(net, layer: str, image: str, channel: int = 0, size: int = 8) -> tuple[int, int]:
    """Where `sliding_kernel` puts its patch: the top-left (row, column) in the photo."""
    row = net.check_layer(layer, kind="conv")
    return liveliest_patch(net.activations(image)[layer][..., channel], size, row.kernel_shape[0])

"""What each channel has learned, computed once per trained network by the capture stage.

For every conv and pool layer whose output is a stack of maps, over the whole test set:

- **top units**: each channel's strongest response in every test image (the largest value of its
  map, and where it is); the test images ranked by it, so the top ones can be cropped to the
  receptive field of the unit that fired (the cost table's numbers, `cnnbook.costs`);
- **least**: the test images with the weakest mean response of the channel (ranked before its
  ReLU, which would tie many of them at zero);
- **feature visualisation** (conv layers): the input that maximises the channel's mean
  activation, found by gradient ascent on the input, all channels of a layer at once. The input
  is drawn as a Fourier spectrum scaled by 1/frequency (a "decorrelated" parametrisation: a step
  moves smooth patterns as easily as single pixels) through a sigmoid (pixels stay in 0..1), and
  shifted by a few random pixels at every step (jitter), so the result looks like an image
  rather than high-frequency noise that fools the network (Olah et al., "Feature Visualization",
  Distill 2017);
- **class models**: the same ascent on each class's logit, beside the class's mean test image.

Everything is stored in the capture entry as `channels.npz`, with the layers' receptive fields
in `network.json` (`cnnbook.capture`); pages read them and run nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

TOP = 9  # top patches shown per channel
RANKED = 100  # test images ranked per channel: enough to count which classes a channel prefers
LEAST = 9  # test images with the weakest response, per channel
STEPS = 96  # gradient-ascent steps (the default profile's)
LEARNING_RATE = 0.2  # Adam, on the spectrum: 96 steps at 0.2 beat as many test images as 256 at 0.1
SEED = 0  # the visualisations' start and jitter: the same weights always give the same pictures
BATCH = 500  # test images per forward pass


@dataclass(frozen=True)
class Field:
    """Where a unit of a layer looks in the input: a square of `size` pixels, `jump` pixels between
    neighbouring units, the centre of unit (0, 0) at input row = column `start`."""

    size: int
    jump: int
    start: float

    def corner(self, row: int, col: int) -> tuple[int, int]:
        """The input (row, column) of the top-left pixel of unit (row, col)'s receptive field."""
        half = (self.size - 1) / 2
        return int(round(self.start + row * self.jump - half)), int(round(self.start + col * self.jump - half))


def crop(image: np.ndarray, field: Field, row: int, col: int) -> np.ndarray:
    """The receptive field of unit (row, col) cut from `image` (H, W, C); pixels beyond the edge are
    zeros, which is what a zero-padded convolution saw there."""
    top, left = field.corner(row, col)
    h, w = image.shape[:2]
    out = np.zeros((field.size, field.size, *image.shape[2:]), image.dtype)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + field.size, h), min(left + field.size, w)
    if r1 > r0 and c1 > c0:
        out[r0 - top : r1 - top, c0 - left : c1 - left] = image[r0:r1, c0:c1]
    return out


@dataclass(frozen=True)
class _Shaped:
    """What `cnnbook.costs.layer_costs` reads of a network, from a model and its spec."""

    spec: object
    model: object
    layers: list


def fields(spec, model) -> dict[str, Field]:
    """The receptive field of every conv and pool layer whose output is a stack of maps, in order."""
    from cnnbook.capture import layer_table
    from cnnbook.costs import layer_costs

    rows = layer_table(model, spec.input_shape)
    costs = layer_costs(_Shaped(spec, model, rows))
    return {c.name: Field(int(c.receptive_field), int(c.jump), float(c.start))
            for row, c in zip(rows, costs)
            if row.kind in ("conv", "pool") and len(row.output_shape) == 3 and c.receptive_field is not None}


def logits_layer(spec, model) -> str:
    """The layer whose outputs are the logits: the last one, or the one before a final softmax."""
    layers = model.layers()
    return layers[-2].name if layers[-1].kind == "softmax" else layers[-1].name


# --- Responses over the test set ---------------------------------------------------------------------

class Responses(NamedTuple):
    """One layer's responses to a set of images, per image and channel (N, C)."""

    largest: np.ndarray  # the largest value of the channel's map
    position: np.ndarray | None  # where it is, as a flat index into the map (None for a vector)
    mean: np.ndarray  # the mean of the map after ReLU: what the next layer can use
    before: np.ndarray  # the mean before the layer's activation (conv layers), else the mean of the output


def _responses_step(graphdef, names: tuple[str, ...], state, x):
    import jax.numpy as jnp
    from flax import nnx

    from cnnbook.models.layers import forward

    model = nnx.merge(graphdef, state)
    before = {}

    def apply(layer, value):
        if layer.name in names and layer.kind == "conv" and layer.module is not None:
            before[layer.name] = layer.pre_activation(value)  # the convolution alone, before any activation
        return layer.apply(value)

    outputs = {}
    for layer, y in forward(model.layers(), x, apply):
        outputs[layer.name] = y
        if layer.name == names[-1]:
            break
    out = {}
    for name in names:
        y = outputs[name]
        if y.ndim == 4:
            flat = y.reshape(y.shape[0], -1, y.shape[-1])
            pre = before.get(name, y).reshape(flat.shape)
            out[name] = (flat.max(1), flat.argmax(1), jnp.maximum(flat, 0).mean(1), pre.mean(1))
        else:  # a vector (the logits): the values themselves
            out[name] = (y, None, y, y)
    return out


def responses(model, names: list[str], x: np.ndarray, batch: int = BATCH) -> dict[str, Responses]:
    """Each named layer's `Responses` to images x (N, H, W, C) in 0..1; a vector layer (the logits)
    gives its values as largest, mean and before."""
    import jax
    from flax import nnx

    order = [layer.name for layer in model.layers() if layer.name in names]
    graphdef, state = nnx.split(model)
    step = jax.jit(functools.partial(_responses_step, graphdef, tuple(order)))
    parts = [jax.device_get(step(state, x[i : i + batch])) for i in range(0, len(x), batch)]
    return {name: Responses(*(None if parts[0][name][k] is None else np.concatenate([p[name][k] for p in parts])
                              for k in range(4))) for name in order}


# --- Gradient ascent on the input --------------------------------------------------------------------

def _spectrum_scale(h: int, w: int, field: int) -> np.ndarray:
    """The weight of each coefficient of a real 2-D spectrum (h, w//2 + 1): 1/frequency, flat below
    one cycle per receptive field.

    1/f favours smooth patterns, which suits a unit that sees much of the image; a first-layer unit
    sees 3×3 pixels and responds to patterns that repeat every few pixels, which a full 1/f would damp.
    """
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    return (np.sqrt(h * w) / np.maximum(np.hypot(fy, fx), 1.0 / min(field, max(h, w)))).astype(np.float32)


_OVERSHOOT = 0.05


def _pixels(params, scale, h: int, w: int):
    """Images (N, h, w, C) in 0..1 from spectra params (N, h, w//2 + 1, C, 2)."""
    import jax
    import jax.numpy as jnp

    spectrum = (params[..., 0] + 1j * params[..., 1]) * scale[None, :, :, None]
    # A sigmoid stretched a little past 0..1 and clipped: black and white are reached exactly
    # (a channel that likes an empty background gets a truly black one, as digits have).
    stretched = (1 + 2 * _OVERSHOOT) * jax.nn.sigmoid(jnp.fft.irfft2(spectrum, s=(h, w), axes=(1, 2)) / 4)
    return jnp.clip(stretched - _OVERSHOOT, 0.0, 1.0)


def _unit_scores(model, x, last: str, smooth: bool = False):
    """Image i's score for unit i of layer `last`: the mean of channel i's map after its ReLU, or logit i.

    A conv layer's map is taken from its convolution, before any activation (the layer's own, or
    the ReLU layer after it), and rectified here. `smooth=True` uses softplus instead of ReLU:
    a ReLU passes no gradient where its input is negative, so a channel switched off everywhere
    on the grey starting image would never move; softplus always leans towards switching it on.
    """
    import jax
    import jax.numpy as jnp

    from cnnbook.models.layers import forward

    def apply(layer, value):
        if layer.name == last and layer.kind == "conv" and layer.module is not None:
            # XLA's own convolution, not the layer's matrix-product form: its gradient with respect
            # to the input is the fast one (AlexNet's capture, which visualises conv1, took 192 s
            # the other way and 148 s this way, one after the other on one machine).
            return layer.module(value)
        return layer.apply(value)

    for layer, y in forward(model.layers(), x, apply):
        if layer.name == last:
            break
    if y.ndim == 4:
        y = (jax.nn.softplus(y) if smooth else jnp.maximum(y, 0)).mean(axis=(1, 2))
    return jnp.diagonal(y)


def _optimizer():
    import optax

    return optax.adam(LEARNING_RATE)


def _ascent_step(graphdef, layer: str, shape: tuple[int, int, int], field: int, jitter: int,
                 state, params, opt_state, key):
    """One step of gradient ascent on the spectra `params`, the picture shifted by a random jitter."""
    import jax
    import jax.numpy as jnp
    import optax
    from flax import nnx

    model = nnx.merge(graphdef, state)
    h, w, _ = shape
    scale = jnp.asarray(_spectrum_scale(h, w, field))
    shift = jax.random.randint(key, (2,), -jitter, jitter + 1)

    def loss(p):
        x = jnp.roll(_pixels(p, scale, h, w), shift, axis=(1, 2))
        return -_unit_scores(model, x, layer, smooth=True).sum()

    updates, opt_state = _optimizer().update(jax.grad(loss)(params), opt_state, params)
    return optax.apply_updates(params, updates), opt_state


def _result(graphdef, layer: str, shape: tuple[int, int, int], field: int, state, params):
    """The pictures the spectra draw, and the score each reaches (no jitter, ReLU not softened)."""
    import jax.numpy as jnp
    from flax import nnx

    model = nnx.merge(graphdef, state)
    h, w, _ = shape
    x = _pixels(params, jnp.asarray(_spectrum_scale(h, w, field)), h, w)
    return x, _unit_scores(model, x, layer)


def jitter_for(input_shape) -> int:
    """Pixels the picture is shifted by, at most, at each step: 1 on a 28-pixel digit, 4 on a 64-pixel photo."""
    return max(1, int(input_shape[0]) // 16)


def visualise(model, layer: str, count: int, input_shape, field: int | None = None,
              steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (count, H, W, C) in 0..1 where input i maximises unit i of `layer` (channel i's mean
    before any activation of the layer, or logit i), and the value each reaches in the layer's
    output (after the activation). `field`: the layer's receptive field (None: the whole image).
    Deterministic for given weights (SEED).

    The steps run as a Python loop over one compiled step rather than inside `lax.scan`: XLA on CPU
    ran the convolutions of a scanned step 15 times slower (0.6 s instead of 0.04 s for 64 inputs
    through the PyTorch tutorial's CNN). The loop never waits for the device: the values stay there.
    """
    import jax
    from flax import nnx

    shape = tuple(int(s) for s in input_shape)
    h, w, c = shape
    jitter = jitter_for(shape)
    field = int(field or max(h, w))
    graphdef, state = nnx.split(model)
    step = jax.jit(functools.partial(_ascent_step, graphdef, layer, shape, field, jitter))
    key, start = jax.random.split(jax.random.key(SEED))
    params = 0.01 * jax.random.normal(start, (count, h, w // 2 + 1, c, 2))
    opt_state = _optimizer().init(params)
    for k in jax.random.split(key, steps):
        params, opt_state = step(state, params, opt_state, k)
    x, values = jax.device_get(jax.jit(functools.partial(_result, graphdef, layer, shape, field))(state, params))
    return np.asarray(x, np.float32), np.asarray(values, np.float32)


# --- Everything, for the capture entry ---------------------------------------------------------------

def learned(spec, model, x_test: np.ndarray, y_test: np.ndarray, steps: int = STEPS) -> tuple[dict, dict]:
    """(arrays for channels.npz, a summary for network.json) of a trained network on its test set.

    x_test: uint8 images (N, H, W[, C]) as the dataset stores them; y_test: their labels.
    """
    from cnnbook.capture import layer_table
    from cnnbook.train import to_inputs

    x = to_inputs(x_test)
    table = {row.name: row for row in layer_table(model, spec.input_shape)}
    images = x_test[..., None] if x_test.ndim == 3 else x_test
    layer_fields = fields(spec, model)
    logits = logits_layer(spec, model)
    found = responses(model, [*layer_fields, logits], x)
    ranked, top_shown = min(RANKED, len(x)), min(TOP, len(x))
    arrays, kept = {}, set()
    for name, field in layer_fields.items():
        r = found[name]
        width = table[name].output_shape[1]
        top = np.argsort(-r.largest, axis=0, kind="stable")[:ranked].T  # (C, ranked) test indices
        # Weakest first by the mean before the activation: after a ReLU, many images tie at zero.
        least = np.argsort(r.before, axis=0, kind="stable")[:LEAST].T
        channels = np.arange(r.largest.shape[1])[:, None]
        rows, cols = np.divmod(r.position[top, channels], width)
        arrays[f"{name}/top_index"] = top.astype(np.int32)
        arrays[f"{name}/top_value"] = r.largest[top, channels].astype(np.float32)
        arrays[f"{name}/top_unit"] = np.stack([rows, cols], axis=-1).astype(np.int32)
        arrays[f"{name}/least_index"] = least.astype(np.int32)
        arrays[f"{name}/least_value"] = r.mean[least, channels].astype(np.float32)
        arrays[f"{name}/best_test"] = r.mean.max(axis=0).astype(np.float32)  # the rival of the visualisation
        arrays[f"{name}/mean_response"] = r.mean.mean(axis=0).astype(np.float32)
        kept.update(top[:, :top_shown].ravel().tolist())
        kept.update(least.ravel().tolist())
    # Every conv layer's channels get a visualisation, unless the network names the ones that do.
    dreamed = [name for name in layer_fields if table[name].kind == "conv"
               and (spec.visualised is None or name in spec.visualised)]
    for name in dreamed:
        count = int(found[name].largest.shape[1])
        arrays[f"{name}/dream"], arrays[f"{name}/dream_value"] = visualise(model, name, count, spec.input_shape,
                                                                        layer_fields[name].size, steps)
    classes = int(found[logits].largest.shape[1])
    arrays["classes/model"], arrays["classes/model_logit"] = visualise(model, logits, classes, spec.input_shape,
                                                                              steps=steps)
    arrays["classes/best_test"] = found[logits].largest.max(axis=0).astype(np.float32)
    arrays["classes/mean_image"] = np.stack([
        x[y_test == k].mean(axis=0) if (y_test == k).any() else np.zeros(x.shape[1:], np.float32)
        for k in range(classes)]).astype(np.float32)
    index = np.array(sorted(kept), np.int32)
    arrays["images/index"], arrays["images/pixels"] = index, images[index]
    summary = {"layers": {name: {"size": f.size, "jump": f.jump, "start": f.start, "dreamed": name in dreamed}
                          for name, f in layer_fields.items()},
               "logits": logits, "test_images": int(len(x)), "steps": steps, "top": top_shown, "ranked": ranked,
               "least": min(LEAST, len(x)), "learning_rate": LEARNING_RATE, "seed": SEED,
               "jitter": jitter_for(spec.input_shape)}
    return arrays, summary


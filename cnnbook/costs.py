"""What each layer costs and sees: output shape, parameters, multiply-adds, activation memory,
receptive field. Computed from a network's layers (kernel sizes and strides of the convolutions,
windows and strides of the pools, output shapes), never typed.

A capture-stage module, so the capture stage (`cnnbook.channels` crops receptive fields) and the
pages (`cnnbook.views.costs` draws the cost table) use the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnbook.errors import NetworkDefinitionError

FLOAT_BYTES = 4  # float32 activations


@dataclass(frozen=True)
class LayerCost:
    """One row of the cost table."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int  # multiply-adds for one image
    activation_bytes: int  # the layer's output for one image, float32
    receptive_field: int | None  # pixels of the input one output value sees (None: all of it)
    jump: int | None  # input pixels between neighbouring outputs (the receptive field's stride)
    start: float | None  # the input row (= column) at the centre of output 0's receptive field


def _pair(value) -> int:
    """One stride from an int or a square (a, a) pair."""
    if isinstance(value, int):
        return value
    a, b = value
    if a != b:
        raise ValueError(f"non-square stride {value}: the cost table assumes square strides")
    return int(a)


def conv_padding(module, k: int) -> int:
    """The zeros a stride-1 convolution adds on each side, from its `padding` setting."""
    padding = getattr(module, "padding", "VALID")
    if padding == "VALID":
        return 0
    if padding == "SAME" and k % 2 == 1 and _pair(getattr(module, "strides", 1) or 1) == 1:
        return (k - 1) // 2
    if isinstance(padding, int):
        return padding
    if isinstance(padding, (tuple, list)) and len(set(map(tuple, map(_as_pair, padding)))) == 1:
        low, high = _as_pair(padding[0])
        if low == high:
            return int(low)
    raise ValueError(f"padding {padding!r} (kernel {k}, strides {getattr(module, 'strides', 1)}): the book's "
                     "views handle VALID, an integer, equal pairs, or SAME with an odd kernel at stride 1")


def _as_pair(p) -> tuple:
    return tuple(p) if isinstance(p, (tuple, list)) else (p, p)


def layer_costs(net) -> list[LayerCost]:
    """The cost of every layer, in order (receptive fields grow by (k − 1) × jump at each window;
    the centre of the first window moves by ((k − 1)/2 − padding) × jump). Each layer continues
    the receptive field of the layer it reads (the input's is one pixel).

    `net`: anything with `spec`, `model` and `layers` (the `LayerInfo` rows of `layer_table`), such as
    a `cnnbook.views.network.Network`.
    """
    rows = []
    fields = {None: (1, 1, 0.0)}  # what each layer's output sees: (field, jump, start); None is the input
    modules = {layer.name: layer for layer in net.model.layers()}
    for row in net.layers:
        field, jump, start = fields[row.reads]
        macs = 0
        if row.kind == "conv":
            kh, kw, cin, cout = row.kernel_shape
            macs = math.prod(row.output_shape[:2]) * cout * kh * kw * cin
            module = modules[row.name].module
            stride = _pair(getattr(module, "strides", 1) or 1)
            if _pair(getattr(module, "kernel_dilation", 1) or 1) != 1:
                raise ValueError(f"{row.name}: dilated convolutions are not in the cost table yet")
            if field is not None:
                start += ((kh - 1) / 2 - conv_padding(module, kh)) * jump
                field, jump = field + (kh - 1) * jump, jump * stride
        elif row.kind == "pool":
            apply = modules[row.name].apply
            window, stride = getattr(apply, "window", None), getattr(apply, "stride", None)
            if window is None or stride is None:
                raise NetworkDefinitionError(f"pooling layer {row.name!r} of {net.spec.name} does not declare its window "
                                       "and stride: give its function `window` and `stride` attributes "
                                       "(see cnnbook.models.layers.max_pool_2x2)")
            if field is not None:
                start += (window - 1) / 2 * jump
                field, jump = field + (window - 1) * jump, jump * stride
        elif row.kind in ("dense", "flatten"):
            if row.kind == "dense":
                macs = row.kernel_shape[0] * row.kernel_shape[1]
            field, jump, start = None, None, None  # every value now depends on the whole image
        fields[row.name] = (field, jump, start)
        rows.append(LayerCost(row.name, row.kind, tuple(row.output_shape), row.params, macs,
                              math.prod(row.output_shape) * FLOAT_BYTES, field, jump, start))
    return rows


def total_macs(net) -> int:
    """Multiply-adds of one forward pass of one image."""
    return sum(row.macs for row in layer_costs(net))


@dataclass(frozen=True)
class _Layers:
    """What `layer_costs` reads of a network: its spec, a model and its `layer_table` rows."""

    spec: object
    model: object
    layers: list


def costs_of(spec) -> list[LayerCost]:
    """The cost table of `spec`'s layers without weights: the model is built and run on shapes only
    (inside `jax.eval_shape`), so AlexNet's 46.8M parameters at 224×224 cost no memory or time."""
    import jax
    from flax import nnx

    from cnnbook.capture import layer_table

    built = {}

    def trace():
        built["model"] = model = spec.build(rngs=nnx.Rngs(0))
        model.eval()  # shapes only: dropout and the like as at inference
        built["rows"] = layer_table(model, spec.input_shape)
        return 0

    jax.eval_shape(trace)
    return layer_costs(_Layers(spec, built["model"], built["rows"]))

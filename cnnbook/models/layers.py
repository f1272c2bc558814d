"""Small building blocks shared by the book's networks: named layers of declared kinds."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

# What a layer can be; pages choose their figures by kind (kernels for conv, before/after for
# pool and relu, …), never by guessing from a layer's name.
KINDS = ("conv", "relu", "pool", "flatten", "dense", "softmax")


@dataclass(frozen=True)
class Layer:
    """One named step of a network, as the book shows it."""

    name: str  # as the source names it: "conv2d", "conv_1_1", "conv1.0", …
    kind: str  # one of KINDS; a conv or dense layer may include its activation
    apply: Callable  # batch in, batch out
    module: nnx.Module | None = None  # the nnx.Conv / nnx.Linear holding its parameters
    # What the layer reads: None for the previous layer's output, INPUT for the network's input,
    # or an earlier layer's name (a second branch, e.g. a 10×10 convolution beside a 3×3 one).
    reads: str | None = None
    # The layer's sum before its activation, where `apply` includes one and computes the sum another
    # way than `module` does (AlexNet's convolutions, as matrix products). Pages that show the value
    # before the ReLU get it from here (`pre_activation`), so a compiled pass computes the sum once:
    # XLA merges the two identical computations, but not a convolution with its matrix-product twin.
    linear: Callable | None = None

    def pre_activation(self, x):
        """The layer's output before its activation (a conv or dense layer that includes one)."""
        return (self.linear or self.module)(x)


INPUT = "input"


def forward(layers: list[Layer], x, apply=None):
    """Run `layers` on `x` in order, each on what it reads; yield (layer, its output).

    `apply(layer, x)` runs one layer (default `layer.apply(x)`); `layer_table` passes shapes through it.
    """
    apply = apply or (lambda layer, value: layer.apply(value))
    outputs, previous = {INPUT: x}, x
    for layer in layers:
        source = previous if layer.reads is None else outputs[layer.reads]
        previous = outputs[layer.name] = apply(layer, source)
        yield layer, previous


class Layered(nnx.Module):
    """A network written as a list of named layers, as the book shows it.

    `__call__` runs the list in order and `cnnbook.capture` records each output of the same
    list, so what the pages show is exactly what the network computes. The network's output is
    the last layer's.
    """

    def layers(self) -> list[Layer]:
        """The layers in order; each model defines its own."""
        raise NotImplementedError

    def __call__(self, x):
        for _, x in forward(self.layers(), x):
            pass
        return x


def max_pool_2x2(x):
    """2×2 max-pooling with stride 2 and no padding (Keras' MaxPooling2D default).

    Written as a reshape and a max instead of `nnx.max_pool`: XLA on CPU computes the
    gradient of `reduce_window` with a slow select-and-scatter, which more than halved
    training speed here. An odd row or column at the edge is dropped, as VALID pooling does.
    """
    n, h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    x = x[:, : h2 * 2, : w2 * 2, :]
    return x.reshape(n, h2, 2, w2, 2, c).max(axis=(2, 4))


# A pooling function declares its window and stride, so the cost table can follow the receptive field.
max_pool_2x2.window, max_pool_2x2.stride = 2, 2


def max_pool_3x3_stride_2(x):
    """3×3 max-pooling with stride 2 and no padding: AlexNet's overlapping pooling.

    Written as two passes of three strided views, the maximum down the rows and then across
    the columns (the same maximum, taken in a separable order), instead of `nnx.max_pool`: its
    gradient is then a short chain of element-wise selects, not XLA:CPU's slow select-and-scatter
    (see `max_pool_2x2`). The gradient of conv1's pool took 3.2 ms a batch this way, 22 ms as the
    maximum of all nine views and 15 ms as `reduce_window` (batch 64, 15×15×96 maps, 2-core Xeon).
    Out size (H − 3) // 2 + 1, as VALID pooling gives.
    """
    n, h, w, c = x.shape
    oh, ow = (h - 3) // 2 + 1, (w - 3) // 2 + 1
    rows = functools.reduce(jnp.maximum, [x[:, i : i + 2 * oh - 1 : 2] for i in range(3)])
    return functools.reduce(jnp.maximum, [rows[:, :, j : j + 2 * ow - 1 : 2] for j in range(3)])


max_pool_3x3_stride_2.window, max_pool_3x3_stride_2.stride = 3, 2


def flatten(x):
    """Flatten every sample to a vector in NHWC order, as Keras' Flatten does."""
    return x.reshape(x.shape[0], -1)


_NHWC = ("NHWC", "HWIO", "NHWC")


def _conv_valid(x, kernel):
    return jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=_NHWC)


@jax.custom_vjp
def conv_valid(x, kernel):
    """A stride-1 VALID convolution, NHWC input, kernel (kh, kw, cin, cout) as `nnx.Conv` holds it.

    Same result as `nnx.Conv(padding="VALID")`; only its gradient is computed differently:
    XLA on CPU computes a convolution's weight gradient slowly (Tiny VGG: 336 images/s
    for a training step), so here it is one matrix product per kernel tap (530 images/s).
    """
    return _conv_valid(x, kernel)


def _conv_valid_fwd(x, kernel):
    return _conv_valid(x, kernel), (x, kernel)


def _conv_valid_bwd(saved, grad_out):
    x, kernel = saved
    kh, kw, cin, cout = kernel.shape
    h, w = grad_out.shape[1], grad_out.shape[2]
    _, input_vjp = jax.vjp(lambda x_: _conv_valid(x_, kernel), x)
    (grad_x,) = input_vjp(grad_out)
    # dL/dW[i, j] = sum over batch and positions of input patch (shifted by i, j) × output gradient
    g = grad_out.reshape(-1, cout)
    taps = [x[:, i : i + h, j : j + w, :].reshape(-1, cin).T @ g for i in range(kh) for j in range(kw)]
    return grad_x, jnp.stack(taps).reshape(kh, kw, cin, cout)


conv_valid.defvjp(_conv_valid_fwd, _conv_valid_bwd)


def _block_taps(k: int, block: int) -> np.ndarray:
    """For a k×k kernel read in blocks: which of its taps (k: none, a zero) the big kernel's entry
    (a, d, e) holds, where a is the big kernel's tap, d the input's place in its block and e the
    output's place in its block."""
    a = np.arange(-(-(k - 1) // block) + 1)[:, None, None]
    d = np.arange(block)[None, :, None]
    e = np.arange(block)[None, None, :]
    tap = block * a + d - e
    return np.where((tap >= 0) & (tap < k), tap, k)


def block_kernel(kernel, block: int = 2):
    """The kernel (k, k, C, O) of a convolution over `block`×`block` blocks of pixels that computes
    the same outputs: (m, m, block²·C, block²·O), block-major then channel, with m = ⌈(k − 1)/block⌉ + 1."""
    k, _, c, o = kernel.shape
    taps = _block_taps(k, block)  # (m, block, block)
    padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))  # tap k: zeros
    rows = taps[:, None, :, None, :, None]  # (a, b, di, dj, ei, ej)
    cols = taps[None, :, None, :, None, :]
    big = padded[rows, cols]  # (a, b, di, dj, ei, ej, C, O)
    m = taps.shape[0]
    return big.transpose(0, 1, 2, 3, 6, 4, 5, 7).reshape(m, m, block * block * c, block * block * o)


def conv_valid_blocks(x, kernel, block: int = 2):
    """`conv_valid`, computed over `block`×`block` blocks of pixels (space-to-depth): the same outputs.

    A convolution of few channels (Tiny VGG's 3 → 10 and 10 → 10) keeps XLA:CPU's convolution
    kernels and matrix products mostly idle; the same one over 2×2 blocks reads 4C channels and
    writes 4O, with a 2×2 kernel instead of 3×3: 1.8 times the multiply-adds, far better used.
    The kernel stays (k, k, C, O): `block_kernel` spreads it (with zeros) into the big one, and its
    gradient gathers back. An odd side is padded by one zero row or column, its extra outputs cut.
    """
    n, h, w, c = x.shape
    k, o = kernel.shape[0], kernel.shape[-1]
    if kernel.shape[0] != kernel.shape[1] or k % 2 == 0:
        raise ValueError(f"conv_valid_blocks takes square kernels of odd size, not {kernel.shape[:2]}")
    out_h, out_w = h - k + 1, w - k + 1
    ph, pw = -h % block, -w % block
    if ph or pw:
        x = jnp.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)))
    hb, wb = (h + ph) // block, (w + pw) // block
    blocks = x.reshape(n, hb, block, wb, block, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, hb, wb, block * block * c)
    y = conv_valid(blocks, block_kernel(kernel, block))
    yh, yw = y.shape[1], y.shape[2]
    y = y.reshape(n, yh, yw, block, block, o).transpose(0, 1, 3, 2, 4, 5).reshape(n, yh * block, yw * block, o)
    return y[:, :out_h, :out_w]


def apply_conv(conv):
    """Apply an `nnx.Conv` (stride 1, VALID, an odd square kernel) over 2×2 blocks of pixels
    (`conv_valid_blocks`), with `conv_valid`'s gradient: its parameters, computed faster.

    Measured per network: it pays for Tiny VGG's 3×3 convolutions of 3 and 10 channels over 64×64
    photos (its training step: 318 images/s through `conv_valid` alone, 505 over blocks; paired
    runs in separate processes on a 2-core Xeon), but XLA's own convolution trained the padded 5×5
    convolutions of `mnist_torch` as fast or faster, and AlexNet's wide convolutions over small maps
    are one matrix product each (`conv_as_matmul`).
    """
    return lambda x: conv_valid_blocks(x, conv.kernel[...]) + conv.bias[...]


def pair(value) -> tuple[int, int]:
    """nnx.Conv's strides or dilation, given as None, one int or one per side, as (rows, columns)."""
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value or 1),) * 2


def conv_padding(conv, in_hw: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """A convolution's zero padding as ((top, bottom), (left, right)), whatever form nnx.Conv holds it in."""
    padding, kernel = conv.padding, tuple(conv.kernel_size)
    if isinstance(padding, str):
        pads = jax.lax.padtype_to_pads(tuple(in_hw), kernel, pair(conv.strides), padding)
    elif isinstance(padding, int):
        pads = [(padding, padding)] * 2
    else:
        pads = [(p, p) if isinstance(p, int) else tuple(p) for p in padding]
    return tuple((int(a), int(b)) for a, b in pads)


def patches(x, kernel_hw: tuple[int, int], stride: tuple[int, int], pads) -> jax.Array:
    """Every window a convolution reads, side by side: (N, H', W', kh·kw·C), ordered as the kernel's
    (kh, kw, C) axes flatten. Built from kh·kw strided slices of the zero-padded input."""
    (kh, kw), (sh, sw) = kernel_hw, stride
    x = jnp.pad(x, ((0, 0), *pads, (0, 0)))
    _, h, w, _ = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    taps = [x[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
            for i in range(kh) for j in range(kw)]
    return jnp.concatenate(taps, axis=-1)


def conv_as_matmul(conv: nnx.Conv):
    """Apply an `nnx.Conv` (any stride and padding, no dilation or groups) as one matrix product
    over its input's patches (im2col): the same outputs, computed in another order.

    Its gradients then come from autodiff as matrix products too (the kernel's: patchesᵀ × output
    gradient), not from XLA:CPU's convolution gradients. It pays where a convolution reads a few
    channels through a wide window (AlexNet's conv1, 11×11 over 3 channels at stride 4), where XLA's
    weight gradient is slowest.
    """
    if pair(conv.kernel_dilation) != (1, 1) or pair(conv.input_dilation) != (1, 1) or conv.feature_group_count != 1:
        raise ValueError("conv_as_matmul computes plain convolutions: no dilation, no feature groups")

    def apply(x):
        kernel = conv.kernel[...]
        kh, kw, cin, cout = kernel.shape
        windows = patches(x, (kh, kw), pair(conv.strides), conv_padding(conv, x.shape[1:3]))
        out = windows @ kernel.reshape(kh * kw * cin, cout)
        return out + conv.bias[...] if conv.bias is not None else out

    return apply

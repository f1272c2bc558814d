"""AlexNet as the Zetane article trains it on Fashion-MNIST: 46,787,978 parameters at 224×224×3."""

from __future__ import annotations

import numpy as np
from flax import nnx

from cnnbook.models.layers import Layer, Layered, conv_as_matmul, flatten, max_pool_3x3_stride_2
from cnnbook.models.spec import NetworkSpec, TrainConfig

ARTICLE_SIZE = 224  # the article resizes every 28×28 image to 224×224×3
SMALLEST_SIZE = 67  # the smallest input every layer stays valid on: 67 → 15 → 7 → 7 → 3 → 3 → 1
DEFAULT_SIZE = SMALLEST_SIZE  # the `default` profile's input side (the chapter computes what it costs)


def pooled_size(size: int) -> int:
    """The side of the last pool's maps for a square input of `size` (5 at 224, 1 at 67)."""
    side = (size - 11) // 4 + 1  # conv1: 11×11, stride 4, VALID
    for _ in range(3):  # three 3×3 stride-2 pools; the same-padded convolutions keep the size
        if side < 3:
            raise ValueError(f"AlexNet needs an input of at least {SMALLEST_SIZE}×{SMALLEST_SIZE}, got {size}×{size}")
        side = (side - 3) // 2 + 1
    return side


class AlexNet(Layered):
    """conv 11×11 96 s4 → pool 3 s2 → conv 5×5 256 → pool → conv 3×3 384 → 384 → 256 → pool →
    flatten → dense 4096 → dropout → dense 4096 → dropout → dense 10; ReLU after every conv and
    the first two dense layers (the article's Keras model, Krizhevsky et al. 2012 on one GPU).
    """

    def __init__(self, *, rngs: nnx.Rngs, input_shape: tuple[int, ...] | None = None):
        input_size = (input_shape or (DEFAULT_SIZE,))[0]
        self.conv1 = nnx.Conv(3, 96, (11, 11), strides=4, padding="VALID", rngs=rngs)
        self.conv2 = nnx.Conv(96, 256, (5, 5), padding="SAME", rngs=rngs)
        self.conv3 = nnx.Conv(256, 384, (3, 3), padding="SAME", rngs=rngs)
        self.conv4 = nnx.Conv(384, 384, (3, 3), padding="SAME", rngs=rngs)
        self.conv5 = nnx.Conv(384, 256, (3, 3), padding="SAME", rngs=rngs)
        side = pooled_size(input_size)
        self.fc6 = nnx.Linear(side * side * 256, 4096, rngs=rngs)
        self.fc7 = nnx.Linear(4096, 4096, rngs=rngs)
        self.fc8 = nnx.Linear(4096, 10, rngs=rngs)
        self.dropout6 = nnx.Dropout(0.5, rngs=rngs)
        self.dropout7 = nnx.Dropout(0.5, rngs=rngs)

    def layers(self):
        """The layers in order. The dropouts act while training only, so the pages see the dense
        layers' plain outputs."""
        # Every convolution as one matrix product over its input's patches: XLA:CPU's own weight
        # gradients are its slowest part here. conv1's (11×11 over 3 channels at stride 4) trained
        # 1.08× as fast this way; conv2 to conv5's (wide kernels over 7×7 and 3×3 maps), 1.08× more.
        return [
            _conv_relu("conv1", self.conv1),
            Layer("pool1", "pool", max_pool_3x3_stride_2),
            _conv_relu("conv2", self.conv2),
            Layer("pool2", "pool", max_pool_3x3_stride_2),
            _conv_relu("conv3", self.conv3),
            _conv_relu("conv4", self.conv4),
            _conv_relu("conv5", self.conv5),
            Layer("pool5", "pool", max_pool_3x3_stride_2),
            Layer("flatten", "flatten", flatten),
            Layer("fc6", "dense", lambda x: self.dropout6(nnx.relu(self.fc6(x))), self.fc6),
            Layer("fc7", "dense", lambda x: self.dropout7(nnx.relu(self.fc7(x))), self.fc7),
            Layer("fc8", "dense", self.fc8, self.fc8),  # logits; the loss applies the softmax
        ]


def _conv_relu(name: str, conv: nnx.Conv) -> Layer:
    """A convolution computed as one matrix product (`conv_as_matmul`), then a ReLU; the product
    alone is the layer's value before its activation."""
    linear = conv_as_matmul(conv)
    return Layer(name, "conv", lambda x: nnx.relu(linear(x)), conv, linear=linear)


def grey_to_rgb(images: np.ndarray, size: int) -> np.ndarray:
    """Fashion-MNIST's grey 28×28 images, resized (bilinear) to size×size and repeated into 3
    channels, as the article feeds them: uint8 (N, size, size, 3)."""
    import jax
    import jax.numpy as jnp

    resize = jax.jit(lambda batch: jax.image.resize(batch.astype(jnp.float32), (batch.shape[0], size, size), "bilinear"))
    out = np.empty((len(images), size, size, 3), np.uint8)
    for i in range(0, len(images), 2000):
        resized = np.asarray(resize(jnp.asarray(images[i : i + 2000])))
        out[i : i + 2000] = np.clip(np.rint(resized), 0, 255).astype(np.uint8)[..., None]
    return out


def _prepare(images: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    return grey_to_rgb(images, input_shape[0])


SPEC = NetworkSpec(
    name="alexnet",
    title="AlexNet (Zetane's Fashion-MNIST article)",
    source="Krizhevsky, Sutskever & Hinton (2012), AlexNet, as Zetane's article trains it on Fashion-MNIST in Keras",
    dataset="fashion-mnist",
    input_shape=(DEFAULT_SIZE, DEFAULT_SIZE, 3),
    profile_inputs={"full": (ARTICLE_SIZE, ARTICLE_SIZE, 3)},
    prepare=_prepare,
    build=AlexNet,
    # A gradient ascent per channel costs a forward and backward pass through every layer below it:
    # conv1's 96 channels take seconds, conv2's 256 (through conv1 too) about half a minute of the build.
    visualised=("conv1",),
    train={
        # A 2-core CPU: the article's layers at the smallest input they fit (67×67). Two epochs of
        # 43,008 images: 336 batches of 128 each, one compiled step and no leftover batch to compile
        # apart; the test set once, after the last epoch (a pass costs about 21 s). On one 2-core Xeon:
        # batch 64 at 3e-4 (two batches a call, tested every epoch) gave 0.8938 in 517 s; batch 128
        # on 45,056 images gave 0.8920 in 460 s at 4.2e-4 and 0.8934 in 489 s at 6e-4 (the same
        # compute: the machine's noise), and on 43,008 images (4.5% less to train) 0.8932 at 6e-4.
        # In trials on 60,000 images, Adam at a constant 1e-4 had 0.86 after one epoch; a cosine
        # decay learns fastest.
        "default": TrainConfig(optimizer="adam", learning_rate=6e-4, batch_size=128, epochs=2, train_samples=43_008,
                               schedule="cosine", steps_per_call=1, test_every_epoch=False),
        # The article: 224×224×3 for 50 epochs. It does not print its optimizer; Keras' plain SGD at
        # 1e-3 with batch 32 is what its AlexNet lineage (and its slow 50-epoch curve) implies.
        # On one NVIDIA H200 (JAX 0.11.2): 0.9171 after 50 epochs, 312 s of training (12,403 images/s).
        "full": TrainConfig(optimizer="sgd", learning_rate=1e-3, batch_size=32, epochs=50),
        "smoke": TrainConfig(optimizer="adam", learning_rate=3e-4, batch_size=64, epochs=1, train_samples=256),
    },
)

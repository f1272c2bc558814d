"""The tutorial's question, "what would one more convolution do?", as two variants of `mnist_torch`.

Not networks of the book (no `SPEC`): the experiment of `cnnbook.experiments` trains them
beside the tutorial net, on the same data, with the same recipe and seeds.
"""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, flatten, max_pool_2x2


class WithoutExtraConv(Layered):
    """The tutorial net without its extra 5×5 convolution in `conv2` (the one after `conv2.0`)."""

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1_0 = nnx.Conv(1, 16, (5, 5), padding=2, rngs=rngs)
        self.conv2_0 = nnx.Conv(16, 32, (5, 5), padding=2, rngs=rngs)
        self.conv3_0 = nnx.Conv(32, 64, (5, 5), padding=2, rngs=rngs)
        self.out = nnx.Linear(7 * 7 * 64, 10, rngs=rngs)

    def layers(self):
        return [
            Layer("conv1.0", "conv", self.conv1_0, self.conv1_0),
            Layer("conv1.1", "relu", nnx.relu),
            Layer("conv1.2", "pool", max_pool_2x2),
            Layer("conv2.0", "conv", self.conv2_0, self.conv2_0),
            Layer("conv2.1", "relu", nnx.relu),
            Layer("conv2.2", "pool", max_pool_2x2),
            Layer("conv3.0", "conv", self.conv3_0, self.conv3_0),
            Layer("conv3.1", "relu", nnx.relu),
            Layer("flatten", "flatten", flatten),
            Layer("out", "dense", self.out, self.out),
        ]


class PlusConv3x3(Layered):
    """The tutorial net with one more 3×3 convolution (64 filters, padding 1) after `conv3`."""

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1_0 = nnx.Conv(1, 16, (5, 5), padding=2, rngs=rngs)
        self.conv2_0 = nnx.Conv(16, 32, (5, 5), padding=2, rngs=rngs)
        self.conv2_2 = nnx.Conv(32, 32, (5, 5), padding=2, rngs=rngs)
        self.conv3_0 = nnx.Conv(32, 64, (5, 5), padding=2, rngs=rngs)
        self.conv3_2 = nnx.Conv(64, 64, (3, 3), padding=1, rngs=rngs)
        self.out = nnx.Linear(7 * 7 * 64, 10, rngs=rngs)

    def layers(self):
        return [
            Layer("conv1.0", "conv", self.conv1_0, self.conv1_0),
            Layer("conv1.1", "relu", nnx.relu),
            Layer("conv1.2", "pool", max_pool_2x2),
            Layer("conv2.0", "conv", self.conv2_0, self.conv2_0),
            Layer("conv2.1", "relu", nnx.relu),
            Layer("conv2.2", "conv", self.conv2_2, self.conv2_2),
            Layer("conv2.3", "relu", nnx.relu),
            Layer("conv2.4", "pool", max_pool_2x2),
            Layer("conv3.0", "conv", self.conv3_0, self.conv3_0),
            Layer("conv3.1", "relu", nnx.relu),
            Layer("conv3.2", "conv", self.conv3_2, self.conv3_2),
            Layer("conv3.3", "relu", nnx.relu),
            Layer("flatten", "flatten", flatten),
            Layer("out", "dense", self.out, self.out),
        ]

"""Untrained convolutions on a cat photo, after "Visualizing parts of Convolutional Neural Networks
using Keras and Cats": what a convolution, a ReLU and a pooling layer do to a picture, before any
training. Never trained: its weights are the seeded initial ones.
"""

from flax import nnx

from cnnbook.data import photos
from cnnbook.models.layers import INPUT, Layer, Layered, max_pool_2x2
from cnnbook.models.spec import NetworkSpec

FILTERS = 3  # three output channels fit in one colour picture, the article's trick


class CatConv(Layered):
    """Two branches on the same photo: conv 3×3 → ReLU → max-pool, and conv 10×10 → ReLU → max-pool.

    Three filters each, VALID (no padding, as Keras' Conv2D default), biases zero as initialised:
    every value the pages show is the kernels' own work.
    """

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv_3x3 = nnx.Conv(3, FILTERS, (3, 3), padding="VALID", rngs=rngs)
        self.conv_10x10 = nnx.Conv(3, FILTERS, (10, 10), padding="VALID", rngs=rngs)

    def layers(self):
        """The 3×3 branch, then the 10×10 branch, which reads the photo again."""
        return [
            Layer("conv_3x3", "conv", self.conv_3x3, self.conv_3x3),
            Layer("relu_3x3", "relu", nnx.relu),
            Layer("pool_3x3", "pool", max_pool_2x2),
            Layer("conv_10x10", "conv", self.conv_10x10, self.conv_10x10, reads=INPUT),
            Layer("relu_10x10", "relu", nnx.relu),
            Layer("pool_10x10", "pool", max_pool_2x2),
        ]


SPEC = NetworkSpec(
    name="cat_conv",
    title="Random convolutions on a cat",
    source="\"Visualizing parts of Convolutional Neural Networks using Keras and Cats\" (Erik Reppel, 2016)",
    dataset=None,
    input_shape=(300, 451, 3),  # scikit-image's chelsea at its own size
    build=CatConv,
    photos=photos.photos,
    seed=0,
)

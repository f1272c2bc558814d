"""The test-set measurements of the concept chapters (cnnbook.measure), on tiny synthetic inputs."""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from cnnbook import measure
from cnnbook.models.layers import Layer, Layered, max_pool_2x2


def test_shift_moves_pixels_and_fills_zeros():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    right = measure.shift(x, 0, 1)
    assert right[0, :, 0, 0].tolist() == [0, 0, 0, 0]
    assert right[0, :, 1:, 0].tolist() == x[0, :, :3, 0].tolist()
    up = measure.shift(x, -2, 0)
    assert up[0, :2, :, 0].tolist() == x[0, 2:, :, 0].tolist() and not up[0, 2:].any()
    assert not measure.shift(x, 4, 0).any()
    assert np.array_equal(measure.shift(x, 0, 0), x)


def test_relative_change_skips_blank_images():
    a = np.array([[3.0, 4.0], [0.0, 0.0]])
    b = np.array([[3.0, 0.0], [1.0, 1.0]])
    assert measure.relative_change(a, b).tolist() == [0.8]


class Probe(Layered):
    """An identity 'network' whose only work is a 2×2 max-pool and a ReLU-like clip."""

    def layers(self):
        return [Layer("clip", "relu", lambda x: jnp.maximum(x - 0.5, 0.0)),
                Layer("pool", "pool", max_pool_2x2)]


def test_zero_shares_and_pool_shift():
    rng = np.random.default_rng(0)
    x = rng.random((6, 8, 8, 1)).astype(np.float32)
    shares = measure.zero_shares(Probe(), x)
    assert abs(shares["clip"] - float((x <= 0.5).mean())) < 1e-9
    # A single bright pixel moved by one pixel inside a pool window: the pool's output barely moves.
    dots = np.zeros((4, 8, 8, 1), np.float32)
    dots[:, 2, 2, 0] = 1.0
    result = measure.pool_shift(Probe(), {"clip": ("relu", None), "pool": ("pool", "clip")}, dots, shifts=(1,))
    assert result["pool"]["input_layer"] == "clip"
    assert result["pool"]["after"][0] < result["pool"]["before"][0]


def test_shift_accuracy_falls_when_the_signal_leaves():
    class Corner(Layered):
        """Says class 1 when the top-left pixel is bright, else class 0."""

        def __init__(self):
            self.dummy = nnx.Param(np.zeros(1, np.float32))

        def layers(self):
            return [Layer("out", "dense", lambda x: jnp.stack([1 - x[:, 0, 0, 0], x[:, 0, 0, 0]], -1))]

    x = np.zeros((4, 4, 4, 1), np.float32)
    x[:, :2, :2, 0] = 1.0  # a bright 2×2 block in the corner
    acc = measure.shift_accuracy(Corner(), x, np.ones(4, np.int32), shifts=(0, 1, 2))
    assert acc[0] == 1.0
    # Moved right or down by one, the corner goes dark; moved left or up, the block still covers it.
    assert acc[1] == 0.5
    assert acc[2] == 0.0  # two pixels: gone in every direction


def test_a_big_network_is_shifted_on_fewer_images():
    from cnnbook.measure import ACCURACY_IMAGES, accuracy_images

    assert accuracy_images(None) == accuracy_images(10_380_160) == ACCURACY_IMAGES  # the digit networks
    assert 100 <= accuracy_images(83_682_336) < ACCURACY_IMAGES  # AlexNet at 67×67
    assert accuracy_images(10 ** 12) == 100

"""Small building blocks shared by the book's networks."""

import jax.numpy as jnp


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


def flatten(x):
    """Flatten every sample to a vector in NHWC order, as Keras' Flatten does."""
    return x.reshape(x.shape[0], -1)

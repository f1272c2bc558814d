"""Tests for render.images, render.feature_maps and render.mosaic: shapes, edge cases, alt text."""

import numpy as np
import pytest

from cnnbook.render import channels, feature_map_grid, input_image, kernel_grid
from cnnbook.render.mosaic import grid_shape, mosaic

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_alt_text_is_derived_from_the_data():
    acts = np.zeros((26, 26, 32), np.float32)
    acts[..., 7] = 3.2
    acts[0, 0, 3] = -0.41
    fig = feature_map_grid(acts, "conv2d")
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt.startswith("32 feature maps of conv2d, each 26×26")
    assert "-0.41" in fig.alt and "3.2" in fig.alt
    assert "channel 7 is the most active" in fig.alt
    assert "30 of 32 channels are zero" in fig.alt


@pytest.mark.parametrize("shape", [(26, 26, 1), (5, 5, 64), (1, 6, 6, 3), (7, 7)])
def test_feature_map_shapes(shape):
    fig = feature_map_grid(np.random.default_rng(0).normal(size=shape), "layer")
    assert fig.png.startswith(PNG_MAGIC)
    assert "layer" in fig.alt


def test_vector_of_ten():
    v = np.linspace(-1, 2, 10)
    fig = feature_map_grid(v, "dense_1")
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt.startswith("A vector of 10 values from dense_1")
    assert "unit 9 is the largest (2)" in fig.alt


def test_long_vector_is_a_grid():
    fig = feature_map_grid(np.arange(1690, dtype=float), "flatten", channel_labels=False)
    assert "1,690 values" in fig.alt


def test_given_vmax_is_used_without_error():
    assert feature_map_grid(np.ones((4, 4, 2)), "x", vmax=5).png.startswith(PNG_MAGIC)


def test_bad_shape_is_an_error():
    with pytest.raises(ValueError, match="H, W, C"):
        feature_map_grid(np.zeros((2, 3, 4, 5, 6)), "x")


def test_kernel_grid_single_and_many_input_channels():
    rng = np.random.default_rng(0)
    one = kernel_grid(rng.normal(size=(3, 3, 1, 32)), "conv2d")
    assert one.alt.startswith("32 filters of conv2d, each 3×3;")
    many = kernel_grid(rng.normal(size=(3, 3, 32, 64)), "conv2d_1")
    assert "mean over the 32 input channels" in many.alt
    first = kernel_grid(rng.normal(size=(5, 5, 3, 6)), "conv1", input_channel=0)
    assert "input channel 0 of 3" in first.alt


def test_input_images_grey_and_colour():
    rng = np.random.default_rng(0)
    grey = input_image(rng.random((28, 28, 1)), "digit")
    assert grey.alt.startswith("28×28 greyscale image (digit)")
    colour = input_image((rng.random((16, 20, 3)) * 255).astype(np.uint8), "photo")
    assert colour.alt.startswith("16×20 colour image")
    assert "pixel values from 0" in input_image(np.zeros((4, 4)), "").alt


def test_channels_alt_names_each_channel():
    x = np.zeros((8, 8, 3))
    x[..., 0] = 0.5
    fig = channels(x, title="cat")
    assert fig.alt.startswith("The R, G and B channels of a 8×8 image (cat)")
    assert "R 0.5, G 0, B 0" in fig.alt


@pytest.mark.parametrize("n, expected", [(1, (1, 1)), (3, (1, 3)), (10, (2, 5)), (32, (4, 8)), (64, (8, 8)),
                                         (96, (8, 12))])
def test_grid_shape(n, expected):
    assert grid_shape(n) == expected


def test_mosaic_places_tiles_with_nan_gaps():
    tiles = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    image = mosaic(tiles, cols=2, gap=1)
    assert image.shape == (5, 5)
    np.testing.assert_array_equal(image[:2, :2], tiles[0])
    np.testing.assert_array_equal(image[:2, 3:], tiles[1])
    np.testing.assert_array_equal(image[3:, :2], tiles[2])
    assert np.isnan(image[2]).all() and np.isnan(image[3:, 3:]).all()

"""Synthetic look-alikes of the real datasets: same shapes, ten learnable classes, no download."""

import zlib

import numpy as np

from . import catalog, synthetic_rgb
from cnnbook.errors import DataError

# Bump when the generator changes, so caches keyed on the dataset checksum are not reused.
VERSION = "synthetic-v1"
MAX_SHIFT = 2  # pixels a sample may move from its class template, each way
STROKES = 3  # curved strokes per class template
NOISE = 20.0  # standard deviation of the pixel noise, on the 0..255 scale


def version(name: str) -> str:
    """The version of the generator that draws `name`'s look-alike (part of its checksum)."""
    colour = synthetic_rgb.supports(catalog.get(name).image_shape)
    return synthetic_rgb.VERSION if colour else VERSION


def synthetic_like(name: str, n_train: int = 2000, n_test: int = 500, seed: int = 0):
    """`(x_train, y_train, x_test, y_test)` shaped like dataset `name`, e.g. (N, 28, 28) uint8.

    Each class is a fixed template of a few thick strokes; a sample is its class template,
    shifted by up to MAX_SHIFT pixels, dimmed a little, plus noise. The same arguments
    always give byte-identical arrays. Colour datasets, e.g. (N, 64, 64, 3), are drawn by
    synthetic_rgb instead.
    """
    info = catalog.get(name)
    if synthetic_rgb.supports(info.image_shape):
        return synthetic_rgb.colour_like(info, n_train, n_test, seed)
    if len(info.image_shape) != 2:
        raise DataError(
            f"no synthetic look-alike of {name}: the generators draw greyscale (H, W) images "
            f"and colour (H, W, 3) images of at least {synthetic_rgb.MIN_SIZE}x"
            f"{synthetic_rgb.MIN_SIZE}; {name} has samples of shape {info.image_shape}. "
            f"Use the real data set."
        )
    templates = _templates(info)
    shifted = _all_shifts(templates)
    # The dataset name keys the stream too, so "mnist" and "fashion-mnist" look-alikes differ;
    # train and test get separate streams, so the test set does not depend on n_train.
    key = zlib.crc32(name.encode())
    x_train, y_train = _sample(shifted, n_train, np.random.default_rng([seed, key, 0]))
    x_test, y_test = _sample(shifted, n_test, np.random.default_rng([seed, key, 1]))
    return x_train, y_train, x_test, y_test


def _templates(info: catalog.DatasetInfo) -> np.ndarray:
    """One stroke drawing per class, (classes, H, W) float32 in 0..1."""
    height, width = info.image_shape
    unit = min(height, width) / 28  # sizes below are in MNIST pixels
    margin = MAX_SHIFT + 2 * unit  # keeps strokes whole after any shift
    rows, cols = np.mgrid[0:height, 0:width]
    pixels = np.stack([rows.ravel(), cols.ravel()], axis=1).astype(np.float32) + 0.5
    key = zlib.crc32(info.name.encode())
    drawings = []
    for label in range(len(info.class_names)):
        # Seeded by dataset and class only: every seed shows the same ten shapes.
        rng = np.random.default_rng([key, label])
        low, high = margin, np.array([height, width]) - margin
        controls = rng.uniform(low, high, size=(STROKES, 3, 2))
        distance = _distance_to_curves(pixels, controls)
        half_width = 1.25 * unit
        # Full intensity inside the stroke, a one-pixel linear edge: cheap anti-aliasing.
        ink = np.clip(half_width + 0.5 - distance, 0.0, 1.0)
        drawings.append(ink.reshape(height, width))
    return np.stack(drawings).astype(np.float32)


def _distance_to_curves(pixels: np.ndarray, controls: np.ndarray, pieces: int = 8) -> np.ndarray:
    """Distance from each pixel centre to the nearest of some quadratic Bézier curves.

    Each curve (3 control points) is approximated by `pieces` straight segments, and the
    distance to a segment is the distance to its closest point; all in one array expression.
    """
    t = np.linspace(0.0, 1.0, pieces + 1)[:, None]
    p0, p1, p2 = controls[:, 0, None], controls[:, 1, None], controls[:, 2, None]
    points = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2  # (curves, pieces+1, 2)
    starts = points[:, :-1].reshape(-1, 2)
    ends = points[:, 1:].reshape(-1, 2)
    along = ends - starts  # (segments, 2)
    rel = pixels[:, None, :] - starts[None]  # (pixels, segments, 2)
    length2 = np.maximum((along**2).sum(-1), 1e-9)
    s = np.clip((rel * along).sum(-1) / length2, 0.0, 1.0)
    nearest = rel - s[..., None] * along
    return np.sqrt((nearest**2).sum(-1)).min(axis=1)


def _all_shifts(templates: np.ndarray) -> np.ndarray:
    """Every template moved by every (dy, dx) within MAX_SHIFT: (2S+1, 2S+1, classes, H, W)."""
    span = range(-MAX_SHIFT, MAX_SHIFT + 1)
    # np.roll is a true shift here because the template margins are empty.
    return np.stack([
        np.stack([np.roll(templates, (dy, dx), axis=(1, 2)) for dx in span]) for dy in span
    ])


def _sample(shifted: np.ndarray, n: int, rng: np.random.Generator):
    """`n` noisy, shifted, dimmed template copies with balanced labels: (images, labels)."""
    classes = shifted.shape[2]
    labels = rng.permutation(np.arange(n) % classes).astype(np.uint8)
    dy, dx = rng.integers(0, 2 * MAX_SHIFT + 1, size=(2, n))
    brightness = rng.uniform(0.7, 1.0, size=(n, 1, 1)).astype(np.float32)
    images = shifted[dy, dx, labels] * (255.0 * brightness)
    images += rng.normal(0.0, NOISE, size=images.shape).astype(np.float32)
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels

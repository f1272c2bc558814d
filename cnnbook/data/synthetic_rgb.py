"""Synthetic colour look-alikes (tiny-imagenet-10): a coloured shape per class on a striped ground."""

import zlib

import numpy as np

from . import catalog

# Bump when the generator changes, so caches keyed on the dataset checksum are not reused.
VERSION = "synthetic-rgb-v1"
MIN_SIZE = 32  # smallest height or width the shapes are drawn for
NOISE = 14.0  # standard deviation of the pixel noise, on the 0..255 scale
STRIPES = ((1, 0), (0, 1), (1, 1), (1, -1), (2, 1), (1, 2), (2, -1), (1, -2), (3, 1), (1, 3))
SHAPES = (
    "disc", "square", "triangle", "ring", "cross", "diamond", "bars", "ellipse", "corner", "dots",
)


def supports(shape: tuple[int, ...]) -> bool:
    """True for (H, W, 3) with H and W at least MIN_SIZE."""
    return len(shape) == 3 and shape[2] == 3 and min(shape[:2]) >= MIN_SIZE


def colour_like(info: catalog.DatasetInfo, n_train: int, n_test: int, seed: int):
    """`(x_train, y_train, x_test, y_test)` with (N, H, W, 3) uint8 images and balanced labels.

    Class c is one of SHAPES in its own colour on a ground of another colour with stripes of
    its own angle and period; a sample is its class picture moved by up to a tenth of the
    image each way, with its colours jittered and noise added. The same arguments always
    give byte-identical arrays, and the test split does not depend on n_train.
    """
    templates = _templates(info)
    key = zlib.crc32(info.name.encode())
    x_train, y_train = _sample(templates, n_train, np.random.default_rng([seed, key, 0]))
    x_test, y_test = _sample(templates, n_test, np.random.default_rng([seed, key, 1]))
    return x_train, y_train, x_test, y_test


def _templates(info: catalog.DatasetInfo) -> np.ndarray:
    """One picture per class, (classes, H, W, 3) float32 in 0..1."""
    height, width, _ = info.image_shape
    size = min(height, width)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    # Shape coordinates: centred, in units of the shape radius.
    u, v = (x + 0.5 - width / 2) / (0.25 * size), (y + 0.5 - height / 2) / (0.25 * size)
    pictures = []
    classes = len(info.class_names)
    for label in range(classes):
        shape = SHAPES[label % len(SHAPES)]
        ink = np.clip(0.5 - _signed_distance(shape, u, v) * 0.25 * size, 0.0, 1.0)[..., None]
        fore = _hsv(label / classes, 0.85, 0.95)
        back = _hsv((label / classes + 0.45) % 1.0, 0.5, 0.55)
        # Stripes with a whole number of cycles across the image, so np.roll shifts them seamlessly.
        a, b = STRIPES[label % len(STRIPES)]
        cycles = (4, 8)[label % 2]
        phase = 2 * np.pi * cycles * (a * x / width + b * y / height)
        ground = back * (0.8 + 0.2 * np.sin(phase))[..., None]
        pictures.append(ink * fore + (1 - ink) * ground)
    return np.stack(pictures).astype(np.float32)


def _signed_distance(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Approximate distance to the edge of `shape` (negative inside), in shape radii."""
    r = np.hypot(u, v)
    if shape == "disc":
        return r - 1.0
    if shape == "square":
        return np.maximum(abs(u), abs(v)) - 0.85
    if shape == "triangle":
        return np.maximum.reduce([v - 0.8, -0.866 * u - 0.5 * v - 0.45, 0.866 * u - 0.5 * v - 0.45])
    if shape == "ring":
        return abs(r - 0.8) - 0.25
    if shape == "cross":
        across = np.maximum(abs(u) - 1.0, abs(v) - 0.3)
        return np.minimum(across, np.maximum(abs(u) - 0.3, abs(v) - 1.0))
    if shape == "diamond":
        return (abs(u) + abs(v)) / 1.2 - 1.0
    if shape == "bars":
        return np.maximum(abs(abs(v) - 0.55) - 0.22, abs(u) - 1.0)
    if shape == "ellipse":
        return np.hypot(u / 1.15, v / 0.55) - 1.0
    if shape == "corner":
        foot = np.maximum(abs(u) - 1.0, abs(v - 0.7) - 0.3)
        return np.minimum(foot, np.maximum(abs(u + 0.7) - 0.3, abs(v) - 1.0))
    # "dots": four small discs
    return np.hypot(abs(u) - 0.55, abs(v) - 0.55) - 0.35


def _hsv(hue: float, saturation: float, value: float) -> np.ndarray:
    """An RGB colour (3,) in 0..1 from hue, saturation and value."""
    k = (np.array([5.0, 3.0, 1.0]) + hue * 6) % 6
    return value - value * saturation * np.clip(np.minimum(k, 4 - k), 0, 1)


def _sample(templates: np.ndarray, n: int, rng: np.random.Generator):
    """`n` shifted, colour-jittered, noisy copies of the class pictures: (images, labels)."""
    classes, height, width, _ = templates.shape
    labels = rng.permutation(np.arange(n) % classes).astype(np.uint8)
    reach = min(height, width) // 10
    dy, dx = rng.integers(-reach, reach + 1, size=(2, n))
    rows = (np.arange(height)[None] - dy[:, None]) % height  # np.roll, done as a gather
    cols = (np.arange(width)[None] - dx[:, None]) % width
    images = templates[labels[:, None, None], rows[:, :, None], cols[:, None, :]]
    gain = rng.uniform(0.75, 1.0, size=(n, 1)) * rng.uniform(0.9, 1.1, size=(n, 3))
    images *= (255.0 * gain).astype(np.float32)[:, None, None, :]
    images += NOISE * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels

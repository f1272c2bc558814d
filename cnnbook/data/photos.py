"""Two colour photos that ship inside scikit-image (CC0): nothing is downloaded.

`chelsea` is the cat of the "Keras and cats" article's kind of picture, used at its own size,
300×451×3. `coffee` (400×600×3) is the contrast: smooth porcelain and coarse wood grain. It is
cut to the cat's size around its centre, so every shape the pages print holds for both photos.
Each photo's pixels are pinned by SHA-256: a scikit-image release that changed a picture would
change every figure, so it is an error, never a silent new result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from cnnbook.errors import DataError

# SHA-256 of the pixels (uint8, C order) as scikit-image 0.26 returns them.
PINNED_SHA256 = {
    "chelsea": "416b729128bfb2c3d1eb69bf9b1734a796293abc17939267b2dc94f8a5784031",
    "coffee": "0ce2b51640b9c95f19617f03eabf40c3f0368589cc1ee1190b70966165ac184f",
}
CREDITS = {  # from scikit-image's own documentation of each photo
    "chelsea": "Chelsea the cat, photographed by Stéfan van der Walt (CC0), shipped as `skimage.data.chelsea`",
    "coffee": "a coffee cup at Pikolo Espresso Bar, photographed by Rachel Michetti (CC0), shipped as "
              "`skimage.data.coffee`",
}
CAT = "chelsea"


@dataclass(frozen=True, eq=False)
class Photo:
    """One photo as a network sees it."""

    slug: str
    caption: str
    pixels: np.ndarray = field(repr=False)  # (H, W, 3) uint8
    original_shape: tuple[int, ...]  # before any crop
    credit: str

    @property
    def x(self) -> np.ndarray:
        """The pixels as float32 in 0..1 (H, W, 3): the network's input."""
        return self.pixels.astype(np.float32) / 255.0


def _load(slug: str) -> np.ndarray:
    try:
        import skimage.data
    except ImportError:
        raise DataError("the photos need scikit-image (a dependency of cnnbook): "
                        "reinstall with `make .venv/.installed` or `pip install -e .`") from None
    pixels = np.ascontiguousarray(getattr(skimage.data, slug)())
    digest = hashlib.sha256(pixels.tobytes()).hexdigest()
    if digest != PINNED_SHA256[slug]:
        raise DataError(f"skimage.data.{slug}() returned other pixels than the pinned photo (sha256 {digest[:16]}…, "
                        f"expected {PINNED_SHA256[slug][:16]}…): install the scikit-image version pyproject.toml asks for")
    return pixels


def centre_crop(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """The middle height×width of an image."""
    h, w = pixels.shape[:2]
    if h < height or w < width:
        raise ValueError(f"cannot cut {height}×{width} out of a {h}×{w} image")
    top, left = (h - height) // 2, (w - width) // 2
    return pixels[top : top + height, left : left + width]


def photos() -> dict[str, Photo]:
    """The cat at its own size, then the coffee cup cut to the same size around its centre."""
    cat = _load(CAT)
    coffee = _load("coffee")
    h, w = cat.shape[:2]
    return {
        CAT: Photo(CAT, f"the cat ({h}×{w})", cat, cat.shape, CREDITS[CAT]),
        "coffee": Photo("coffee", f"the coffee cup ({h}×{w} cut from the middle of {coffee.shape[0]}×{coffee.shape[1]})",
                        centre_crop(coffee, h, w), coffee.shape, CREDITS["coffee"]),
    }


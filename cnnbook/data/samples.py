"""CNN Explainer's 20 sample images (`<data_dir>/cnn-explainer/img/*.jpeg`), as the network sees them.

How CNN Explainer turns an image into the network's input (src/utils/cnn-tf.js,
`getInputImageArray` and `imageDataTo3DTensor`): the browser decodes the JPEG, draws it at
its own size onto a canvas with `drawImage(img, 0, 0)`, reads the RGBA bytes back with
`getImageData`, drops alpha and divides by 255, giving a 64×64×3 NHWC tensor in 0..1 with no
mean subtraction; a batch of one goes to the model. Pillow's decode of all 20 samples is
byte-identical to Chromium's canvas (checked), and grayscale JPEGs (panda_3) come out with
R = G = B in both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnnbook.errors import DataError
from .locations import data_dir

SIZE = 64  # Tiny VGG's input is SIZE×SIZE×3
DATASET = "tiny-imagenet-10"  # the dataset whose classes the samples show

# The samples are named after their class: "espresso_1", "panda_2", …
SAMPLE_CLASSES = {"boat": "lifeboat", "bug": "ladybug", "pizza": "pizza", "pepper": "bell pepper",
                  "bus": "school bus", "koala": "koala", "espresso": "espresso", "panda": "red panda",
                  "orange": "orange", "car": "sport car"}

_WHERE_FROM = (
    "The samples come from the poloclub/cnn-explainer repository (public/assets/img/*.jpeg); put them "
    "into {folder}, or set CNNBOOK_DATA_DIR to a folder that holds cnn-explainer/img/."
)


def sample_class(name: str) -> str:
    """The class a sample shows, from its name ("espresso_1" → "espresso")."""
    from cnnbook.errors import UnknownNameError

    stem = name.split("_")[0]
    if stem not in SAMPLE_CLASSES:
        raise UnknownNameError(f"unknown sample {name!r}; samples are named after: {', '.join(SAMPLE_CLASSES)}")
    return SAMPLE_CLASSES[stem]


def present_samples(dataset: str) -> dict[str, np.ndarray]:
    """{name: pixels} of the samples in the data folder that show `dataset`'s classes ({} when none)."""
    folder = samples_dir()
    if dataset != DATASET or not folder.is_dir():
        return {}
    return {name: load_sample(name) for name in sorted(p.stem for p in folder.glob("*.jpeg") if p.is_file())}


def extras_digest() -> str | None:
    """A SHA-256 of CNN Explainer's files in the data folder (samples and published weights), or None.

    Pages show them only when present, so their presence is part of what captures depend on.
    """
    import hashlib

    folder = data_dir() / "cnn-explainer"
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def samples_dir() -> Path:
    """Where the sample images live: `<data_dir>/cnn-explainer/img/`."""
    return data_dir() / "cnn-explainer" / "img"


def sample_names() -> list[str]:
    """The samples' names (file stems, e.g. "espresso_1"), sorted; DataError when there are none."""
    folder = samples_dir()
    names = sorted(path.stem for path in folder.glob("*.jpeg") if path.is_file()) if folder.is_dir() else []
    if not names:
        state = "holds no *.jpeg images" if folder.is_dir() else "is missing"
        raise DataError(f"{folder} {state}. " + _WHERE_FROM.format(folder=folder))
    return names


def load_sample(name: str) -> np.ndarray:
    """Sample `name` (e.g. "espresso_1") as a (64, 64, 3) uint8 RGB array.

    Pixels as CNN Explainer's canvas reads them; `to_input` scales them for the network.
    Raises DataError naming the file when it is missing or not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    if not name or Path(name).name != name or name in (".", ".."):
        raise DataError(f"{name!r} is not a sample name; sample names are file stems such as 'espresso_1'.")
    folder = samples_dir()
    path = folder / f"{name}.jpeg"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.jpeg")) if folder.is_dir() else []
        listing = f" Known samples: {', '.join(known)}." if known else " " + _WHERE_FROM.format(folder=folder)
        raise DataError(f"{path} is missing: there is no sample {name!r}.{listing}")
    try:
        with Image.open(path) as image:
            image.load()
            # Grayscale, CMYK or palette files become RGB, as drawing them onto a canvas does.
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable image ({exc}); it is damaged. Replace it with a fresh "
                        "copy from public/assets/img/ of the poloclub/cnn-explainer repository.") from None
    if image.size != (SIZE, SIZE):
        # All of CNN Explainer's samples are 64×64 already. For a user's larger image
        # CNN Explainer instead scales the shorter side to 65 pixels (canvas drawImage, the
        # browser's smoothing) and crops the central 64×64; an image smaller than 64 is not
        # handled there. Here such an image is simply resized to 64×64 (aspect not kept).
        image = image.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.uint8).copy()


def to_input(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (N, H, W, 3) uint8 pixels → float32 NHWC batch in 0..1 (pixels / 255), as CNN Explainer feeds it."""
    x = (np.asarray(pixels, dtype=np.float64) / 255.0).astype(np.float32)  # JS divides in float64
    return x[None] if x.ndim == 3 else x

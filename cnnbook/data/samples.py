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

import warnings
from pathlib import Path

import numpy as np

from cnnbook.errors import DataError
from .locations import data_dir

SIZE = 64  # Tiny VGG's input is SIZE×SIZE×3
DATASET = "tiny-imagenet-10"  # the dataset whose classes the samples show

# SHA-256 of CNN Explainer's published files (poloclub/cnn-explainer, public/assets/), as
# for the datasets: a changed weight or photo is an error, never a silent new result.
PINNED_SHA256 = {
    "img/boat_1.jpeg": "767cd685408cfd255c3486edb017bd75ab4097beb478826f780617f4f603d75f",
    "img/bug_1.jpeg": "02f52ceeb1e5edc8f7b1162966021b9d157ea6f83277de54b9586f7a8354f938",
    "img/bug_3.jpeg": "ad4cdbde1c63db2edbf287501e50fef41c7036d092addaa5527e305dfa79f060",
    "img/bus_1.jpeg": "ff7ccbdb78b5da7c791378f02d3cc6d3e79d9bb4dc47d68898234da55376ec14",
    "img/bus_2.jpeg": "5e3ed877d90c2a4771de7020a0305ee6ee5dc86c8a54bcd165ff396781444aba",
    "img/car_1.jpeg": "469384feee8381213dc8b52503fc42ab4708cdf452bcf219335538f5a03647d7",
    "img/espresso_1.jpeg": "9307c85667470cdb22557ebcf77a573dac5df83e360b6e339f47627b5871b3df",
    "img/koala_1.jpeg": "7d159407825f48c16bcd5293d21ed5064306c4d32dfcda64c52b3a3bc5b20365",
    "img/koala_2.jpeg": "774b0ed1a6f34f882c6bad788879bfebd0f771282ff5440e9d1ed2ccfd2f36c9",
    "img/koala_3.jpeg": "de99125be09f333a4fa57535375b9defc6d661acce1c9aefaaa302dc9326cb07",
    "img/orange_1.jpeg": "ac1e3266da220b12f62098f91146a7b22417f3b32bdc3547c091cb82721cf5d8",
    "img/orange_3.jpeg": "e25ba8f59e051b7e9ed7b6b12316b81735c447e07ab58575c5dd2d69e9912b4f",
    "img/panda_1.jpeg": "aa027684fb8ca5c3faf6dfcf0152bdeb06865aa4eb5da7e18004ba4d344d6273",
    "img/panda_2.jpeg": "b9f78292b29df2ecb13d5bebf3f4d4f73c87957ee63eb812ec6bcd3e8d174077",
    "img/panda_3.jpeg": "41314470054cf09e7f91ab07b8d1b7a55cf138edcf523538f574054bce8afc55",
    "img/panda_5.jpeg": "b4e4d4403bdc9f65553aa85d12aeb46d258cff97d76b031846cbc03fa1651a99",
    "img/pepper_1.jpeg": "074afc1c4b93b7b9e6489e320d9f4656f8f00e12ef4a2f2157f61c8668a0e25e",
    "img/pepper_2.jpeg": "5e24a9b9f9f2ea58def8a04f395cf7abd26e06c9007d33d00f9ec00886fe68f3",
    "img/pizza_1.jpeg": "2508a03666aea814c2e51ec82265388c14e430773da7a6e43e7256b4162922d3",
    "img/pizza_2.jpeg": "6adeb1124e2ec3b726a1ce6951ff0457fdd1306521443679cc88ec28f1870303",
    "model/group1-shard1of1.bin": "306666f2a1cc2a0a8f7b3422617daac5ecdca20c707ab44b721522be1fe3f630",
    "model/model.json": "85706d2d99841eb6270ddbf912bcf43c4d1bf76bc68a0a56af49561a69589627",
}
SAMPLE_NAMES = tuple(sorted(Path(k).stem for k in PINNED_SHA256 if k.startswith("img/")))
MAX_PIXELS = 4096 * 4096  # far above a 64×64 sample; a larger file is refused before decoding

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


def verify_published(relative: str) -> Path:
    """The path of one of CNN Explainer's files under `<data_dir>/cnn-explainer/`, checked against its pin.

    A file that is present but differs (damaged, truncated, empty, or another version) is a
    DataError that names it: it is never used under the real name.
    """
    import hashlib

    path = data_dir() / "cnn-explainer" / relative
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != PINNED_SHA256[relative]:
        raise DataError(f"{path} is not CNN Explainer's {relative} (its SHA-256 is {digest[:16]}…, expected "
                        f"{PINNED_SHA256[relative][:16]}…): it is damaged or another version. Replace it with a "
                        "fresh copy from public/assets/ of the poloclub/cnn-explainer repository, or remove it.")
    return path


def present_samples(dataset: str) -> dict[str, np.ndarray]:
    """{name: pixels} of CNN Explainer's samples in the data folder, each checked against its pin.

    Only for `dataset`'s classes ({} otherwise, or when the folder is absent). A damaged sample
    is an error; a file that is not one of the 20 samples is left out with a warning.
    """
    folder = samples_dir()
    if dataset != DATASET or not folder.is_dir():
        return {}
    found = sorted(p.stem for p in folder.glob("*.jpeg") if p.is_file())
    for stranger in (n for n in found if n not in SAMPLE_NAMES):
        print(f"warning: {folder / stranger}.jpeg is not one of CNN Explainer's samples; left out", flush=True)
    present = [n for n in found if n in SAMPLE_NAMES]
    for name in present:
        verify_published(f"img/{name}.jpeg")
    return {name: load_sample(name) for name in present}


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, do not decode
            image = Image.open(path)
        with image:
            if image.width * image.height > MAX_PIXELS:
                raise DataError(f"{path} is {image.width}×{image.height} pixels; a sample is 64×64 (at most "
                                f"{MAX_PIXELS:,} pixels are read). Replace it with CNN Explainer's own file.")
            image.load()
            # Grayscale, CMYK or palette files become RGB, as drawing them onto a canvas does.
            image = image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(f"{path} is too large to be a sample ({exc}); a sample is 64×64 pixels.") from None
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

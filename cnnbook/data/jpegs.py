"""Decode a verified JPEG folder into uint8 arrays, cached in an .npz keyed by its digest."""

import hashlib
import os
import pickle
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from .catalog import TinyImageNetInfo
from .errors import DataError
from .jpegfolder import SPLITS, Scan, ordered

CACHE_VERSION = "decoded-v1"  # bump when decoding changes; the file name changes with it
CACHE = f"{CACHE_VERSION}.npz"
FIELDS = ("key", "x_train", "y_train", "train_files", "x_test", "y_test", "test_files")


def load_arrays(info: TinyImageNetInfo, found: Scan) -> tuple[np.ndarray, ...]:
    """`(x_train, y_train, x_test, y_test)` of a folder whose digest has been checked.

    Images are (N, H, W, 3) uint8 (greyscale files converted to RGB), sorted by class index,
    then file name. The decoded arrays are cached in <folder>/decoded-v1.npz; a cache that
    is unreadable or was made from other files is ignored and rewritten, never trusted.
    """
    files, labels = {}, {}
    for split in SPLITS:
        paths, split_labels = ordered(info, found, split)
        stray = [p for p, label in zip(paths, split_labels) if label < 0]
        if stray:
            raise DataError(
                f"{stray[0]} is in a folder that is none of the {len(info.wnids)} classes of "
                f"{info.name} ({', '.join(info.wnids)}). Remove it."
            )
        files[split] = np.array([p.relative_to(found.folder).as_posix() for p in paths], dtype=str)
        labels[split] = np.array(split_labels, dtype=np.uint8)
    expected = {"key": np.array(cache_key(info, found.digest))}
    for split in SPLITS:
        expected[f"y_{split}"] = labels[split]
        expected[f"{split}_files"] = files[split]

    path = found.folder / CACHE
    cached = _read_cache(path, expected, info.image_shape)
    if cached is None:
        cached = dict(expected)
        for split in SPLITS:
            paths = [found.folder / rel for rel in files[split]]
            cached[f"x_{split}"] = decode(paths, info.image_shape)
        _write_cache(path, cached)
    return cached["x_train"], cached["y_train"], cached["x_test"], cached["y_test"]


def cache_key(info: TinyImageNetInfo, digest: str) -> str:
    """What a cache must have been made from: decoder version, JPEG digest, class order."""
    text = f"{CACHE_VERSION}\n{digest}\n{' '.join(info.wnids)}\n{info.image_shape}"
    return hashlib.sha256(text.encode()).hexdigest()


def decode(paths: list[Path], shape: tuple[int, int, int]) -> np.ndarray:
    """The images in `paths` as one (N, H, W, 3) uint8 array; DataError naming a bad file."""
    height, width, _ = shape
    images = np.empty((len(paths), *shape), dtype=np.uint8)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                rgb = image.convert("RGB")  # a few Tiny ImageNet files are greyscale
        except (OSError, ValueError, Image.DecompressionBombError) as err:
            raise DataError(
                f"{path} cannot be decoded as an image ({err}). It is damaged: delete the "
                f"dataset folder {path.parents[2]} and load it again to get a fresh copy."
            ) from err
        if rgb.size != (width, height):
            raise DataError(
                f"{path} is {rgb.size[0]}x{rgb.size[1]} pixels, expected {width}x{height}. "
                f"It is not from this dataset: delete the dataset folder {path.parents[2]} "
                f"and load it again to get a fresh copy."
            )
        images[i] = np.asarray(rgb)
    return images


def _read_cache(path: Path, expected: dict, shape: tuple) -> dict | None:
    """The cached arrays if `path` holds exactly what `expected` describes, else None."""
    if not path.is_file():
        return None
    try:
        # Opened here, not by np.load, which leaks its file when the zip directory is bad.
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(FIELDS):
                raise ValueError(f"it holds {sorted(npz.files)}")
            arrays = {name: npz[name] for name in FIELDS}  # reading checks each member's CRC
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile,
            pickle.UnpicklingError) as err:
        _note(f"ignoring the damaged cache {path} ({err}); decoding the JPEGs again")
        return None
    for name, want in expected.items():
        if arrays[name].dtype != want.dtype or not np.array_equal(arrays[name], want):
            _note(f"ignoring the stale cache {path} (its {name} differs); decoding the JPEGs again")
            return None
    for split in SPLITS:
        x = arrays[f"x_{split}"]
        if x.dtype != np.uint8 or x.shape != (len(expected[f"y_{split}"]), *shape):
            _note(f"ignoring the damaged cache {path} (x_{split} is {x.dtype} {x.shape}); "
                  f"decoding the JPEGs again")
            return None
    return arrays


def _write_cache(path: Path, arrays: dict) -> None:
    """Write the cache atomically (temporary file, then rename); on failure just say so."""
    folder = path.parent
    # Root may write anywhere; a folder without write bits is meant to stay read-only
    # (a shared copy of the data), so nothing is added to it.
    if not (os.access(folder, os.W_OK) and folder.stat().st_mode & 0o222):
        _note(f"{folder} is read-only, so the decoded images are not cached there; loading "
              f"decodes the JPEGs each time (copy the folder somewhere writable to avoid it)")
        return
    tmp = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{name: arrays[name] for name in FIELDS})
        tmp.chmod(0o644)  # mkstemp makes files private; a cache of public data need not be
        os.replace(tmp, path)
    except OSError as err:
        _note(f"could not write the cache {path} ({err}); loading decodes the JPEGs each time")
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _note(message: str) -> None:
    """A one-line notice on stderr: caches never stop a build, but the reader should know."""
    print(f"cnnbook: {message}", file=sys.stderr)

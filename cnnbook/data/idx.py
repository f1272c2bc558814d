"""MNIST-style datasets: four gzipped IDX files each, fetched and checked by their SHA-256s.

catalog.DatasetInfo (mnist, fashion-mnist) dispatches its ensure, verify, checksum_lines
and load_arrays here; below them are the reader and writer of the IDX format itself.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnnbook.errors import DataError
from cnnbook.files import atomic_file
from .download import fetch, sha256_file
from .locations import dataset_dir

if TYPE_CHECKING:  # catalog imports this module to dispatch to it
    from .catalog import DatasetInfo


# --- the dataset interface (see catalog.DatasetInfo) ---------------------------------------------

def ensure(info: DatasetInfo) -> dict[str, Path]:
    """Make every file present and verified, downloading what is missing; {role: path}.

    With CNNBOOK_OFFLINE=1 nothing is downloaded and a missing file is a DataError that names it.
    """
    folder = dataset_dir(info.name)
    return {
        file.role: fetch(info.urls(file), folder / file.name, file.sha256,
                         desc=f"{info.name}/{file.name}")
        for file in info.files
    }


def verify(info: DatasetInfo) -> list[Path]:
    """Check that every file is in place with its pinned SHA-256; return their paths.

    Downloads nothing: raises DataError listing every missing or damaged file.
    """
    folder = dataset_dir(info.name)
    paths, problems = [], []
    for file in info.files:
        path = folder / file.name
        paths.append(path)
        if not path.is_file():
            problems.append(f"  {path}: missing (get it from {' or '.join(info.urls(file))})")
        elif (actual := sha256_file(path)) != file.sha256:
            problems.append(f"  {path}: SHA-256 is {actual}, expected {file.sha256}")
    if problems:
        raise DataError(
            f"dataset {info.name} in {folder} is incomplete or damaged:\n"
            + "\n".join(problems)
            + "\nDelete the damaged files and load the dataset with network access "
            f"(CNNBOOK_OFFLINE unset) to download them, or set CNNBOOK_DATA_DIR to a folder "
            f"that holds {info.name}/ with these files."
        )
    return paths


def checksum_lines(info: DatasetInfo, n_train: int | None, n_test: int | None) -> list[str]:
    """The pinned SHA-256s of the files, in catalogue order, plus the sizes when subsetting."""
    lines = [f"{file.name} {file.sha256}" for file in info.files]
    # Only when subsetting, so the full set's checksum depends on the files alone.
    sizes = (("n_train", n_train), ("n_test", n_test))
    return lines + [f"{key}={value}" for key, value in sizes if value is not None]


def load_arrays(
    info: DatasetInfo, n_train: int | None, n_test: int | None
) -> tuple[np.ndarray, ...]:
    """`(x_train, y_train, x_test, y_test)`, ensured first; n_train / n_test keep the first samples."""
    paths = ensure(info)
    x_train, y_train = _split(info, paths, "train")
    x_test, y_test = _split(info, paths, "test")
    return (
        _first(x_train, n_train), _first(y_train, n_train),
        _first(x_test, n_test), _first(y_test, n_test),
    )


def _split(info: DatasetInfo, paths: dict[str, Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one split's images and labels and check that they belong together."""
    images_path, labels_path = paths[f"{split}_images"], paths[f"{split}_labels"]
    images, labels = read_idx(images_path), read_idx(labels_path)
    fix = "Delete it and run again to download a fresh copy."
    if images.shape[1:] != info.image_shape:
        raise DataError(
            f"{images_path} holds samples of shape {images.shape[1:]}, "
            f"expected {info.image_shape}. {fix}"
        )
    if labels.ndim != 1:
        raise DataError(
            f"{labels_path} holds an array of shape {labels.shape}, "
            f"expected one label per sample. {fix}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels; "
            f"one of them is damaged or from another dataset. Delete both and run again."
        )
    if len(labels) and labels.max() >= len(info.class_names):
        raise DataError(
            f"{labels_path} has label {labels.max()}, but {info.name} has only "
            f"{len(info.class_names)} classes. {fix}"
        )
    return images, labels


def _first(array: np.ndarray, n: int | None) -> np.ndarray:
    """The first `n` samples (all when n is None), as a copy so the rest can be freed."""
    return array if n is None else array[:n].copy()


# --- the IDX format ------------------------------------------------------------------------------

# The third byte of the magic number names the element type; multi-byte types are big-endian.
# Images (magic 0x00000803) and labels (0x00000801) are both 0x08: unsigned bytes.
_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: Path) -> np.ndarray:
    """The array stored in a gzipped IDX file, e.g. (N, 28, 28) uint8 images or (N,) labels.

    The magic number gives the element type (third byte) and the number of dimensions
    (fourth byte); then come the dimensions as big-endian uint32, then the elements.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError as err:
        raise DataError(
            f"{path} does not exist. Download it again (run without CNNBOOK_OFFLINE)."
        ) from err
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        # EOFError: the gzip stream stops early, the usual sign of an interrupted download.
        raise DataError(
            f"{path} is not a complete gzip file ({err}). It is probably a truncated or "
            f"corrupt download: delete it and run again to fetch a fresh copy."
        ) from err
    except OSError as err:
        raise DataError(f"{path} cannot be read ({err}). Check the file and its permissions.") from err
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> np.ndarray:
    """Decode the bytes of a decompressed IDX file."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DataError(
            f"{path} is not an IDX file: its magic number is 0x{raw[:4].hex()}, expected "
            f"0x00000803 (images), 0x00000801 (labels) or another 0x0000TTNN. "
            f"Delete it and download it again."
        )
    dtype, ndim = _DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"{path} ends inside its IDX header ({len(raw)} bytes, the header needs {header}). "
            f"Delete it and download it again."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    count = math.prod(shape)
    expected, actual = count * dtype.itemsize, len(raw) - header
    if actual != expected:
        which = "shorter" if actual < expected else "longer"
        raise DataError(
            f"{path} is {which} than its header says: shape {shape} needs {expected} bytes of "
            f"data, the file has {actual}. Delete it and download it again."
        )
    # astype copies into native byte order, giving a writable array that owns its memory.
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write `array` as a gzipped IDX file (used by tests and to export data sets)."""
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in _DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        known = ", ".join(sorted(map(str, codes)))
        raise ValueError(f"IDX has no element type for {array.dtype}; use one of {known}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = array.astype(_DTYPES[code]).tobytes()
    # mtime=0 keeps the output byte-identical from run to run; `filename` is what the gzip
    # header records, the target's name rather than the temporary file's.
    with (
        atomic_file(path) as tmp,
        open(tmp, "wb") as f,
        gzip.GzipFile(filename=Path(path).name, fileobj=f, mode="wb", mtime=0) as gz,
    ):
        gz.write(header + payload)

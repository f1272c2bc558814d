"""Read and write gzipped IDX files, the array format MNIST and Fashion-MNIST ship in."""

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

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
    # mtime=0 keeps the output byte-identical from run to run.
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
        gz.write(header + payload)

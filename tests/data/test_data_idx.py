"""Tests for cnnbook.data.idx: reading gzipped IDX files and reporting damaged ones."""

import gzip
import struct

import numpy as np
import pytest

from cnnbook.errors import DataError
from cnnbook.data.idx import read_idx, write_idx


def gz(path, raw: bytes):
    """Write `raw` gzipped to `path` and return the path."""
    path.write_bytes(gzip.compress(raw))
    return path


def image_bytes(images: np.ndarray) -> bytes:
    """An IDX image file built by hand, independently of write_idx."""
    n, h, w = images.shape
    return struct.pack(">IIII", 0x00000803, n, h, w) + images.tobytes()


def test_reads_hand_built_images(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    result = read_idx(gz(tmp_path / "img.gz", image_bytes(images)))
    assert result.shape == (3, 28, 28) and result.dtype == np.uint8
    np.testing.assert_array_equal(result, images)
    assert result.flags.writeable


def test_reads_hand_built_labels(tmp_path):
    raw = struct.pack(">II", 0x00000801, 5) + bytes([5, 0, 4, 1, 9])
    result = read_idx(gz(tmp_path / "lab.gz", raw))
    assert result.dtype == np.uint8
    assert result.tolist() == [5, 0, 4, 1, 9]


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
def test_round_trip_every_element_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    write_idx(tmp_path / "a.gz", array)
    result = read_idx(tmp_path / "a.gz")
    assert result.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(result, array)


def test_generic_header_is_big_endian(tmp_path):
    raw = bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 2) + struct.pack(">hh", 258, -2)
    assert read_idx(gz(tmp_path / "s.gz", raw)).tolist() == [258, -2]


def test_write_rejects_unknown_type(tmp_path):
    with pytest.raises(ValueError):
        write_idx(tmp_path / "x.gz", np.zeros(3, dtype=np.complex64))


def test_truncated_gzip(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    data = gzip.compress(image_bytes(images))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz") as info:
        read_idx(path)
    assert "truncated" in str(info.value)


def test_corrupt_gzip_crc(tmp_path):
    data = bytearray(gzip.compress(b"\0\0\x08\x01\0\0\0\x01\x07"))
    data[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    path = tmp_path / "bad-crc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="bad-crc.gz"):
        read_idx(path)


def test_not_gzip_at_all(tmp_path):
    path = tmp_path / "page.gz"
    path.write_text("<html>Not Found</html>")
    with pytest.raises(DataError, match="page.gz"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing.gz"):
        read_idx(tmp_path / "nothing.gz")


@pytest.mark.parametrize("raw", [b"", b"\x00\x00", b"\x12\x34\x08\x01", b"\x00\x00\x42\x01"])
def test_bad_magic(tmp_path, raw):
    with pytest.raises(DataError, match=r"magic\.gz.*magic number"):
        read_idx(gz(tmp_path / "magic.gz", raw + b"\0" * 8))


def test_header_cut_short(tmp_path):
    with pytest.raises(DataError, match="header"):
        read_idx(gz(tmp_path / "h.gz", struct.pack(">IIII", 0x803, 1, 28, 28)[:10]))


def test_payload_shorter_than_header_says(tmp_path):
    raw = struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(28 * 28 * 2 - 1)
    with pytest.raises(DataError, match=r"short\.gz is shorter.*1568 bytes.*1567"):
        read_idx(gz(tmp_path / "short.gz", raw))


def test_payload_longer_than_header_says(tmp_path):
    raw = struct.pack(">II", 0x801, 3) + bytes(4)
    with pytest.raises(DataError, match="long.gz is longer"):
        read_idx(gz(tmp_path / "long.gz", raw))

"""Tests for cnnbook.data.load, dataset_checksum and verify, on a tiny fake dataset."""


import numpy as np
import pytest

from cnnbook import data
from cnnbook.data import catalog
from cnnbook.data.catalog import DataFile, DatasetInfo
from cnnbook.data.download import sha256_file
from cnnbook.errors import DataError
from cnnbook.data.idx import write_idx

NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def make_arrays(n_train=12, n_test=5):
    """Small random images (28x28 uint8) and labels 0..2, keyed by file role."""
    rng = np.random.default_rng(0)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 3, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 3, n_test, dtype=np.uint8),
    }


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A fake 3-class dataset "toy" whose only mirror is a local folder (file:// URLs).

    Returns (arrays by role, mirror folder). CNNBOOK_DATA_DIR points at an empty folder.
    """
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    arrays = make_arrays()
    files = []
    for role, name in NAMES.items():
        write_idx(mirror / name, arrays[role])
        files.append(DataFile(role, name, sha256_file(mirror / name)))
    info = DatasetInfo(
        name="toy",
        title="Toy",
        files=tuple(files),
        mirrors=(mirror.as_uri() + "/",),
        class_names=("a", "b", "c"),
        image_shape=(28, 28),
        source="made up for tests",
    )
    monkeypatch.setitem(catalog.CATALOG, "toy", info)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    return arrays, mirror


def test_load_downloads_and_reads(toy, tmp_path):
    arrays, _ = toy
    ds = data.load("toy")
    for role, field in [("train_images", "x_train"), ("train_labels", "y_train"),
                        ("test_images", "x_test"), ("test_labels", "y_test")]:
        np.testing.assert_array_equal(getattr(ds, field), arrays[role])
    assert ds.class_names == ("a", "b", "c") and not ds.synthetic
    assert ds.source == "made up for tests"
    assert sorted(p.name for p in (tmp_path / "data" / "toy").iterdir()) == sorted(NAMES.values())


def test_load_offline_from_existing_files(toy, monkeypatch):
    data.load("toy")
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    assert data.load("toy").x_train.shape == (12, 28, 28)


def test_load_offline_missing_file_names_it(toy, monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    with pytest.raises(DataError) as info:
        data.load("toy")
    expected = tmp_path / "data" / "toy" / "train-images-idx3-ubyte.gz"
    assert str(expected) in str(info.value)


def test_first_n_samples(toy):
    arrays, _ = toy
    ds = data.load("toy", n_train=4, n_test=2)
    np.testing.assert_array_equal(ds.x_train, arrays["train_images"][:4])
    np.testing.assert_array_equal(ds.y_test, arrays["test_labels"][:2])
    assert ds.checksum != data.dataset_checksum("toy")


def test_negative_size_rejected(toy):
    with pytest.raises(ValueError, match="n_train"):
        data.load("toy", n_train=-1)


def test_checksum_is_cheap_and_matches_load(toy, monkeypatch):
    # No files exist yet and the network is off: dataset_checksum must not need them.
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    full = data.dataset_checksum("toy")
    subset = data.dataset_checksum("toy", n_train=4)
    monkeypatch.delenv("CNNBOOK_OFFLINE")
    assert data.load("toy").checksum == full
    assert data.load("toy", n_train=4).checksum == subset
    assert len(full) == 64 and full != subset


def test_checksum_follows_pinned_hashes(toy, monkeypatch):
    before = data.dataset_checksum("toy")
    info = catalog.get("toy")
    changed = DataFile("test_labels", NAMES["test_labels"], "0" * 64)
    monkeypatch.setitem(catalog.CATALOG, "toy", DatasetInfo(
        info.name, info.title, info.files[:3] + (changed,), info.mirrors,
        info.class_names, info.image_shape, info.source,
    ))
    assert data.dataset_checksum("toy") != before


def test_real_checksums_differ_per_dataset():
    assert data.dataset_checksum("mnist") != data.dataset_checksum("fashion-mnist")


def test_verify(toy, tmp_path):
    with pytest.raises(DataError, match="missing"):
        data.verify("toy")
    data.load("toy")
    paths = data.verify("toy")
    assert [p.name for p in paths] == list(NAMES.values())
    damaged = tmp_path / "data" / "toy" / NAMES["train_labels"]
    damaged.write_bytes(b"oops")
    with pytest.raises(DataError) as info:
        data.verify("toy")
    assert str(damaged) in str(info.value)
    assert catalog.get("toy").file("train_labels").sha256 in str(info.value)


def test_corrupt_download_replaced_when_online(toy, tmp_path):
    data.load("toy")
    path = tmp_path / "data" / "toy" / NAMES["train_images"]
    path.write_bytes(path.read_bytes()[:100])
    assert data.load("toy").x_train.shape == (12, 28, 28)
    data.verify("toy")


def test_truncated_pinned_file_reported(toy, monkeypatch):
    # A mirror whose pinned file is itself a truncated gzip: read_idx must name it.
    _, mirror = toy
    path = mirror / NAMES["test_images"]
    path.write_bytes(path.read_bytes()[:-30])
    info = catalog.get("toy")
    files = tuple(DataFile(f.role, f.name, sha256_file(mirror / f.name)) for f in info.files)
    monkeypatch.setitem(catalog.CATALOG, "toy", DatasetInfo(
        info.name, info.title, files, info.mirrors, info.class_names, info.image_shape, info.source,
    ))
    with pytest.raises(DataError, match=NAMES["test_images"]):
        data.load("toy")


def test_count_mismatch(toy, monkeypatch):
    _, mirror = toy
    write_idx(mirror / NAMES["train_labels"], np.zeros(11, dtype=np.uint8))
    info = catalog.get("toy")
    files = tuple(DataFile(f.role, f.name, sha256_file(mirror / f.name)) for f in info.files)
    monkeypatch.setitem(catalog.CATALOG, "toy", DatasetInfo(
        info.name, info.title, files, info.mirrors, info.class_names, info.image_shape, info.source,
    ))
    with pytest.raises(DataError, match=r"12 images.*11 labels"):
        data.load("toy")


def test_label_out_of_range(toy, monkeypatch):
    _, mirror = toy
    write_idx(mirror / NAMES["test_labels"], np.full(5, 7, dtype=np.uint8))
    info = catalog.get("toy")
    files = tuple(DataFile(f.role, f.name, sha256_file(mirror / f.name)) for f in info.files)
    monkeypatch.setitem(catalog.CATALOG, "toy", DatasetInfo(
        info.name, info.title, files, info.mirrors, info.class_names, info.image_shape, info.source,
    ))
    with pytest.raises(DataError, match="label 7"):
        data.load("toy")


def test_unknown_dataset():
    with pytest.raises(DataError) as info:
        data.load("imagenet")
    assert "mnist" in str(info.value) and "fashion-mnist" in str(info.value)


def test_synthetic_load(monkeypatch, tmp_path):
    # Synthetic data touches neither the data folder nor the network.
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    ds = data.load("fashion-mnist", synthetic=True, n_train=100, n_test=20, seed=1)
    assert ds.synthetic and ds.x_train.shape == (100, 28, 28) and ds.y_test.shape == (20,)
    assert ds.class_names[9] == "Ankle boot"
    assert "synthetic" in ds.source
    assert ds.checksum == data.dataset_checksum("fashion-mnist", True, n_train=100, n_test=20, seed=1)
    assert ds.checksum != data.dataset_checksum("fashion-mnist", True, n_train=100, n_test=20, seed=2)
    assert ds.checksum != data.dataset_checksum("fashion-mnist")
    assert not (tmp_path / "absent").exists()
    assert "x_train" not in repr(ds)  # arrays are left out of the repr


def test_synthetic_defaults(monkeypatch):
    ds = data.load("mnist", synthetic=True)
    assert len(ds.x_train) == data.SYNTHETIC_TRAIN and len(ds.x_test) == data.SYNTHETIC_TEST
    assert ds.checksum == data.dataset_checksum("mnist", synthetic=True)


def test_dataset_is_frozen():
    ds = data.load("mnist", synthetic=True, n_train=10, n_test=10)
    with pytest.raises(AttributeError):
        ds.name = "other"

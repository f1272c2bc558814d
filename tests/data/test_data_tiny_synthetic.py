"""Tests for the synthetic colour look-alike of tiny-imagenet-10 (tests and the smoke profile)."""

import time

import numpy as np
import pytest
from conftest import nearest_mean_accuracy

from cnnbook import data
from cnnbook.data import catalog, synthetic_rgb
from cnnbook.errors import DataError
from cnnbook.data.synthetic import synthetic_like, version

NAME = "tiny-imagenet-10"


def test_shapes_and_dtypes():
    x_train, y_train, x_test, y_test = synthetic_like(NAME, n_train=120, n_test=30)
    assert x_train.shape == (120, 64, 64, 3) and x_test.shape == (30, 64, 64, 3)
    assert y_train.shape == (120,) and y_test.shape == (30,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [12] * 10  # balanced classes
    assert 40 < x_train.mean() < 180 and x_train.std() > 30  # a photo-like range, not flat


def test_load_synthetic_touches_no_files(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    ds = data.load(NAME, synthetic=True, n_train=100, n_test=20, seed=2)
    assert ds.synthetic and ds.x_train.shape == (100, 64, 64, 3) and ds.y_test.shape == (20,)
    assert ds.class_names[3] == "bell pepper"
    assert "synthetic" in ds.source and synthetic_rgb.VERSION in ds.source
    assert ds.checksum == data.dataset_checksum(NAME, True, n_train=100, n_test=20, seed=2)
    assert ds.checksum != data.dataset_checksum(NAME, True, n_train=100, n_test=20, seed=3)
    assert not (tmp_path / "absent").exists()


def test_versions():
    assert version(NAME) == synthetic_rgb.VERSION
    assert version("mnist") == version("fashion-mnist") == "synthetic-v1"  # unchanged


def test_deterministic_byte_for_byte():
    a = synthetic_like(NAME, 200, 50, seed=4)
    b = synthetic_like(NAME, 200, 50, seed=4)
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]
    assert not np.array_equal(a[0], synthetic_like(NAME, 200, 50, seed=5)[0])


def test_test_split_does_not_depend_on_train_size():
    _, _, x_a, y_a = synthetic_like(NAME, 10, 40)
    _, _, x_b, y_b = synthetic_like(NAME, 300, 40)
    np.testing.assert_array_equal(x_a, x_b)
    np.testing.assert_array_equal(y_a, y_b)


def test_empty_splits():
    x_train, y_train, _, _ = synthetic_like(NAME, 0, 5)
    assert x_train.shape == (0, 64, 64, 3) and y_train.shape == (0,)


def test_fast():
    synthetic_like(NAME, 10, 10)  # first-call costs (imports, allocator) are not the generator's
    start = time.perf_counter()
    synthetic_like(NAME, 1000, 0)
    assert time.perf_counter() - start < 1.0


def test_samples_vary_within_a_class():
    x, y, _, _ = synthetic_like(NAME, 200, 0)
    same = x[y == 0].astype(np.float32)
    assert np.abs(same[0] - same[1]).mean() > 5  # shifted, re-coloured, noisy copies


def test_learnable_by_nearest_class_mean():
    assert nearest_mean_accuracy(*synthetic_like(NAME, 1000, 300)) > 0.6


def test_small_colour_shapes_are_refused(monkeypatch):
    info = catalog.DatasetInfo("thumb", "Thumbs", (), (), tuple("abc"), (16, 16, 3), "made up")
    monkeypatch.setitem(catalog.CATALOG, "thumb", info)
    with pytest.raises(DataError, match=r"thumb.*\(16, 16, 3\)"):
        synthetic_like("thumb", 4, 4)


def test_other_colour_sizes(monkeypatch):
    info = catalog.DatasetInfo("wide", "Wide", (), (), tuple("abcd"), (32, 48, 3), "made up")
    monkeypatch.setitem(catalog.CATALOG, "wide", info)
    x, y, _, _ = synthetic_like("wide", 8, 0)
    assert x.shape == (8, 32, 48, 3) and sorted(set(y.tolist())) == [0, 1, 2, 3]

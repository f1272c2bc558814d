"""Tests for cnnbook.data.synthetic: look-alike datasets for tests and smoke builds."""

import time

import numpy as np
import pytest
from conftest import nearest_mean_accuracy

from cnnbook.data import catalog
from cnnbook.errors import DataError
from cnnbook.data.synthetic import synthetic_like


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_shapes_and_dtypes(name):
    x_train, y_train, x_test, y_test = synthetic_like(name, n_train=120, n_test=30)
    assert x_train.shape == (120, 28, 28) and x_test.shape == (30, 28, 28)
    assert y_train.shape == (120,) and y_test.shape == (30,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert set(np.unique(y_train)) == set(range(10))
    assert np.bincount(y_train).tolist() == [12] * 10  # balanced classes
    assert 10 < x_train.mean() < 80  # dark background, bright strokes, as in MNIST


def test_deterministic_byte_for_byte():
    a = synthetic_like("mnist", 300, 100, seed=3)
    b = synthetic_like("mnist", 300, 100, seed=3)
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]


def test_seed_and_name_change_the_data():
    base = synthetic_like("mnist", 50, 10, seed=0)[0]
    assert not np.array_equal(base, synthetic_like("mnist", 50, 10, seed=1)[0])
    assert not np.array_equal(base, synthetic_like("fashion-mnist", 50, 10, seed=0)[0])


def test_test_split_does_not_depend_on_train_size():
    _, _, x_a, y_a = synthetic_like("mnist", 10, 40)
    _, _, x_b, y_b = synthetic_like("mnist", 200, 40)
    np.testing.assert_array_equal(x_a, x_b)
    np.testing.assert_array_equal(y_a, y_b)


def test_empty_splits():
    x_train, y_train, _, _ = synthetic_like("mnist", 0, 5)
    assert x_train.shape == (0, 28, 28) and y_train.shape == (0,)


def test_fast():
    start = time.perf_counter()
    synthetic_like("mnist", 2000, 500)
    assert time.perf_counter() - start < 1.0


def test_learnable_by_nearest_class_mean():
    assert nearest_mean_accuracy(*synthetic_like("mnist", 2000, 500)) > 0.6


def test_only_greyscale_shapes(monkeypatch):
    info = catalog.DatasetInfo("rgb", "RGB", (), (), tuple("abc"), (8, 8, 3), "made up")
    monkeypatch.setitem(catalog.CATALOG, "rgb", info)
    with pytest.raises(DataError, match="rgb"):
        synthetic_like("rgb", 4, 4)


def test_unknown_name():
    with pytest.raises(DataError, match="known"):
        synthetic_like("nope")

"""Tests for cnnbook.data.catalog: the known datasets and how they are looked up."""

import re

import pytest

from cnnbook.data import catalog
from cnnbook.errors import DataError

ROLES = ["train_images", "train_labels", "test_images", "test_labels"]


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_entries_are_complete(name):
    info = catalog.get(name)
    assert info.name == name
    assert [f.role for f in info.files] == ROLES
    assert all(re.fullmatch(r"[0-9a-f]{64}", f.sha256) for f in info.files)
    assert len({f.sha256 for f in info.files}) == 4
    assert len(info.class_names) == 10 and info.image_shape == (28, 28)
    assert info.mirrors and all(m.startswith("http") and m.endswith("/") for m in info.mirrors)
    assert info.source


def test_mnist_details():
    info = catalog.get("mnist")
    assert info.class_names == tuple("0123456789")
    assert info.file("test_labels").name == "t10k-labels-idx1-ubyte.gz"
    assert info.urls(info.file("train_images"))[0] == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"
    )
    assert "LeCun" in info.source and "CC BY-SA 3.0" in info.source


def test_fashion_details():
    info = catalog.get("fashion-mnist")
    assert info.class_names[0] == "T-shirt/top" and info.class_names[9] == "Ankle boot"
    assert "Zalando" in info.source and "MIT" in info.source


def test_unknown_name_lists_known_ones():
    with pytest.raises(DataError) as info:
        catalog.get("cifar-10")
    assert "cifar-10" in str(info.value)
    assert "mnist" in str(info.value) and "fashion-mnist" in str(info.value)


def test_file_with_unknown_role():
    with pytest.raises(KeyError):
        catalog.get("mnist").file("validation_images")


def test_entries_can_be_injected(monkeypatch):
    fake = catalog.DatasetInfo("toy", "Toy", (), (), ("a", "b"), (2, 2), "made up")
    monkeypatch.setitem(catalog.CATALOG, "toy", fake)
    assert catalog.get("toy") is fake
    assert "toy" in catalog.names()

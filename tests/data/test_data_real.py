"""Tests on the real datasets in $CNNBOOK_DATA_DIR; skipped when it is not set."""

import os
from pathlib import Path

import numpy as np
import pytest

from cnnbook import data
from cnnbook.data import catalog

REAL_DIR = os.environ.get("CNNBOOK_DATA_DIR")
pytestmark = pytest.mark.skipif(
    not REAL_DIR, reason="CNNBOOK_DATA_DIR is not set: no real datasets to test against"
)

# name -> first train labels, first test labels (from the canonical files)
FIRST_LABELS = {
    "mnist": ([5, 0, 4, 1, 9], [7, 2, 1, 0, 4]),
    "fashion-mnist": ([9, 0, 0, 3, 0], [9, 2, 1, 1, 6]),
}


@pytest.fixture(params=sorted(FIRST_LABELS))
def name(request, monkeypatch):
    """Each real dataset present in CNNBOOK_DATA_DIR; never downloads anything."""
    if not (Path(REAL_DIR) / request.param).is_dir():
        pytest.skip(f"{request.param}/ is not in CNNBOOK_DATA_DIR={REAL_DIR}")
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    return request.param


def test_real_dataset(name):
    ds = data.load(name)
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.y_train.shape == (60000,) and ds.y_test.shape == (10000,)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.uint8
    train_first, test_first = FIRST_LABELS[name]
    assert ds.y_train[:5].tolist() == train_first
    assert ds.y_test[:5].tolist() == test_first
    assert np.bincount(ds.y_train).min() > 5000
    assert ds.checksum == data.dataset_checksum(name)


def test_real_files_verify(name):
    assert len(data.verify(name)) == 4


def test_pinned_hashes_match_sha256sums(name):
    sums = Path(REAL_DIR) / name / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip(f"no SHA256SUMS in {sums.parent}")
    listed = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line.strip())
    assert {f.name: f.sha256 for f in catalog.get(name).files} == listed

"""Tests on the real tiny-imagenet-10 in $CNNBOOK_DATA_DIR; skipped when it is not there."""

import dataclasses
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnbook import data
from cnnbook.data import catalog

NAME = "tiny-imagenet-10"
REAL_DIR = os.environ.get("CNNBOOK_DATA_DIR")
pytestmark = [
    pytest.mark.skipif(
        not REAL_DIR, reason="CNNBOOK_DATA_DIR is not set: no real tiny-imagenet-10 to test against"
    ),
    pytest.mark.skipif(
        bool(REAL_DIR) and not (Path(REAL_DIR or ".") / NAME).is_dir(),
        reason=f"{NAME}/ is not in CNNBOOK_DATA_DIR={REAL_DIR}",
    ),
]
GREY = "train/n01882714/n01882714_386.JPEG"  # a koala (class 5), stored greyscale


@pytest.fixture(scope="module")
def ds():
    """The real dataset, loaded once, offline (a read-only folder is decoded every time)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNBOOK_OFFLINE", "1")
        yield data.load(NAME)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")


def test_counts_and_shapes(ds):
    assert ds.x_train.shape == (5000, 64, 64, 3) and ds.x_test.shape == (500, 64, 64, 3)
    assert ds.y_train.shape == (5000,) and ds.y_test.shape == (500,)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.uint8
    assert np.bincount(ds.y_train).tolist() == [500] * 10
    assert np.bincount(ds.y_test).tolist() == [50] * 10
    assert (np.diff(ds.y_train.astype(int)) >= 0).all()  # sorted by class
    assert ds.checksum == data.dataset_checksum(NAME)
    # The mean pixel of all 5,500 images recorded in SOURCE.md.
    total = ds.x_train.sum(dtype=np.int64) + ds.x_test.sum(dtype=np.int64)
    assert round(total / (5500 * 64 * 64 * 3), 2) == 109.07


def test_greyscale_file_is_rgb(ds):
    paths = data.verify(NAME)
    index = [p.relative_to(p.parents[2]).as_posix() for p in paths].index(GREY)
    image = ds.x_train[index]
    assert ds.y_train[index] == 5  # koala
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()


def test_verify_passes():
    paths = data.verify(NAME)
    assert len(paths) == 5500 and paths[0].parent.name == "n03662601"  # lifeboat first


def test_pinned_digest_matches_sha256sums():
    sums = Path(REAL_DIR) / NAME / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip(f"no SHA256SUMS in {sums.parent}")
    lines = sorted((line.split("  ", 1)[1], line) for line in sums.read_text().splitlines()
                   if line.endswith(".JPEG"))
    assert len(lines) == 5500
    text = "".join(line + "\n" for _, line in lines)
    assert hashlib.sha256(text.encode()).hexdigest() == catalog.get(NAME).jpeg_digest


def test_class_order_matches_classes_tsv():
    rows = (Path(REAL_DIR) / NAME / "classes.tsv").read_text().splitlines()[1:]
    info = catalog.get(NAME)
    assert [tuple(row.split("\t")) for row in rows] == [
        (str(i), w, label, words)
        for i, (w, label, words) in enumerate(zip(info.wnids, info.class_names, info.words))
    ]


def test_zip_in_the_original_layout_gives_the_same_folder(tmp_path, monkeypatch):
    # The real folder repacked as tiny-imagenet-200.zip (original paths, CRLF words.txt, an
    # extra class), then downloaded from a file:// mirror: the metadata must come out
    # byte-identical to the prepared copy.
    src = Path(REAL_DIR) / NAME
    archive = tmp_path / "mirror" / "tiny-imagenet-200.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        root = "tiny-imagenet-200/"
        for path in sorted(src.glob("train/*/*.JPEG")):
            z.write(path, f"{root}train/{path.parent.name}/images/{path.name}")
        for path in sorted(src.glob("val/*/*.JPEG")):
            z.write(path, f"{root}val/images/{path.name}")
        z.write(path, f"{root}train/n01443537/images/n01443537_0.JPEG")
        rows = (src / "val_annotations.txt").read_text()
        z.writestr(f"{root}val/val_annotations.txt", "val_9999.JPEG\tn01443537\t0\t0\t9\t9\n" + rows)
        words = "n01443537\tgoldfish, Carassius auratus\n" + (src / "words.txt").read_text()
        z.writestr(f"{root}words.txt", words.replace("\n", "\r\n"))
    monkeypatch.setitem(catalog.CATALOG, NAME, dataclasses.replace(
        catalog.get(NAME), mirrors=(archive.parent.as_uri() + "/",)
    ))
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CNNBOOK_OFFLINE")
    data.ensure(NAME)
    out = tmp_path / "data" / NAME
    for name in ("classes.tsv", "wnids.txt", "words.txt", "val_annotations.txt", "SHA256SUMS"):
        if (src / name).is_file():
            assert (out / name).read_bytes() == (src / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [NAME]

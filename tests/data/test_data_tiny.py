"""Tests for tiny-imagenet-10 on a fake mini folder: load, order, verify, offline errors, npz cache."""

import dataclasses
import hashlib
import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnbook import data
from cnnbook.data import catalog, tinyimagenet
from cnnbook.errors import DataError

NAME = "tiny-imagenet-10"
REAL = catalog.TINY_IMAGENET_10
WNIDS = REAL.wnids
TRAIN, VAL = 3, 2  # images per class in the fake folder
GREY = "train/n02165456/n02165456_1.JPEG"  # class 1, second image: stored greyscale


def colour(label: int, i: int) -> tuple[int, int, int]:
    """The flat colour of image i of class `label`: far enough apart to survive JPEG."""
    return (10 + 24 * label, 40 + 60 * i, 128)


def jpeg(rgb, mode: str = "RGB", size: int = 64) -> bytes:
    """A flat-coloured JPEG, in colour or (mode "L") greyscale."""
    fill = rgb if mode == "RGB" else rgb[0]
    out = io.BytesIO()
    Image.new(mode, (size, size), fill).save(out, format="JPEG", quality=95)
    return out.getvalue()


def fake_files() -> dict[str, bytes]:
    """{relative path: bytes} of a fake tiny-imagenet-10 with TRAIN + VAL images per class.

    Val names are chosen so that name order differs from numeric order (val_200 < val_30).
    """
    files = {}
    for label, wnid in enumerate(WNIDS):
        for i in range(TRAIN):
            rel = f"train/{wnid}/{wnid}_{i}.JPEG"
            files[rel] = jpeg(colour(label, i), "L" if rel == GREY else "RGB")
        for i, number in enumerate((200 + label, 30 + label)[:VAL]):
            files[f"val/{wnid}/val_{number}.JPEG"] = jpeg(colour(label, i))
    return files


def digest(files: dict[str, bytes]) -> str:
    """The aggregate digest, computed independently of the package."""
    lines = [f"{hashlib.sha256(files[rel]).hexdigest()}  {rel}\n" for rel in sorted(files)]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def write_folder(folder, files, manifest=True):
    for rel, body in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(body)
    if manifest:
        lines = [f"{hashlib.sha256(files[rel]).hexdigest()}  {rel}\n" for rel in sorted(files)]
        (folder / "SHA256SUMS").write_text("".join(lines))


def use_digest(monkeypatch, files):
    """Point the catalogue entry at a fake folder's digest and size; no mirror to download from."""
    fake = dataclasses.replace(
        REAL, jpeg_digest=digest(files), train_per_class=TRAIN, test_per_class=VAL,
        mirrors=("file:///nonexistent/mirror/",),
    )
    monkeypatch.setitem(catalog.CATALOG, NAME, fake)
    return fake


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A fake tiny-imagenet-10 folder with a SHA256SUMS in CNNBOOK_DATA_DIR; offline.

    Returns (folder, {relative path: bytes}).
    """
    files = fake_files()
    folder = tmp_path / "data" / NAME
    write_folder(folder, files)
    use_digest(monkeypatch, files)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    return folder, files


# --- the catalogue entry -------------------------------------------------------------------------

def test_catalog_entry():
    info = catalog.get(NAME)
    assert NAME in data.names()
    assert info.class_names == (
        "lifeboat", "ladybug", "pizza", "bell pepper", "school bus",
        "koala", "espresso", "red panda", "orange", "sport car",
    )
    assert info.wnids[0] == "n03662601" and info.wnids[9] == "n04285008"
    assert len(set(info.wnids)) == 10 and len(info.words) == 10
    assert info.image_shape == (64, 64, 3)
    assert re.fullmatch(r"[0-9a-f]{64}", info.jpeg_digest)
    assert info.archive_urls() == ["http://cs231n.stanford.edu/tiny-imagenet-200.zip"]
    assert (info.train_per_class, info.test_per_class) == (500, 50)
    assert "ImageNet" in info.source and "non-commercial" in info.source


def test_checksum_needs_no_files(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    full = data.dataset_checksum(NAME)
    assert re.fullmatch(r"[0-9a-f]{64}", full)
    assert full != data.dataset_checksum(NAME, n_train=100)
    assert full != data.dataset_checksum(NAME, synthetic=True)
    assert full not in {data.dataset_checksum("mnist"), data.dataset_checksum("fashion-mnist")}
    monkeypatch.setitem(catalog.CATALOG, NAME, dataclasses.replace(REAL, jpeg_digest="0" * 64))
    assert data.dataset_checksum(NAME) != full  # follows the pinned digest
    assert not (tmp_path / "absent").exists()


def test_mnist_checksums_unchanged():
    # The formulas from before tiny-imagenet-10 existed, so MNIST training caches stay valid.
    info = catalog.get("mnist")
    real = "\n".join(f"{f.name} {f.sha256}" for f in info.files)
    assert data.dataset_checksum("mnist") == hashlib.sha256(real.encode()).hexdigest()
    synthetic = "\n".join(["synthetic-v1", "mnist", "seed=0", "n_train=2000", "n_test=500"])
    assert data.dataset_checksum("mnist", True) == hashlib.sha256(synthetic.encode()).hexdigest()


# --- loading ---------------------------------------------------------------------------------------

def test_load_fake_folder(tiny):
    ds = data.load(NAME)
    assert ds.x_train.shape == (10 * TRAIN, 64, 64, 3) and ds.x_test.shape == (10 * VAL, 64, 64, 3)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.uint8
    # Sorted by class index (CNN Explainer's order, not the wnids' alphabetical one).
    assert ds.y_train.tolist() == np.repeat(np.arange(10), TRAIN).tolist()
    assert ds.y_test.tolist() == np.repeat(np.arange(10), VAL).tolist()
    assert ds.class_names[0] == "lifeboat" and not ds.synthetic
    assert ds.checksum == data.dataset_checksum(NAME) and "ImageNet" in ds.source
    for k, (label, i) in enumerate((label, i) for label in range(10) for i in range(TRAIN)):
        pixel = ds.x_train[k, 32, 32].astype(int)
        if (label, i) == (1, 1):
            continue  # the greyscale one, below
        assert np.abs(pixel - colour(label, i)).max() <= 3, (label, i, pixel)


def test_greyscale_becomes_rgb(tiny):
    ds = data.load(NAME)
    grey = ds.x_train[1 * TRAIN + 1]  # class 1, image 1
    assert grey.shape == (64, 64, 3)
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    assert abs(int(grey[0, 0, 0]) - colour(1, 1)[0]) <= 3


def test_test_split_sorted_by_file_name(tiny):
    # val_200+c sorts before val_30+c by name, although 30 < 200.
    ds = data.load(NAME)
    for label in range(10):
        first, second = ds.x_test[VAL * label, 0, 0], ds.x_test[VAL * label + 1, 0, 0]
        assert abs(int(first[1]) - colour(label, 0)[1]) <= 3
        assert abs(int(second[1]) - colour(label, 1)[1]) <= 3


def test_balanced_subsets(tiny):
    full = data.load(NAME)
    part = data.load(NAME, n_train=15, n_test=10)
    assert np.bincount(part.y_train).tolist() == [2] * 5 + [1] * 5
    assert part.y_test.tolist() == list(range(10))  # one of each class, not the first ten
    first_of_each = [TRAIN * label + i for label in range(10) for i in range(2 if label < 5 else 1)]
    np.testing.assert_array_equal(part.x_train, full.x_train[first_of_each])
    assert part.checksum == data.dataset_checksum(NAME, n_train=15, n_test=10) != full.checksum
    assert data.load(NAME, n_train=0).x_train.shape == (0, 64, 64, 3)
    assert len(data.load(NAME, n_train=10_000).x_train) == 10 * TRAIN


def test_verify_and_ensure(tiny):
    folder, files = tiny
    paths = data.verify(NAME)
    assert len(paths) == len(files) and paths[0].parent.name == WNIDS[0]
    assert paths[10 * TRAIN].parent.parent.name == "val"
    assert data.ensure(NAME) == {"folder": folder, "train": folder / "train", "test": folder / "val"}


# --- damaged, missing, offline ---------------------------------------------------------------------

def test_missing_jpeg_is_named(tiny):
    folder, _ = tiny
    (folder / "train" / WNIDS[4] / f"{WNIDS[4]}_2.JPEG").unlink()
    for call in (data.verify, data.load, data.ensure):
        with pytest.raises(DataError) as info:
            call(NAME)
        message = str(info.value)
        assert f"missing (1): train/{WNIDS[4]}/{WNIDS[4]}_2.JPEG" in message
        assert str(folder) in message and catalog.get(NAME).archive_urls()[0] in message


def test_damaged_and_unexpected_jpegs_are_named(tiny):
    folder, _ = tiny
    damaged = folder / "val" / WNIDS[3] / "val_33.JPEG"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    (folder / "train" / WNIDS[0] / "copy.JPEG").write_bytes(b"stray")
    with pytest.raises(DataError) as info:
        data.verify(NAME)
    message = str(info.value)
    assert f"damaged (1): val/{WNIDS[3]}/val_33.JPEG" in message
    assert f"unexpected (1): train/{WNIDS[0]}/copy.JPEG" in message
    assert catalog.get(NAME).jpeg_digest in message
    assert damaged.exists()  # verify changes nothing


def test_many_problems_name_a_few_and_count(tiny):
    folder, _ = tiny
    for path in sorted((folder / "train").glob("*/*_0.JPEG")):
        path.unlink()
    with pytest.raises(DataError) as info:
        data.verify(NAME)
    assert re.search(r"missing \(10\): (train/\S+, ){4}train/\S+ and 5 more", str(info.value))


def test_without_manifest_names_come_from_the_layout(tiny):
    folder, _ = tiny
    (folder / "SHA256SUMS").unlink()
    (folder / "train" / WNIDS[7] / f"{WNIDS[7]}_1.JPEG").unlink()
    (folder / "val" / WNIDS[2] / "val_32.JPEG").unlink()
    with pytest.raises(DataError) as info:
        data.verify(NAME)
    message = str(info.value)
    assert f"missing (1): train/{WNIDS[7]}/{WNIDS[7]}_1.JPEG" in message
    assert f"val/{WNIDS[2]}/ (1)" in message


def test_without_manifest_damage_is_still_caught(tiny):
    folder, _ = tiny
    (folder / "SHA256SUMS").write_text("nonsense  train/x.JPEG\n")  # not authentic: ignored
    path = folder / "train" / WNIDS[5] / f"{WNIDS[5]}_0.JPEG"
    path.write_bytes(jpeg((1, 2, 3)))
    with pytest.raises(DataError, match="at least one has other content"):
        data.load(NAME)


def test_offline_missing_folder_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    for call in (data.load, data.ensure, data.verify):
        with pytest.raises(DataError) as info:
            call(NAME)
        message = str(info.value)
        assert str(tmp_path / "data" / NAME) in message
        assert "http://cs231n.stanford.edu/tiny-imagenet-200.zip" in message
        assert "copy a prepared" in message and "CNNBOOK_DATA_DIR" in message
    assert "CNNBOOK_OFFLINE is set" in str(pytest.raises(DataError, data.load, NAME).value)
    assert not (tmp_path / "data").exists()  # nothing created


def test_verify_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    with pytest.raises(DataError, match="verify downloads nothing"):
        data.verify(NAME)
    assert not (tmp_path / "data").exists()


def test_undecodable_jpeg_with_matching_digest(tmp_path, monkeypatch):
    files = fake_files()
    bad = f"val/{WNIDS[6]}/val_36.JPEG"
    files[bad] = b"\xff\xd8 not really a JPEG"
    write_folder(tmp_path / NAME, files)
    use_digest(monkeypatch, files)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=re.escape(str(tmp_path / NAME / bad))):
        data.load(NAME)


def test_wrong_image_size_with_matching_digest(tmp_path, monkeypatch):
    files = fake_files()
    small = f"train/{WNIDS[8]}/{WNIDS[8]}_0.JPEG"
    files[small] = jpeg((1, 2, 3), size=32)
    write_folder(tmp_path / NAME, files)
    use_digest(monkeypatch, files)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"_0\.JPEG is 32x32 pixels, expected 64x64"):
        data.load(NAME)


def test_folder_of_no_class(tmp_path, monkeypatch):
    files = fake_files()
    files["train/n99999999/n99999999_0.JPEG"] = jpeg((0, 0, 0))
    write_folder(tmp_path / NAME, files)
    use_digest(monkeypatch, files)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="n99999999_0.JPEG is in a folder that is none of"):
        data.load(NAME)


# --- the decoded-image cache -----------------------------------------------------------------------

def test_cache_written_atomically_and_used(tiny, monkeypatch):
    folder, _ = tiny
    first = data.load(NAME)
    cache = folder / tinyimagenet.CACHE
    assert cache.name == "decoded-v1.npz" and cache.is_file()
    assert not list(folder.glob(".*"))  # no temporary file left
    with np.load(cache, allow_pickle=False) as npz:  # plain arrays, no pickle
        assert sorted(npz.files) == sorted(tinyimagenet.FIELDS)
        info = catalog.get(NAME)
        assert str(npz["key"]) == tinyimagenet.cache_key(info, info.jpeg_digest)

    def no_decoding(*args):
        raise AssertionError("decoded although the cache is good")

    monkeypatch.setattr(tinyimagenet, "decode", no_decoding)
    second = data.load(NAME)
    np.testing.assert_array_equal(second.x_train, first.x_train)
    np.testing.assert_array_equal(second.y_test, first.y_test)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "pickle"])
def test_corrupt_cache_is_ignored_and_rewritten(tiny, capsys, damage):
    folder, _ = tiny
    good = data.load(NAME)
    cache = folder / tinyimagenet.CACHE
    raw = bytearray(cache.read_bytes())
    if damage == "garbage":
        raw = bytearray(b"this is no npz file" * 10)
    elif damage == "truncated":
        raw = raw[: len(raw) // 2]
    elif damage == "flipped":
        raw[len(raw) // 2] ^= 0xFF  # inside x_train's pixels: the zip CRC catches it
    elif damage == "empty":
        raw = bytearray()
    else:  # an object array could only be read by unpickling: refused
        with np.load(cache, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        arrays["key"] = np.array([{"evil": 1}], dtype=object)
        out = io.BytesIO()
        np.savez(out, **arrays)
        raw = bytearray(out.getvalue())
    cache.write_bytes(bytes(raw))
    capsys.readouterr()
    again = data.load(NAME)
    np.testing.assert_array_equal(again.x_train, good.x_train)
    np.testing.assert_array_equal(again.y_train, good.y_train)
    assert "ignoring the damaged cache" in capsys.readouterr().err
    assert cache.read_bytes() != bytes(raw)  # rewritten
    data.load(NAME)
    assert "ignoring" not in capsys.readouterr().err  # and now trusted again


def test_stale_cache_is_ignored(tiny, monkeypatch, capsys):
    folder, files = tiny
    data.load(NAME)
    # Same files and the same digest, but a cache made for another class order.
    cache = folder / tinyimagenet.CACHE
    with np.load(cache, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["key"] = np.array("0" * 64)
    arrays["x_train"] = np.zeros_like(arrays["x_train"])
    with open(cache, "wb") as f:
        np.savez(f, **arrays)
    ds = data.load(NAME)
    assert ds.x_train.any()
    assert "ignoring the stale cache" in capsys.readouterr().err


def test_read_only_folder_gets_no_cache(tiny, capsys):
    folder, _ = tiny
    folder.chmod(0o555)
    try:
        ds = data.load(NAME)
    finally:
        folder.chmod(0o755)
    assert ds.x_train.shape == (10 * TRAIN, 64, 64, 3)
    assert not (folder / tinyimagenet.CACHE).exists()
    assert "read-only" in capsys.readouterr().err

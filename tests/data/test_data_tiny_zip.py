"""Tests for getting tiny-imagenet-10 from a (fake, tiny) tiny-imagenet-200.zip: extract, verify, rename."""

import dataclasses
import hashlib
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from cnnbook import data
from cnnbook.data import catalog, tinyimagenet
from cnnbook.errors import DataError

NAME = "tiny-imagenet-10"
REAL = catalog.TINY_IMAGENET_10
WNIDS = REAL.wnids
OTHER = "n01443537"  # a tiny-imagenet-200 class that is not one of the ten
TRAIN, VAL = 2, 1  # images per class in the fake archive
ROOT = "tiny-imagenet-200/"


def jpeg(value: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (value, 255 - value, 90)).save(out, format="JPEG")
    return out.getvalue()


def fake_archive() -> tuple[bytes, dict[str, bytes], list[str]]:
    """A tiny-imagenet-200.zip look-alike, the files it should give, and its val rows for the ten.

    It also holds a class that is not wanted, its val image, the test folder, the boxes
    files and a member that tries to escape the folder: none of these may be extracted.
    """
    expected, rows, wanted_rows = {}, [], []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        number = 0
        for label, wnid in enumerate((*WNIDS, OTHER)):
            for i in range(TRAIN):
                body = jpeg(10 * label + i)
                z.writestr(f"{ROOT}train/{wnid}/images/{wnid}_{i}.JPEG", body)
                if wnid != OTHER:
                    expected[f"train/{wnid}/{wnid}_{i}.JPEG"] = body
            z.writestr(f"{ROOT}train/{wnid}/{wnid}_boxes.txt", f"{wnid}_0.JPEG\t0\t0\t63\t63\n")
            for _ in range(VAL):
                body, row = jpeg(200 - label), f"val_{number}.JPEG\t{wnid}\t1\t2\t60\t61"
                z.writestr(f"{ROOT}val/images/val_{number}.JPEG", body)
                rows.append(row)
                if wnid != OTHER:
                    expected[f"val/{wnid}/val_{number}.JPEG"] = body
                    wanted_rows.append(row)
                number += 1
        z.writestr(f"{ROOT}val/val_annotations.txt", "\r\n".join(rows[::-1]) + "\r\n")
        words = [f"{OTHER}\tgoldfish, Carassius auratus"] + [
            f"{w}\t{text}" for w, text in zip(WNIDS[:-1], REAL.words[:-1])  # the last one is absent
        ]
        z.writestr(f"{ROOT}words.txt", "\n".join(words) + "\n")
        z.writestr(f"{ROOT}wnids.txt", "\n".join((OTHER, *WNIDS)) + "\n")
        z.writestr(f"{ROOT}test/images/test_0.JPEG", jpeg(1))
        z.writestr(f"{ROOT}train/{WNIDS[0]}/images/../../../../escape.JPEG", jpeg(2))
    return out.getvalue(), expected, wanted_rows[::-1]


def digest(files: dict[str, bytes]) -> str:
    lines = [f"{hashlib.sha256(files[rel]).hexdigest()}  {rel}\n" for rel in sorted(files)]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """The fake archive on a file:// mirror, the catalogue pointing at it, online.

    Returns (expected files, their val rows, data folder).
    """
    body, expected, rows = fake_archive()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "tiny-imagenet-200.zip").write_bytes(body)
    use(monkeypatch, (mirror.as_uri() + "/",), digest(expected))
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    return expected, rows, tmp_path / "data"


def use(monkeypatch, mirrors, jpeg_digest):
    """Inject mirrors and digest into the catalogue entry (sizes of the fake archive too)."""
    monkeypatch.setitem(catalog.CATALOG, NAME, dataclasses.replace(
        REAL, mirrors=mirrors, jpeg_digest=jpeg_digest, train_per_class=TRAIN, test_per_class=VAL,
    ))


def test_download_extracts_verifies_and_renames(archive):
    expected, rows, root = archive
    ds = data.load(NAME)
    folder = root / NAME
    assert sorted(p.name for p in root.iterdir()) == [NAME]  # no zip, no temporary folder
    got = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.glob("*/*/*.JPEG")}
    assert got == expected
    assert not list(root.rglob("escape.JPEG")) and not (folder / "test").exists()
    assert ds.x_train.shape == (10 * TRAIN, 64, 64, 3) and ds.y_test.tolist() == list(range(10))
    assert sorted(p.name for p in folder.iterdir()) == [
        "SHA256SUMS", "classes.tsv", "decoded-v1.npz", "train", "val",
        "val_annotations.txt", "wnids.txt", "words.txt",
    ]


def test_metadata_files(archive):
    expected, rows, root = archive
    data.ensure(NAME)
    folder = root / NAME
    assert (folder / "wnids.txt").read_text() == "".join(w + "\n" for w in WNIDS)
    classes = (folder / "classes.tsv").read_text().splitlines()
    assert classes[0] == "index\twnid\tcnn_explainer_label\twords"
    assert classes[1] == "0\tn03662601\tlifeboat\tlifeboat"
    assert classes[10].startswith("9\tn04285008\tsport car\tsports car")
    words = (folder / "words.txt").read_text().splitlines()
    assert [w.split("\t")[0] for w in words] == list(WNIDS)
    assert words[9] == f"{WNIDS[9]}\t{REAL.words[9]}"  # absent from the archive: pinned words
    # The ten classes' rows, verbatim and in the archive's order, with plain newlines.
    assert (folder / "val_annotations.txt").read_bytes() == "".join(r + "\n" for r in rows).encode()
    sums = dict(reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert len(sums) == len(expected) + 4
    assert all(hashlib.sha256((folder / rel).read_bytes()).hexdigest() == sha for rel, sha in sums.items())


def test_http_download_falls_through_to_working_mirror(archive, server, monkeypatch, tmp_path):
    expected, _, root = archive
    srv, base = server
    srv.files["/good/tiny-imagenet-200.zip"] = (tmp_path / "mirror" / "tiny-imagenet-200.zip").read_bytes()
    use(monkeypatch, (base + "missing/", base + "good/"), digest(expected))
    data.ensure(NAME)
    assert len(data.verify(NAME)) == len(expected)
    assert sorted(p.name for p in root.iterdir()) == [NAME]


def test_mismatching_archive_leaves_nothing(archive, monkeypatch):
    expected, _, root = archive
    tampered = dict(expected)
    tampered[f"train/{WNIDS[2]}/{WNIDS[2]}_1.JPEG"] = b"other bytes"
    use(monkeypatch, catalog.get(NAME).mirrors, digest(tampered))
    with pytest.raises(DataError) as info:
        data.load(NAME)
    message = str(info.value)
    assert "tiny-imagenet-200.zip" in message and "do not match the pinned digest" in message
    assert digest(tampered) in message and str(root / NAME) in message
    assert list(root.iterdir()) == []  # no folder, no zip, no half extraction


def test_not_a_zip(archive, tmp_path):
    _, _, root = archive
    (tmp_path / "mirror" / "tiny-imagenet-200.zip").write_bytes(b"<html>moved</html>")
    with pytest.raises(DataError, match="not a valid zip archive"):
        data.ensure(NAME)
    assert list(root.iterdir()) == []


def test_zip_without_annotations(archive, tmp_path):
    _, _, root = archive
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(f"{ROOT}train/{WNIDS[0]}/images/{WNIDS[0]}_0.JPEG", jpeg(5))
    (tmp_path / "mirror" / "tiny-imagenet-200.zip").write_bytes(out.getvalue())
    with pytest.raises(DataError, match="has no tiny-imagenet-200/val/val_annotations.txt"):
        data.ensure(NAME)
    assert list(root.iterdir()) == []


def test_unreachable_mirrors_are_listed(tmp_path, monkeypatch, server):
    _, base = server
    mirrors = (base + "nope/", (tmp_path / "absent").as_uri() + "/")
    use(monkeypatch, mirrors, "0" * 64)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    with pytest.raises(DataError) as info:
        data.load(NAME)
    assert all(m + "tiny-imagenet-200.zip" in str(info.value) for m in mirrors)
    assert list((tmp_path / "data").iterdir()) == []


def test_damaged_folder_is_replaced_online(archive, capsys):
    expected, _, root = archive
    data.load(NAME)
    folder = root / NAME
    victim = next(folder.glob("train/*/*.JPEG"))
    victim.write_bytes(b"broken")
    (folder / "note.txt").write_text("old folder")
    data.load(NAME)
    assert "downloading a fresh copy" in capsys.readouterr().err
    assert victim.read_bytes() != b"broken" and not (folder / "note.txt").exists()
    assert sorted(p.name for p in root.iterdir()) == [NAME]


def test_damaged_folder_stays_when_download_fails(archive, tmp_path):
    _, _, root = archive
    data.ensure(NAME)
    victim = next((root / NAME).glob("val/*/*.JPEG"))
    victim.write_bytes(b"broken")
    (tmp_path / "mirror" / "tiny-imagenet-200.zip").unlink()
    with pytest.raises(DataError, match="could not get"):
        data.ensure(NAME)
    assert victim.read_bytes() == b"broken"  # the user's folder is untouched
    assert sorted(p.name for p in root.iterdir()) == [NAME]


def test_interrupted_extraction_leaves_nothing(archive, monkeypatch):
    _, _, root = archive
    real_extract = tinyimagenet.extract

    def interrupted(info, zip_path, out):
        real_extract(info, zip_path, out)
        raise KeyboardInterrupt  # Ctrl-C after the files are out, before the rename

    monkeypatch.setattr(tinyimagenet, "extract", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.ensure(NAME)
    assert list(root.iterdir()) == []


def test_offline_never_downloads(archive, monkeypatch):
    _, _, root = archive
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    with pytest.raises(DataError, match="CNNBOOK_OFFLINE is set"):
        data.load(NAME)
    assert not root.exists()


def test_loaded_pixels_match_the_archive(archive):
    expected, _, root = archive
    ds = data.load(NAME)
    for label in range(10):
        for i in range(TRAIN):
            pixel = ds.x_train[label * TRAIN + i, 10, 10].astype(int)
            assert np.abs(pixel - (10 * label + i, 255 - 10 * label - i, 90)).max() <= 3

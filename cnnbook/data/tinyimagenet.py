"""tiny-imagenet-10: ten Tiny ImageNet classes kept as a folder of JPEGs, pinned by one digest.

Everything about that folder lives here, in the order a load meets it:

  the interface  ensure, verify, checksum_lines, load_arrays (catalog.TinyImageNetInfo's)
  the folder     <data_dir>/tiny-imagenet-10/{train,val}/<wnid>/*.JPEG, val being our test
                 split; checked by one SHA-256 over the manifest of all its JPEGs
  what is wrong  the missing, unexpected and damaged files a message names
  install        download tiny-imagenet-200.zip, extract the ten classes, verify, swap in
  decode         the JPEGs as uint8 arrays, cached in <folder>/decoded-v1.npz
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from cnnbook.errors import DataError
from cnnbook.files import atomic_file, atomic_write
from .download import DOWNLOAD_ERRORS, failure, sha256_file, stream
from .locations import dataset_dir, offline

if TYPE_CHECKING:  # catalog imports this module to dispatch to it
    from .catalog import TinyImageNetInfo

MANIFEST = "SHA256SUMS"  # `sha256sum -c` format, written next to the images
SPLITS = {"train": "train", "test": "val"}  # split -> sub-folder; the official val set is our test set
SHOWN = 5  # how many file names a message lists before "and N more"

ROOT = "tiny-imagenet-200/"  # every member of the archive is under this folder
_TRAIN = re.compile(re.escape(ROOT) + r"train/(n[0-9]+)/images/([A-Za-z0-9_]+\.JPEG)")
_VAL = re.compile(re.escape(ROOT) + r"val/images/([A-Za-z0-9_]+\.JPEG)")
METADATA = ("classes.tsv", "val_annotations.txt", "wnids.txt", "words.txt")

CACHE_VERSION = "decoded-v1"  # bump when decoding changes; the file name changes with it
CACHE = f"{CACHE_VERSION}.npz"
FIELDS = ("key", "x_train", "y_train", "train_files", "x_test", "y_test", "test_files")


# --- the interface (see catalog.DatasetInfo) -----------------------------------------------------

def ensure(info: TinyImageNetInfo) -> dict[str, Path]:
    """Make the folder present and verified, downloading and extracting it if needed.

    {"folder": the folder, "train": folder/train, "test": folder/val}. With CNNBOOK_OFFLINE=1
    nothing is downloaded: a missing or damaged folder is a DataError.
    """
    folder = _ensured(info).folder
    return {"folder": folder, **{split: folder / sub for split, sub in SPLITS.items()}}


def verify(info: TinyImageNetInfo) -> list[Path]:
    """Check the folder against the pinned digest, downloading nothing; its JPEGs, train then
    test, each sorted by class index, then file name.

    Raises DataError when the folder is missing, or naming missing, unexpected and damaged files.
    """
    found = _verified(info)
    return [path for split in SPLITS for path in ordered(info, found, split)[0]]


def checksum_lines(info: TinyImageNetInfo, n_train: int | None, n_test: int | None) -> list[str]:
    """The pinned JPEG digest and the class order, plus the per-class sizes when subsetting."""
    lines = [f"jpegs {info.jpeg_digest}", f"classes {' '.join(info.wnids)}"]
    sizes = (("n_train", n_train), ("n_test", n_test))
    return lines + [f"{key}={value} per-class" for key, value in sizes if value is not None]


def load_arrays(
    info: TinyImageNetInfo, n_train: int | None, n_test: int | None
) -> tuple[np.ndarray, ...]:
    """`(x_train, y_train, x_test, y_test)` of the ensured folder, sorted by class index.

    The images are sorted by class, so n_train / n_test keep the first n/10 of each class
    instead of the first n samples, and no class is lost.
    """
    x_train, y_train, x_test, y_test = _decoded(info, _ensured(info))
    classes = len(info.class_names)
    arrays = []
    for x, y, n in ((x_train, y_train, n_train), (x_test, y_test, n_test)):
        keep = _balanced(y, n, classes)
        arrays += [x, y] if keep is None else [x[keep], y[keep]]
    return tuple(arrays)


def _balanced(labels: np.ndarray, n: int | None, classes: int) -> np.ndarray | None:
    """Indices of the first n // classes samples of each class (one more for the first
    n % classes classes), in their order; None for all. Fewer where a class runs short."""
    if n is None:
        return None
    take = [n // classes + (label < n % classes) for label in range(classes)]
    chosen = [np.flatnonzero(labels == label)[:k] for label, k in enumerate(take)]
    return np.sort(np.concatenate(chosen))


# --- the folder: find it, hash it, check it ------------------------------------------------------

@dataclass(frozen=True)
class Scan:
    """The JPEGs found in a folder: {relative path: SHA-256} and the digest over them."""

    folder: Path
    hashes: dict[str, str]
    digest: str


def _verified(info: TinyImageNetInfo) -> Scan:
    """The folder, checked against the pinned digest; downloads nothing."""
    folder = dataset_dir(info.name)
    if not folder.is_dir():
        raise DataError(_missing_message(info, folder, "verify downloads nothing."))
    found = scan(folder)
    if lines := problems(info, found):
        raise DataError(_damaged_message(info, found, lines))
    return found


def _ensured(info: TinyImageNetInfo) -> Scan:
    """The folder, checked; installed from the archive first when missing or damaged (online)."""
    folder = dataset_dir(info.name)
    if folder.is_dir():
        found = scan(folder)
        lines = problems(info, found)
        if not lines:
            return found
        if offline():
            raise DataError(_damaged_message(info, found, lines))
        # Not offline: a fresh verified copy will replace it; the old folder stays if that fails.
        print(
            f"cnnbook: {folder} is incomplete or damaged ({'; '.join(lines)}); "
            f"downloading a fresh copy",
            file=sys.stderr,
        )
    elif offline():
        raise DataError(_missing_message(
            info, folder, "CNNBOOK_OFFLINE is set, so it was not downloaded."
        ))
    install(info, folder)
    return scan(folder)


def manifest_digest(hashes: dict[str, str]) -> str:
    """SHA-256 over the lines "<sha256>  <path>\\n", sorted by path: what jpeg_digest pins."""
    text = "".join(f"{hashes[path]}  {path}\n" for path in sorted(hashes))
    return hashlib.sha256(text.encode()).hexdigest()


def scan(folder: Path) -> Scan:
    """Hash every `train/<wnid>/*.JPEG` and `val/<wnid>/*.JPEG` under `folder` (about 11 MB)."""
    hashes = {}
    for sub in SPLITS.values():
        for path in (folder / sub).glob("*/*.JPEG"):
            if path.is_file():
                hashes[path.relative_to(folder).as_posix()] = sha256_file(path)
    return Scan(folder, hashes, manifest_digest(hashes))


def ordered(info: TinyImageNetInfo, found: Scan, split: str) -> tuple[list[Path], list[int]]:
    """One split's files sorted by class index, then file name, with their labels.

    Only meaningful once `found.digest` is the pinned one; a JPEG in a folder that is no
    class of `info` gets label -1, which callers reject.
    """
    sub = SPLITS[split]
    index = {wnid: label for label, wnid in enumerate(info.wnids)}
    keyed = []
    for rel in found.hashes:
        parts = rel.split("/")
        if parts[0] == sub:
            keyed.append((index.get(parts[1], -1), parts[2], rel))
    keyed.sort()
    return [found.folder / rel for *_, rel in keyed], [label for label, *_ in keyed]


# --- what is wrong, and what to do about it ------------------------------------------------------

def problems(info: TinyImageNetInfo, found: Scan) -> list[str]:
    """What is wrong with the folder, one line per kind of problem; [] when it matches.

    If the folder's SHA256SUMS hashes to the pinned digest it is the authentic manifest and
    names every missing, unexpected and damaged file. Without one, missing and unexpected
    files are inferred from the layout (train names are <wnid>_<i>.JPEG, 50 val per class).
    """
    if found.digest == info.jpeg_digest:
        return []
    expected = _authentic_manifest(info, found.folder)
    if expected is not None:
        lines = [
            _line("missing", sorted(set(expected) - set(found.hashes))),
            _line("unexpected", sorted(set(found.hashes) - set(expected))),
            _line("damaged", sorted(
                rel for rel in set(expected) & set(found.hashes)
                if expected[rel] != found.hashes[rel]
            )),
        ]
        return [line for line in lines if line]
    lines = [line for line in _layout_problems(info, found) if line]
    if not lines:
        return [
            f"all {len(found.hashes)} JPEGs have the expected names, but at least one has "
            f"other content (the folder has no authentic {MANIFEST} that would say which)"
        ]
    return lines + [f"(no authentic {MANIFEST} here, so damaged files cannot be named)"]


def _authentic_manifest(info: TinyImageNetInfo, folder: Path) -> dict[str, str] | None:
    """The JPEG lines of folder/SHA256SUMS as {path: sha256}, if they hash to the pinned digest."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    listed = {}
    for line in text.splitlines():
        sha, sep, rel = line.partition("  ")
        if sep and rel.endswith(".JPEG"):
            listed[rel] = sha
    return listed if manifest_digest(listed) == info.jpeg_digest else None


def _layout_problems(info: TinyImageNetInfo, found: Scan) -> list[str]:
    """Missing and unexpected files judged by the names and counts the dataset should have."""
    missing, unexpected, short = [], [], []
    for wnid in info.wnids:
        for i in range(info.train_per_class):
            if f"train/{wnid}/{wnid}_{i}.JPEG" not in found.hashes:
                missing.append(f"train/{wnid}/{wnid}_{i}.JPEG")
    train_name = re.compile(r"train/(n\d+)/\1_(\d+)\.JPEG")
    for rel in sorted(found.hashes):
        sub, wnid, _ = rel.split("/")
        match = train_name.fullmatch(rel)
        if wnid not in info.wnids or (
            sub == "train" and (not match or int(match[2]) >= info.train_per_class)
        ):
            unexpected.append(rel)
    for wnid in info.wnids:
        count = sum(rel.startswith(f"val/{wnid}/") for rel in found.hashes)
        if count != info.test_per_class:
            short.append(f"val/{wnid}/ ({count})")
    lines = [_line("missing", missing), _line("unexpected", unexpected)]
    if short:
        lines.append(
            f"val folders without {info.test_per_class} JPEGs ({len(short)}): " + ", ".join(short)
        )
    return lines


def _line(kind: str, paths: list[str]) -> str:
    """"missing (7): a, b, c, d, e and 2 more"; "" when there are none."""
    if not paths:
        return ""
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return f"{kind} ({len(paths)}): {', '.join(paths[:SHOWN])}{more}"


def _missing_message(info: TinyImageNetInfo, folder: Path, why: str) -> str:
    """Say where the folder should be, what goes in it, and the ways to get it."""
    return (
        f"dataset {info.name} is missing: there is no folder {folder} (the data folder in use "
        f"is {folder.parent}; layout {info.name}/train/<wnid>/*.JPEG and "
        f"{info.name}/val/<wnid>/*.JPEG). {why} To get it: load it with network access "
        f"(CNNBOOK_OFFLINE unset) to download {' or '.join(info.archive_urls())} (about 250 MB; "
        f"only the {len(info.wnids)} classes are kept), or copy a prepared {info.name}/ folder "
        f"(such as ../shared/data/{info.name}) to {folder}, or set CNNBOOK_DATA_DIR to a "
        f"folder that holds one."
    )


def _damaged_message(info: TinyImageNetInfo, found: Scan, lines: list[str]) -> str:
    """Say what differs from the pinned digest and how to get a good copy."""
    return (
        f"dataset {info.name} in {found.folder} is incomplete or damaged: the SHA-256 over its "
        f"{len(found.hashes)} JPEGs is {found.digest}, expected {info.jpeg_digest}.\n  "
        + "\n  ".join(lines)
        + f"\nDelete {found.folder} and load the dataset with network access (CNNBOOK_OFFLINE "
        f"unset) to download and extract {' or '.join(info.archive_urls())} again, copy a good "
        f"{info.name}/ folder there, or set CNNBOOK_DATA_DIR to a folder that holds one."
    )


# --- install: from tiny-imagenet-200.zip to a verified folder ------------------------------------

def install(info: TinyImageNetInfo, folder: Path) -> None:
    """Download the archive, extract `info`'s classes, verify them, and swap them in as `folder`.

    The archive's own SHA-256 is not published, so it is not checked: the extracted JPEGs are,
    against `info.jpeg_digest`. Everything, the archive included, happens in a hidden staging
    folder next to `folder` that is removed afterwards, so `folder` is either absent, the old
    folder, or the complete verified one. Mirrors are tried in order.
    """
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(
            f"cannot create the folder {parent} for {info.name} ({err}). "
            f"Set CNNBOOK_DATA_DIR to a folder you can write to."
        ) from err
    tried = []
    for url in info.archive_urls():
        trouble = _install_from(info, url, folder)
        if trouble is None:
            return
        tried.append(f"  {url}: {trouble}")
    raise DataError(
        f"could not get {info.name} into {folder}. Tried:\n"
        + ("\n".join(tried) or "  (no mirrors given)")
        + f"\nCheck the network connection; or download {info.archive} by hand and unpack, for "
        f"each of the wnids {', '.join(info.wnids)}, {ROOT}train/<wnid>/images/*.JPEG into "
        f"{folder}/train/<wnid>/ and its val images (see {ROOT}val/val_annotations.txt) into "
        f"{folder}/val/<wnid>/; or copy a prepared {info.name}/ folder to {folder}."
    )


def _install_from(info: TinyImageNetInfo, url: str, folder: Path) -> str | None:
    """Download `url` into a staging folder, extract, verify and swap it in as `folder`.

    None on success, else what went wrong with this mirror.
    """
    staged = _staging_folder(folder)
    try:
        archive = staged / info.archive
        try:
            stream(url, archive, f"{info.name} (from {info.archive})")
        except DOWNLOAD_ERRORS as err:
            return failure(err)
        trouble = _unpack(info, archive, staged, folder)
        return None if trouble is None else f"downloaded, but {trouble}"
    finally:
        # Also runs on KeyboardInterrupt: no archive or half extraction is left behind.
        shutil.rmtree(staged, ignore_errors=True)


def _unpack(info: TinyImageNetInfo, archive: Path, staged: Path, folder: Path) -> str | None:
    """Extract `archive` into `staged`, verify, and rename onto `folder`; None on success."""
    try:
        extract(info, archive, staged)
        archive.unlink()  # about 250 MB, and no part of the dataset
        found = scan(staged)
        if lines := problems(info, found):
            return (
                f"the extracted images do not match the pinned digest (SHA-256 over "
                f"{len(found.hashes)} JPEGs is {found.digest}, expected {info.jpeg_digest}): "
                + "; ".join(lines)
            )
        write_manifest(staged, found.hashes)
        staged.chmod(0o755)  # mkdtemp makes folders private; a dataset need not be
        _replace_dir(staged, folder)
        return None
    except zipfile.BadZipFile as err:
        return f"it is not a valid zip archive ({err})"
    except DataError as err:
        return str(err)
    except OSError as err:
        return f"extracting it next to {folder} failed ({err}); check free disk space"


def extract(info: TinyImageNetInfo, archive: Path, out: Path) -> None:
    """Copy `info`'s classes from a tiny-imagenet-200 zip into `out`, with the metadata files.

    train/<wnid>/images/*.JPEG → train/<wnid>/, and the val images of those classes (found
    through val/val_annotations.txt) → val/<wnid>/. Members are copied by name, never
    extracted by their own paths, so an archive cannot write outside `out`.
    """
    wanted = set(info.wnids)
    with zipfile.ZipFile(archive) as z:
        annotations = _text(z, ROOT + "val/val_annotations.txt", archive)
        words = _text(z, ROOT + "words.txt", archive, required=False)
        # Rows are "val_<n>.JPEG<TAB>wnid<TAB>x0 y0 x1 y1 box"; kept verbatim, in archive order.
        val_rows = [row for row in annotations.splitlines()
                    if len(fields := row.split("\t")) > 1 and fields[1] in wanted]
        val_class = {row.split("\t")[0]: row.split("\t")[1] for row in val_rows}
        for sub in SPLITS.values():
            for wnid in info.wnids:
                (out / sub / wnid).mkdir(parents=True, exist_ok=True)
        for member in z.infolist():
            if match := _TRAIN.fullmatch(member.filename):
                if match[1] not in wanted:
                    continue
                target = out / "train" / match[1] / match[2]
            elif (match := _VAL.fullmatch(member.filename)) and match[1] in val_class:
                target = out / "val" / val_class[match[1]] / match[1]
            else:
                continue
            atomic_write(target, z.read(member))  # a few KB each; reading checks the CRC
    write_metadata(info, out, val_rows, words)


def write_metadata(info: TinyImageNetInfo, out: Path, val_rows: list[str], words: str) -> None:
    """wnids.txt, words.txt, classes.tsv and val_annotations.txt of `info`'s classes, in label order."""
    word_rows = {}
    for row in words.splitlines():
        word_rows.setdefault(row.partition("\t")[0], row)
    files = {
        "wnids.txt": list(info.wnids),
        # The archive's own rows; the pinned words where it has none.
        "words.txt": [word_rows.get(w, f"{w}\t{text}") for w, text in zip(info.wnids, info.words)],
        "classes.tsv": ["index\twnid\tcnn_explainer_label\twords"] + [
            f"{i}\t{w}\t{label}\t{text}"
            for i, (w, label, text) in enumerate(zip(info.wnids, info.class_names, info.words))
        ],
        "val_annotations.txt": val_rows,
    }
    for name, lines in files.items():
        atomic_write(out / name, "".join(line + "\n" for line in lines))


def write_manifest(folder: Path, jpeg_hashes: dict[str, str]) -> None:
    """SHA256SUMS for the JPEGs and metadata files, sorted by path (`sha256sum -c` reads it)."""
    hashes = dict(jpeg_hashes)
    for name in METADATA:
        if (folder / name).is_file():
            hashes[name] = sha256_file(folder / name)
    atomic_write(folder / MANIFEST, "".join(f"{hashes[path]}  {path}\n" for path in sorted(hashes)))


def _text(z: zipfile.ZipFile, member: str, archive: Path, required: bool = True) -> str:
    """A text member of the archive ("" if absent and not required); DataError if required."""
    try:
        return z.read(member).decode("utf-8", errors="replace")
    except KeyError:
        if not required:
            return ""
        raise DataError(
            f"the archive {archive.name} has no {member}, so it is not tiny-imagenet-200.zip"
        ) from None


def _staging_folder(folder: Path) -> Path:
    """A fresh hidden folder `.<name>.*.part` next to `folder`: same file system, so the
    final rename is atomic."""
    try:
        return Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".part"))
    except OSError as err:
        raise DataError(
            f"cannot write a temporary folder into {folder.parent} ({err}). "
            f"Set CNNBOOK_DATA_DIR to a folder you can write to."
        ) from err


def _replace_dir(staged: Path, folder: Path) -> None:
    """Rename `staged` onto `folder`; an old `folder` is moved aside first, then deleted.

    The one folder swap of cnnbook.data (files go through cnnbook.files.atomic_file):
    a rename cannot replace a non-empty folder, hence the detour through a trash folder.
    """
    if not (folder.exists() or folder.is_symlink()):
        os.replace(staged, folder)
        return
    trash = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".old"))
    try:
        os.replace(folder, trash / folder.name)
        os.replace(staged, folder)
    except OSError:
        if (trash / folder.name).exists():
            os.replace(trash / folder.name, folder)  # put the old folder back
        trash.rmdir()
        raise
    shutil.rmtree(trash, ignore_errors=True)


# --- decode: the JPEGs as arrays, cached in an .npz ----------------------------------------------

def _decoded(info: TinyImageNetInfo, found: Scan) -> tuple[np.ndarray, ...]:
    """`(x_train, y_train, x_test, y_test)` of a folder whose digest has been checked.

    Images are (N, H, W, 3) uint8 (greyscale files converted to RGB), sorted by class index,
    then file name. The decoded arrays are cached in <folder>/decoded-v1.npz; a cache that
    is unreadable or was made from other files is ignored and rewritten, never trusted.
    """
    files, labels = {}, {}
    for split in SPLITS:
        paths, split_labels = ordered(info, found, split)
        stray = [p for p, label in zip(paths, split_labels) if label < 0]
        if stray:
            raise DataError(
                f"{stray[0]} is in a folder that is none of the {len(info.wnids)} classes of "
                f"{info.name} ({', '.join(info.wnids)}). Remove it."
            )
        files[split] = np.array([p.relative_to(found.folder).as_posix() for p in paths], dtype=str)
        labels[split] = np.array(split_labels, dtype=np.uint8)
    expected = {"key": np.array(cache_key(info, found.digest))}
    for split in SPLITS:
        expected[f"y_{split}"] = labels[split]
        expected[f"{split}_files"] = files[split]

    path = found.folder / CACHE
    cached = _read_cache(path, expected, info.image_shape)
    if cached is None:
        cached = dict(expected)
        for split in SPLITS:
            paths = [found.folder / rel for rel in files[split]]
            cached[f"x_{split}"] = decode(paths, info.image_shape)
        _write_cache(path, cached)
    return cached["x_train"], cached["y_train"], cached["x_test"], cached["y_test"]


def cache_key(info: TinyImageNetInfo, digest: str) -> str:
    """What a cache must have been made from: decoder version, JPEG digest, class order."""
    text = f"{CACHE_VERSION}\n{digest}\n{' '.join(info.wnids)}\n{info.image_shape}"
    return hashlib.sha256(text.encode()).hexdigest()


def decode(paths: list[Path], shape: tuple[int, int, int]) -> np.ndarray:
    """The images in `paths` as one (N, H, W, 3) uint8 array; DataError naming a bad file."""
    height, width, _ = shape
    images = np.empty((len(paths), *shape), dtype=np.uint8)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                rgb = image.convert("RGB")  # a few Tiny ImageNet files are greyscale
        except (OSError, ValueError, Image.DecompressionBombError) as err:
            raise DataError(
                f"{path} cannot be decoded as an image ({err}). It is damaged: delete the "
                f"dataset folder {path.parents[2]} and load it again to get a fresh copy."
            ) from err
        if rgb.size != (width, height):
            raise DataError(
                f"{path} is {rgb.size[0]}x{rgb.size[1]} pixels, expected {width}x{height}. "
                f"It is not from this dataset: delete the dataset folder {path.parents[2]} "
                f"and load it again to get a fresh copy."
            )
        images[i] = np.asarray(rgb)
    return images


def _read_cache(path: Path, expected: dict, shape: tuple) -> dict | None:
    """The cached arrays if `path` holds exactly what `expected` describes, else None."""
    if not path.is_file():
        return None
    try:
        # Opened here, not by np.load, which leaks its file when the zip directory is bad.
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(FIELDS):
                raise ValueError(f"it holds {sorted(npz.files)}")
            arrays = {name: npz[name] for name in FIELDS}  # reading checks each member's CRC
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile,
            pickle.UnpicklingError) as err:
        _note(f"ignoring the damaged cache {path} ({err}); decoding the JPEGs again")
        return None
    for name, want in expected.items():
        if arrays[name].dtype != want.dtype or not np.array_equal(arrays[name], want):
            _note(f"ignoring the stale cache {path} (its {name} differs); decoding the JPEGs again")
            return None
    for split in SPLITS:
        x = arrays[f"x_{split}"]
        if x.dtype != np.uint8 or x.shape != (len(expected[f"y_{split}"]), *shape):
            _note(f"ignoring the damaged cache {path} (x_{split} is {x.dtype} {x.shape}); "
                  f"decoding the JPEGs again")
            return None
    return arrays


def _write_cache(path: Path, arrays: dict) -> None:
    """Write the cache atomically; when that fails just say so, since a cache never stops a load."""
    folder = path.parent
    # Root may write anywhere; a folder without write bits is meant to stay read-only
    # (a shared copy of the data), so nothing is added to it.
    if not (os.access(folder, os.W_OK) and folder.stat().st_mode & 0o222):
        _note(f"{folder} is read-only, so the decoded images are not cached there; loading "
              f"decodes the JPEGs each time (copy the folder somewhere writable to avoid it)")
        return
    try:
        # A file object, not a path: np.savez would add ".npz" to the temporary file's name.
        with atomic_file(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **{name: arrays[name] for name in FIELDS})
    except OSError as err:
        _note(f"could not write the cache {path} ({err}); loading decodes the JPEGs each time")


def _note(message: str) -> None:
    """A one-line notice on stderr: caches never stop a build, but the reader should know."""
    print(f"cnnbook: {message}", file=sys.stderr)

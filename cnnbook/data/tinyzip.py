"""Download tiny-imagenet-200.zip and extract a few of its classes, verified, into a folder."""

import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import zipfile
from contextlib import contextmanager
from pathlib import Path

from .catalog import TinyImageNetInfo
from .download import _stream, sha256_file  # _stream: fetch's download loop, minus the SHA-256
from .errors import DataError
from .jpegfolder import MANIFEST, problems, scan

ROOT = "tiny-imagenet-200/"  # every member of the archive is under this folder
_TRAIN = re.compile(re.escape(ROOT) + r"train/(n[0-9]+)/images/([A-Za-z0-9_]+\.JPEG)")
_VAL = re.compile(re.escape(ROOT) + r"val/images/([A-Za-z0-9_]+\.JPEG)")
METADATA = ("classes.tsv", "val_annotations.txt", "wnids.txt", "words.txt")


def install(info: TinyImageNetInfo, folder: Path) -> None:
    """Download the archive, extract `info`'s classes, verify them, and rename them onto `folder`.

    The archive's own SHA-256 is not published, so it is not checked: the extracted JPEGs are,
    against `info.jpeg_digest`. The archive goes to a temporary file and the classes to a
    temporary folder, both next to `folder` and both removed afterwards, so `folder` is
    either absent, the old folder, or the complete verified one. Mirrors are tried in order.
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
        with _temporary_file(parent, info.archive) as archive:
            try:
                _stream(url, archive, f"{info.name} (from {info.archive})")
            except (OSError, http.client.HTTPException, ValueError) as err:
                # OSError covers URLError, HTTPError, timeouts and refused connections;
                # ValueError an unknown URL scheme.
                if isinstance(err, urllib.error.HTTPError):
                    err.close()  # an HTTPError holds the open response
                tried.append(f"  {url}: {getattr(err, 'reason', None) or err}")
                continue
            trouble = _install_from(info, archive, folder)
        if trouble is None:
            return
        tried.append(f"  {url}: downloaded, but {trouble}")
    raise DataError(
        f"could not get {info.name} into {folder}. Tried:\n"
        + ("\n".join(tried) or "  (no mirrors given)")
        + f"\nCheck the network connection; or download {info.archive} by hand and unpack, for "
        f"each of the wnids {', '.join(info.wnids)}, {ROOT}train/<wnid>/images/*.JPEG into "
        f"{folder}/train/<wnid>/ and its val images (see {ROOT}val/val_annotations.txt) into "
        f"{folder}/val/<wnid>/; or copy a prepared {info.name}/ folder to {folder}."
    )


def _install_from(info: TinyImageNetInfo, archive: Path, folder: Path) -> str | None:
    """Extract, verify and rename into place; None on success, else what went wrong."""
    staged = None
    try:
        staged = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.",
                                       suffix=".part"))
        extract(info, archive, staged)
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
    finally:
        # Also runs on KeyboardInterrupt: no half-extracted folder is left behind.
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)


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
        for sub in ("train", "val"):
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
            with z.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
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
        (out / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_manifest(folder: Path, jpeg_hashes: dict[str, str]) -> None:
    """SHA256SUMS for the JPEGs and metadata files, sorted by path (`sha256sum -c` reads it)."""
    hashes = dict(jpeg_hashes)
    for name in METADATA:
        if (folder / name).is_file():
            hashes[name] = sha256_file(folder / name)
    text = "".join(f"{hashes[path]}  {path}\n" for path in sorted(hashes))
    (folder / MANIFEST).write_text(text, encoding="utf-8")


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


def _replace_dir(staged: Path, folder: Path) -> None:
    """Rename `staged` onto `folder`; an old `folder` is moved aside first, then deleted."""
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


@contextmanager
def _temporary_file(folder: Path, name: str):
    """A fresh hidden file `.<name>.*.part` in `folder`, deleted on leaving the block."""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    except OSError as err:
        raise DataError(
            f"cannot write a temporary file into {folder} ({err}). "
            f"Set CNNBOOK_DATA_DIR to a folder you can write to."
        ) from err
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)

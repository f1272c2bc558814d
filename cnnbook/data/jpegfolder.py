"""Check a folder of JPEGs against one pinned SHA-256 over its manifest, and name what differs."""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .catalog import TinyImageNetInfo
from .download import sha256_file

MANIFEST = "SHA256SUMS"  # `sha256sum -c` format, written next to the images
SPLITS = {"train": "train", "test": "val"}  # split -> sub-folder; the official val set is our test set
SHOWN = 5  # how many file names a message lists before "and N more"


@dataclass(frozen=True)
class Scan:
    """The JPEGs found in a folder: {relative path: SHA-256} and the digest over them."""

    folder: Path
    hashes: dict[str, str]
    digest: str


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

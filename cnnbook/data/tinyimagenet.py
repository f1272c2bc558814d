"""Tiny ImageNet subsets on disk: find and verify the JPEG folder, or download and extract it."""

import sys
from pathlib import Path

from .catalog import TinyImageNetInfo
from .errors import DataError
from .jpegfolder import Scan, problems, scan
from .locations import dataset_dir, offline
from .tinyzip import install


def verify(info: TinyImageNetInfo) -> Scan:
    """Check the dataset folder against the pinned digest; downloads nothing.

    Raises DataError when the folder is missing, or naming missing, unexpected and damaged files.
    """
    folder = dataset_dir(info.name)
    if not folder.is_dir():
        raise DataError(missing_message(info, folder, "verify downloads nothing."))
    found = scan(folder)
    if lines := problems(info, found):
        raise DataError(damaged_message(info, found, lines))
    return found


def ensure(info: TinyImageNetInfo) -> Scan:
    """Make the dataset folder present and verified, downloading and extracting it if needed.

    With CNNBOOK_OFFLINE=1 nothing is downloaded: a missing or damaged folder is a DataError.
    """
    folder = dataset_dir(info.name)
    if folder.is_dir():
        found = scan(folder)
        lines = problems(info, found)
        if not lines:
            return found
        if offline():
            raise DataError(damaged_message(info, found, lines))
        # Not offline: a fresh verified copy will replace it; the old folder stays if that fails.
        print(
            f"cnnbook: {folder} is incomplete or damaged ({'; '.join(lines)}); "
            f"downloading a fresh copy",
            file=sys.stderr,
        )
    elif offline():
        raise DataError(missing_message(
            info, folder, "CNNBOOK_OFFLINE is set, so it was not downloaded."
        ))
    install(info, folder)
    return scan(folder)


def missing_message(info: TinyImageNetInfo, folder: Path, why: str) -> str:
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


def damaged_message(info: TinyImageNetInfo, found: Scan, lines: list[str]) -> str:
    """Say what differs from the pinned digest and how to get a good copy."""
    return (
        f"dataset {info.name} in {found.folder} is incomplete or damaged: the SHA-256 over its "
        f"{len(found.hashes)} JPEGs is {found.digest}, expected {info.jpeg_digest}.\n  "
        + "\n  ".join(lines)
        + f"\nDelete {found.folder} and load the dataset with network access (CNNBOOK_OFFLINE "
        f"unset) to download and extract {' or '.join(info.archive_urls())} again, copy a good "
        f"{info.name}/ folder there, or set CNNBOOK_DATA_DIR to a folder that holds one."
    )

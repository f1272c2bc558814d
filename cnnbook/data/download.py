"""Fetch a file from a list of mirrors, verified by SHA-256, never leaving a half file behind."""

import hashlib
import http.client
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from cnnbook.errors import DataError
from cnnbook.files import atomic_file
from .locations import offline

TIMEOUT_S = 60
CHUNK = 1 << 20  # 1 MiB: large enough to be fast, small enough for a smooth progress bar
USER_AGENT = "cnnbook (explorable CNN textbook)"
# What a failed download raises: OSError covers URLError, HTTPError, timeouts and refused
# connections; ValueError an unknown URL scheme.
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException, ValueError)


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks so big files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(urls: list[str], dest: Path, sha256: str, *, desc: str | None = None) -> Path:
    """Make sure `dest` exists with the given SHA-256, downloading it from `urls` if needed.

    Mirrors are tried in order. A download goes to a temporary file next to `dest` and is
    renamed onto `dest` only once its checksum matches, so `dest` is either absent, the old
    file, or the complete verified file. Raises DataError when that cannot be achieved.
    """
    dest = Path(dest)
    if dest.exists():
        actual = sha256_file(dest)
        if actual == sha256:
            return dest
        if offline():
            raise DataError(
                f"{dest} is damaged or not the expected file: its SHA-256 is {actual}, "
                f"expected {sha256}. Delete it and run again without CNNBOOK_OFFLINE to "
                f"download a fresh copy, or replace it with a good copy from one of: "
                f"{', '.join(urls)}"
            )
        # Not offline: a fresh verified copy will replace it; the old file stays if that fails.
        print(
            f"cnnbook: {dest} has SHA-256 {actual}, expected {sha256}; downloading a fresh copy",
            file=sys.stderr,
        )
    elif offline():
        raise DataError(
            f"{dest.name} is missing: it should be at {dest} "
            f"(layout: $CNNBOOK_DATA_DIR/{dest.parent.name}/{dest.name}; the data folder in use "
            f"is {dest.parent.parent}). CNNBOOK_OFFLINE is set, so it was not downloaded. "
            f"Put a copy there (SHA-256 {sha256}; get it from {' or '.join(urls)}), "
            f"point CNNBOOK_DATA_DIR at a folder that has it, or unset CNNBOOK_OFFLINE."
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(
            f"cannot create the folder {dest.parent} for {dest.name} ({err}). "
            f"Set CNNBOOK_DATA_DIR to a folder you can write to."
        ) from err
    return _download_verified(urls, dest, sha256, desc or dest.name)


class _Rejected(Exception):
    """Aborts one mirror's download: its temporary file is deleted, the next mirror is tried."""


def _download_verified(urls: list[str], dest: Path, sha256: str, desc: str) -> Path:
    """Try each mirror into a temporary file; the first one whose SHA-256 matches becomes `dest`."""
    tried = []
    for url in urls:
        try:
            # atomic_file renames the download onto dest only if the block ends cleanly, and
            # deletes it on any exception, Ctrl-C included: no .part file is left behind.
            with atomic_file(dest) as tmp:
                try:
                    actual = stream(url, tmp, desc)
                except DOWNLOAD_ERRORS as err:
                    raise _Rejected(failure(err)) from err
                if actual != sha256:
                    raise _Rejected(f"downloaded, but its SHA-256 is {actual}, expected {sha256}")
        except _Rejected as why:
            tried.append(f"  {url}: {why}")
            continue
        return dest
    raise DataError(
        f"could not download {dest.name} to {dest}. Tried:\n"
        + ("\n".join(tried) or "  (no mirrors given)")
        + f"\nCheck the network connection, or download the file by hand, check that its "
        f"SHA-256 is {sha256}, and put it at {dest}."
    )


def stream(url: str, tmp: Path, desc: str) -> str:
    """Copy `url` into `tmp` with a progress bar; return the SHA-256 of what arrived.

    A failure raises one of DOWNLOAD_ERRORS; the caller decides whether the bytes are kept.
    """
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(tmp, "wb") as out:
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc) as bar:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)  # hash while writing: no second pass over the file
                bar.update(len(chunk))
    return digest.hexdigest()


def failure(err: BaseException) -> str:
    """Why a download failed, in a few words, for the list of mirrors tried."""
    if isinstance(err, urllib.error.HTTPError):
        err.close()  # an HTTPError holds the open response
    return str(getattr(err, "reason", None) or err)

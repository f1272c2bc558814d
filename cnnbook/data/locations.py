"""Where datasets live on disk, and whether the network may be used to fetch them."""

import os
from pathlib import Path

from cnnbook.errors import DataError

# Values of CNNBOOK_OFFLINE, in the spellings people use for a boolean switch.
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"", "0", "false", "no", "off", "n", "f"}


def data_dir() -> Path:
    """The folder that holds one sub-folder per dataset (`mnist/`, `fashion-mnist/`, ...).

    `$CNNBOOK_DATA_DIR` wins; otherwise the user cache dir, so that downloads are shared
    by every checkout of the book and survive `make clean`.
    """
    explicit = os.environ.get("CNNBOOK_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "cnnbook"


def dataset_dir(name: str) -> Path:
    """The folder of one dataset, e.g. `<data_dir>/mnist`."""
    return data_dir() / name


def offline() -> bool:
    """True when `$CNNBOOK_OFFLINE` is set to 1, true, yes or on: a missing file is then an error.

    Anything that is neither a yes nor a no is refused: a typo must not silently mean "online".
    """
    value = os.environ.get("CNNBOOK_OFFLINE", "")
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise DataError(f"CNNBOOK_OFFLINE={value!r} is neither on nor off: set it to 1 (or true, yes, on) to never "
                    "download, or to 0 (or false, no, off), or unset it, to allow downloads")

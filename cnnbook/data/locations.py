"""Where datasets live on disk, and whether the network may be used to fetch them."""

import os
from pathlib import Path

# Values of CNNBOOK_OFFLINE that mean "never download".
_TRUE = {"1", "true", "yes"}


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
    """True when `$CNNBOOK_OFFLINE` is "1", "true" or "yes": a missing file is then an error."""
    return os.environ.get("CNNBOOK_OFFLINE", "").strip().lower() in _TRUE

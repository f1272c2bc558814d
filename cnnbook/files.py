"""Writing files so that a reader never sees half of one: the one atomic write of cnnbook.

Every single file the build, the pages or the data layer writes goes through `atomic_file`:
the bytes go to a temporary file in the same folder, which is renamed over the target only
when complete. A build killed half-way leaves at most a `.<name>.*.part` file, never a half
file. (Cache entries, several files at once, are written into a temporary folder that is
renamed whole: `cnnbook.cache.write_entry`.)
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_file(path: Path | str, mode: int = 0o644):
    """Yield the path of a temporary file; on a clean exit it is renamed to `path`.

    An exception inside the block (a failed checksum, say) deletes the temporary file and
    leaves any existing `path` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so os.replace is an atomic rename, not a copy.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(mode)  # mkstemp makes files private; what we write is not secret
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path | str, data: bytes | str) -> None:
    """Write one file atomically."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)

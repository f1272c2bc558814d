"""Write generated pages into build/docs, touching only files whose bytes changed."""

from __future__ import annotations

import os
from pathlib import Path

from cnnbook.cache import atomic_write


def publish(docs_dir: Path, files: dict[str, bytes]) -> dict[str, int]:
    """Make `docs_dir` hold exactly `files`; returns counts of written, kept and removed files.

    Unchanged files keep their timestamps, so `mkdocs serve` reloads only what changed.
    """
    docs_dir = Path(docs_dir)
    written = kept = removed = 0
    for rel, data in sorted(files.items()):
        target = docs_dir / rel
        if target.is_file() and target.read_bytes() == data:
            kept += 1
            continue
        atomic_write(target, data)
        written += 1
    if docs_dir.is_dir():
        wanted = {str(Path(rel)) for rel in files}
        for path in sorted(docs_dir.rglob("*"), reverse=True):
            rel = str(path.relative_to(docs_dir))
            if path.is_file() and rel not in wanted:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                os.rmdir(path)
    return {"written": written, "kept": kept, "removed": removed}

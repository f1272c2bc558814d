"""Content-addressed, atomically written cache entries under `build/cache/`.

An entry is a folder named `<label>-<hash>` holding a few files and a `manifest.json`
with the SHA-256 of each. It is written into a temporary folder and renamed into place,
so a build killed half-way leaves at most a `.tmp-*` folder, which the next build removes.
An entry whose files no longer match its manifest is corrupt: it is deleted, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from cnnbook.errors import CorruptCacheError
from cnnbook.files import atomic_write

__all__ = ["CorruptCacheError", "atomic_write"]  # re-exported for the stages that use the cache

MANIFEST = "manifest.json"




def content_key(parts: dict) -> str:
    """A SHA-256 over a JSON-serialisable description of everything an output depends on."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def file_digest(*paths: Path) -> str:
    """The SHA-256 of the concatenated contents of some files (e.g. source code)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour shapes the numbers in the book."""
    from importlib.metadata import version

    names = ["jax", "jaxlib", "flax", "optax", "numpy", "matplotlib", "mkdocs", "mkdocs-material"]
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except Exception:  # not installed: say so instead of failing
            found[name] = "not installed"
    return found


def machine() -> dict[str, str | int]:
    """The CPU the build runs on. XLA compiles for it (AVX2 or AVX-512 vectors), so weights
    trained on another kind of CPU differ in their last bits, and so may an accuracy."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
            if flags and name:
                break
    except OSError:  # not Linux: the processor name alone
        pass
    isa = next((label for flag, label in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                                           ("asimd", "NEON")) if flag in flags), "unknown vectors")
    found = {"cpu": name, "vector_isa": isa, "cores": os.cpu_count() or 1}
    device = accelerator()
    return {**found, "accelerator": device} if device else found


def accelerator() -> str | None:
    """The accelerator JAX computes on (e.g. "NVIDIA H200"), or None on the CPU. Weights trained on a
    GPU (the `full` profile) say so, not just the host's CPU. Asked of a JAX this process has already
    imported only: one that has not computes nothing on any device, and importing JAX costs a second."""
    jax = sys.modules.get("jax")
    if jax is None or jax.default_backend() == "cpu":
        return None
    return jax.devices()[0].device_kind


def entry_dir(root: Path, label: str, key: str) -> Path:
    """Where the entry for (label, key) lives."""
    return Path(root) / f"{label}-{key[:16]}"


def write_entry(final: Path, files: dict[str, bytes]) -> Path:
    """Write `files` as one entry at `final`, atomically; returns `final`."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
    try:
        manifest = {}
        for name, data in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
            manifest[name] = hashlib.sha256(data).hexdigest()
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def read_entry(path: Path, names: list[str] | None = None) -> dict[str, bytes]:
    """Read an entry's files, checking each against the manifest (`CorruptCacheError` if not)."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise CorruptCacheError(f"{path}: unreadable {MANIFEST} ({err})") from None
    out = {}
    for name in names if names is not None else sorted(manifest):
        if name not in manifest:
            raise CorruptCacheError(f"{path}: {name} is not in the manifest")
        try:
            data = (path / name).read_bytes()
        except OSError as err:
            raise CorruptCacheError(f"{path}: cannot read {name} ({err})") from None
        if hashlib.sha256(data).hexdigest() != manifest[name]:
            raise CorruptCacheError(f"{path}: {name} does not match its checksum")
        out[name] = data
    return out


def is_complete(path: Path) -> bool:
    """Whether an entry exists (its manifest was the last thing written)."""
    return (Path(path) / MANIFEST).is_file()


def discard(path: Path) -> None:
    """Delete an entry (after it was found corrupt)."""
    shutil.rmtree(path, ignore_errors=True)


def remove_partial(root: Path) -> list[Path]:
    """Delete the `.tmp-*` leftovers of builds that were killed; returns what was removed."""
    root = Path(root)
    removed = []
    if root.is_dir():
        for tmp in root.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed

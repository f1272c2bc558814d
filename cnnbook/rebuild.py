"""What a rebuild may skip, decided from checksums alone: no JAX imported, no model loaded.

A finished build writes build/record.json. It holds two keys of what went in:

- the networks' key: the package's code (every file of it, and any network folder added to the
  models' path), the installed libraries' versions, the datasets' pinned checksums, CNN
  Explainer's files, the profile and the networks asked for. Every training, capture and export
  cache key is made of a subset of these, so while this key is unchanged those stages would only
  find what they wrote last time;
- the pages' key: the networks' key and every file of book/.

and the checksums of what came out: the stages' manifests (build/trained.json …), the
generated pages (build/docs) and the site (build/site). The next build computes both keys again
(`plan`): both equal and every output intact, there is nothing to do; the networks' key equal and
their manifests intact, only the pages and the site are redone; anything else, the whole build
runs, its stages reusing their own caches as before. A damaged or missing output, or an unreadable
record, only ever means more work, never a stale page.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cnnbook import cache
from cnnbook.profiles import Profile

RECORD = "record.json"
FORMAT = 1
# The stages' manifests the pages and the report read, written by the networks' stages.
MANIFESTS = ("trained.json", "captured.json", "exported.json", "experiments.json")
# What the pages and site stages write (build/mkdocs.yml is the package's, copied).
OUTPUTS = ("docs", "site", "nav.json", "mkdocs.yml")

NOTHING, PAGES, ALL = "nothing", "pages", "all"


@dataclass(frozen=True)
class Inputs:
    """The two keys of a build's inputs."""

    networks: str
    pages: str


def inputs(profile: Profile, networks: list[str] | None, book: Path) -> Inputs:
    """The keys of what a build of `profile` (these `networks`, or all) from `book` depends on."""
    from cnnbook import data
    from cnnbook.data.samples import extras_digest

    networks_key = cache.content_key({
        "format": FORMAT,
        "profile": profile.name,
        "networks": networks,
        "code": tree_digest(*code_folders()),
        "libraries": installed_versions(),
        "python": sys.version,
        "data": {name: data.dataset_checksum(name, synthetic=profile.synthetic) for name in data.catalog.names()},
        "extras": extras_digest(),
    })
    return Inputs(networks_key, cache.content_key({"networks": networks_key, "book": tree_digest(book)}))


def code_folders() -> list[Path]:
    """The package's folder and any folder of network files added to the models' path (by tests, users).

    The models package is not imported for this (that would import Flax): its path is read
    from the loaded module when it is loaded, else from where Python would find it.
    """
    import importlib.util

    package = Path(__file__).parent
    models = sys.modules.get("cnnbook.models")
    folders = list(models.__path__) if models is not None else \
        list(importlib.util.find_spec("cnnbook.models").submodule_search_locations)
    return [package, *(Path(f) for f in folders if not Path(f).resolve().is_relative_to(package.resolve()))]


def installed_versions() -> list[str]:
    """Every installed distribution with its version, as its metadata folder is named
    ("numpy-2.1.0.dist-info"): any library can change a number or a page. Read from the folder
    names alone; parsing each package's metadata would cost a rebuild a fifth of a second."""
    found = set()
    # Installed packages only: the current folder, also on the path, depends on where a build is started.
    for folder in {f for f in sys.path if Path(f).name in ("site-packages", "dist-packages")}:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found.update(name for name in names if name.endswith((".dist-info", ".egg-info")))
    return sorted(found)


def tree_digest(*folders: Path) -> str:
    """A SHA-256 over the relative paths and bytes of every file below `folders` (caches excluded).

    A missing folder counts as empty, so a deleted output never matches what was recorded.
    """
    digest = hashlib.sha256()
    for folder in folders:
        folder = Path(folder)
        digest.update(f"\0folder {folder.name}\0".encode())
        if folder.is_file():
            digest.update(folder.read_bytes())
            continue
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if folder.is_dir() else []
        for path in files:
            digest.update(f"\0{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _manifests_digest(build: Path) -> str:
    return tree_digest(*(build / name for name in MANIFESTS))


def outputs_digests(build: Path, known: dict[str, str] | None = None) -> dict[str, str]:
    """{output: checksum} of build/docs, build/site …; those in `known` (just computed) are not hashed again."""
    known = known or {}
    return {name: known.get(name) or tree_digest(Path(build) / name) for name in OUTPUTS}


def _entries(build: Path) -> list[Path]:
    """The cache entries the manifests point at (each must still be complete to be reused)."""
    found = []
    for name, field_ in (("trained.json", None), ("captured.json", "capture"), ("exported.json", None)):
        networks = json.loads((build / name).read_text())["networks"]
        for value in networks.values():
            found.append(build / (value[field_] if field_ else value))
    return found


def read(build: Path) -> dict | None:
    """The last build's record, or None (absent, unreadable, or of another format)."""
    try:
        record = json.loads((Path(build) / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


@dataclass(frozen=True)
class Plan:
    """What a build must redo, and the checksums `plan` computed on the way (reused, not recomputed)."""

    todo: str  # NOTHING, PAGES (the pages and the site) or ALL
    manifests: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)


def plan(build: Path, now: Inputs) -> Plan:
    """What this build must redo, decided from the record of the last one and checksums alone."""
    build = Path(build)
    record = read(build)
    if record is None or record.get("networks_key") != now.networks:
        return Plan(ALL)
    try:
        manifests = _manifests_digest(build)
        if record.get("manifests") != manifests or not all(cache.is_complete(entry) for entry in _entries(build)):
            return Plan(ALL)
    except (OSError, ValueError, KeyError, TypeError):  # a manifest damaged since: redo it all
        return Plan(ALL)
    outputs = outputs_digests(build)
    unchanged = record.get("pages_key") == now.pages and record.get("outputs") == outputs
    return Plan(NOTHING if unchanged else PAGES, manifests, outputs)


def write(build: Path, now: Inputs, networks: dict, pages: int, *, manifests: str | None = None,
          outputs: dict[str, str] | None = None) -> None:
    """Record a finished build: its keys, its outputs' checksums, and what its report says of its networks.

    `manifests` and `outputs` are checksums the build already has (of what it did not change since,
    or just wrote); the others are computed here. Written last, after the site is in place: a
    build stopped before leaves the older record, whose output checksums then no longer match, so
    the next build redoes the pages at least.
    """
    build = Path(build)
    record = {"format": FORMAT, "networks_key": now.networks, "pages_key": now.pages,
              "manifests": manifests or _manifests_digest(build), "outputs": outputs_digests(build, outputs),
              "networks": networks, "pages": pages}
    cache.atomic_write(build / RECORD, json.dumps(record, indent=1, sort_keys=True))


def recorded_networks(build: Path) -> tuple[dict, int]:
    """The report's per-network summary and page count from the record, each network now a cache hit."""
    record = read(build) or {}
    networks = {name: {**summary, "cache_hit": True} for name, summary in record.get("networks", {}).items()}
    return networks, int(record.get("pages", 0))

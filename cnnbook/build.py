"""`cnnbook build`: data → train → capture → pages → site, each stage reusing what is still valid.

The stages communicate through files under build/: the train stage writes build/cache/ and
build/trained.json (which cache entry holds each network); the capture stage runs each
network once on the inputs the pages follow and writes build/capture/ and
build/captured.json; the pages stage reads only those and writes build/docs; MkDocs turns
build/docs into build/site.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from cnnbook import cache, data, rebuild
from cnnbook.errors import BuildError
from cnnbook.profiles import Profile, get_profile

SMOKE_BANNER = (
    '!!! warning "Smoke build: synthetic data"\n\n'
    "    This page was built with the `smoke` profile from synthetic look-alike data, not the real "
    "datasets; its numbers say nothing about the real networks. Run `make book` for the real book."
)


@dataclass
class Paths:
    """Where a build reads and writes: chapters from `book` (default root/book), output in root/build."""

    root: Path
    book: Path | None = None
    build: Path = field(init=False)
    cache: Path = field(init=False)
    capture: Path = field(init=False)
    export: Path = field(init=False)
    docs: Path = field(init=False)
    site: Path = field(init=False)
    config: Path = field(init=False)

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        self.build = self.root / "build"
        self.cache = self.build / "cache"
        self.capture = self.build / "capture"
        self.export = self.build / "export"
        self.docs = self.build / "docs"
        self.site = self.build / "site"
        self.config = self.build / "mkdocs.yml"  # written by the site stage from the package's own
        self.book = (self.root / "book") if self.book is None else Path(self.book).resolve()


@contextmanager
def build_lock(paths: Paths):
    """Hold build/.lock while building: a second build in the same folder waits for the first.

    Two builds writing one build/ at once would leave a site of mixed, missing files. The lock
    is the operating system's (flock), so a killed build never leaves it held.
    """
    import fcntl

    if paths.build.exists() and not paths.build.is_dir():
        raise BuildError(f"{paths.build} is a file, not a folder: the build writes its output there; "
                         "move the file away or delete it")
    try:
        paths.build.mkdir(parents=True, exist_ok=True)
        handle = open(paths.build / ".lock", "a+")
    except OSError as err:
        raise BuildError(f"cannot write to {paths.build} ({err.strerror}): the build needs a writable "
                         "build/ folder; fix its permissions or build from a writable copy") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            print(f"another cnnbook build is running in {paths.build} ({holder}); waiting for it to finish",
                  flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def package_digest() -> str:
    """A checksum of the cnnbook package's code: chapters rerun when it changes."""
    pkg = Path(__file__).parent
    files = sorted(p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts)
    return cache.file_digest(*files)


class Timer:
    """Seconds spent in each stage, and in the parts of each (per network, per page, per step).

    The parts say where a stage's time goes (verifying files, hashing a cache entry, training,
    rendering one atlas), so report.json can answer why a rebuild is slow.
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.details: dict[str, dict[str, float]] = {}
        self._stage: str | None = None

    @contextmanager
    def stage(self, name: str):
        print(f"== {name}", flush=True)
        self._stage, t0 = name, time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - t0, 3)
            self._stage = None

    def record(self, name: str, seconds: float) -> None:
        """Add `seconds` to a part of the current stage, timed elsewhere (in a worker process)."""
        if self._stage is not None:
            parts = self.details.setdefault(self._stage, {})
            parts[name] = round(parts.get(name, 0.0) + seconds, 3)

    @contextmanager
    def part(self, name: str):
        """Time one part of the current stage (a no-op outside a stage)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.record(name, time.perf_counter() - t0)


NO_TIMER = Timer()  # for stages run on their own (serve, tests): parts are not recorded


def stage_data(profile: Profile, nets: list[str], timer: Timer = NO_TIMER) -> dict[str, str]:
    """Make sure every dataset the networks need is present and verified (downloading what is missing).

    Returns {dataset: checksum}; the train stage keys its cache with these, so each is computed once.
    """
    from cnnbook.models import registry

    checksums = {}
    for dataset in sorted({registry.get(n).dataset for n in nets} - {None}):  # None: a network never trained
        if not profile.synthetic:
            with timer.part(f"verify {dataset}"):
                data.ensure(dataset)
        with timer.part(f"checksum {dataset}"):
            checksums[dataset] = data.dataset_checksum(dataset, synthetic=profile.synthetic)
    return checksums


def stage_train(profile: Profile, nets: list[str], paths: Paths, checksums: dict[str, str], progress: bool,
                timer: Timer = NO_TIMER, after_each=None):
    """Train (or find in the cache) every network; record where each one lives in build/trained.json.

    `after_each(name, trained)` is called as each network is ready (the early captures' queue).
    """
    from cnnbook.models import registry
    from cnnbook.trained import ensure_trained

    removed = cache.remove_partial(paths.cache)
    if removed:
        print(f"removed {len(removed)} partial cache entr{'y' if len(removed) == 1 else 'ies'} of an interrupted build")
    trained = {}
    for n in nets:
        spec = registry.get(n)
        with timer.part(n):  # a cache hit: reading and checking the entry; a miss: training
            trained[n] = ensure_trained(spec, profile, paths.cache, data_checksum=checksums[spec.dataset] if spec.trained else None,
                                        progress=progress)
        if after_each is not None:
            after_each(n, trained[n])
    manifest = {"profile": profile.name,
                "networks": {n: str(t.cache_dir.relative_to(paths.build)) for n, t in trained.items()}}
    cache.atomic_write(paths.build / "trained.json", json.dumps(manifest, indent=1, sort_keys=True))
    return trained


def stage_experiments(profile: Profile, nets: list[str], paths: Paths, checksums: dict[str, str], progress: bool,
                      timer: Timer = NO_TIMER) -> dict:
    """Run (or find in the training cache) the experiments of the networks built; build/experiments.json."""
    from cnnbook import experiments
    from cnnbook.manifests import RESULTS_FILE
    from cnnbook.models import registry

    results = {}
    for experiment in experiments.for_networks(nets):
        dataset = registry.get(experiment.base).dataset
        with timer.part(f"experiment {experiment.name}"):
            results[experiment.name] = experiments.run(experiment, profile, paths.cache,
                                                       data_checksum=checksums[dataset], progress=progress)
    cache.atomic_write(paths.build / RESULTS_FILE, json.dumps(results, indent=1, sort_keys=True))
    return results


def capture_network(profile: Profile, t, paths: Paths, extras: str) -> tuple[Path, float]:
    """One trained network's capture entry (reused when intact): where it is, and the seconds it took."""
    from cnnbook.capture import ensure_captured

    folder = paths.capture / t.spec.name
    if folder.is_dir():
        cache.remove_partial(folder)

    def dataset(train_images: int, spec=t.spec):
        """The network's test set and the first `train_images` of its training set (from every class)."""
        if not spec.trained:
            return None  # it is run on its photos
        n_train = min(profile.n_train or train_images, train_images)
        return spec.prepared(data.load(spec.dataset, synthetic=profile.synthetic, n_train=n_train,
                                       n_test=profile.n_test))

    start = time.perf_counter()  # a hit: checking the entry's checksums; a miss: running every layer
    where = ensure_captured(t, dataset, paths.capture, extras=extras)
    return where, time.perf_counter() - start


def stage_capture(profile: Profile, trained: dict, paths: Paths, timer: Timer = NO_TIMER,
                  early: dict | None = None) -> dict[str, Path]:
    """Capture what the pages show of every network; record the entries in build/captured.json.

    `early`: {network: future of (entry, seconds)} for the captures already running in the
    background (`EarlyCaptures`); they are waited for, and the others captured here.
    """
    from cnnbook.data.samples import extras_digest
    from cnnbook.trained import STATE

    extras = extras_digest()
    early = early or {}

    def capture_one(n: str, t) -> Path:
        where, seconds = capture_network(profile, t, paths, extras)
        timer.record(n, seconds)
        return where

    # Two networks at once: XLA keeps about one and a half of two cores busy with one network's
    # capture (single images, small batches, NumPy between them); a second fills the rest.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {n: pool.submit(capture_one, n, t) for n, t in trained.items() if n not in early}
        try:
            captured = {}
            for n in trained:
                if n in early:
                    where, seconds = early[n].result()
                    timer.record(f"{n} (begun while training)", seconds)  # mostly on cores training left idle
                    captured[n] = Path(where)
                else:
                    captured[n] = jobs[n].result()
        except BaseException:
            for job in jobs.values():
                job.cancel()
            raise
    manifest = {"profile": profile.name, "networks": {
        n: {"capture": str(where.relative_to(paths.build)),
            "weights": str((trained[n].cache_dir / STATE).relative_to(paths.build))}
        for n, where in captured.items()}}
    cache.atomic_write(paths.build / "captured.json", json.dumps(manifest, indent=1, sort_keys=True))
    return captured


class EarlyCaptures:
    """Captures that start as soon as their network is trained, while the next ones train.

    Training one of the small networks keeps about 1.65 of 2 cores busy; a capture in a worker
    process of the lowest priority (Linux's SCHED_IDLE, else nice 19) runs on what it leaves, so
    the training is hardly slowed and the capture stage finds most of its work done. Only a network
    trained in this build is queued (its capture is new too), and only in a real profile: the
    smoke profile's networks train in seconds, and a worker costs seconds to start.
    The workers are spawned, not forked: this process runs JAX, whose threads a fork would copy
    in the middle of their work.
    """

    WORKERS = 2

    def __init__(self, profile: Profile, paths: Paths, checksums: dict[str, str]):
        self.profile, self.paths, self.checksums = profile, paths, checksums
        self.jobs: dict = {}
        self._pool = None

    def __call__(self, name: str, t) -> None:
        """Queue the capture of network `name`, just trained (`stage_train`'s `after_each`)."""
        if t.cache_hit or not self.enabled(self.profile):
            return
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_lowest_priority)
        checksum = self.checksums[t.spec.dataset] if t.spec.trained else None
        self.jobs[name] = self._pool.submit(_capture_in_worker, self.profile.name, str(self.paths.root), name,
                                            checksum, _models_path())

    @staticmethod
    def enabled(profile: Profile) -> bool:
        return not profile.synthetic

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if self._pool is not None:
            if error is not None:  # a failed or interrupted build: its captures are not waited for
                _stop_workers(self._pool)
            self._pool.shutdown(wait=error is None, cancel_futures=error is not None)
        return False


def _lowest_priority() -> None:
    """Run this worker process only on cores nothing else wants (set before JAX starts its threads,
    which inherit it)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux
        os.nice(19)


def _capture_in_worker(profile_name: str, root: str, name: str, checksum: str | None,
                       models_path: list[str]) -> tuple[str, float]:
    """`capture_network` of a network found in the training cache, in an `EarlyCaptures` worker."""
    from cnnbook.data.samples import extras_digest
    from cnnbook.models import registry
    from cnnbook.trained import ensure_trained

    _use_models_path(models_path)
    profile, paths = get_profile(profile_name), Paths(Path(root))
    t = ensure_trained(registry.get(name), profile, paths.cache, data_checksum=checksum, progress=False)
    where, seconds = capture_network(profile, t, paths, extras_digest())
    return str(where), seconds


def stage_export(trained: dict, captured: dict[str, Path], paths: Paths, timer: Timer = NO_TIMER) -> dict[str, Path]:
    """Export each small trained network for the explorers; record the entries in build/exported.json."""
    from cnnbook.export import ensure_exported, explorable

    if paths.export.is_dir():
        cache.remove_partial(paths.export)
    exported = {}
    for n, t in trained.items():
        if explorable(t.metrics["params"], t.spec.trained):
            with timer.part(n):
                exported[n] = ensure_exported(t.spec, t, captured[n], paths.export)
    for stale in (paths.export.iterdir() if paths.export.is_dir() else []):
        if stale.is_dir() and stale.name not in exported:  # a network no longer built or no longer small
            shutil.rmtree(stale, ignore_errors=True)
    manifest = {"networks": {n: str(where.relative_to(paths.build)) for n, where in exported.items()}}
    cache.atomic_write(paths.build / "exported.json", json.dumps(manifest, indent=1, sort_keys=True))
    return exported


def page_banner(profile: Profile) -> str:
    """What every generated page starts with: a warning in a synthetic profile, else nothing."""
    return SMOKE_BANNER + "\n\n" if profile.synthetic else ""


def atlas_context(profile: Profile, entry: dict) -> dict:
    """What a network's atlas depends on besides its banner: the code, and that network's own capture
    and weights (`entry`, as build/captured.json records it). It shows one network, so neither the
    others nor the experiments are in its key: a network recaptured for its data or its training
    cache redraws its own atlas only (an edit to the package's code redraws every one)."""
    return {"profile": profile.name, "package": package_digest(), "capture": Path(entry["capture"]).name,
            "weights": entry["weights"]}


def page_context(profile: Profile, captured: dict, experiments: bytes = b"") -> dict:
    """What every generated page depends on besides its own source: the code, the captures, the experiments."""
    return {"profile": profile.name, "package": package_digest(),
            "networks": {n: Path(entry["capture"]).name for n, entry in captured.items()},
            "experiments": cache.content_key({"experiments": experiments.decode()})}


def stage_pages(profile: Profile, paths: Paths, progress: bool = True, timer: Timer = NO_TIMER) -> dict:
    """Chapters and atlases into build/docs from build/captured.json; returns {"pages": n, "executed": [...]}."""
    from cnnbook.manifests import read_manifest
    from cnnbook.pages.chapters import build_chapter

    captured = read_manifest(paths.build)["networks"]
    banner = page_banner(profile)
    from cnnbook.manifests import RESULTS_FILE

    results = paths.build / RESULTS_FILE
    context = page_context(profile, captured, results.read_bytes() if results.is_file() else b"")
    env = {"CNNBOOK_BUILD_DIR": str(paths.build), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    files: dict[str, bytes] = {}
    executed = []
    chapters = sorted(paths.book.glob("*.md"))
    if not chapters:
        raise BuildError(f"no chapters found: {paths.book} holds no .md files "
                         "(`cnnbook new-chapter NAME` writes one to start from)")
    bar = tqdm(total=len(chapters) + len(captured), desc="pages", unit="page", disable=not progress,
               mininterval=1.0)
    # The atlases found in the cache are read here; the others are drawn while the chapters run.
    atlases, missing = {}, []
    for name in captured:
        hit = _cached_atlas(name, atlas_context(profile, captured[name]), paths, banner)
        if hit is None:
            missing.append(name)
        else:
            atlases[name] = hit
            bar.update()

    def drawn(name: str, job) -> None:
        atlas_files, seconds = job.result()
        atlases[name] = atlas_files
        timer.record(f"atlas {name}", seconds)

    failed = threading.Event()  # once a chapter fails, no other one starts

    def chapter_files(chapter: Path):
        if failed.is_set():
            return None
        try:
            with timer.part(chapter.name):
                out = build_chapter(chapter, cache_root=paths.cache / "pages", build_dir=paths.build,
                                    context=context, env=env, banner=banner)
        except BaseException:
            failed.set()
            raise
        bar.update()
        return out

    # A chapter runs in its own Jupyter kernel while this process waits for it: two run at once, and
    # the atlases are drawn meanwhile, in one worker thread when there is one (the only thread that
    # draws), else in two worker processes (Matplotlib draws in one thread per process).
    with _atlas_workers(len(missing)) as pool, ThreadPoolExecutor(max_workers=2) as kernels:
        jobs = {name: pool.submit(_draw_atlas, name, captured[name], profile.name, paths, banner, _models_path())
                for name in missing}
        for job in jobs.values():
            job.add_done_callback(lambda _: bar.update())
        runs = [kernels.submit(chapter_files, chapter) for chapter in chapters]
        try:
            for run in runs:  # in the chapters' order: the first failure met is the one reported
                out = run.result()
                if out is None:  # not started: another chapter had failed
                    continue
                files[out.path] = out.markdown.encode()
                files.update(out.assets)
                if out.executed:
                    executed.append(out.path)
        except BaseException:  # a chapter failed, or Ctrl-C: stop the others rather than wait for them
            failed.set()
            for job in [*runs, *jobs.values()]:
                job.cancel()
            from cnnbook.pages.execute import stop_kernels

            stop_kernels()
            _stop_workers(pool)
            raise
        for name, job in jobs.items():
            drawn(name, job)
    for name in captured:  # in the networks' order, whichever finished first
        files.update(atlases[name])
    bar.close()
    site_files = Path(__file__).parent / "site"  # what every book's site needs, shipped in the package
    files["assets/cnnbook.css"] = (site_files / "cnnbook.css").read_bytes()
    files["assets/iframe-worker/shim.js"] = (site_files / "vendor" / "iframe-worker-shim.js").read_bytes()
    files["assets/iframe-worker/LICENSE"] = (site_files / "vendor" / "iframe-worker-LICENSE").read_bytes()
    from cnnbook.pages.explorers import explorer_files

    files.update(explorer_files(paths.build, banner))
    # Anything else in book/ (style sheets, hand-made pictures) is copied as it is.
    for path in sorted(paths.book.rglob("*")):
        if path.is_file() and path.suffix != ".md" and not path.name.startswith("."):
            files[str(path.relative_to(paths.book))] = path.read_bytes()
    from cnnbook.pages.publish import publish

    with timer.part("publish"):
        counts = publish(paths.docs, files)
    cache.atomic_write(paths.build / "nav.json", json.dumps(site_nav(files), indent=1))
    return {"pages": sum(1 for f in files if f.endswith(".md")), "executed": executed, **counts}


def site_nav(files: dict[str, bytes]) -> list:
    """The site's navigation: home, the chapters in file order, then one atlas per network (a trained
    network's channels page after it), then the explorers.

    Walk pages are reachable from the atlases and stay out of the menu.
    """
    def title(path: str) -> str:
        for line in files[path].decode().splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return path

    top = sorted(p for p in files if p.endswith(".md") and "/" not in p)
    nav = [{"Home" if p == "index.md" else title(p): p} for p in sorted(top, key=lambda p: p != "index.md")]
    # Each network's atlas, then its channels page (`cnnbook.pages.atlas.build_channels_page`).
    # A big network's per-layer channels pages (in a folder below atlas/) are reached from its channels page.
    atlases = sorted((p for p in files if p.startswith("atlas/") and p.count("/") == 1 and p.endswith(".md")),
                     key=lambda p: (p.removesuffix(".md").removesuffix("-channels"), p.endswith("-channels.md")))
    if atlases:
        nav.append({"Atlas": [{title(p).removeprefix("Atlas: "): p} for p in atlases]})
    # The explorers: one per exported network, then the sandbox.
    explorers = sorted((p for p in files if p.startswith("explorers/") and p.count("/") == 1 and p.endswith(".md")),
                       key=lambda p: (p.endswith("sandbox.md"), p))
    if explorers:
        nav.append({"Explorers": [{title(p).removeprefix("Explorer: "): p} for p in explorers]})
    return nav


def _atlas_key(name: str, context: dict, paths: Paths, banner: str) -> Path:
    key = cache.content_key({"atlas": name, **context, "banner": banner})
    return cache.entry_dir(paths.cache / "pages", f"atlas-{name}", key)


def _cached_atlas(name: str, context: dict, paths: Paths, banner: str) -> dict[str, bytes] | None:
    """The atlas's files from the cache; None when they must be drawn (a corrupt entry is discarded)."""
    where = _atlas_key(name, context, paths, banner)
    if cache.is_complete(where):
        try:
            return cache.read_entry(where)
        except cache.CorruptCacheError as err:
            print(f"warning: corrupt atlas cache, rebuilding {name}: {err}")
            cache.discard(where)
    return None


def _draw_atlas(name: str, entry: dict, profile_name: str, paths: Paths, banner: str, models_path: list[str]):
    """Draw a network's atlas into the cache from its capture `entry` (as build/captured.json records
    it): (its files, the seconds it took). Runs in a worker."""
    from cnnbook.models import registry
    from cnnbook.pages.atlas import build_atlas
    from cnnbook.views.network import from_entry

    t0 = time.perf_counter()
    _use_models_path(models_path)
    print(f"rendering the atlas of {name}", flush=True)
    profile = get_profile(profile_name)
    out = build_atlas(from_entry(paths.build, registry.get(name).for_profile(profile.name), entry), banner)
    files = {out.path: out.markdown.encode(), **out.assets}
    cache.write_entry(_atlas_key(name, atlas_context(profile, entry), paths, banner), files)
    return files, round(time.perf_counter() - t0, 3)


def _atlas_workers(count: int):
    """Where `count` atlases are drawn: one worker thread for one, else two worker processes.

    The processes are spawned, not forked: this process has run JAX, whose threads a fork would
    copy in the middle of their work. Each imports cnnbook afresh (a few seconds), which pays
    when there are several atlases to draw.
    """
    if count < 2:
        return ThreadPoolExecutor(max_workers=1)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))


def _stop_workers(pool) -> None:
    """End the atlas worker processes now (a failed or interrupted build); what they leave in the
    cache is incomplete, hence never read."""
    from concurrent.futures import ProcessPoolExecutor

    if isinstance(pool, ProcessPoolExecutor):
        # The executor has no public way to end running work: its processes are ended directly.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()


def _models_path() -> list[str]:
    """The folders the network files are found in (tests and users may add their own)."""
    import cnnbook.models

    return list(cnnbook.models.__path__)


def _use_models_path(folders: list[str]) -> None:
    """Find the network files in `folders`, as the build's own process does (in a worker process)."""
    import cnnbook.models
    from cnnbook.models import registry

    if list(cnnbook.models.__path__) != folders:
        cnnbook.models.__path__[:] = folders
        registry.discover(refresh=True)


def write_config(paths: Paths) -> Path:
    """build/mkdocs.yml, the package's MkDocs configuration (docs and site beside it in build/).

    `mkdocs serve -f build/mkdocs.yml` and `mkdocs gh-deploy -f build/mkdocs.yml` use it too.
    """
    cache.atomic_write(paths.config, (Path(__file__).parent / "site" / "mkdocs.yml").read_bytes())
    return paths.config


SITE_STATE = "site.json"  # what the site in build/site was built from (`site_state`)


def site_state(paths: Paths, facts: dict) -> dict:
    """What a built site depends on besides the content of its pages: the code (theme, plugin),
    the configuration, the menu, the list of pages and files, and the build facts filled into them."""
    docs = sorted(p.relative_to(paths.docs).as_posix() for p in paths.docs.rglob("*") if p.is_file())
    return {"code": rebuild.tree_digest(Path(__file__).parent), "libraries": rebuild.installed_versions(),
            "config": cache.file_digest(paths.config), "nav": cache.file_digest(paths.build / "nav.json"),
            "docs": docs, "facts": cache.content_key(facts)}


def stage_site(paths: Paths, timer: Timer = NO_TIMER, facts: dict | None = None,
               last_site: str | None = None) -> str:
    """`mkdocs build --strict` into a fresh folder, then swapped in: never a half-built site.

    When only the content of some pages changed since the last site (same menu, pages, code and
    `facts`, the build facts the pages show, and that site intact), the fresh folder starts as a
    copy of it and MkDocs renders only the changed pages (`--dirty`; see `cnnbook.site.plugin`).
    `last_site` is build/site's checksum when the caller has it. Returns the new site's checksum.
    """
    write_config(paths)
    for stale in paths.build.glob(".site-*"):  # left by a build that was killed here
        shutil.rmtree(stale, ignore_errors=True)
    state = site_state(paths, facts or {})
    try:
        previous = json.loads((paths.build / SITE_STATE).read_text())
    except (OSError, ValueError):
        previous = None
    # Folders of this build's own (the lock already keeps other builds out of build/).
    fresh = Path(tempfile.mkdtemp(prefix=".site-new-", dir=paths.build))
    fresh.chmod(0o755)  # mkdtemp makes it private; a published site is for everyone to read
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(paths.config), "-d", str(fresh)]
    with timer.part("check the last site"):
        dirty = (isinstance(previous, dict) and {k: v for k, v in previous.items() if k != "site"} == state
                 and paths.site.is_dir() and (last_site or rebuild.tree_digest(paths.site)) == previous.get("site"))
    if dirty:
        with timer.part("copy the last site"):
            shutil.copytree(paths.site, fresh, dirs_exist_ok=True)  # with their times: MkDocs compares them
        cmd.append("--dirty")
    started = time.time()
    with timer.part("mkdocs build"):
        result = subprocess.run(cmd, cwd=paths.root, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BuildError("mkdocs build --strict failed:\n" + (result.stderr or result.stdout).strip())
    from cnnbook.site.offline import external_references

    with timer.part("offline check"):  # a dirty build: the files it wrote (the others were checked before)
        external = external_references(fresh, since=started - 1 if dirty else None)
    if external:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BuildError("the site would fetch from other hosts (it must work offline):\n" + "\n".join(external[:20]))
    (paths.build / SITE_STATE).unlink(missing_ok=True)  # the site is about to change: no state until it has
    old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=paths.build))
    if paths.site.exists():
        os.replace(paths.site, old / "site")
    os.replace(fresh, paths.site)
    shutil.rmtree(old, ignore_errors=True)
    with timer.part("record the site"):
        digest = rebuild.tree_digest(paths.site)
        cache.atomic_write(paths.build / SITE_STATE, json.dumps({**state, "site": digest}, indent=1))
    return digest


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def network_summary(trained: dict) -> dict:
    """The report's part on each network (DESIGN §2), from what its training recorded."""
    networks = {}
    for name, t in trained.items():
        m = t.metrics
        networks[name] = {
            "params": m["params"], "test_accuracy": m["test_accuracy"], "train_seconds": m["train_seconds"],
            "epochs": m["epochs"], "train_samples": m["train_samples"],
            "train_images_per_second": m["train_images_per_second"], "cache_hit": t.cache_hit,
        }
    return networks


def make_report(profile: Profile, networks: dict, timer: Timer, pages: int, total: float, site_bytes: int | None,
                experiments: dict | None = None) -> dict:
    """The machine-readable summary of a build (DESIGN §2); `networks` from `network_summary`."""
    # Timings of the experiments' runs (mean over seeds) fill the chapters' placeholders like the networks' do.
    timings = {name: {v["key"]: {"seconds_per_epoch": round(sum(r["seconds_per_epoch"] for r in result["runs"]
                                                                if r["variant"] == v["key"])
                                                            / len(result["seeds"]), 2)}
                      for v in result["variants"]}
               for name, result in (experiments or {}).items()}
    return {"profile": profile.name, "versions": cache.library_versions(), "machine": cache.machine(),
            "networks": networks, "experiments": timings,
            "stages": dict(timer.seconds), "stage_parts": timer.details, "total_seconds": round(total, 3), "pages": pages,
            "site_bytes": site_bytes}


def summary_table(report: dict) -> str:
    """The table printed at the end of a build."""
    from cnnbook.render.formats import fmt_accuracy

    lines = [f"{'network':<14} {'test accuracy':>13} {'seconds':>9} {'cached':>7}"]
    for name, n in report["networks"].items():
        lines.append(f"{name:<14} {fmt_accuracy(n['test_accuracy']):>13} {n['train_seconds']:>9.1f} "
                     f"{'yes' if n['cache_hit'] else 'no':>7}")
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report["stages"].items())
    lines.append(f"profile {report['profile']}: {report['pages']} pages, {report['site_bytes'] or 0:,} bytes; "
                 f"{stages}; total {report['total_seconds']:.1f}s")
    return "\n".join(lines)


def build(profile_name: str = "default", root: Path | str = ".", *, progress: bool = True,
          networks: list[str] | None = None, book: Path | str | None = None) -> dict:
    """Run the whole build (chapters from `book`, default root/book); returns the report (also build/report.json).

    What is still valid is decided first, from checksums alone (`cnnbook.rebuild`): with nothing
    changed nothing is redone, and with only chapters changed the networks' stages are skipped.
    """
    start = time.perf_counter()
    profile = get_profile(profile_name)
    paths = Paths(Path(root), book)
    timer = Timer()
    with build_lock(paths):
        with timer.stage("check"):
            now = rebuild.inputs(profile, networks, paths.book)
            plan = rebuild.plan(paths.build, now)
        if plan.todo == rebuild.ALL:
            with timer.stage("discover"):  # importing the network files: JAX and Flax load here
                from cnnbook.models import registry

                nets = networks or registry.names()
                for name in nets:
                    registry.get(name)  # an unknown name fails before anything is built
            report, site = _build(profile, paths, nets, start, progress, timer)
            rebuild.write(paths.build, now, report["networks"], report["pages"], outputs={"site": site})
        else:
            print(f"nothing changed since the last build{' but the chapters' if plan.todo == rebuild.PAGES else ''}: "
                  f"the networks' stages are skipped (build/{rebuild.RECORD})", flush=True)
            report, site = _rebuild(profile, paths, start, progress, timer, plan)
            rebuild.write(paths.build, now, report["networks"], report["pages"], manifests=plan.manifests,
                          outputs=plan.outputs if plan.todo == rebuild.NOTHING else {"site": site})
    print(summary_table(report))
    return report


def _build(profile: Profile, paths: Paths, nets: list[str], start: float, progress: bool,
           timer: Timer) -> tuple[dict, str]:
    with timer.stage("data"):
        checksums = stage_data(profile, nets, timer)
    with EarlyCaptures(profile, paths, checksums) as early:
        with timer.stage("train"):
            trained = stage_train(profile, nets, paths, checksums, progress, timer, after_each=early)
            results = stage_experiments(profile, nets, paths, checksums, progress, timer)
        with timer.stage("capture"):
            captured = stage_capture(profile, trained, paths, timer, early=early.jobs)
    with timer.stage("export"):
        stage_export(trained, captured, paths, timer)
    return _pages_and_site(profile, paths, network_summary(trained), results, start, progress, timer)


def _rebuild(profile: Profile, paths: Paths, start: float, progress: bool, timer: Timer,
             plan: rebuild.Plan) -> tuple[dict, str | None]:
    """A build whose networks' stages would only find their caches: the pages and the site when the
    plan says so, else nothing but the report. Returns the report and the site's checksum."""
    from cnnbook.manifests import RESULTS_FILE

    networks, pages = rebuild.recorded_networks(paths.build)
    results = json.loads((paths.build / RESULTS_FILE).read_text())  # checked against the record by `plan`
    if plan.todo == rebuild.PAGES:
        return _pages_and_site(profile, paths, networks, results, start, progress, timer, plan.outputs.get("site"))
    report = make_report(profile, networks, timer, pages, time.perf_counter() - start, folder_bytes(paths.site),
                         results)
    cache.atomic_write(paths.build / "report.json", json.dumps(report, indent=1))
    return report, plan.outputs.get("site")


def _pages_and_site(profile: Profile, paths: Paths, networks: dict, results: dict, start: float, progress: bool,
                    timer: Timer, last_site: str | None = None) -> tuple[dict, str]:
    """The pages and the site stages, then the report; returns it and the new site's checksum
    (`last_site`: the checksum of the site in build/site, when the build already computed it)."""
    with timer.stage("pages"):
        pages = stage_pages(profile, paths, progress, timer)
    # The site stage fills timings into the pages from this report, so write it first.
    report = make_report(profile, networks, timer, pages["pages"], time.perf_counter() - start, None, results)
    cache.atomic_write(paths.build / "report.json", json.dumps(report, indent=1))
    with timer.stage("site"):
        site = stage_site(paths, timer, facts={"networks": report["networks"], "experiments": report["experiments"]},
                          last_site=last_site)
    report = make_report(profile, networks, timer, pages["pages"], time.perf_counter() - start,
                         folder_bytes(paths.site), results)
    cache.atomic_write(paths.build / "report.json", json.dumps(report, indent=1))
    return report, site

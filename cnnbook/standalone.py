"""Networks for a chapter notebook that runs outside a build: trained once, on demand, into a user cache.

A downloaded chapter notebook calls `book.network("mnist_keras")` in any folder. With no build
there, the network is trained and captured by the build's own stages into
`$CNNBOOK_CACHE_DIR/<profile>/build` (default: `networks/` in the user cache folder), once; the
data comes as in a build (downloaded and verified, or `CNNBOOK_DATA_DIR`, `CNNBOOK_OFFLINE`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cnnbook import data
from cnnbook.files import atomic_write
from cnnbook.build import Paths, build_lock, stage_capture, stage_data, stage_train
from cnnbook.models import registry
from cnnbook.profiles import get_profile
from cnnbook.train import estimate_seconds
from cnnbook.manifests import MANIFEST, RESULTS_FILE, read_manifest

CACHE_ENV = "CNNBOOK_CACHE_DIR"
PROFILE_ENV = "CNNBOOK_PROFILE"


def cache_root() -> Path:
    """Where networks trained outside a build live: $CNNBOOK_CACHE_DIR, else the user cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cnnbook" / "networks"


def profile_name() -> str:
    """The profile a notebook asks for ($CNNBOOK_PROFILE, which its first cell sets), else default."""
    return os.environ.get(PROFILE_ENV, "default")


def build_dir() -> Path:
    """The build folder of this profile's cache (it may not hold any network yet)."""
    return Paths(cache_root() / profile_name()).build


def ensure(name: str) -> Path:
    """The build folder that holds network `name`, trained and captured first when it is missing."""
    profile = get_profile(profile_name())
    spec = registry.get(name).for_profile(profile.name)  # an unknown name fails here, listing the known ones
    paths = Paths(cache_root() / profile.name)
    with build_lock(paths):
        have = list(read_manifest(paths.build)["networks"]) if (paths.build / MANIFEST).is_file() else []
        if name in have:
            return paths.build
        if spec.trained:
            cfg = spec.config(profile.name)
            dataset = data.load(spec.dataset, synthetic=profile.synthetic, n_train=profile.n_train,
                                n_test=profile.n_test)
            images = min(len(dataset.x_train), cfg.train_samples or len(dataset.x_train))
            seconds = estimate_seconds(spec, cfg, images)
            print(f"{name} is not trained here yet: training it once into {paths.build}, {cfg.epochs} epochs over "
                  f"{images:,} images (profile {profile.name}), about {_duration(seconds)} on this "
                  "machine", flush=True)
        else:
            print(f"{name} is never trained: keeping its seeded random weights in {paths.build}", flush=True)
        nets = [*have, name]  # the networks already here are cache hits: only `name` trains
        checksums = stage_data(profile, nets)
        trained = stage_train(profile, nets, paths, checksums, progress=True)
        stage_capture(profile, trained, paths)
    return paths.build


def ensure_experiment(name: str) -> Path:
    """The build folder that holds experiment `name`'s results, run first (with its base network) when missing."""
    from cnnbook import experiments

    experiment = experiments.get(name)
    where = ensure(experiment.base)
    profile = get_profile(profile_name())
    paths = Paths(cache_root() / profile.name)
    results_file = paths.build / RESULTS_FILE
    with build_lock(paths):
        results = json.loads(results_file.read_text()) if results_file.is_file() else {}
        if results.get(name, {}).get("definition") != experiments.definition(experiment, profile):
            print(f"running the experiment {name} once into {paths.build}: {len(experiment.variants)} variants "
                  f"× {len(experiment.seeds)} seeds (profile {profile.name})", flush=True)
            checksums = stage_data(profile, [experiment.base])
            spec = registry.get(experiment.base)
            results[name] = experiments.run(experiment, profile, paths.cache, data_checksum=checksums[spec.dataset])
            atomic_write(results_file, json.dumps(results, indent=1, sort_keys=True))
    return where


def _duration(seconds: float) -> str:
    return "a minute or less" if seconds < 60 else f"{round(seconds / 60)} minutes"

"""The build folder's manifests that later stages read, named (and read) without importing a network's code:
the pages stage and a rebuild that skips the networks' stages need them alone."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = "captured.json"  # what the capture stage wrote last, in the build folder
RESULTS_FILE = "experiments.json"  # in the build folder: {experiment: what `experiments.run` returned}


def read_manifest(build_dir: Path) -> dict:
    """build/captured.json: the profile and, per network, its capture entry and weights file."""
    path = Path(build_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise FileNotFoundError(f"{path} is missing or unreadable: run `cnnbook build` (or `make book`) "
                                "to train and capture the networks") from None

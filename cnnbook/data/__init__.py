"""Datasets for the book: load real or synthetic ones, verify them, and checksum them cheaply.

Real data comes from the catalogue entry's own loader (catalog.py says which calls every
kind answers: idx.py for MNIST-style IDX files, tinyimagenet.py for the JPEG folder); this
module adds the synthetic look-alikes and wraps both in a `Dataset`.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnbook.errors import DataError
from . import catalog
from .catalog import DatasetInfo, TinyImageNetInfo
from .locations import data_dir, dataset_dir, offline
from .synthetic import synthetic_like
from .synthetic import version as synthetic_version

__all__ = [
    "DataError",
    "Dataset",
    "DatasetInfo",
    "TinyImageNetInfo",
    "data_dir",
    "dataset_checksum",
    "dataset_dir",
    "ensure",
    "load",
    "names",
    "offline",
    "verify",
]

SYNTHETIC_TRAIN = 2000  # sizes of a synthetic set when none are asked for
SYNTHETIC_TEST = 500


# eq=False: comparing datasets field by field would compare arrays, which has no single
# truth value; two datasets are the same data when their checksums are equal.
@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: train and test arrays plus what is needed to label and credit them."""

    name: str
    # (N, 28, 28) uint8 for the MNIST family, (N, 64, 64, 3) uint8 RGB for tiny-imagenet-10
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)  # (N,) uint8 class indices
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    class_names: tuple[str, ...]
    checksum: str  # identifies exactly this data; part of the training cache key
    synthetic: bool
    source: str  # attribution line


def names() -> list[str]:
    """The names `load` accepts."""
    return catalog.names()


def load(
    name: str,
    *,
    synthetic: bool = False,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Load dataset `name`, downloading and verifying its files first if needed.

    `synthetic=True` returns a generated look-alike instead (no files; `seed` picks it).
    `n_train` / `n_test` keep only the first samples of each split; for tiny-imagenet-10,
    whose images are sorted by class, the first n/10 of each class instead, so no class is lost.
    """
    info = catalog.get(name)
    _check_size("n_train", n_train)
    _check_size("n_test", n_test)
    checksum = dataset_checksum(name, synthetic, n_train=n_train, n_test=n_test, seed=seed)
    if synthetic:
        arrays = synthetic_like(
            name,
            SYNTHETIC_TRAIN if n_train is None else n_train,
            SYNTHETIC_TEST if n_test is None else n_test,
            seed,
        )
        source = (
            f"synthetic look-alike of {info.title} ({synthetic_version(name)}, seed {seed}); "
            f"not real data"
        )
        return Dataset(name, *arrays, info.class_names, checksum, True, source)

    x_train, y_train, x_test, y_test = info.load_arrays(n_train, n_test)
    return Dataset(
        name, x_train, y_train, x_test, y_test, info.class_names, checksum, False, info.source
    )


def dataset_checksum(
    name: str,
    synthetic: bool = False,
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> str:
    """The `checksum` that `load` with the same arguments gives, without reading any data.

    Real data: a SHA-256 over the pinned SHA-256s of its files, in catalogue order (for
    tiny-imagenet-10: over its pinned JPEG digest and class order), plus the sizes when only
    some samples are kept. Synthetic data: over the generator version, name, seed and sizes.
    Cheap, so a training cache key can be computed before loading.
    """
    info = catalog.get(name)
    if synthetic:
        lines = [
            synthetic_version(name),
            name,
            f"seed={seed}",
            f"n_train={SYNTHETIC_TRAIN if n_train is None else n_train}",
            f"n_test={SYNTHETIC_TEST if n_test is None else n_test}",
        ]
    else:
        lines = info.checksum_lines(n_train, n_test)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def ensure(name: str) -> dict[str, Path]:
    """Make every file of `name` present and verified, downloading what is missing; {role: path}.

    With CNNBOOK_OFFLINE=1 nothing is downloaded and a missing file is a DataError that names it.
    tiny-imagenet-10 is one folder, extracted from the Tiny ImageNet zip when missing:
    {"folder": its folder, "train": folder/train, "test": folder/val}.
    """
    return catalog.get(name).ensure()


def verify(name: str) -> list[Path]:
    """Check that every file of `name` is in place with its pinned SHA-256; return their paths.

    Downloads nothing: raises DataError listing every missing or damaged file. For
    tiny-imagenet-10 the SHA-256 over all its JPEGs is recomputed and compared with the
    pinned one; the paths are those JPEGs, train then test, by class and file name.
    """
    return catalog.get(name).verify()


def _check_size(what: str, n: int | None) -> None:
    """Reject negative sample counts early, before anything is downloaded or generated."""
    if n is not None and n < 0:
        raise ValueError(f"{what} must be at least 0, got {n}")

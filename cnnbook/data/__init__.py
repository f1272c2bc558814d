"""Datasets for the book: load real or synthetic ones, verify them, and checksum them cheaply."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalog, jpegfolder, jpegs, tinyimagenet
from .catalog import DatasetInfo, TinyImageNetInfo
from .download import fetch, sha256_file
from .errors import DataError
from .idx import read_idx
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

    if isinstance(info, TinyImageNetInfo):
        x_train, y_train, x_test, y_test = jpegs.load_arrays(info, tinyimagenet.ensure(info))
        classes = len(info.class_names)
        train, test = _balanced(y_train, n_train, classes), _balanced(y_test, n_test, classes)
        return Dataset(
            name,
            x_train if train is None else x_train[train],
            y_train if train is None else y_train[train],
            x_test if test is None else x_test[test],
            y_test if test is None else y_test[test],
            info.class_names,
            checksum,
            False,
            info.source,
        )

    paths = ensure(name)
    x_train, y_train = _split(info, paths, "train")
    x_test, y_test = _split(info, paths, "test")
    return Dataset(
        name,
        _first(x_train, n_train),
        _first(y_train, n_train),
        _first(x_test, n_test),
        _first(y_test, n_test),
        info.class_names,
        checksum,
        False,
        info.source,
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
        parts = [
            synthetic_version(name),
            name,
            f"seed={seed}",
            f"n_train={SYNTHETIC_TRAIN if n_train is None else n_train}",
            f"n_test={SYNTHETIC_TEST if n_test is None else n_test}",
        ]
    elif isinstance(info, TinyImageNetInfo):
        parts = [f"jpegs {info.jpeg_digest}", f"classes {' '.join(info.wnids)}"]
        sizes = (("n_train", n_train), ("n_test", n_test))
        parts += [f"{key}={value} per-class" for key, value in sizes if value is not None]
    else:
        parts = [f"{file.name} {file.sha256}" for file in info.files]
        # Only when subsetting, so the full set's checksum depends on the files alone.
        sizes = (("n_train", n_train), ("n_test", n_test))
        parts += [f"{key}={value}" for key, value in sizes if value is not None]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def ensure(name: str) -> dict[str, Path]:
    """Make every file of `name` present and verified, downloading what is missing; {role: path}.

    With CNNBOOK_OFFLINE=1 nothing is downloaded and a missing file is a DataError that names it.
    tiny-imagenet-10 is one folder, extracted from the Tiny ImageNet zip when missing:
    {"folder": its folder, "train": folder/train, "test": folder/val}.
    """
    info = catalog.get(name)
    if isinstance(info, TinyImageNetInfo):
        return _folder_roles(tinyimagenet.ensure(info).folder)
    folder = dataset_dir(name)
    return {file.role: fetch(info.urls(file), folder / file.name, file.sha256, desc=f"{name}/{file.name}")
            for file in info.files}


def verify(name: str) -> list[Path]:
    """Check that every file of `name` is in place with its pinned SHA-256; return their paths.

    Downloads nothing: raises DataError listing every missing or damaged file. For
    tiny-imagenet-10 the SHA-256 over all its JPEGs is recomputed and compared with the
    pinned one; the paths are those JPEGs, train then test, by class and file name.
    """
    info = catalog.get(name)
    if isinstance(info, TinyImageNetInfo):
        found = tinyimagenet.verify(info)
        splits = ("train", "test")
        return [path for split in splits for path in jpegfolder.ordered(info, found, split)[0]]
    folder = dataset_dir(name)
    paths, problems = [], []
    for file in info.files:
        path = folder / file.name
        paths.append(path)
        if not path.is_file():
            problems.append(f"  {path}: missing (get it from {' or '.join(info.urls(file))})")
        elif (actual := sha256_file(path)) != file.sha256:
            problems.append(f"  {path}: SHA-256 is {actual}, expected {file.sha256}")
    if problems:
        raise DataError(
            f"dataset {name} in {folder} is incomplete or damaged:\n"
            + "\n".join(problems)
            + "\nDelete the damaged files and load the dataset with network access "
            f"(CNNBOOK_OFFLINE unset) to download them, or set CNNBOOK_DATA_DIR to a folder "
            f"that holds {name}/ with these files."
        )
    return paths


def _split(info: DatasetInfo, paths: dict[str, Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one split's images and labels and check that they belong together."""
    images_path, labels_path = paths[f"{split}_images"], paths[f"{split}_labels"]
    images, labels = read_idx(images_path), read_idx(labels_path)
    fix = "Delete it and run again to download a fresh copy."
    if images.shape[1:] != info.image_shape:
        raise DataError(
            f"{images_path} holds samples of shape {images.shape[1:]}, "
            f"expected {info.image_shape}. {fix}"
        )
    if labels.ndim != 1:
        raise DataError(
            f"{labels_path} holds an array of shape {labels.shape}, "
            f"expected one label per sample. {fix}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels; "
            f"one of them is damaged or from another dataset. Delete both and run again."
        )
    if len(labels) and labels.max() >= len(info.class_names):
        raise DataError(
            f"{labels_path} has label {labels.max()}, but {info.name} has only "
            f"{len(info.class_names)} classes. {fix}"
        )
    return images, labels


def _first(array: np.ndarray, n: int | None) -> np.ndarray:
    """The first `n` samples (all when n is None), as a copy so the rest can be freed."""
    return array if n is None else array[:n].copy()


def _balanced(labels: np.ndarray, n: int | None, classes: int) -> np.ndarray | None:
    """Indices of the first n // classes samples of each class (one more for the first
    n % classes classes), in their order; None for all. Fewer where a class runs short."""
    if n is None:
        return None
    take = [n // classes + (label < n % classes) for label in range(classes)]
    chosen = [np.flatnonzero(labels == label)[:k] for label, k in enumerate(take)]
    return np.sort(np.concatenate(chosen))


def _folder_roles(folder: Path) -> dict[str, Path]:
    """{role: path} for a dataset kept as train/ and val/ folders of JPEGs."""
    return {"folder": folder, "train": folder / "train", "test": folder / "val"}


def _check_size(what: str, n: int | None) -> None:
    """Reject negative sample counts early, before anything is downloaded or generated."""
    if n is not None and n < 0:
        raise ValueError(f"{what} must be at least 0, got {n}")

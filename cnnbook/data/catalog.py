"""The datasets the book knows: their files, pinned SHA-256s, mirrors, classes and licences.

There are two kinds of dataset, each an info class here and a loader module beside it:
`DatasetInfo` (four gzipped IDX files: MNIST, Fashion-MNIST; loader idx.py) and
`TinyImageNetInfo` (a folder of JPEGs: tiny-imagenet-10; loader tinyimagenet.py). Both
answer the same four calls, so cnnbook.data never asks which kind it holds:

    info.ensure()                         present and verified, downloading if needed
    info.verify()                         checked against the pinned hashes, downloading nothing
    info.checksum_lines(n_train, n_test)  what the dataset checksum is a SHA-256 over
    info.load_arrays(n_train, n_test)     (x_train, y_train, x_test, y_test)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import numpy as np

from cnnbook.errors import DataError

# The loaders import this module only for type checking, so importing them here is no cycle.
from . import idx, tinyimagenet


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: its role, its name on disk and on the mirrors, its SHA-256."""

    role: str  # "train_images", "train_labels", "test_images" or "test_labels"
    name: str
    sha256: str


@dataclass(frozen=True)
class DatasetInfo:
    """Everything needed to fetch, check, load and credit one dataset of gzipped IDX files.

    Also the base of the other kinds: a subclass names its own `loader`, the module that
    implements the four calls below as functions taking the info first.
    """

    loader: ClassVar[ModuleType] = idx  # not a field: the kind, not the entry, picks it

    name: str  # also the folder name under the data dir
    title: str
    files: tuple[DataFile, ...]  # in this order they enter the dataset checksum
    mirrors: tuple[str, ...]  # base URLs ending in "/", tried in order
    class_names: tuple[str, ...]  # index i is the name of label i
    image_shape: tuple[int, ...]  # one sample, e.g. (28, 28)
    source: str  # attribution line, shown wherever the data appears

    def file(self, role: str) -> DataFile:
        """The file that plays `role`, e.g. "train_images"."""
        for f in self.files:
            if f.role == role:
                return f
        raise KeyError(f"{self.name} has no {role} file")

    def urls(self, file: DataFile) -> list[str]:
        """Where `file` can be downloaded, best mirror first."""
        return [mirror + file.name for mirror in self.mirrors]

    def ensure(self) -> dict[str, Path]:
        """Make the dataset present and verified, downloading what is missing; {role: path}.

        With CNNBOOK_OFFLINE=1 nothing is downloaded: what is missing is a DataError naming it.
        """
        return self.loader.ensure(self)

    def verify(self) -> list[Path]:
        """Check the dataset against its pinned hashes, downloading nothing; the files checked.

        Raises DataError naming every missing or damaged file and how to get a good copy.
        """
        return self.loader.verify(self)

    def checksum_lines(self, n_train: int | None, n_test: int | None) -> list[str]:
        """The lines the dataset checksum is a SHA-256 over; reads no file (see data.dataset_checksum)."""
        return self.loader.checksum_lines(self, n_train, n_test)

    def load_arrays(self, n_train: int | None, n_test: int | None) -> tuple[np.ndarray, ...]:
        """`(x_train, y_train, x_test, y_test)`, ensured first; n_train / n_test keep only
        some samples (None: all), which ones is up to the kind."""
        return self.loader.load_arrays(self, n_train, n_test)


def _idx_files(sha256s: dict[str, str]) -> tuple[DataFile, ...]:
    """The four files of an MNIST-style dataset, which all share the same names."""
    names = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }
    return tuple(DataFile(role, name, sha256s[name]) for role, name in names.items())


MNIST = DatasetInfo(
    name="mnist",
    title="MNIST",
    # SHA-256 of the canonical .gz files (their MD5s match the ones published by torchvision).
    files=_idx_files({
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }),
    # yann.lecun.com no longer serves the files reliably; these mirrors hold the same bytes.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    class_names=tuple(str(digit) for digit in range(10)),
    image_shape=(28, 28),
    source="MNIST by Yann LeCun and Corinna Cortes (yann.lecun.com/exdb/mnist), CC BY-SA 3.0",
)

FASHION_MNIST = DatasetInfo(
    name="fashion-mnist",
    title="Fashion-MNIST",
    files=_idx_files({
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    class_names=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
    image_shape=(28, 28),
    source=(
        "Fashion-MNIST by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf, 2017; "
        "github.com/zalandoresearch/fashion-mnist), MIT licence, (c) 2017 Zalando SE"
    ),
)


@dataclass(frozen=True)
class TinyImageNetInfo(DatasetInfo):
    """A subset of Tiny ImageNet kept as JPEG folders, checked by one digest over all its JPEGs.

    `files` is empty: `jpeg_digest` pins every JPEG instead (see tinyimagenet.manifest_digest).
    """

    loader: ClassVar[ModuleType] = tinyimagenet

    wnids: tuple[str, ...]  # folder name of class i, in label order
    words: tuple[str, ...]  # words.txt description of class i
    archive: str  # file name on the mirrors of the full Tiny ImageNet zip
    jpeg_digest: str  # SHA-256 over the sorted "<sha256>  <path>" lines of every JPEG
    train_per_class: int
    test_per_class: int  # the official val images, our test split

    def archive_urls(self) -> list[str]:
        """Where the full archive can be downloaded, best mirror first."""
        return [mirror + self.archive for mirror in self.mirrors]


# The ten classes, once: (wnid, CNN Explainer's label, words.txt description), in CNN
# Explainer's output order (its src/config.js classLists), not tiny-imagenet-200's.
_TINY_CLASSES = (
    ("n03662601", "lifeboat", "lifeboat"),
    ("n02165456", "ladybug", "ladybug, ladybeetle, lady beetle, ladybird, ladybird beetle"),
    ("n07873807", "pizza", "pizza, pizza pie"),
    ("n07720875", "bell pepper", "bell pepper"),
    ("n04146614", "school bus", "school bus"),
    ("n01882714", "koala", "koala, koala bear, kangaroo bear, native bear, Phascolarctos cinereus"),
    ("n07920052", "espresso", "espresso"),
    ("n02509815", "red panda", "lesser panda, red panda, panda, bear cat, cat bear, Ailurus fulgens"),
    ("n07747607", "orange", "orange"),
    ("n04285008", "sport car", "sports car, sport car"),
)
_TINY_WNIDS, _TINY_LABELS, _TINY_WORDS = zip(*_TINY_CLASSES)

TINY_IMAGENET_10 = TinyImageNetInfo(
    name="tiny-imagenet-10",
    title="Tiny ImageNet (the 10 classes of CNN Explainer)",
    files=(),
    # The archive's own SHA-256 is not published, so it is not pinned: what is verified is
    # the extracted result, against jpeg_digest below.
    mirrors=("http://cs231n.stanford.edu/",),
    class_names=_TINY_LABELS,
    image_shape=(64, 64, 3),
    source=(
        "Tiny ImageNet by Stanford CS231n (from ImageNet), the 10 classes of CNN Explainer's "
        "Tiny VGG; ImageNet terms of access: non-commercial research and education only"
    ),
    wnids=_TINY_WNIDS,
    words=_TINY_WORDS,
    archive="tiny-imagenet-200.zip",
    # SHA-256 of the text made of one line "<sha256>  <path>\n" per JPEG (path relative to
    # tiny-imagenet-10/, e.g. "train/n01882714/n01882714_0.JPEG"), lines sorted by path: the
    # 5,500 .JPEG lines of ../shared/data/tiny-imagenet-10/SHA256SUMS, which is sorted that way.
    # Recompute: grep '\.JPEG$' SHA256SUMS | LC_ALL=C sort -k2 | sha256sum
    jpeg_digest="af60a50994b2f5f111ef115a1b9e74e3dc5e3b790656b37aaf5df2246004e131",
    train_per_class=500,
    test_per_class=50,
)

# Looked up at call time (see get), so tests can add a fake entry with monkeypatch.setitem.
CATALOG: dict[str, DatasetInfo] = {
    info.name: info for info in (MNIST, FASHION_MNIST, TINY_IMAGENET_10)
}


def names() -> list[str]:
    """The names of all known datasets."""
    return list(CATALOG)


def get(name: str) -> DatasetInfo:
    """The DatasetInfo called `name`; DataError listing the known names if there is none."""
    try:
        return CATALOG[name]
    except KeyError:
        raise DataError(
            f"unknown dataset {name!r}. Known datasets: {', '.join(CATALOG)}. "
            f"Use one of these names."
        ) from None

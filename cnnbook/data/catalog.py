"""The datasets the book knows: their files, pinned SHA-256s, mirrors, classes and licences."""

from dataclasses import dataclass

from .errors import DataError


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: its role, its name on disk and on the mirrors, its SHA-256."""

    role: str  # "train_images", "train_labels", "test_images" or "test_labels"
    name: str
    sha256: str


@dataclass(frozen=True)
class DatasetInfo:
    """Everything needed to fetch, check, load and credit one dataset."""

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

# Looked up at call time (see get), so tests can add a fake entry with monkeypatch.setitem.
CATALOG: dict[str, DatasetInfo] = {info.name: info for info in (MNIST, FASHION_MNIST)}


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

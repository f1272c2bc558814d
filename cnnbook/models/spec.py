"""What a network file declares: `SPEC = NetworkSpec(...)`, with a `TrainConfig` per profile."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cnnbook.errors import UnknownNameError


@dataclass(frozen=True)
class TrainConfig:
    """How one network is trained in one profile."""

    optimizer: str = "rmsprop"  # the name of an optax optimizer
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 5
    seed: int = 0  # seeds the initial weights and the shuffling
    augment: bool = False  # random horizontal flips and shifts of up to 4 pixels (photos, not digits)
    patience: int | None = None  # early stopping: stop after this many epochs without a better test loss
    train_samples: int | None = None  # train on the first N training images only (None: all the profile has)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NetworkSpec:
    """A network of the book: where it comes from, what it eats, how it is trained."""

    name: str
    title: str
    source: str  # the tutorial or paper it reproduces
    dataset: str | None  # a name known to `cnnbook.data`; None: never trained (see `photos`)
    input_shape: tuple[int, ...]  # one sample, NHWC without N
    build: Callable  # build(rngs=nnx.Rngs) -> a `Layered` module
    train: dict[str, TrainConfig] = field(default_factory=dict)  # profile name -> settings
    # Other weights the pages compare with, by name: loader() -> a model, or None when absent
    # (e.g. CNN Explainer's published Tiny VGG, when its files are in the data folder).
    published: Callable | None = None
    # A network without a dataset keeps its seeded random initial weights and is run on these
    # pictures instead of test images: photos() -> {slug: `cnnbook.data.photos.Photo`}.
    photos: Callable | None = None
    seed: int = 0  # seeds the initial weights of a network that is never trained

    @property
    def trained(self) -> bool:
        """Whether the build trains this network (it has a dataset) or keeps its random weights."""
        return self.dataset is not None

    def config(self, profile: str) -> TrainConfig:
        """The training settings for a profile."""
        if profile not in self.train:
            raise UnknownNameError(f"network {self.name!r} has no settings for profile {profile!r}")
        return self.train[profile]

    def source_file(self) -> Path:
        """The file that defines the model (part of the training cache key)."""
        return Path(inspect.getfile(self.build))

"""What a network file declares: `SPEC = NetworkSpec(...)`, with a `TrainConfig` per profile."""

from __future__ import annotations

import dataclasses
import functools
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
    schedule: str | None = None  # "cosine": the learning rate falls to 0 over the run (None: constant)
    # Batches one compiled call trains on, in turn (None: `cnnbook.train.STEPS_PER_CALL`)
    steps_per_call: int | None = None
    # Each batch's gradient computed in this many equal parts, which XLA:CPU runs side by side
    # (`cnnbook.train.batch_gradient`): the same gradient, faster for a small network.
    batch_splits: int = 1
    # Evaluate on the test set after every epoch (the curves' points), or after the last one only:
    # a run that reports just its final accuracy (an experiment's) skips the other passes.
    test_every_epoch: bool = True

    def __post_init__(self):
        if self.patience is not None and not self.test_every_epoch:
            raise ValueError("early stopping (patience) watches the test loss of every epoch: "
                             "a config with patience needs test_every_epoch=True")

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
    # Profiles that feed the network another input than `input_shape` (AlexNet: the article's
    # 224×224×3 in `full`): {profile: shape}. `build` then takes `input_shape=` too.
    profile_inputs: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # How the dataset's images become this network's inputs when they differ, both uint8:
    # prepare(images, input_shape) -> images of input_shape (AlexNet: grey 28×28 → RGB, resized).
    prepare: Callable | None = None
    # The conv layers whose channels `cnnbook.channels` visualises (None: all of them); a
    # visualisation is a gradient ascent per channel, too slow for every layer of a wide network.
    visualised: tuple[str, ...] | None = None

    @property
    def trained(self) -> bool:
        """Whether the build trains this network (it has a dataset) or keeps its random weights."""
        return self.dataset is not None

    def config(self, profile: str) -> TrainConfig:
        """The training settings for a profile."""
        if profile not in self.train:
            raise UnknownNameError(f"network {self.name!r} has no settings for profile {profile!r}")
        return self.train[profile]

    def for_profile(self, profile: str) -> NetworkSpec:
        """This network as `profile` builds it: that profile's input shape, and a `build` for it."""
        shape = self.profile_inputs.get(profile)
        if shape is None or tuple(shape) == tuple(self.input_shape):
            return self
        return dataclasses.replace(self, input_shape=tuple(shape), profile_inputs={},
                                   build=functools.partial(self.build, input_shape=tuple(shape)))

    def prepared(self, dataset):
        """`dataset` (a `cnnbook.data.Dataset`) with its images as this network reads them."""
        if self.prepare is None:
            return dataset
        shape = tuple(self.input_shape)
        return dataclasses.replace(dataset, x_train=self.prepare(dataset.x_train, shape),
                                   x_test=self.prepare(dataset.x_test, shape))

    def source_file(self) -> Path:
        """The file that defines the model (part of the training cache key)."""
        return Path(inspect.getfile(getattr(self.build, "func", self.build)))

"""The registry of the book's networks: each model file registers one `NetworkSpec`."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NetworkSpec:
    """A network of the book: where it comes from, what it eats, how it is trained."""

    name: str
    title: str
    source: str  # the tutorial or paper it reproduces
    dataset: str  # a name known to `cnnbook.data`
    input_shape: tuple[int, ...]  # one sample, NHWC without N
    build: Callable  # build(rngs=nnx.Rngs) -> nnx.Module with a `layers()` method
    train: dict[str, TrainConfig] = field(default_factory=dict)  # profile name -> settings

    def config(self, profile: str) -> TrainConfig:
        """The training settings for a profile."""
        if profile not in self.train:
            raise UnknownNameError(f"network {self.name!r} has no settings for profile {profile!r}")
        return self.train[profile]

    def source_file(self) -> Path:
        """The file that defines the model (part of the training cache key)."""
        return Path(inspect.getfile(self.build))


class UnknownNameError(ValueError):
    """A network, layer or profile name that the book does not know."""


_REGISTRY: dict[str, NetworkSpec] = {}


def register(spec: NetworkSpec) -> NetworkSpec:
    """Add a network to the book; its atlas page follows with no other change."""
    if spec.name in _REGISTRY and _REGISTRY[spec.name] is not spec:
        raise ValueError(f"network {spec.name!r} is registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> NetworkSpec:
    """The network called `name`, or an error that lists the known ones."""
    _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownNameError(f"unknown network {name!r}; the book knows: {known}") from None


def names() -> list[str]:
    """Names of all registered networks, in the book's order."""
    _load_all()
    return list(_REGISTRY)


def _load_all() -> None:
    # Importing a model file registers it; the order here is the book's order.
    from cnnbook.models import mnist_dense, mnist_keras, tiny_vgg  # noqa: F401

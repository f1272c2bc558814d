"""Build profiles: which data and how much training (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass

from cnnbook.errors import UnknownNameError


@dataclass(frozen=True)
class Profile:
    """A build profile."""

    name: str
    synthetic: bool  # train on generated look-alike data instead of the real sets
    n_train: int | None  # None: the whole training set
    n_test: int | None
    description: str
    # Gradient-ascent steps of the channels' visualisations and class models (`cnnbook.channels`)
    visualisation_steps: int = 96
    # Test images the capture's measurements (`cnnbook.measure`) use at most; None: their own sizes
    measure_images: int | None = None
    # Confident mistakes the capture follows through every layer, at most (None: as many as
    # `cnnbook.capture.walk_count` gives a network); each walk is a page that draws every layer.
    walks: int | None = None


PROFILES = {
    "smoke": Profile("smoke", True, 2000, 500, "synthetic look-alike data, a couple of short epochs: for tests",
                     visualisation_steps=24, measure_images=100, walks=2),
    "default": Profile("default", False, None, None, "real data, settings a 2-core laptop CPU trains in minutes"),
    "full": Profile("full", False, None, None, "real data, the sources' exact settings; meant for a GPU",
                    visualisation_steps=256),
}


def get_profile(name: str) -> Profile:
    """The profile called `name`, or a clear error listing the valid ones."""
    try:
        return PROFILES[name]
    except KeyError:
        valid = ", ".join(PROFILES)
        raise UnknownNameError(f"unknown profile {name!r}; choose one of: {valid} (e.g. PROFILE=smoke)") from None

"""Experiments a chapter reports: variants of a book network trained side by side over several seeds.

The tutorial of `mnist_torch` asks what one more convolution would do and answers "it needs an
experiment". This runs it: each variant is trained with the base network's optimizer, rate and
batch (at a constant rate: the runs are short) on the same (first) training images, once per
seed, through the training cache, so a rebuild retrains nothing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cnnbook.models import registry
from cnnbook.models.mnist_torch import MnistTorch
from cnnbook.models.mnist_torch_variants import PlusConv3x3, WithoutExtraConv
from cnnbook.models.spec import NetworkSpec
from cnnbook.profiles import Profile


@dataclass(frozen=True)
class Variant:
    key: str  # for file names and report paths
    label: str  # as the chapter names it
    build: Callable  # build(rngs=nnx.Rngs) -> a Layered module


@dataclass(frozen=True)
class Experiment:
    name: str
    base: str  # the book network whose recipe and dataset every variant shares
    variants: tuple[Variant, ...]
    seeds: tuple[int, ...]
    # Per profile: how many training images and epochs (a shorter run than the base network's own,
    # so that nine trainings fit the build; the chapter says so).
    train_samples: dict[str, int | None]
    epochs: dict[str, int]


EXPERIMENTS = {
    "one_more_conv": Experiment(
        name="one_more_conv", base="mnist_torch",
        variants=(Variant("without_extra_5x5", "without the extra 5×5 conv", WithoutExtraConv),
                  Variant("tutorial", "the tutorial net", MnistTorch),
                  Variant("plus_3x3", "plus one 3×3 conv", PlusConv3x3)),
        seeds=(0, 1, 2),
        # 6,144 = 96 batches of 64: every call of the training step takes a whole group of batches,
        # so each variant compiles one program, not three (the leftover batch and the short last one
        # would each need their own).
        train_samples={"smoke": 500, "default": 6_144, "full": None},
        epochs={"smoke": 1, "default": 2, "full": 10},
    ),
}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        from cnnbook.errors import UnknownNameError

        raise UnknownNameError(f"unknown experiment {name!r}; the experiments are: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def for_networks(nets: list[str]) -> list[Experiment]:
    """The experiments whose base network is being built."""
    return [e for e in EXPERIMENTS.values() if e.base in nets]


def variant_spec(experiment: Experiment, variant: Variant, profile: Profile, seed: int) -> NetworkSpec:
    """The base network's spec with the variant's model, this seed and the experiment's run length."""
    base = registry.get(experiment.base)
    cfg = dataclasses.replace(base.config(profile.name), seed=seed, epochs=experiment.epochs[profile.name],
                              train_samples=experiment.train_samples[profile.name],
                              # A short run at a constant rate: a cosine decay over the experiment's
                              # 188 steps (6,000 images; the tutorial net's own schedule, over 1,876) ended lower,
                              # 0.950–0.961 against 0.963–0.967 at the constant rate.
                              schedule=None,
                              test_every_epoch=False)  # the chapter reports the final accuracy only
    name = re.sub(r"[^a-z0-9_]", "_", f"{experiment.name}-{variant.key}-seed{seed}")
    return dataclasses.replace(base, name=name, title=f"{base.title}, {variant.label}", build=variant.build,
                               train={profile.name: cfg}, published=None)


def recipe(experiment: Experiment, profile: Profile):
    """The training config every run shares but for its seed (the first seed's)."""
    return variant_spec(experiment, experiment.variants[0], profile, experiment.seeds[0]).config(profile.name)


def definition(experiment: Experiment, profile: Profile) -> str:
    """A digest of what the experiment runs in a profile: its variants' code, seeds, run length and
    recipe (the first seed's training config). Stored with the results, so a notebook outside a
    build reruns a changed experiment."""
    import inspect

    from cnnbook import cache

    code = sorted({inspect.getfile(v.build) for v in experiment.variants})
    run_config = recipe(experiment, profile)
    return cache.content_key({"experiment": experiment.name, "variants": [v.key for v in experiment.variants],
                              "seeds": list(experiment.seeds), "samples": experiment.train_samples[profile.name],
                              "epochs": experiment.epochs[profile.name], "code": cache.file_digest(*map(Path, code)),
                              "recipe": run_config.to_dict()})


def run(experiment: Experiment, profile: Profile, cache_root: Path, *, data_checksum: str | None = None,
        progress: bool = True) -> dict:
    """Every variant trained (or found in the cache) once per seed; what each run measured."""
    from cnnbook.trained import ensure_trained

    run_config = recipe(experiment, profile)
    runs = []
    for variant in experiment.variants:
        for seed in experiment.seeds:
            spec = variant_spec(experiment, variant, profile, seed)
            t = ensure_trained(spec, profile, cache_root, data_checksum=data_checksum, progress=progress)
            m = t.metrics
            runs.append({"variant": variant.key, "seed": seed, "params": m["params"],
                         "test_accuracy": m["test_accuracy"], "epochs": m["epochs"],
                         "train_samples": m["train_samples"], "test_samples": m["test_samples"],
                         # training alone, evaluation and compilation excluded
                         "seconds_per_epoch": round(m["train_samples"] / m["train_images_per_second"], 2)})
    return {"name": experiment.name, "base": experiment.base, "profile": profile.name,
            "definition": definition(experiment, profile),
            "recipe": {k: getattr(run_config, k) for k in ("optimizer", "learning_rate", "batch_size", "schedule")},
            "seeds": list(experiment.seeds),
            "variants": [{"key": v.key, "label": v.label} for v in experiment.variants], "runs": runs}

"""A trained network as the pages see it: its weights, its layers and what the capture stage recorded."""

from __future__ import annotations

import dataclasses
from functools import cached_property
from pathlib import Path

import numpy as np

from cnnbook.capture import Captured, Example, LayerInfo, layer_table
from cnnbook.errors import UnknownNameError
from cnnbook.manifests import read_manifest
from cnnbook.models.spec import NetworkSpec


@dataclasses.dataclass(frozen=True, eq=False)
class Network:
    """One set of weights of a network (`trained`, `untrained` or `published`) with its capture."""

    spec: NetworkSpec
    captured: Captured
    weights_file: Path
    variant: str = "trained"

    @cached_property
    def model(self):
        """The nnx.Module holding these weights (for kernels, biases and the layer table)."""
        from cnnbook.trained import load_weights

        return load_weights(self.spec, self.weights_file)

    @property
    def config(self) -> dict:
        """The training settings, profile and data checksum the weights came from."""
        return self.captured.meta["config"]

    @property
    def metrics(self) -> dict:
        """History, accuracy and timings of the training run (the accuracy is this variant's)."""
        metrics = dict(self.captured.meta["metrics"])
        if self.variant in self.captured.meta["accuracy"]:
            metrics["test_accuracy"] = self.captured.meta["accuracy"][self.variant]
        return metrics

    @property
    def test_probs(self) -> np.ndarray | None:
        """Softmax probabilities of every test image (None for the untrained weights)."""
        return self.captured.probs(self.variant)

    @property
    def measures(self) -> dict:
        """What the capture stage measured on the test set (shifted accuracy, zeros, pooling under
        shifts): see `cnnbook.measure`. Always the trained weights'."""
        return self.captured.meta["measures"]

    def predictions(self) -> np.ndarray:
        return self.test_probs.argmax(-1)

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.captured.class_names

    @property
    def y_test(self) -> np.ndarray:
        return self.captured.y_test

    def with_weights(self, variant: str) -> Network | None:
        """The same network with other captured weights, or None when they were not captured."""
        if variant not in self.captured.meta["variants"]:
            return None
        return dataclasses.replace(self, weights_file=self.captured.weights_file(variant), variant=variant)

    # --- layers --------------------------------------------------------------------------------

    @cached_property
    def layers(self) -> list[LayerInfo]:
        """Every layer with its kind, output shape and parameter count, computed from the model."""
        return layer_table(self.model, self.spec.input_shape)

    @cached_property
    def modules(self) -> dict:
        """{layer name: the nnx module holding its parameters, or None}."""
        return {layer.name: layer.module for layer in self.model.layers()}

    def pool_window(self, layer: str) -> tuple[int, int]:
        """(window, stride) of a pooling layer, as its function declares them."""
        self.check_layer(layer, kind="pool")
        apply = next(m.apply for m in self.model.layers() if m.name == layer)
        return int(apply.window), int(apply.stride)

    def layer_names(self) -> list[str]:
        return [row.name for row in self.layers]

    def check_layer(self, layer: str, kind: str | None = None) -> LayerInfo:
        """The row of a layer by name (and kind), or an error that lists the candidates."""
        rows = {row.name: row for row in self.layers}
        wanted = [r.name for r in self.layers if kind is None or r.kind == kind]
        if layer not in rows or (kind is not None and rows[layer].kind != kind):
            what = f"{kind} layer" if kind else "layer"
            raise UnknownNameError(f"unknown {what} {layer!r} of {self.spec.name}; its {what}s are: {', '.join(wanted)}")
        return rows[layer]

    def layer_before(self, layer: str) -> str | None:
        """The name of the layer whose output `layer` reads (None for the first layer: it reads the input)."""
        return self.check_layer(layer).reads

    def readers(self, layer: str) -> list[str]:
        """The names of the layers that read `layer`'s output, in order."""
        self.check_layer(layer)
        return [row.name for row in self.layers if row.reads == layer]

    def total_params(self) -> int:
        return sum(row.params for row in self.layers)

    # --- inputs and activations ----------------------------------------------------------------

    def example(self, image) -> Example:
        """A captured input: a test index, a sample name, or an `Example`."""
        return self.captured.example(image)

    def activations(self, image) -> dict[str, np.ndarray]:
        """Every layer's output for a captured input (batch axis removed)."""
        return self.captured.activations(self.example(image), self.variant)

    def input_of(self, layer: str, image) -> np.ndarray:
        """What `layer` reads for an image: the output of the layer it reads, or the image itself."""
        before = self.layer_before(layer)
        return self.example(image).x if before is None else self.activations(image)[before]

    def run(self, x, until: str | None = None) -> dict[str, np.ndarray]:
        """Every layer's output (batch axis removed) for a new input of any size the layers accept,
        up to and including `until`: e.g. a 300×451 photo through convolutions trained on 64×64 ones."""
        import jax.numpy as jnp

        from cnnbook.models.layers import forward

        if until is not None:
            self.check_layer(until)
        outputs = {}
        for layer, y in forward(self.model.layers(), jnp.asarray(x, jnp.float32)[None]):
            outputs[layer.name] = np.asarray(y[0])
            if layer.name == until:
                break
        return outputs

    @property
    def seed(self) -> int:
        """The seed of the initial weights (the untrained variant's, and where training started)."""
        return self.spec.seed if not self.spec.trained else self.config["train"]["seed"]

    def photo_names(self) -> list[str]:
        """The photos a network without a test set was run on (empty for the others)."""
        return [item["slug"] for item in self.captured.meta["inputs"] if "credit" in item]

    def output_layer(self) -> str:
        """The last layer: its outputs are the logits."""
        return self.layer_names()[-1]

    def sample_indices(self, n: int = 3) -> list[int]:
        """The first test images of `n` different classes: the book's running examples."""
        chosen, seen = [], set()
        for i, label in enumerate(self.y_test):
            if int(label) not in seen:
                chosen.append(i)
                seen.add(int(label))
            if len(chosen) == n:
                break
        return chosen

    def first_of_class(self, label: int) -> int:
        return int(np.flatnonzero(self.y_test == label)[0])

    def sample_names(self) -> list[str]:
        """The names of CNN Explainer's samples that the build had (each checked against its pin)."""
        return [item["slug"] for item in self.captured.meta["inputs"] if item["index"] is None and "credit" not in item]

    def sample(self, name: str) -> Example:
        """One of CNN Explainer's sample images (e.g. "espresso_1") when the build had it; otherwise
        the first test image of the same class, whose caption says which it is."""
        from cnnbook.data.samples import sample_class

        if name in self.captured.examples:
            return self.captured.examples[name]
        wanted = sample_class(name)  # an unknown sample name fails here, listing the known ones
        if wanted not in self.class_names:
            raise UnknownNameError(f"{self.spec.name} has no class {wanted!r} for sample {name!r}; its classes "
                                   f"are: {', '.join(self.class_names)}")
        return self.example(self.first_of_class(self.class_names.index(wanted)))


def load(build_dir: Path, name: str, spec: NetworkSpec | None = None) -> Network:
    """A network as the last build's capture stage recorded it (its spec from the registry unless given)."""
    from cnnbook.models import registry

    manifest = read_manifest(build_dir)
    # Unknown names fail here, with the list of known ones; the spec is the one the build's profile used.
    spec = (spec or registry.get(name)).for_profile(manifest["profile"])
    entries = manifest["networks"]
    if name not in entries:
        raise UnknownNameError(f"network {name!r} was not captured in this build; captured: {', '.join(entries)}")
    return from_entry(build_dir, spec, entries[name])


def from_entry(build_dir: Path, spec: NetworkSpec, entry: dict) -> Network:
    """A network from its capture entry and weights (`entry`: their paths under `build_dir`, as
    build/captured.json records them): an atlas reads its network this way, and nothing else."""
    return Network(spec, Captured(Path(build_dir) / entry["capture"]), Path(build_dir) / entry["weights"])

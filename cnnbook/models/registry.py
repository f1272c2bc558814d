"""The registry of the book's networks, found by discovery: a network is one file.

Every module of the `cnnbook.models` package (and of any folder added to its `__path__`)
that defines `SPEC = NetworkSpec(...)` is a network of the book; nothing else needs an edit.
Registering checks what would otherwise fail mid-build: a setting for every profile, and a
declared kind for every layer.
"""

from __future__ import annotations

import importlib
import pkgutil

from cnnbook.errors import NetworkDefinitionError, UnknownNameError
from cnnbook.models.layers import INPUT, KINDS, Layer
from cnnbook.models.spec import NetworkSpec
from cnnbook.profiles import PROFILES

_REGISTRY: dict[str, NetworkSpec] = {}


def discover(refresh: bool = False) -> dict[str, NetworkSpec]:
    """{name: spec} of every network file in the models package, in file-name order."""
    if _REGISTRY and not refresh:
        return _REGISTRY
    import cnnbook.models as package

    found: dict[str, NetworkSpec] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, NetworkSpec):
            check(spec, module.__file__)
            if spec.name in found:
                raise NetworkDefinitionError(f"{module.__file__}: network {spec.name!r} is already defined in "
                                             f"{found[spec.name].source_file()}; give it another name")
            found[spec.name] = spec
    _REGISTRY.clear()
    _REGISTRY.update(found)
    return _REGISTRY


def check(spec: NetworkSpec, where: str) -> None:
    """Refuse a network file that would fail mid-build, saying what to add."""
    if not spec.trained:
        if spec.photos is None:
            raise NetworkDefinitionError(f"{where}: network {spec.name!r} has no dataset and no photos: give it a "
                                         "`dataset` to train on, or `photos` to run its random weights on")
        if spec.train:
            raise NetworkDefinitionError(f"{where}: network {spec.name!r} has training settings but no dataset; "
                                         "remove its `train` (its weights are the seeded initial ones) or name a dataset")
    missing = [p for p in PROFILES if p not in spec.train] if spec.trained else []
    if missing:
        raise NetworkDefinitionError(f"{where}: network {spec.name!r} has no training settings for profile(s) "
                                     f"{', '.join(missing)}; add a TrainConfig for each to its `train`")
    from flax import nnx

    # An abstract instance: shapes only, no weights are allocated.
    model = nnx.eval_shape(lambda: spec.build(rngs=nnx.Rngs(0)))
    layers = model.layers()
    for layer in layers:
        if not isinstance(layer, Layer):
            raise NetworkDefinitionError(f"{where}: {spec.name}.layers() must list `Layer(name, kind, apply)` "
                                         f"items, got {layer!r}")
        if layer.kind not in KINDS:
            raise NetworkDefinitionError(f"{where}: layer {layer.name!r} of {spec.name} has kind {layer.kind!r}; "
                                         f"declare one of: {', '.join(KINDS)}")
    names = [layer.name for layer in layers]
    for i, layer in enumerate(layers):
        if layer.name == INPUT:
            raise NetworkDefinitionError(f"{where}: {spec.name} names a layer {INPUT!r}, the name that stands for "
                                         "the network's input; rename the layer")
        if layer.reads is not None and layer.reads != INPUT and layer.reads not in names[:i]:
            raise NetworkDefinitionError(f"{where}: layer {layer.name!r} of {spec.name} reads {layer.reads!r}, which is "
                                         f"not an earlier layer; use INPUT or one of: {', '.join(names[:i]) or 'none'}")
    convs = [layer.name for layer in layers if layer.kind == "conv"]
    unknown = sorted(set(spec.visualised or ()) - set(convs))
    if unknown:
        raise NetworkDefinitionError(f"{where}: {spec.name}.visualised names {', '.join(unknown)}, not conv layers of "
                                     f"it; its conv layers are: {', '.join(convs) or 'none'}")
    if len(set(names)) != len(names):
        raise NetworkDefinitionError(f"{where}: {spec.name} names two layers alike: {', '.join(names)}")


def get(name: str) -> NetworkSpec:
    """The network called `name`, or an error that lists the known ones."""
    networks = discover()
    try:
        return networks[name]
    except KeyError:
        raise UnknownNameError(f"unknown network {name!r}; the book knows: {', '.join(sorted(networks))}") from None


def names() -> list[str]:
    """Names of all registered networks, in the book's order."""
    return list(discover())

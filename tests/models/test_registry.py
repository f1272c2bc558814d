"""Discovery and registration: a network is one file, checked when it is found."""

import textwrap

import pytest

import cnnbook.models
from cnnbook.errors import NetworkDefinitionError
from cnnbook.models import registry

GOOD = """
from flax import nnx
from cnnbook.models.layers import Layer, Layered, flatten
from cnnbook.models.spec import NetworkSpec, TrainConfig

class Net(Layered):
    def __init__(self, *, rngs):
        self.dense = nnx.Linear(28 * 28, 10, rngs=rngs)

    def layers(self):
        return [Layer("flatten", "flatten", flatten), LAST]

QUICK = TrainConfig(epochs=1)
SPEC = NetworkSpec(name=NAME, title="t", source="s", dataset="mnist", input_shape=(28, 28, 1), build=Net,
                   train=TRAIN)
"""


@pytest.fixture
def models_path(tmp_path, monkeypatch):
    """An extra folder on the models package's path; the registry is rediscovered afterwards."""
    monkeypatch.setattr(cnnbook.models, "__path__", [*cnnbook.models.__path__, str(tmp_path)])
    yield tmp_path
    monkeypatch.undo()
    registry.discover(refresh=True)


def _write(folder, module, name, last='Layer("dense", "dense", self.dense, self.dense)',
           train='{"smoke": QUICK, "default": QUICK, "full": QUICK}'):
    source = GOOD.replace("NAME", repr(name)).replace("LAST", last).replace("TRAIN", train)
    (folder / f"{module}.py").write_text(textwrap.dedent(source))


def test_the_books_networks_are_found_by_discovery():
    assert registry.names() == ["alexnet", "cat_conv", "lenet", "mnist_dense", "mnist_keras", "mnist_torch",
                                "tiny_vgg"]  # file-name order


def test_a_new_file_is_a_new_network(models_path):
    _write(models_path, "zz_extra", "zz_extra")
    assert "zz_extra" in registry.discover(refresh=True)
    assert registry.get("zz_extra").source_file() == models_path / "zz_extra.py"


def test_a_network_without_a_profile_is_refused_when_found(models_path):
    _write(models_path, "zz_partial", "zz_partial", train='{"smoke": QUICK}')
    with pytest.raises(NetworkDefinitionError, match=r"zz_partial\.py: network 'zz_partial' has no training "
                                                     r"settings for profile\(s\) default, full"):
        registry.discover(refresh=True)


def test_a_layer_of_unknown_kind_is_refused(models_path):
    _write(models_path, "zz_kind", "zz_kind", last='Layer("dense", "fully-connected", self.dense, self.dense)')
    with pytest.raises(NetworkDefinitionError, match="layer 'dense' of zz_kind has kind 'fully-connected'; "
                                                     "declare one of: conv, relu, pool, flatten, dense, softmax"):
        registry.discover(refresh=True)


def test_a_layer_without_a_declared_kind_is_refused(models_path):
    _write(models_path, "zz_tuple", "zz_tuple", last='("dense", self.dense)')
    with pytest.raises(NetworkDefinitionError, match=r"must list `Layer\(name, kind, apply\)` items"):
        registry.discover(refresh=True)


def test_two_files_may_not_claim_one_name(models_path):
    _write(models_path, "zz_copy", "mnist_keras")
    with pytest.raises(NetworkDefinitionError, match="network 'mnist_keras' is already defined in"):
        registry.discover(refresh=True)


def test_visualised_layers_must_be_conv_layers_of_the_network(models_path):
    source = GOOD.replace("NAME", repr("zz_vis")).replace("LAST", 'Layer("dense", "dense", self.dense, self.dense)')
    source = source.replace("TRAIN", '{"smoke": QUICK, "default": QUICK, "full": QUICK}, visualised=("dense",)')
    (models_path / "zz_vis.py").write_text(textwrap.dedent(source))
    with pytest.raises(NetworkDefinitionError, match=r"zz_vis\.visualised names dense, not conv layers of it"):
        registry.discover(refresh=True)

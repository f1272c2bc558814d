"""The speed benchmark's PyTorch twins (benchmarks/twins.py) are the book's networks: the same
parameter count, the same dropouts, and the same logits once given the same weights."""

import sys

import numpy as np
import pytest

from conftest import REPO

torch = pytest.importorskip("torch", reason="the benchmark's twins need PyTorch: pip install -e '.[bench]' "
                                           "(.ci/run installs it)")
sys.path.insert(0, str(REPO / "benchmarks"))
import twins  # noqa: E402

from cnnbook.models import registry  # noqa: E402

TRAINED = [name for name in registry.names() if registry.get(name).trained]


@pytest.mark.parametrize("name", TRAINED)
def test_a_twin_has_its_networks_parameters_and_logits(name):
    import jax.numpy as jnp
    from flax import nnx

    from cnnbook.export import layers_manifest
    from cnnbook.models import count_params

    spec = registry.get(name).for_profile("default")
    model = spec.build(rngs=nnx.Rngs(0))
    model.eval()
    layers, params = layers_manifest(model, spec.input_shape)
    dropout = twins.dropout_rates(model, spec.input_shape)
    assert dropout == ({"fc6": 0.5, "fc7": 0.5} if name == "alexnet" else {})  # AlexNet's, after fc6 and fc7
    twin = twins.build_twin(layers, dropout)
    assert sum(p.numel() for p in twin.parameters()) == count_params(model)
    twins.copy_weights(twin, params)
    twin.eval()
    x = np.random.default_rng(0).random((3, *spec.input_shape), np.float32)
    expected = np.asarray(model(jnp.asarray(x)))
    with torch.no_grad():
        got = twin(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


"""The networks: parameter counts pinned to the sources, Keras layer names, shapes."""

import numpy as np
import pytest

from cnnbook.capture import capture, layer_table
from cnnbook.models import build_model, count_params, get, names
from cnnbook.errors import UnknownNameError


@pytest.mark.parametrize("name, expected", [("mnist_keras", 93_322), ("mnist_dense", 407_050), ("tiny_vgg", 19_920),
                                                   ("mnist_torch", 121_514), ("lenet", 61_706)])
def test_parameter_counts_match_the_tutorials(name, expected):
    assert count_params(build_model(name)) == expected


def test_keras_convnet_layers_shapes_and_counts():
    rows = layer_table(build_model("mnist_keras"), (28, 28, 1))
    assert [r.name for r in rows] == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2",
                                      "flatten", "dense", "dense_1"]
    assert [r.output_shape for r in rows] == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64),
                                              (576,), (64,), (10,)]
    assert [r.params for r in rows if r.params] == [320, 18_496, 36_928, 36_928, 650]


def test_pytorch_tutorial_cnn_layers_as_pytorch_names_them():
    rows = layer_table(build_model("mnist_torch"), (28, 28, 1))
    assert [r.name for r in rows] == ["conv1.0", "conv1.1", "conv1.2", "conv2.0", "conv2.1", "conv2.2", "conv2.3",
                                      "conv2.4", "conv3.0", "conv3.1", "flatten", "out"]
    assert [r.output_shape for r in rows if r.kind != "relu"] == [(28, 28, 16), (14, 14, 16), (14, 14, 32),
                                                                 (14, 14, 32), (7, 7, 32), (7, 7, 64), (3136,),
                                                                 (10,)]
    assert [r.params for r in rows if r.params] == [416, 12_832, 25_632, 51_264, 31_370]


def test_lenet_layers():
    rows = layer_table(build_model("lenet"), (28, 28, 1))
    assert [r.output_shape for r in rows] == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,),
                                              (84,), (10,)]
    assert [r.params for r in rows if r.params] == [156, 2_416, 48_120, 10_164, 850]


def test_one_more_conv_variants():
    from flax import nnx

    from cnnbook import experiments
    from cnnbook.profiles import get_profile
    from cnnbook.train import steps_per_call

    experiment = experiments.get("one_more_conv")
    counts = {}
    for variant in experiment.variants:
        spec = experiments.variant_spec(experiment, variant, get_profile("default"), seed=2)
        cfg = spec.config("default")
        assert cfg.seed == 2 and cfg.train_samples == 6_144
        # whole calls of the training step: one compiled program per variant
        batches = cfg.train_samples // cfg.batch_size
        assert cfg.train_samples % cfg.batch_size == 0 and batches % steps_per_call(batches, cfg) == 0
        counts[variant.key] = count_params(spec.build(rngs=nnx.Rngs(0)))
    # less conv2.2's 5·5·32·32 + 32; plus a 3×3 conv of 64 → 64: 3·3·64·64 + 64
    assert counts == {"without_extra_5x5": 121_514 - 25_632, "tutorial": 121_514, "plus_3x3": 121_514 + 36_928}


def test_capture_last_output_equals_model_output():
    model = build_model("mnist_keras", seed=3)
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    outputs = capture(model, x)
    assert list(outputs)[-1] == "dense_1"
    # The capture runs compiled, the model op by op: XLA may fuse them differently (last bits only).
    np.testing.assert_allclose(outputs["dense_1"], np.asarray(model(x)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["alexnet", "tiny_vgg", "mnist_keras"])  # two that set `Layer.linear`, one not
def test_a_layers_value_before_its_activation_is_its_modules_sum(name):
    """`Layer.pre_activation` (what the channels pages rank by) is the conv or dense module's own
    output, however the layer computes it, and the layer's output is that value or its ReLU."""
    import jax
    from flax import nnx

    from cnnbook.models.layers import forward

    model = build_model(name, seed=1)
    model.eval()  # AlexNet's dense layers drop half their values while training
    graphdef, state = nnx.split(model)
    x = np.random.default_rng(0).random((2, *get(name).input_shape), dtype=np.float32)

    @jax.jit  # one compiled pass: op by op, AlexNet's layers took 16 s here
    def sums(state, x):
        found = {}

        def record(layer, value):
            if layer.module is not None:
                found[layer.name] = (layer.pre_activation(value), layer.module(value), layer.apply(value))
            return layer.apply(value)

        for _ in forward(nnx.merge(graphdef, state).layers(), x, record):
            pass
        return found

    checked = 0
    for layer_name, (before, plain, out) in jax.device_get(sums(state, x)).items():
        np.testing.assert_allclose(before, plain, rtol=1e-4, atol=1e-4)
        relu = np.maximum(before, 0)
        assert np.allclose(out, before, atol=1e-4) or np.allclose(out, relu, atol=1e-4), layer_name
        checked += 1
    assert checked >= 2


def test_max_pool_matches_a_numpy_reference():
    from cnnbook.models.layers import max_pool_2x2

    x = np.random.default_rng(1).normal(size=(2, 11, 11, 3)).astype(np.float32)
    ref = np.zeros((2, 5, 5, 3), np.float32)
    for i in range(5):
        for j in range(5):
            ref[:, i, j] = x[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max(axis=(1, 2))
    np.testing.assert_array_equal(np.asarray(max_pool_2x2(x)), ref)


def test_conv_matches_a_numpy_convolution():
    model = build_model("mnist_keras", seed=1)
    x = np.random.default_rng(2).random((1, 28, 28, 1), dtype=np.float32)
    k = np.asarray(model.conv2d.kernel[...])  # (3, 3, 1, 32)
    b = np.asarray(model.conv2d.bias[...])
    ref = np.zeros((26, 26, 32), np.float32)
    for i in range(26):
        for j in range(26):
            ref[i, j] = np.tensordot(x[0, i : i + 3, j : j + 3, :], k, axes=3) + b
    np.testing.assert_allclose(capture(model, x)["conv2d"][0], np.maximum(ref, 0), rtol=1e-5, atol=1e-5)


def test_unknown_network_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="mnist_keras"):
        get("resnet")
    assert names()[:2] == ["mnist_dense", "mnist_keras"] or set(names()) >= {"mnist_dense", "mnist_keras"}


def test_tiny_vgg_layers_and_shapes_as_cnn_explainer():
    rows = layer_table(build_model("tiny_vgg"), (64, 64, 3))
    assert [r.name for r in rows] == ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "conv_2_1",
                                      "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "flatten", "output"]
    sizes = [r.output_shape[0] for r in rows if r.kind in ("conv", "pool")]
    assert sizes == [62, 60, 30, 28, 26, 13]
    assert rows[-2].output_shape == (1690,)
    assert [r.params for r in rows if r.params] == [280, 910, 910, 910, 16_910]


def test_fast_convolution_gradient_equals_xla_convolution_gradient():
    import jax.numpy as jnp

    from cnnbook.models.layers import _conv_valid, conv_valid

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(2, 9, 8, 3)), jnp.float32)
    k = jnp.asarray(rng.normal(size=(3, 3, 3, 4)), jnp.float32)
    target = jnp.asarray(rng.normal(size=(2, 7, 6, 4)), jnp.float32)

    assert_same_gradients(conv_valid, _conv_valid, x, k, target)


def assert_same_gradients(conv, reference, x, kernel, target):
    """conv(x, kernel)'s gradients of a squared error, with respect to x and kernel, are reference's."""
    import jax

    def loss(f):
        return lambda x, kernel: ((f(x, kernel) - target) ** 2).sum()

    for a, b in zip(jax.grad(loss(conv), argnums=(0, 1))(x, kernel), jax.grad(loss(reference), argnums=(0, 1))(x, kernel)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size, channels, k", [
    ((10, 8), (3, 10), 3),  # even sides, as Tiny VGG's 64 and 62
    ((9, 7), (10, 10), 3),  # odd sides: a zero row and column padded, their outputs cut
    ((11, 12), (2, 5), 5),  # a 5×5 kernel: a 3×3 kernel over the blocks
])
def test_a_convolution_over_blocks_gives_xlas_outputs_and_gradients(size, channels, k):
    import jax.numpy as jnp

    from cnnbook.models.layers import _conv_valid, conv_valid_blocks

    rng = np.random.default_rng(1)
    (h, w), (cin, cout) = size, channels
    x = jnp.asarray(rng.normal(size=(3, h, w, cin)), jnp.float32)
    kernel = jnp.asarray(rng.normal(size=(k, k, cin, cout)), jnp.float32)
    target = jnp.asarray(rng.normal(size=(3, h - k + 1, w - k + 1, cout)), jnp.float32)
    np.testing.assert_allclose(np.asarray(conv_valid_blocks(x, kernel)), np.asarray(_conv_valid(x, kernel)),
                               rtol=1e-5, atol=1e-5)
    assert_same_gradients(conv_valid_blocks, _conv_valid, x, kernel, target)


def test_a_convolution_over_blocks_takes_odd_square_kernels_only():
    import jax.numpy as jnp

    from cnnbook.models.layers import conv_valid_blocks

    with pytest.raises(ValueError, match="odd size"):
        conv_valid_blocks(jnp.zeros((1, 8, 8, 1)), jnp.zeros((2, 2, 1, 1)))


@pytest.mark.parametrize("features, kernel, strides, padding, size", [
    ((3, 8), (7, 7), 3, "VALID", (17, 20)),  # as AlexNet's conv1 (11×11, stride 4), smaller: quicker to compile
    ((4, 6), (5, 5), 1, "SAME", (7, 7)),
    ((5, 3), (3, 3), 2, "SAME", (8, 9)),  # uneven padding: one row and column more at the end
    ((2, 3), (3, 2), (2, 1), 1, (6, 5)),
])
def test_a_convolution_as_a_matrix_product_gives_xlas_outputs_and_gradients(features, kernel, strides, padding, size):
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from cnnbook.models.layers import conv_as_matmul

    conv = nnx.Conv(*features, kernel, strides=strides, padding=padding, rngs=nnx.Rngs(0))
    rng = np.random.default_rng(1)
    conv.bias[...] = jnp.asarray(rng.normal(size=features[1]), jnp.float32)
    x = jnp.asarray(rng.normal(size=(2, *size, features[0])), jnp.float32)
    target = jnp.asarray(rng.normal(size=conv(x).shape), jnp.float32)

    graphdef, params = nnx.split(conv)

    def loss(apply):
        def of(params, x):
            return ((apply(nnx.merge(graphdef, params))(x) - target) ** 2).sum()
        return of

    np.testing.assert_allclose(np.asarray(conv_as_matmul(conv)(x)), np.asarray(conv(x)), rtol=1e-5, atol=1e-5)
    fast = jax.tree_util.tree_leaves(jax.grad(loss(conv_as_matmul), argnums=(0, 1))(params, x))
    xla = jax.tree_util.tree_leaves(jax.grad(loss(lambda c: c), argnums=(0, 1))(params, x))
    assert len(fast) == len(xla) == 3  # the kernel's, the bias's and the input's
    for a, b in zip(fast, xla):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)

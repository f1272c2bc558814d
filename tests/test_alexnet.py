"""AlexNet as the Zetane article builds it: pinned shapes and counts at 224×224×3, the smaller
default input, its data preparation, and its overlapping pooling against XLA's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from cnnbook.capture import layer_table
from cnnbook.models import alexnet, count_params, registry
from cnnbook.models.layers import max_pool_3x3_stride_2


def test_the_articles_alexnet_at_224_has_46787978_parameters_and_a_6400_flatten_and_runs():
    spec = registry.get("alexnet").for_profile("full")
    assert spec.input_shape == (224, 224, 3)
    model = spec.build(rngs=nnx.Rngs(0))
    model.eval()
    rows = layer_table(model, spec.input_shape)
    shapes = {r.name: r.output_shape for r in rows}
    assert shapes["conv1"] == (54, 54, 96) and shapes["pool1"] == (26, 26, 96)
    assert shapes["conv2"] == (26, 26, 256) and shapes["pool2"] == (12, 12, 256)
    assert shapes["conv5"] == (12, 12, 256) and shapes["pool5"] == (5, 5, 256)
    assert shapes["flatten"] == (6_400,)
    # per layer, from the shapes: kernel × inputs × outputs + biases
    expected = {"conv1": 11 * 11 * 3 * 96 + 96, "conv2": 5 * 5 * 96 * 256 + 256, "conv3": 3 * 3 * 256 * 384 + 384,
                "conv4": 3 * 3 * 384 * 384 + 384, "conv5": 3 * 3 * 384 * 256 + 256, "fc6": 6_400 * 4_096 + 4_096,
                "fc7": 4_096 * 4_096 + 4_096, "fc8": 4_096 * 10 + 10}
    assert {r.name: r.params for r in rows if r.params} == expected
    assert count_params(model) == sum(expected.values()) == 46_787_978
    logits = model(jnp.zeros((1, 224, 224, 3)))
    assert logits.shape == (1, 10) and bool(jnp.isfinite(logits).all())


def test_the_default_input_is_the_smallest_that_keeps_every_layer_valid():
    spec = registry.get("alexnet")
    assert spec.for_profile("default") is spec and spec.input_shape == (67, 67, 3)
    assert alexnet.pooled_size(67) == 1 and alexnet.pooled_size(224) == 5
    with pytest.raises(ValueError, match="at least 67×67"):
        alexnet.pooled_size(66)
    from cnnbook.costs import costs_of

    assert {r.name: r.output_shape for r in costs_of(spec)}["flatten"] == (256,)


def test_fashion_images_become_resized_rgb_inputs():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    rgb = alexnet.grey_to_rgb(grey, 67)
    assert rgb.shape == (5, 67, 67, 3) and rgb.dtype == np.uint8
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()  # the grey, three times
    # a flat image stays flat; the mean brightness survives the resize
    flat = alexnet.grey_to_rgb(np.full((1, 28, 28), 200, np.uint8), 67)
    assert (flat == 200).all()
    assert abs(float(rgb.mean()) - float(grey.mean())) < 2


def test_a_spec_prepares_its_dataset_and_a_profile_picks_its_input():
    from cnnbook import data

    spec = registry.get("alexnet")
    dataset = data.load("fashion-mnist", synthetic=True, n_train=20, n_test=10)
    prepared = spec.prepared(dataset)
    assert prepared.x_train.shape == (20, 67, 67, 3) and prepared.x_test.shape == (10, 67, 67, 3)
    assert dataset.x_train.shape == (20, 28, 28)  # the original is untouched
    full = spec.for_profile("full")
    assert full.prepared(dataset).x_test.shape == (10, 224, 224, 3)
    assert full.source_file() == spec.source_file()
    # networks without a `prepare` read their dataset as it is
    assert registry.get("lenet").prepared(dataset) is dataset


def test_overlapping_pooling_and_its_gradient_equal_xlas_reduce_window():
    rng = np.random.default_rng(1)
    for size in (15, 7, 12):
        x = jnp.asarray(rng.normal(size=(2, size, size, 5)), jnp.float32)

        def xla(v):
            return nnx.max_pool(v, (3, 3), strides=(2, 2), padding="VALID")

        np.testing.assert_array_equal(np.asarray(max_pool_3x3_stride_2(x)), np.asarray(xla(x)))
        weights = jnp.asarray(rng.normal(size=xla(x).shape), jnp.float32)
        ours = jax.grad(lambda v: (max_pool_3x3_stride_2(v) * weights).sum())(x)
        theirs = jax.grad(lambda v: (xla(v) * weights).sum())(x)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6, atol=1e-6)


def test_alexnet_visualises_only_its_first_layers_channels():
    spec = registry.get("alexnet")
    assert spec.visualised == ("conv1",)
    names = [layer.name for layer in nnx.eval_shape(lambda: spec.build(rngs=nnx.Rngs(0))).layers()]
    assert set(spec.visualised) <= set(names)


def test_stored_weights_load_into_a_model_a_compiled_step_can_run():
    # A dropout's random-number state is not stored with the weights; the loaded model must still jit.
    from cnnbook.trained import arrays_to_model, state_to_arrays
    from cnnbook.train import evaluate

    spec = registry.get("alexnet")
    model = spec.build(rngs=nnx.Rngs(0))
    model.eval()
    loaded = arrays_to_model(spec, state_to_arrays(model))
    x = np.random.default_rng(0).random((4, 67, 67, 3), np.float32)
    _, _, probs = evaluate(loaded, x, np.zeros(4, np.int32))
    np.testing.assert_allclose(probs, np.asarray(nnx.softmax(model(jnp.asarray(x)))), rtol=1e-5, atol=1e-6)

"""The views on a tiny captured network: each figure or number checked against the captured arrays."""

import re

import numpy as np
import pytest

from cnnbook.errors import UnknownNameError
from cnnbook.render.style import Figure
from cnnbook.render.tables import Math, Table
from cnnbook.views import activation, convolution, flatten, kernels, maps, pooling, results, softmax, summary, walks


@pytest.fixture(scope="module")
def image(toy):
    return toy.captured.meta["per_class"][0]


def test_summary_counts_every_parameter_from_the_model(toy):
    assert [r.kind for r in toy.layers] == ["conv", "relu", "pool", "flatten", "dense"]
    assert [r.output_shape for r in toy.layers] == [(26, 26, 4), (26, 26, 4), (13, 13, 4), (676,), (10,)]
    assert summary.total_params(toy) == 3 * 3 * 1 * 4 + 4 + 676 * 10 + 10 == toy.metrics["params"]
    table = summary.summary(toy)
    assert isinstance(table, Table) and "6,810" in table._repr_markdown_()
    text = summary.derivations(toy).text
    assert "3 \\cdot 3 \\cdot 1 \\cdot 4 + 4 = 40" in text and "676 \\cdot 10 + 10 = 6{,}770" in text
    assert "40 + 6{,}770 = 6{,}810" in text
    assert "`toy_net`" in summary.provenance(toy)._repr_markdown_()


def test_feature_maps_on_every_scale_and_a_clear_error_for_a_wrong_name(toy, image):
    for scale in ("layer", "channel", "network"):
        fig = maps.feature_maps(toy, "conv", image, scale=scale)
        assert isinstance(fig, Figure) and fig.png.startswith(b"\x89PNG")
    with pytest.raises(UnknownNameError, match="unknown layer 'conv9' of toy_net; its layers are: conv, relu, pool"):
        maps.feature_maps(toy, "conv9", image)
    with pytest.raises(ValueError, match="unknown colour scale"):
        maps.feature_maps(toy, "conv", image, scale="rainbow")
    assert maps.input_figure(toy, image).png.startswith(b"\x89PNG")


def test_kernels_only_for_convolutions(toy):
    weights, bias = kernels.conv_weights(toy, "conv")
    assert weights.shape == (3, 3, 1, 4) and bias.shape == (4,)
    assert kernels.kernels(toy, "conv").png.startswith(b"\x89PNG")
    with pytest.raises(UnknownNameError, match="unknown conv layer 'out'.*: conv$"):
        kernels.kernels(toy, "out")


def test_convolution_arithmetic_uses_the_captured_numbers(toy, image):
    acts = toy.activations(image)
    channel = convolution.strongest_channel(toy, "conv", image)
    assert channel == int(np.abs(acts["conv"]).sum(axis=(0, 1)).argmax())
    text = convolution.pixel_arithmetic(toy, "conv", image, channel=channel, row=5, col=7).text
    assert f"The network's own output at that pixel is {acts['conv'][5, 7, channel]:.4f}." in text
    # The same number by hand: the 3×3 patch of the input times the kernel, plus the bias.
    weights, bias = kernels.conv_weights(toy, "conv")
    x = toy.example(image).x
    by_hand = (x[5:8, 7:10, :] * weights[..., channel]).sum() + bias[channel]
    assert by_hand == pytest.approx(acts["conv"][5, 7, channel], abs=1e-5)
    assert convolution.conv_decomposition(toy, "conv", image).png.startswith(b"\x89PNG")


def test_relu_and_pooling_read_the_layer_before(toy, image):
    acts = toy.activations(image)
    assert activation.share_zeroed(toy, "relu", image) == pytest.approx(float((acts["conv"] < 0).mean()))
    assert activation.relu(toy, "relu", image).png.startswith(b"\x89PNG")
    with pytest.raises(UnknownNameError, match="unknown relu layer 'pool'"):
        activation.relu(toy, "pool", image)
    np.testing.assert_array_equal(acts["pool"], acts["relu"].reshape(13, 2, 13, 2, 4).max(axis=(1, 3)))
    assert pooling.pooling(toy, "pool", image).png.startswith(b"\x89PNG")
    assert pooling.pool_zoom(toy, "pool", image).png.startswith(b"\x89PNG")


def test_flatten_contributions_add_up_to_the_logit(toy, image):
    assert isinstance(flatten.flatten_sum(toy), Math) and "13 \\cdot 13 \\cdot 4 = 676" in flatten.flatten_sum(toy).latex
    fig, table = flatten.flatten_contributions(toy, image, top=5)
    acts = toy.activations(image)
    winner = int(acts["out"].argmax())
    weights = np.asarray(toy.modules["out"].kernel[...])
    bias = np.asarray(toy.modules["out"].bias[...])
    assert float(acts["flatten"] @ weights[:, winner] + bias[winner]) == pytest.approx(float(acts["out"][winner]), abs=1e-4)
    assert len(table.rows) == 5 and fig.png.startswith(b"\x89PNG")


def test_softmax_views_agree_with_the_logits(toy, image):
    logits = toy.activations(image)["out"]
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    name, p = softmax.top_prediction(toy, image)
    assert name == toy.class_names[int(probs.argmax())] and p == pytest.approx(float(probs.max()), rel=1e-5)
    assert softmax.probabilities(toy, image).png.startswith(b"\x89PNG")
    assert softmax.probabilities_per_class(toy).png.startswith(b"\x89PNG")


def test_results_count_the_mistakes_and_keep_the_gallery_bounded(toy):
    wrong = int((toy.test_probs.argmax(-1) != toy.y_test).sum())
    assert results.misclassified_count(toy) == wrong
    assert results.accuracy(toy) == pytest.approx(1 - wrong / len(toy.y_test), abs=1e-6)
    assert results.misclassified(toy, 6).png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="at most 24"):
        results.misclassified(toy, 25)
    assert results.confusion(toy).png.startswith(b"\x89PNG") and results.curves(toy).png.startswith(b"\x89PNG")
    followed = toy.captured.meta["walks"]
    assert walks.confident_mistakes(toy) == followed and walks.confident_mistakes(toy, 1) == followed[:1]
    assert re.fullmatch(r"walks/toy_net-test-\d+\.md", walks.walk_path(toy, toy.captured.meta["walks"][0]))


def test_an_image_of_another_network_or_class_is_a_clear_error(toy):
    from cnnbook.capture import Example

    stranger = Example(np.zeros((28, 28, 1), np.float32), "someone else's image", 0, "test-0")
    with pytest.raises(UnknownNameError, match="someone else's image is not an input captured for toy_net"):
        maps.feature_maps(toy, "conv", stranger)
    with pytest.raises(UnknownNameError, match="toy_net has no class 'espresso' for sample 'espresso_1'"):
        toy.sample("espresso_1")


def test_the_untrained_weights_have_their_own_test_results(toy):
    fresh = toy.with_weights("untrained")
    assert fresh.test_probs.shape == toy.test_probs.shape
    assert results.accuracy(fresh) != results.accuracy(toy)
    assert results.accuracy(fresh) == pytest.approx(float((fresh.predictions() == toy.y_test).mean()), abs=1e-6)
    assert results.confusion(fresh).png.startswith(b"\x89PNG")


def test_the_gallery_counts_every_mistake_of_the_test_set(toy):
    alt = results.misclassified(toy, 3).alt
    assert alt.startswith(f"3 of the {results.misclassified_count(toy):,} misclassified images out of 500")

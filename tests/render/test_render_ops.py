"""Tests for the layer-by-layer renderers: convolution, ReLU, pooling zoom, flatten, probabilities.

Every number is checked against a brute-force NumPy reference; figures are checked for
deterministic bytes and alt texts that carry the computed numbers.
"""

import numpy as np
import pytest
from latex2mathml.converter import convert

from cnnbook.render import (contribution_map, contributions, conv_decomposition, correlate_valid, feature_map_grid,
                            flatten_index, intermediate_maps, pixel_arithmetic, pixel_arithmetic_latex,
                            pooling_zoom, probability_bars, probability_grid, relu_before_after, share_zeroed,
                            softmax, top_contributions, unflatten_index)
from cnnbook.render.formats import fmt_percent, fmt_value

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASSES = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda", "orange",
           "sport car"]


def brute_force_correlate(channel, kernel):
    """Cross-correlation written as plainly as possible: the reference."""
    kh, kw = kernel.shape
    out = np.zeros((channel.shape[0] - kh + 1, channel.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for di in range(kh):
                for dj in range(kw):
                    out[i, j] += channel[i + di, j + dj] * kernel[di, dj]
    return out


def brute_force_conv(x, kernel, bias):
    """A whole conv layer, VALID, stride 1, NHWC: out[i, j, c] = Σ x[i+di, j+dj, k] w[di, dj, k, c] + b[c]."""
    kh, kw, cin, cout = kernel.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1, cout))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            patch = x[i : i + kh, j : j + kw, :]
            for c in range(cout):
                out[i, j, c] = np.sum(patch * kernel[:, :, :, c]) + bias[c]
    return out


@pytest.fixture(scope="module")
def layer():
    """A small image and a conv layer shaped like Tiny VGG's first (3×3, 3 → 10)."""
    rng = np.random.default_rng(7)
    x = rng.random((10, 9, 3))
    kernel = rng.normal(scale=0.4, size=(3, 3, 3, 10))
    bias = rng.normal(scale=0.1, size=10)
    return x, kernel, bias


# --- convolution ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, kshape", [((6, 6), (3, 3)), ((7, 5), (2, 3)), ((4, 4), (4, 4)), ((5, 8), (1, 1))])
def test_correlate_valid_matches_brute_force(shape, kshape):
    rng = np.random.default_rng(sum(shape) + sum(kshape))
    channel, kernel = rng.normal(size=shape), rng.normal(size=kshape)
    out = correlate_valid(channel, kernel)
    assert out.shape == (shape[0] - kshape[0] + 1, shape[1] - kshape[1] + 1)
    np.testing.assert_allclose(out, brute_force_correlate(channel, kernel), rtol=1e-12, atol=1e-12)


def test_correlate_valid_does_not_flip_the_kernel():
    channel = np.zeros((3, 3))
    channel[0, 0] = 1.0
    kernel = np.arange(9.0).reshape(3, 3)
    assert correlate_valid(channel, kernel)[0, 0] == kernel[0, 0]  # a true convolution would give kernel[2, 2]


def test_correlate_valid_rejects_bad_shapes():
    with pytest.raises(ValueError, match="does not fit"):
        correlate_valid(np.zeros((2, 5)), np.zeros((3, 3)))
    with pytest.raises(ValueError):
        correlate_valid(np.zeros((4, 4, 1)), np.zeros((3, 3)))


def test_intermediate_maps_sum_plus_bias_is_the_conv(layer):
    x, kernel, bias = layer
    reference = brute_force_conv(x, kernel, bias)
    for c in (0, 4, 9):
        maps = intermediate_maps(x, kernel, c)
        assert maps.shape == (3, 8, 7)
        np.testing.assert_allclose(maps.sum(axis=0) + bias[c], reference[:, :, c], rtol=1e-12, atol=1e-12)
        for k in range(3):
            np.testing.assert_allclose(maps[k], brute_force_correlate(x[:, :, k], kernel[:, :, k, c]), atol=1e-12)


def test_pixel_arithmetic_total_is_the_conv_output(layer):
    x, kernel, bias = layer
    reference = brute_force_conv(x, kernel, bias)
    for row, col, c in [(0, 0, 0), (3, 5, 4), (7, 6, 9)]:
        data = pixel_arithmetic(x, kernel, bias, c, row, col)
        direct = sum(correlate_valid(x[:, :, k], kernel[:, :, k, c])[row, col] for k in range(3)) + bias[c]
        assert data["total"] == pytest.approx(direct, abs=1e-12)
        assert data["total"] == pytest.approx(reference[row, col, c], abs=1e-12)
        assert data["bias"] == bias[c]
        assert [ch["name"] for ch in data["channels"]] == ["R", "G", "B"]
        for k, ch in enumerate(data["channels"]):
            np.testing.assert_array_equal(ch["patch"], x[row : row + 3, col : col + 3, k])
            np.testing.assert_array_equal(ch["kernel"], kernel[:, :, k, c])
            np.testing.assert_array_equal(ch["products"], ch["patch"] * ch["kernel"])
            assert ch["sum"] == pytest.approx(ch["products"].sum())


def test_pixel_arithmetic_rejects_a_position_outside_the_output(layer):
    x, kernel, bias = layer
    with pytest.raises(ValueError, match="outside the 8×7 output"):
        pixel_arithmetic(x, kernel, bias, 0, 8, 0)
    with pytest.raises(ValueError, match="output channel 10"):
        pixel_arithmetic(x, kernel, bias, 10, 0, 0)


def test_pixel_arithmetic_latex_has_the_real_numbers_and_converts(layer):
    x, kernel, bias = layer
    data = pixel_arithmetic(x, kernel, bias, 4, 2, 3)
    latex = pixel_arithmetic_latex(data)
    lines = latex.split("\\\\\n")
    assert len(lines) == 4  # R, G, B, then the total
    assert latex.count(r"\begin{bmatrix}") == 6 and latex.count(r"\odot") == 3
    for ch, line in zip(data["channels"], lines):
        assert line.rstrip().endswith(f"= {ch['sum']:.2f}".replace("-0.00", "0.00"))
        assert f"{ch['patch'][0, 0]:.2f}" in line and f"{ch['kernel'][2, 2]:.2f}" in line
    assert "s_{R} + s_{G} + s_{B} + b" in lines[-1]
    assert lines[-1].split("\n")[0].endswith(f"= {data['total']:.2f}")
    assert r"\text{out}_{4}[2, 3]" in lines[-1]
    assert "-0.00" not in latex
    mathml = convert(latex, display="block")
    assert mathml.startswith("<math") and mathml.count("<mtable") == 7  # the array and its 6 matrices
    assert f"{data['total']:.3f}" in pixel_arithmetic_latex(data, digits=3)


def test_conv_decomposition_alt_and_determinism(layer):
    x, kernel, bias = layer
    fig = conv_decomposition(x, kernel, bias, 4, title="conv_1_1")
    out = brute_force_conv(x, kernel, bias)[:, :, 4]
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt.startswith("How output channel 4 of conv_1_1 is made: each of the 3 input channels (10×9)")
    assert "3×3 kernel slice" in fig.alt and "3 intermediate maps of 8×7" in fig.alt
    assert f"the bias {fmt_value(bias[4])}" in fig.alt
    assert f"from {fmt_value(out.min())} to {fmt_value(out.max())}" in fig.alt
    assert conv_decomposition(x.copy(), kernel, bias, 4, title="conv_1_1").png == fig.png


def test_conv_decomposition_many_channels_and_errors():
    rng = np.random.default_rng(3)
    x = np.maximum(rng.normal(size=(8, 8, 5)), 0)
    kernel = rng.normal(size=(3, 3, 5, 2))
    fig = conv_decomposition(x, kernel, np.zeros(2), 1, title="conv_1_2")
    assert "each of the 5 input channels (8×8)" in fig.alt
    with pytest.raises(ValueError, match="2 biases"):
        conv_decomposition(x, kernel, np.zeros(3), 0, title="x")
    with pytest.raises(ValueError, match="Cin"):
        conv_decomposition(x[:, :, :4], kernel, np.zeros(2), 0, title="x")


# --- activation -------------------------------------------------------------------------------

def test_share_zeroed_counts_only_negatives():
    before = np.array([[-1.0, 0.0], [2.0, -0.5]])
    assert share_zeroed(before) == 0.5  # the exact 0 is not changed by ReLU
    assert share_zeroed(np.zeros((3, 3))) == 0.0
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(6, 6, 4))
    assert share_zeroed(acts) == sum(v < 0 for v in acts.ravel()) / acts.size
    assert share_zeroed(acts) == np.mean(np.maximum(acts, 0) != acts)


def test_relu_before_after_alt_counts_all_channels():
    rng = np.random.default_rng(1)
    before = rng.normal(size=(12, 12, 10))
    share = fmt_percent(np.mean(before < 0))
    one = relu_before_after(before, np.maximum(before, 0), title="conv_1_1", channel=3)
    assert one.png.startswith(PNG_MAGIC)
    assert one.alt.startswith("ReLU on conv_1_1, 12×12, channel 3, before and after")
    assert f"{share} of all 10 channels' 1,440 values" in one.alt
    assert f"before from {fmt_value(before[:, :, 3].min())}" in one.alt
    mean = relu_before_after(before, title="conv_1_1")
    assert "mean of the 10 channels" in mean.alt and share in mean.alt
    assert relu_before_after(before.copy(), title="conv_1_1").png == mean.png


def test_relu_before_after_errors():
    before = np.random.default_rng(2).normal(size=(5, 5, 2))
    with pytest.raises(ValueError, match="not ReLU"):
        relu_before_after(before, before, title="x")
    with pytest.raises(ValueError, match="channel 2"):
        relu_before_after(before, title="x", channel=2)


# --- pooling zoom -----------------------------------------------------------------------------

def test_pooling_zoom_alt_gives_the_four_values_and_the_kept_one():
    before = np.arange(36, dtype=float).reshape(6, 6) / 10
    before[2, 3] = -1.5
    fig = pooling_zoom(before, 1, 1, title="relu_1_1")
    assert fig.png.startswith(PNG_MAGIC)
    assert "rows 2–3 and columns 2–3: values 1.4, -1.5, 2, 2.1" in fig.alt
    assert "the largest, 2.1, is kept as output (1, 1)" in fig.alt
    assert "75% of values dropped" in fig.alt
    assert pooling_zoom(before.copy(), 1, 1, title="relu_1_1").png == fig.png
    three = pooling_zoom(before, 0, 1, window=3, title="p")
    assert "88.9% of values dropped" in three.alt and "the largest, 1.7," in three.alt


def test_pooling_zoom_rejects_a_window_outside_the_output():
    with pytest.raises(ValueError, match="outside the 2×2"):
        pooling_zoom(np.zeros((5, 5)), 2, 0, title="x")


# --- feature map scales -----------------------------------------------------------------------

def test_feature_map_scale_choices():
    acts = np.random.default_rng(4).normal(size=(8, 8, 4)) * np.array([1, 10, 0.1, 0])
    default = feature_map_grid(acts, "conv")
    assert feature_map_grid(acts, "conv", scale="shared").png == default.png
    per_channel = feature_map_grid(acts, "conv", scale="channel")
    assert per_channel.png != default.png
    assert per_channel.alt.startswith(default.alt)
    assert "relative to its own largest |value|" in per_channel.alt
    with pytest.raises(ValueError, match="'shared', 'channel'; got 'global'"):
        feature_map_grid(acts, "conv", scale="global")
    with pytest.raises(ValueError, match="vmax"):
        feature_map_grid(acts, "conv", scale="channel", vmax=3.0)


# --- probabilities ----------------------------------------------------------------------------

def test_softmax_matches_the_definition_and_is_stable():
    z = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(softmax(z), np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    big = softmax(np.array([1000.0, 999.0, -1000.0]))
    assert np.all(np.isfinite(big)) and big.sum() == pytest.approx(1)
    np.testing.assert_allclose(big[:2], softmax(np.array([1.0, 0.0])), atol=1e-12)
    batch = softmax(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(batch.sum(axis=1), 1)


def test_probability_bars_alt_lists_the_top_three():
    logits = np.array([0.1, 2.0, -1.0, 0.0, 0.3, 1.2, 3.5, -0.4, 0.9, -2.0])
    p = softmax(logits)
    fig = probability_bars(logits, CLASSES, title="espresso.jpg", true_label=6)
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt.startswith(f"Softmax probabilities of espresso.jpg over 10 classes; predicted espresso "
                              f"({fmt_percent(p[6])})")
    assert (f"top 3: espresso {fmt_percent(p[6])}, ladybug {fmt_percent(p[1])}, koala {fmt_percent(p[5])}"
            in fig.alt)
    assert fig.alt.endswith("the true class is espresso (correct)")
    wrong = probability_bars(logits, CLASSES, title="x", true_label="koala")
    assert wrong.alt.endswith(f"the true class is koala ({fmt_percent(p[5])}, wrong)")
    assert probability_bars(logits.copy(), CLASSES, title="espresso.jpg", true_label=6).png == fig.png
    with pytest.raises(ValueError, match="9 logits for 10"):
        probability_bars(logits[:9], CLASSES, title="x")


def test_probability_grid_alt_counts_correct_predictions():
    rng = np.random.default_rng(5)
    items = [(rng.random((8, 8, 3)), 3 * np.eye(10)[i] + rng.normal(size=10) * 0.1, i) for i in range(4)]
    items.append((rng.random((8, 8, 3)), 3 * np.eye(10)[6], 5))  # a koala read as espresso
    fig = probability_grid(items, CLASSES, title="One image per class")
    assert fig.png.startswith(PNG_MAGIC)
    assert "; 4 of 5 predicted correctly: lifeboat → lifeboat (" in fig.alt
    assert f"koala → espresso ({fmt_percent(softmax(3 * np.eye(10)[6])[6])})" in fig.alt
    assert probability_grid(items, CLASSES, title="One image per class").png == fig.png


# --- flatten and the dense layer ----------------------------------------------------------------

def test_flatten_index_round_trip_matches_numpy_c_order():
    shape = (13, 13, 10)
    positions = np.arange(13 * 13 * 10).reshape(shape)  # the flat index of every (row, col, channel)
    for (row, col, channel), flat in np.ndenumerate(positions):
        assert flatten_index(row, col, channel, shape) == flat
        assert unflatten_index(flat, shape) == (row, col, channel)
    assert flatten_index(1, 2, 3, (4, 5, 6)) == np.ravel_multi_index((1, 2, 3), (4, 5, 6))
    assert flatten_index(12, 12, 9, (13, 13, 10)) == 1689


def test_flatten_index_errors():
    with pytest.raises(ValueError, match="channel 10"):
        flatten_index(0, 0, 10, (13, 13, 10))
    with pytest.raises(ValueError, match="index 1690"):
        unflatten_index(1690, (13, 13, 10))


def test_contributions_sum_to_logit_minus_bias():
    rng = np.random.default_rng(6)
    pooled = np.maximum(rng.normal(size=(13, 13, 10)), 0)
    flat = pooled.reshape(-1)  # what Flatten does, NHWC
    weights, bias = rng.normal(scale=0.05, size=(1690, 10)), rng.normal(size=10)
    logits = flat @ weights + bias
    for c in range(10):
        contrib = contributions(flat, weights, c)
        assert contrib.shape == (1690,)
        assert contrib.sum() == pytest.approx(logits[c] - bias[c], abs=1e-9)
    contrib = contributions(flat, weights, 6)
    top = top_contributions(contrib, (13, 13, 10), 5)
    assert [t[0] for t in top] == list(np.argsort(-contrib)[:5])
    for i, row, col, channel, value in top:
        assert value == contrib[i] == pooled[row, col, channel] * weights[i, 6]
    fig = contribution_map(contrib, (13, 13, 10), title="espresso logit", top=5)
    assert fig.png.startswith(PNG_MAGIC)
    assert f"they sum to {fmt_value(logits[6] - bias[6])} (the logit minus the bias)" in fig.alt
    i, row, col, channel, value = top[0]
    assert f"led by row {row}, column {col}, channel {channel} ({fmt_value(value)})" in fig.alt
    assert contribution_map(contrib.copy(), (13, 13, 10), title="espresso logit", top=5).png == fig.png
    with pytest.raises(ValueError, match="weights"):
        contributions(flat[:100], weights, 0)

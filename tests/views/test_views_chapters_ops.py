"""The views of the activation, pooling and softmax chapters: synthetic numbers, and the toy network."""

import math

import jax
import numpy as np
import pytest

from cnnbook.render.style import Figure
from cnnbook.views import activation_functions, pooling_compare, softmax_steps


def test_activation_functions_have_their_textbook_values():
    fs = activation_functions.functions(slope=0.1)
    z = np.array([-2.0, 0.0, 3.0])
    assert fs["ReLU"](z).tolist() == [0.0, 0.0, 3.0]
    assert fs["leaky ReLU (0.1)"](z) == pytest.approx([-0.2, 0.0, 3.0])
    assert fs["sigmoid"](z) == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-6)
    assert fs["tanh"](z) == pytest.approx(np.tanh(z), rel=1e-6)
    table = activation_functions.activation_values(zs=(-1.0, 0.0), slope=0.1)
    assert table.rows[0] == ["-1", "0", "-0.1", "0.269", "-0.762"]


def test_softmax_steps_sum_to_one_and_match_jax():
    z = np.array([2.0, -1.0, 0.5, 7.0])
    s = softmax_steps.softmax_steps(z)
    assert s["p"].sum() == pytest.approx(1.0)
    assert s["p"] == pytest.approx(np.asarray(jax.nn.softmax(z)), rel=1e-6)
    assert s["shifted"].max() == 0.0 and s["exp"].max() == 1.0  # the largest logit gives e^0
    assert s["sum"] == pytest.approx(np.exp(z - 7).sum())
    # a huge logit would overflow exp(z) without the shift
    assert softmax_steps.softmax_steps([1000.0, 0.0])["p"] == pytest.approx([1.0, 0.0])


def test_temperature_flattens_towards_uniform_and_sharpens_towards_one_hot():
    z = np.array([3.0, 1.0, 0.0, -2.0])
    tops = [softmax_steps.softmax_steps(z, t)["p"].max() for t in (0.25, 0.5, 1, 2, 5, 100)]
    assert tops == sorted(tops, reverse=True)
    assert softmax_steps.softmax_steps(z, 1000)["p"] == pytest.approx(np.full(4, 0.25), abs=1e-3)
    assert softmax_steps.softmax_steps(z, 0.01)["p"] == pytest.approx([1, 0, 0, 0], abs=1e-6)
    assert softmax_steps.entropy(np.full(4, 0.25)) == pytest.approx(math.log(4))
    assert softmax_steps.entropy([1.0, 0, 0, 0]) == 0.0
    with pytest.raises(ValueError, match="positive"):
        softmax_steps.softmax_steps(z, 0)


def test_views_on_the_toy_network(toy):
    image = toy.captured.meta["per_class"][0]
    fig = activation_functions.activation_maps(toy, "conv", image)  # checks its ReLU against the captured one
    assert isinstance(fig, Figure) and "ReLU from 0" in fig.alt
    assert pooling_compare.max_vs_average(toy, "pool", image).png.startswith(b"\x89PNG")
    drop = pooling_compare.pool_drop(toy)
    assert drop.rows[0][1:] == ["26 × 26 × 4", "13 × 13 × 4", "2,704", "676", "75%"]
    assert pooling_compare.dropped_share(toy, "pool") == pytest.approx(0.75)
    # softmax steps on the real logits agree with the captured test probabilities
    table = softmax_steps.softmax_table(toy, image)
    probs = toy.test_probs[image]
    assert [float(r[4]) for r in table.rows[:-1]] == pytest.approx(probs, abs=1e-4)
    assert table.rows[-1][-1] == "**1.000000**"
    ce = softmax_steps.cross_entropy(toy, image)
    assert ce["loss"] == pytest.approx(-math.log(probs[toy.y_test[image]]), rel=1e-4)
    assert ce["true"] == toy.class_names[toy.y_test[image]]
    assert "−ln" in softmax_steps.cross_entropy_table(toy, [image]).rows[0][-1]
    assert softmax_steps.temperature(toy, image).png.startswith(b"\x89PNG")


def test_measured_tables_on_the_toy_network(toy):
    zeros = activation_functions.zero_shares(toy, {"conv": 0.0, "relu": 0.4})
    assert zeros.rows == [["[`relu`](atlas/toy_net.md#relu)", "26 × 26 × 4", "2,704", "40%", "1,082"]]
    with pytest.raises(KeyError, match="no zero share measured for toy_net relu"):
        activation_functions.zero_shares(toy, {"conv": 0.0})
    shift = pooling_compare.pool_shift(toy, {"pool": {"input_layer": "relu", "shifts": [1, 2],
                                                      "before": [0.5, 0.8], "after": [0.25, 0.6]}})
    assert [r[2:] for r in shift.rows] == [["1 px", "50%", "25%", "0.50"], ["2 px", "80%", "60%", "0.75"]]


def test_probabilities_near_one_keep_their_digits():
    assert softmax_steps.fmt_probability(0.9999876) == "0.999988"
    assert softmax_steps.fmt_probability(0.25) == "0.2500"
    assert softmax_steps.fmt_probability(3.2e-7) == "3.20e-07"

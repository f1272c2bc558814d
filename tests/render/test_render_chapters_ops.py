"""The renderers of the activation, pooling and softmax chapters, on synthetic data."""

import numpy as np
import pytest

from cnnbook.render import activation_functions, pooling_compare, softmax_steps

PNG = b"\x89PNG\r\n\x1a\n"


def test_activation_curves_describe_each_function():
    z = np.linspace(-2, 2, 5)
    fig = activation_functions.activation_curves(z, {"ReLU": np.maximum(z, 0), "tanh": np.tanh(z)}, title="t")
    assert fig.png.startswith(PNG)
    assert "ReLU from 0 to 2, f(0) = 0" in fig.alt and "tanh from -0.964 to 0.964" in fig.alt
    with pytest.raises(ValueError, match="ReLU: 3 values for 5 inputs"):
        activation_functions.activation_curves(z, {"ReLU": np.zeros(3)}, title="t")


def test_activation_maps_count_the_zeros_of_each_panel():
    before = np.array([[-1.0, 2.0], [-3.0, 4.0]])
    fig = activation_functions.activation_maps(before, {"ReLU": np.maximum(before, 0)}, title="m")
    assert fig.png.startswith(PNG)
    assert "before from -3 to 4, 0% zeros" in fig.alt and "ReLU from 0 to 4, 50% zeros" in fig.alt
    with pytest.raises(ValueError, match="a \\(3,\\) map"):
        activation_functions.activation_maps(before, {"bad": np.zeros(3)}, title="m")


def test_average_pool_is_the_mean_of_each_window_and_drops_an_odd_edge():
    x = np.arange(25, dtype=float).reshape(5, 5)
    out = pooling_compare.average_pool(x)
    assert out.shape == (2, 2)
    assert out[0, 0] == pytest.approx((0 + 1 + 5 + 6) / 4)
    assert out[1, 1] == pytest.approx((12 + 13 + 17 + 18) / 4)
    with pytest.raises(ValueError, match="smaller than one 2×2 window"):
        pooling_compare.average_pool(np.zeros((1, 4)))


def test_max_vs_average_shows_both_ranges():
    x = np.zeros((4, 4))
    x[0, 0] = 8.0  # one strong cell: max keeps 8, average dilutes it to 2
    fig = pooling_compare.max_vs_average(x, title="m")
    assert fig.png.startswith(PNG)
    assert "max pooling keeps values from 0 to 8" in fig.alt and "average pooling gives 0 to 2" in fig.alt


def test_pool_shift_figure_reports_every_pair_and_refuses_mismatched_lists():
    measured = {"net_a": {"pool": {"input_layer": "relu", "shifts": [1, 2], "before": [0.5, 0.8],
                                   "after": [0.2, 0.6]}}}
    fig = pooling_compare.pool_shift_figure(measured, title="s")
    assert fig.png.startswith(PNG)
    assert "1 px 50% before, 20% after, 2 px 80% before, 60% after" in fig.alt
    measured["net_a"]["pool"]["after"] = [0.2]
    with pytest.raises(ValueError, match="2 shifts, 2 befores, 1 afters"):
        pooling_compare.pool_shift_figure(measured, title="s")


def test_temperature_figure_checks_its_distributions():
    p = np.array([0.7, 0.2, 0.1])
    fig = softmax_steps.temperature_figure({1: p, 5: np.full(3, 1 / 3)}, ["a", "b", "c"], title="t", true_label=1)
    assert fig.png.startswith(PNG)
    assert "T = 1: largest a 70%" in fig.alt and "T = 5: largest a 33.3%, smallest 33.3%" in fig.alt
    with pytest.raises(ValueError, match="sum to 0.900000"):
        softmax_steps.temperature_figure({1: np.array([0.5, 0.3, 0.1])}, ["a", "b", "c"], title="t")

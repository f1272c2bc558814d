"""Convolution sizes measured on real convolutions, one window worked out on the toy network, its shapes traced."""

import numpy as np
import pytest

from cnnbook.render.display import Tabs
from cnnbook.render.style import Figure
from cnnbook.render.tables import Table
from cnnbook.views import conv_arithmetic as ca
from cnnbook.views import shapes
from cnnbook.views.kernels import conv_weights


@pytest.mark.parametrize("n, k, p, s, d, expected", [(28, 5, 2, 1, 1, 28), (28, 3, 0, 2, 1, 13), (28, 3, 0, 1, 2, 24),
                                                     (8, 5, 2, 2, 1, 4)])
def test_measured_size_is_what_jax_computes(n, k, p, s, d, expected):
    assert ca.measured_size(n, k, p, s, d) == expected


def test_size_check_shows_formula_and_measurement_and_fails_when_they_disagree(monkeypatch):
    table = ca.size_check([(28, 5, 2, 1, 1), (28, 3, 0, 2, 1)])
    assert isinstance(table, Table)
    assert [r[-2:] for r in table.rows] == [[28, 28], [13, 13]]
    assert "(28 + 0 - 2 - 1) / 2" in table._repr_markdown_()
    monkeypatch.setattr(ca, "output_size", lambda n, k, p=0, s=1, d=1: n - k + 1)  # forgets padding and stride
    with pytest.raises(AssertionError, match="the formula gives 24, a real convolution 28"):
        ca.size_check([(28, 5, 2, 1, 1)])


def test_size_tabs_one_tab_per_case():
    tabs = ca.size_tabs(n=6, kernels=(3,), paddings=(0, 1), strides=(1, 2))
    assert isinstance(tabs, Tabs)
    assert [t for t, _ in tabs.items] == ["k=3, p=0, s=1", "k=3, p=0, s=2", "k=3, p=1, s=1", "k=3, p=1, s=2"]
    assert "output is 3×3" in tabs.items[3][1].alt  # ⌊(6 + 2 − 3)/2⌋ + 1


def test_same_padding_keeps_the_size():
    table = ca.same_padding((3, 5, 7), n=28)
    assert [r[1] for r in table.rows] == ["$(3 - 1) / 2 = 1$", "$(5 - 1) / 2 = 2$", "$(7 - 1) / 2 = 3$"]
    assert all(r[2] == r[3] == 28 for r in table.rows)
    with pytest.raises(ValueError, match="even kernel"):
        ca.same_padding((4,))


@pytest.fixture(scope="module")
def image(toy):
    return toy.captured.meta["per_class"][0]


def test_window_arithmetic_equals_the_captured_output(toy, image):
    acts = toy.activations(image)["conv"]
    weights, bias = conv_weights(toy, "conv")
    x = toy.example(image).x
    by_hand = (x[4:7, 6:9, :] * weights[..., 1]).sum() + bias[1]
    assert abs(by_hand - acts[4, 6, 1]) < 1e-4
    fig = ca.window_arithmetic(toy, "conv", image, channel=1, row=4, col=6)
    assert isinstance(fig, Figure) and "the network's own output there is" in fig.alt
    assert f"{acts[4, 6, 1]:.4f}" in fig.alt or f"{acts[4, 6, 1]:.3f}" in fig.alt


def test_window_arithmetic_refuses_a_layer_that_is_not_a_convolution(toy, image):
    from cnnbook.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="unknown conv layer 'pool'"):
        ca.window_arithmetic(toy, "pool", image)


def test_shape_trace_follows_the_model(toy):
    table = shapes.shape_trace(toy)
    assert [r[0] for r in table.rows] == ["input", "`conv`", "`relu`", "`pool`", "`flatten`", "`out`"]
    shapes_drawn = [r[3] for r in table.rows]
    assert shapes_drawn == ["28 × 28 × 1", "26 × 26 × 4", "26 × 26 × 4", "13 × 13 × 4", "676", "10"]
    assert table.rows[1][2] == "3×3, 1 → 4" and table.rows[5][2] == "676 → 10"
    assert table.rows[3][5] == "4× fewer positions"


def test_flatten_check_tries_each_size_on_the_trained_kernel(toy):
    table = shapes.flatten_check(toy, {"a wrong comment": (13, 13, 2)})
    assert [r[2] for r in table.rows] == ["338", "676"]
    assert table.rows[0][3].startswith("no: `out` needs 676 inputs")
    assert table.rows[1][3].startswith("yes")
    assert np.asarray(toy.modules["out"].kernel[...]).shape[0] == 676

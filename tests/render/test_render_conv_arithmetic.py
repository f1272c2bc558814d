"""The output-size formula against hand-derived sizes, and one window's arithmetic against a brute-force convolution."""

import numpy as np
import pytest

from cnnbook.render import conv_arithmetic as ca

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("n, k, p, s, d, expected", [
    (28, 5, 2, 1, 1, 28),   # 28 + 4 - 4 - 1 + 1
    (28, 3, 0, 2, 1, 13),   # ⌊25 / 2⌋ + 1
    (28, 3, 0, 1, 1, 26),
    (28, 5, 0, 1, 1, 24),
    (7, 3, 1, 2, 1, 4),     # ⌊6 / 2⌋ + 1
    (8, 3, 0, 2, 1, 3),     # ⌊5 / 2⌋ + 1: the floor drops the last row
    (227, 11, 0, 4, 1, 55),
    (28, 3, 0, 1, 2, 24),   # a dilated 3×3 spans 5×5
    (4, 5, 0, 1, 1, 0),     # does not fit
])
def test_output_size_matches_hand_derived_sizes(n, k, p, s, d, expected):
    assert ca.output_size(n, k, p, s, d) == expected


def test_output_size_refuses_impossible_arguments():
    with pytest.raises(ValueError, match="s must be an integer ≥ 1"):
        ca.output_size(28, 3, 0, 0)
    with pytest.raises(ValueError, match="p must be an integer ≥ 0"):
        ca.output_size(28, 3, -1)


def test_size_latex_puts_the_numbers_in():
    assert ca.size_latex(28, 3, 0, 2).endswith("= 13")
    assert "28 + 2 \\cdot 0" in ca.size_latex(28, 3, 0, 2)


def test_covered_marks_the_cells_no_window_reaches():
    np.testing.assert_array_equal(ca.covered(8, 3, 0, 2), [True] * 7 + [False])
    assert ca.covered(7, 3, 1, 2).all()
    assert ca.covered(8, 5, 2, 1).all()


def test_conv_geometry_draws_the_sizes_and_refuses_a_kernel_that_does_not_fit():
    fig = ca.conv_geometry(8, 5, 2, 2)
    assert fig.png.startswith(PNG_MAGIC)
    assert "(12×12)" in fig.alt and "output is 4×4" in fig.alt and "never covered" in fig.alt
    assert "covers rows 6–10" in fig.alt  # the last window starts at 3 · 2
    assert ca.conv_geometry(8, 5, 2, 2).png == fig.png  # deterministic
    assert "never covered" not in ca.conv_geometry(7, 3, 1, 2).alt
    with pytest.raises(ValueError, match="does not fit"):
        ca.conv_geometry(3, 5, 0, 1)
    with pytest.raises(ValueError, match="outside the 4×4 output"):
        ca.conv_geometry(8, 5, 2, 2, position=(4, 0))


def brute_force_padded(x, kernel, bias, p):
    """A padded, stride-1 convolution of one output channel written as plainly as possible: the reference."""
    h, w, cin = x.shape
    k = kernel.shape[0]
    padded = np.zeros((h + 2 * p, w + 2 * p, cin))
    padded[p : p + h, p : p + w] = x
    out = np.zeros((h + 2 * p - k + 1, w + 2 * p - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for di in range(k):
                for dj in range(k):
                    for c in range(cin):
                        out[i, j] += padded[i + di, j + dj, c] * kernel[di, dj, c]
    return out + bias


@pytest.mark.parametrize("p", [0, 1, 2])
def test_window_products_equal_a_padded_convolution(p):
    rng = np.random.default_rng(p)
    x = rng.random((9, 8, 2))
    kernel = rng.normal(size=(5, 5, 2))
    reference = brute_force_padded(x, kernel, 0.25, p)
    for row, col in [(0, 0), (reference.shape[0] - 1, reference.shape[1] - 1), (2, 1)]:
        data = ca.window_products(x, kernel, 0.25, row, col, p)
        assert data["total"] == pytest.approx(reference[row, col])
        assert data["sums"].sum() + 0.25 == pytest.approx(data["total"])
        assert data["windows"].shape == (2, 5, 5)
    with pytest.raises(ValueError, match="outside"):
        ca.window_products(x, kernel, 0.0, reference.shape[0], 0, p)


def test_window_figure_carries_the_numbers():
    rng = np.random.default_rng(3)
    x = rng.random((12, 12))
    kernel = rng.normal(size=(5, 5))
    data = ca.window_products(x, kernel, -0.1, 0, 0, 2)
    fig = ca.window_figure(data, title="conv, channel 0", captured=data["total"])
    assert fig.png.startswith(PNG_MAGIC)
    assert f"gives {data['total']:.4f}" in fig.alt
    assert "16 of its cells are padding zeros" in fig.alt  # a corner window of padding 2: 25 - 3·3
    with pytest.raises(ValueError, match="at most 3"):
        ca.window_figure(ca.window_products(rng.random((6, 6, 4)), rng.random((3, 3, 4)), 0, 0, 0, 0), title="x")

"""Tests for render.pooling: the winners against a brute-force loop, and the figure."""

import numpy as np
import pytest

from cnnbook.render import pooling_before_after, pooling_windows


def brute_force_pool(before, window, stride):
    """Max pooling written as plainly as possible: the reference."""
    out_h = (before.shape[0] - window) // stride + 1
    out_w = (before.shape[1] - window) // stride + 1
    after = np.empty((out_h, out_w), before.dtype)
    winners = []
    for i in range(out_h):
        for j in range(out_w):
            best = None
            for di in range(window):
                for dj in range(window):
                    r, c = i * stride + di, j * stride + dj
                    if best is None or before[r, c] > before[best]:
                        best = (r, c)
            after[i, j] = before[best]
            winners.append(best)
    return after, winners


SHAPES = [(4, 4), (26, 26), (27, 27), (13, 8), (5, 7), (3, 3), (2, 2)]
CASES = [(shape, window, stride) for shape in SHAPES for window, stride in [(2, 2), (3, 2), (3, 3)]
         if min(shape) >= window]


@pytest.mark.parametrize("shape, window, stride", CASES)
def test_matches_brute_force(shape, window, stride):
    rng = np.random.default_rng(sum(shape) + window)
    before = rng.normal(size=shape)
    after, winners = pooling_windows(before, window, stride)
    ref_after, ref_winners = brute_force_pool(before, window, stride)
    np.testing.assert_array_equal(after, ref_after)
    assert winners == ref_winners


def test_ties_go_to_the_first_cell_in_reading_order():
    after, winners = pooling_windows(np.zeros((4, 4)))
    assert winners == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert after.shape == (2, 2)


def test_odd_size_drops_the_last_row_and_column():
    before = np.arange(25, dtype=float).reshape(5, 5)
    after, winners = pooling_windows(before)
    np.testing.assert_array_equal(after, [[6, 8], [16, 18]])
    assert all(r < 4 and c < 4 for r, c in winners)


def test_not_a_map_is_an_error():
    with pytest.raises(ValueError):
        pooling_windows(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="smaller"):
        pooling_windows(np.zeros((1, 4)))


def test_figure_alt_text_counts_windows_and_dropped_share():
    rng = np.random.default_rng(0)
    fig = pooling_before_after(rng.normal(size=(26, 26)), title="max_pooling2d")
    assert fig.png.startswith(b"\x89PNG")
    assert "169 windows" in fig.alt and "75% of the values are dropped" in fig.alt
    odd = pooling_before_after(rng.normal(size=(5, 5)), title="pool")
    assert "4 windows" in odd.alt and "84% of the values are dropped" in odd.alt


def test_given_after_must_match_before():
    before = np.random.default_rng(0).normal(size=(6, 6))
    after, _ = pooling_windows(before)
    assert pooling_before_after(before, after, title="ok").png
    with pytest.raises(ValueError, match="same channel"):
        pooling_before_after(before, after + 1, title="wrong")

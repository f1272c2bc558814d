"""Tests for render.style: deterministic PNG bytes, the Figure wrapper, the colour range."""

import numpy as np
import pytest

from cnnbook.render import Figure, feature_map_grid, png_bytes, symmetric_range
from cnnbook.render import style

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_same_input_gives_identical_bytes():
    acts = np.random.default_rng(0).normal(size=(12, 12, 8))
    first = feature_map_grid(acts, "conv")
    second = feature_map_grid(acts.copy(), "conv")
    assert first.png.startswith(PNG_MAGIC)
    assert first.png == second.png
    assert first.alt == second.alt


def test_different_input_gives_different_bytes():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 12, 12, 8))
    assert feature_map_grid(a, "c").png != feature_map_grid(b, "c").png


def test_png_has_no_software_or_time_metadata():
    fig = style.new_figure(1, 1)
    data = png_bytes(fig)
    assert data.startswith(PNG_MAGIC)
    assert b"Software" not in data and b"tIME" not in data
    assert data == png_bytes(fig)


def test_figure_displays_as_png_with_alt_text():
    fig = Figure(png=PNG_MAGIC + b"rest", alt="a picture of 3 things", name="things")
    assert fig._repr_png_() == PNG_MAGIC + b"rest"
    assert repr(fig) == "a picture of 3 things"


def test_save_writes_atomically(tmp_path):
    fig = Figure(png=PNG_MAGIC + b"data", alt="x")
    path = fig.save(tmp_path / "sub" / "fig.png")
    assert path.read_bytes() == PNG_MAGIC + b"data"
    assert [p.name for p in path.parent.iterdir()] == ["fig.png"]  # no temp file left behind
    Figure(png=b"new", alt="x").save(path)  # replaces an existing file
    assert path.read_bytes() == b"new"


@pytest.mark.parametrize(
    "arrays, expected",
    [
        (np.array([-3.0, 2.0]), 3.0),
        ([np.array([1.0]), np.array([[-0.5, 4.0]])], 4.0),
        (np.zeros((3, 3)), 1.0),  # never 0
        (np.array([np.nan, -2.0, np.inf]), 2.0),  # non-finite values ignored
        (0.0, 1.0),
    ],
)
def test_symmetric_range(arrays, expected):
    assert symmetric_range(arrays) == expected


def test_theme_leaves_global_rcparams_alone():
    import matplotlib

    before = matplotlib.rcParams["font.size"]
    feature_map_grid(np.ones((4, 4, 2)), "x")
    assert matplotlib.rcParams["font.size"] == before

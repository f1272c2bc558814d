"""Figures a reader can trust and read: true pixel values, titles inside the figure, captions apart, small PNGs."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnbook.render import feature_maps, flatten, gallery, images, style

CLASSES = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda",
           "orange", "sport car"]


@pytest.fixture
def drawn(monkeypatch):
    """The Matplotlib figures that renderers finish, kept for inspection."""
    figures = []
    real = style.finish

    def keep(fig, alt, name=None):
        figures.append(fig)
        return real(fig, alt, name)

    monkeypatch.setattr(style, "finish", keep)
    for module in (gallery, flatten, images):
        monkeypatch.setattr(module.style, "finish", keep)
    return figures


def _extents(fig, texts):
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def test_uint8_images_keep_their_greys_in_the_gallery(drawn):
    digits = np.zeros((3, 28, 28), np.uint8)
    digits[:, 10:18, 10:18] = 128  # a grey square: a clipped version would turn it white
    gallery.misclassified_gallery(digits, [1, 2, 3], [2, 3, 4], [0.9, 0.8, 0.7])
    shown = drawn[0].axes[0].images[0].get_array()
    assert np.isclose(shown, 128 / 255).any() and shown.max() <= 1.0


def test_pixel_values_outside_the_display_range_are_refused():
    with pytest.raises(ValueError, match=r"misclassified images: pixel values run from 0 to 255; an image figure takes floats in 0\.\.1"):
        gallery.misclassified_gallery(np.linspace(0, 255, 128).reshape(2, 8, 8), [0, 1], [1, 0], [0.5, 0.5])
    with pytest.raises(ValueError, match="run from -0.5"):
        images.input_image(np.full((8, 8), -0.5, np.float32))
    assert images.unit_range(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]


def test_gallery_captions_stay_apart_and_inside_the_figure(drawn):
    rng = np.random.default_rng(0)
    photos = (rng.random((24, 64, 64, 3)) * 255).astype(np.uint8)
    y = np.arange(24) % 10
    gallery.misclassified_gallery(photos, y, (y + 4) % 10, rng.random(24), CLASSES)
    fig = drawn[0]
    boxes = _extents(fig, fig.axes[0].texts)
    assert len(boxes) == 24
    for i, a in enumerate(boxes):
        assert a.x0 >= 0 and a.x1 <= fig.bbox.width and a.y0 >= 0
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two captions touch"


def test_a_long_title_is_wrapped_inside_the_figure(drawn):
    title = "contributions to 'espresso' — test image 4321 (label espresso), the most confident of many"
    flatten.contribution_map(np.linspace(-1, 1, 1690), (13, 13, 10), title=title)
    fig = drawn[0]
    (box,) = _extents(fig, [fig.axes[0].title])
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    assert "\n" in fig.axes[0].title.get_text()


def test_heat_maps_are_palette_pngs_and_photos_stay_true_colour():
    maps = feature_maps.feature_map_grid(np.random.default_rng(1).normal(size=(26, 26, 8)), "maps")
    with Image.open(io.BytesIO(maps.png)) as png:
        assert png.mode == "P"
    photo = np.random.default_rng(2).random((64, 64, 3)).astype(np.float32)
    with Image.open(io.BytesIO(images.input_image(photo).png)) as png:
        assert png.mode == "RGB"

"""What each channel learned: receptive-field crops, top units, visualisations, class models, the atlas sections."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook import channels
from cnnbook.channels import Field, crop
from cnnbook.views import channels as views


def test_crop_cuts_the_receptive_field_and_pads_beyond_the_edge_with_zeros():
    image = np.arange(1, 26, dtype=np.float32).reshape(5, 5, 1)
    field = Field(size=3, jump=1, start=1.0)  # a 3×3 VALID convolution: unit (0, 0) is centred on pixel (1, 1)
    np.testing.assert_array_equal(crop(image, field, 0, 0)[..., 0], image[0:3, 0:3, 0])
    np.testing.assert_array_equal(crop(image, field, 2, 1)[..., 0], image[2:5, 1:4, 0])
    padded = Field(size=3, jump=1, start=0.0)  # SAME padding: unit (0, 0) is centred on pixel (0, 0)
    corner = crop(image, padded, 0, 0)[..., 0]
    np.testing.assert_array_equal(corner[0], [0, 0, 0])
    np.testing.assert_array_equal(corner[:, 0], [0, 0, 0])
    np.testing.assert_array_equal(corner[1:, 1:], image[0:2, 0:2, 0])
    pooled = Field(size=4, jump=2, start=1.5)  # a 2×2 pool after a 3×3 VALID convolution
    cut = crop(image, pooled, 1, 0)[..., 0]  # centred on (3.5, 1.5): rows 2..5 (5 is past the edge), columns 0..3
    np.testing.assert_array_equal(cut[:3], image[2:5, 0:4, 0])
    np.testing.assert_array_equal(cut[3], [0, 0, 0, 0])


def test_receptive_fields_are_the_cost_tables():
    from flax import nnx

    from cnnbook.models import registry

    spec = registry.get("mnist_keras")
    fields = channels.fields(spec, spec.build(rngs=nnx.Rngs(0)))
    # hand-derived: 3×3 conv, 2×2 pool, 3×3 conv, 2×2 pool, 3×3 conv, all VALID
    assert {name: f.size for name, f in fields.items()} == {
        "conv2d": 3, "max_pooling2d": 4, "conv2d_1": 8, "max_pooling2d_1": 10, "conv2d_2": 18}
    assert [f.jump for f in fields.values()] == [1, 2, 2, 4, 4]
    assert channels.logits_layer(spec, spec.build(rngs=nnx.Rngs(0))) == "dense_1"


def test_the_top_unit_of_each_channel_is_where_it_fires_most(toy):
    for layer in views.layers(toy):
        for c in range(views.count(toy, layer)):
            top = views.top_patches(toy, layer, c)
            values = [t["value"] for t in top]
            assert values == sorted(values, reverse=True)
            best = top[0]
            x = views._test_image(toy, best["index"])
            out = toy.run(x, until=layer)[layer][..., c]
            assert out.max() == pytest.approx(best["value"], rel=1e-5, abs=1e-6)
            assert out[best["row"], best["col"]] == pytest.approx(best["value"], rel=1e-5, abs=1e-6)
            f = views.field(toy, layer)
            assert best["patch"].shape == (f.size, f.size, 1)
            # weakest first, by the mean before any activation (the toy's conv has its ReLU as a layer of its own)
            weakest = views.least(toy, layer, c)
            means = [float(toy.run(w["image"], until=layer)[layer][..., c].mean()) for w in weakest]
            assert means == pytest.approx(sorted(means), abs=1e-6)
            assert weakest[0]["value"] <= views.best_test(toy, layer)[c]


@pytest.fixture(scope="module")
def toy_on_test_images(toy):
    """The toy network's trained model, and the synthetic test images it was tested on."""
    from cnnbook import data
    from cnnbook.profiles import get_profile
    from cnnbook.train import to_inputs

    smoke = get_profile("smoke")
    test = data.load("mnist", synthetic=True, n_train=smoke.n_train, n_test=smoke.n_test)
    return toy.model, to_inputs(test.x_test)


def test_each_visualisation_excites_its_channel_more_than_any_test_image(toy_on_test_images):
    model, x = toy_on_test_images
    mean = channels.responses(model, ["conv"], x)["conv"].mean
    images, values = channels.visualise(model, "conv", mean.shape[1], (28, 28, 1), field=3)
    assert images.shape == (mean.shape[1], 28, 28, 1)
    assert images.min() >= 0 and images.max() <= 1
    assert (values > mean.max(axis=0)).all(), (values, mean.max(axis=0))


def test_each_class_model_reaches_a_higher_logit_than_any_test_image(toy_on_test_images):
    model, x = toy_on_test_images
    logits = channels.responses(model, ["out"], x)["out"].largest
    images, values = channels.visualise(model, "out", 10, (28, 28, 1))
    assert (values > logits.max(axis=0)).all(), (values, logits.max(axis=0))


def test_visualisations_are_deterministic(toy_on_test_images):
    model, _ = toy_on_test_images
    a = channels.visualise(model, "conv", 4, (28, 28, 1), field=3, steps=8)
    b = channels.visualise(model, "conv", 4, (28, 28, 1), field=3, steps=8)
    np.testing.assert_array_equal(a[0], b[0])


def test_the_capture_holds_every_conv_and_pool_channel(toy):
    assert views.layers(toy) == ["conv", "pool"]
    assert views.dreamed(toy, "conv") and not views.dreamed(toy, "pool")
    assert views.count(toy, "conv") == 4
    dream, value = views.dream(toy, "conv", 2)
    assert dream.shape == (28, 28, 1) and np.isfinite(value)
    purity = views.class_purity(toy, "conv")
    assert purity.shape == (4,) and ((purity >= 0.1 - 1e-9) & (purity <= 1)).all()
    with pytest.raises(Exception, match="pooling layer"):
        views.dream(toy, "pool", 0)
    with pytest.raises(Exception, match="channels 0 to 3"):
        views.top_patches(toy, "conv", 4)
    with pytest.raises(Exception, match="they exist for: conv, pool"):
        views.field(toy, "out")
    table = views.channel_table(toy, "conv")
    assert len(table.rows) == 4
    assert views.source_conv(toy, "pool") == "conv"  # through its ReLU layer
    with pytest.raises(Exception, match="top 9 patches"):
        views.top_patches(toy, "conv", 0, k=10)
    chance = views.purity_by_chance(toy)
    assert 0.1 < chance < 0.5  # 10 balanced classes: the commonest of a random sample beats 1/10


def test_edges_are_named_by_their_direction():
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    name, cosine = views.edge_of(sobel)
    assert name.startswith("vertical (dark left") and cosine > 0.9
    assert views.edge_of(-sobel)[0].startswith("vertical (light left")
    assert views.edge_of(sobel.T)[0].startswith("horizontal (dark above")
    assert views.edge_of(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1.0]]))[1] < 1e-9  # no edge at all


def test_the_atlas_links_every_measured_layer_to_its_mosaic_on_the_channels_page(toy, toy_atlas):
    out = toy_atlas
    page = out.assets["atlas/toy_net-channels.md"].decode()
    for layer in ("conv", "pool"):
        assert f"(toy_net-channels.md#{layer}-channels)" in out.markdown
        assert f"{{ #{layer}-channels }}" in page
        png = out.assets[f"atlas/toy_net-channels_files/{layer}-channels.png"]
        assert png.startswith(b"\x89PNG")
    assert "## Class models" in page and "atlas/toy_net-channels_files/class-models.png" in out.assets
    beating, total = views.dreams_beating_tests(toy, "conv")
    assert f"**{beating} of {total}** channels" in page
    assert f"for {beating} of {total}." in out.markdown

"""cat_conv: a network that is never trained, its photos, its branches, and the views of its chapter."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from cnnbook.capture import layer_table
from cnnbook.data import photos
from cnnbook.errors import DataError, UnknownNameError
from cnnbook.models import build_model, count_params, registry
from cnnbook.profiles import get_profile
from cnnbook.render import animation, photos as photos_render
from cnnbook.views import photos as photo_views


def test_the_cat_is_chelsea_at_its_own_size_and_the_coffee_is_cut_to_it():
    found = photos.photos()
    assert list(found) == ["chelsea", "coffee"]
    assert found["chelsea"].pixels.shape == (300, 451, 3)
    assert found["coffee"].original_shape == (400, 600, 3)
    assert found["coffee"].pixels.shape == (300, 451, 3)
    import skimage.data

    assert np.array_equal(found["coffee"].pixels, skimage.data.coffee()[50:350, 74:525])
    assert found["chelsea"].x.dtype == np.float32 and found["chelsea"].x.max() <= 1.0


def test_a_changed_photo_is_refused(monkeypatch):
    import skimage.data

    monkeypatch.setattr(skimage.data, "chelsea", lambda: np.zeros((300, 451, 3), np.uint8))
    with pytest.raises(DataError, match=r"skimage.data.chelsea\(\) returned other pixels than the pinned photo"):
        photos.photos()


def test_cat_conv_shapes_are_computed_from_its_layers():
    spec = registry.get("cat_conv")
    assert not spec.trained and spec.dataset is None and spec.train == {}
    rows = {r.name: r for r in layer_table(build_model("cat_conv"), spec.input_shape)}
    assert rows["conv_3x3"].output_shape == (298, 449, 3)  # 300 − 3 + 1, 451 − 3 + 1
    assert rows["pool_3x3"].output_shape == (149, 224, 3)
    assert rows["conv_10x10"].output_shape == (291, 442, 3)  # 300 − 10 + 1, 451 − 10 + 1: it reads the photo
    assert rows["pool_10x10"].output_shape == (145, 221, 3)
    assert rows["conv_10x10"].reads is None and rows["relu_10x10"].reads == "conv_10x10"
    assert rows["conv_3x3"].params == 3 * 3 * 3 * 3 + 3 and rows["conv_10x10"].params == 10 * 10 * 3 * 3 + 3
    assert count_params(build_model("cat_conv")) == 84 + 903


def test_a_branch_reads_the_input_in_the_forward_pass_too():
    import jax.numpy as jnp

    from cnnbook.capture import capture

    model = build_model("cat_conv")
    x = jnp.asarray(photos.photos()["chelsea"].x[None, :40, :50])
    outputs = capture(model, x)
    np.testing.assert_allclose(outputs["conv_10x10"], np.asarray(model.conv_10x10(x)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model(x)), outputs["pool_10x10"], rtol=1e-6)


def test_an_untrained_network_needs_photos_and_no_training_settings(tmp_path, monkeypatch):
    import cnnbook.models
    from cnnbook.errors import NetworkDefinitionError

    source = '''
from flax import nnx
from cnnbook.models.layers import Layer, Layered
from cnnbook.models.spec import NetworkSpec, TrainConfig

class Net(Layered):
    def __init__(self, *, rngs):
        self.conv = nnx.Conv(3, 3, (3, 3), padding="VALID", rngs=rngs)

    def layers(self):
        return [Layer("conv", "conv", self.conv, self.conv)]

SPEC = NetworkSpec(name="zz_random", title="t", source="s", dataset=None, input_shape=(8, 8, 3), build=Net EXTRA)
'''
    monkeypatch.setattr(cnnbook.models, "__path__", [*cnnbook.models.__path__, str(tmp_path)])
    try:
        (tmp_path / "zz_random.py").write_text(source.replace(" EXTRA", ""))
        with pytest.raises(NetworkDefinitionError, match="has no dataset and no photos"):
            registry.discover(refresh=True)
        (tmp_path / "zz_random.py").unlink()  # each case is a new module: the first stays imported
        (tmp_path / "zz_random_trained.py").write_text(
            source.replace(" EXTRA", ", photos=dict, train={'smoke': TrainConfig()}"))
        with pytest.raises(NetworkDefinitionError, match="has training settings but no dataset"):
            registry.discover(refresh=True)
    finally:
        monkeypatch.undo()
        registry.discover(refresh=True)


def test_an_untrained_network_is_cached_with_its_seeded_weights_and_no_test_results(tmp_path):
    from cnnbook.trained import STATE, ensure_trained, load_weights

    spec = registry.get("cat_conv")
    first = ensure_trained(spec, get_profile("smoke"), tmp_path)
    assert not first.cache_hit and first.metrics["test_accuracy"] is None and first.metrics["epochs"] == 0
    assert first.config["seed"] == spec.seed and "train" not in first.config and "photos" not in first.config
    again = ensure_trained(spec, get_profile("smoke"), tmp_path)
    assert again.cache_hit and again.cache_dir == first.cache_dir
    stored = load_weights(spec, again.cache_dir / STATE)
    fresh = build_model("cat_conv", seed=spec.seed)
    np.testing.assert_array_equal(np.asarray(stored.conv_3x3.kernel[...]), np.asarray(fresh.conv_3x3.kernel[...]))
    assert json.loads((again.cache_dir / "metrics.json").read_text())["params"] == 987


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    """cat_conv as a chapter sees it, made outside a build (the standalone path: no dataset, no training)."""
    import os

    from cnnbook import standalone
    from cnnbook.views.network import load

    cache = tmp_path_factory.mktemp("cache")
    saved = {k: os.environ.get(k) for k in ("CNNBOOK_CACHE_DIR", "CNNBOOK_PROFILE")}
    os.environ.update({"CNNBOOK_CACHE_DIR": str(cache), "CNNBOOK_PROFILE": "smoke"})
    try:
        where = standalone.ensure("cat_conv")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return load(where, "cat_conv")


def test_a_chapter_outside_a_build_gets_cat_conv_without_data_or_training(cat):
    assert cat.captured.meta["config"]["trained"] is False and cat.metrics["test_accuracy"] is None
    assert cat.photo_names() == ["chelsea", "coffee"] and cat.sample_names() == []
    assert cat.activations("chelsea")["conv_10x10"].shape == (291, 442, 3)
    with pytest.raises(UnknownNameError, match="'dog' is not a photo of cat_conv; its photos are: chelsea, coffee"):
        cat.example("dog")


def test_views_follow_what_each_layer_reads(cat):
    from cnnbook.views.shapes import shape_trace

    trace = {row[0]: row for row in shape_trace(cat).rows}
    # 300·451 / (291·442) positions: the 10×10 branch is measured against the photo, not against pool_3x3
    assert trace["`conv_10x10`"][-1] == "1.05192× fewer positions"
    assert cat.readers("conv_3x3") == ["relu_3x3"] and cat.readers("pool_3x3") == []
    np.testing.assert_array_equal(cat.input_of("conv_10x10", "chelsea"), cat.example("chelsea").x)
    with pytest.raises(UnknownNameError, match="unknown layer 'conv_5x5'"):
        photo_views.detail(cat, "conv_5x5", "chelsea")


def test_the_sliding_kernel_shows_the_networks_own_outputs(cat):
    r0, c0 = photo_views.sliding_patch(cat, "conv_3x3", "chelsea", size=6)
    shown = photo_views.sliding_kernel(cat, "conv_3x3", "chelsea", size=6)
    apng = Image.open(io.BytesIO(shown.apng))
    assert apng.n_frames == 16  # a 6×6 patch, a 3×3 kernel: 4×4 outputs
    assert f"rows {r0}–{r0 + 5}, columns {c0}–{c0 + 5}" in shown.alt
    with pytest.raises(ValueError, match="take a larger patch"):
        photo_views.sliding_kernel(cat, "conv_3x3", "chelsea", size=3)
    with pytest.raises(UnknownNameError, match="unknown conv layer 'pool_3x3'"):
        photo_views.sliding_kernel(cat, "pool_3x3", "chelsea")


def test_runs_that_differ_only_in_their_seed_share_one_compiled_step():
    from dataclasses import replace

    from flax import nnx

    from cnnbook.models.spec import TrainConfig
    from cnnbook.train import compile_step, make_optimizer

    cfg = TrainConfig(optimizer="adam", learning_rate=3e-3)
    assert make_optimizer(cfg) is make_optimizer(replace(cfg, seed=7))
    graphs = []
    for seed in (0, 1):
        model = build_model("lenet", seed=seed)
        optimizer = nnx.Optimizer(model, make_optimizer(replace(cfg, seed=seed)), wrt=nnx.Param)
        graphs.append(nnx.split((model, optimizer))[0])
        compile_step(model, optimizer)
    assert graphs[0] == graphs[1]  # equal static graphs: one entry in the step's compilation cache
    assert make_optimizer(cfg) is not make_optimizer(replace(cfg, learning_rate=1e-3))


def test_the_receptive_field_of_a_branch_starts_at_the_photo():
    class Net:  # what layer_costs reads: the model's layers and the layer table
        spec = registry.get("cat_conv")
        model = build_model("cat_conv")
        layers = layer_table(model, spec.input_shape)

    from cnnbook.views.costs import layer_costs

    fields = {c.name: (c.receptive_field, c.jump) for c in layer_costs(Net)}
    assert fields["conv_3x3"] == (3, 1) and fields["pool_3x3"] == (4, 2)
    assert fields["conv_10x10"] == (10, 1) and fields["pool_10x10"] == (11, 2)  # not 3 + 9 from the other branch


def test_rgb_composite_stretches_each_channel_on_its_own():
    maps = np.stack([np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3) * 10, np.full((2, 3), 7.0)], -1)
    rgb = photos_render.rgb_composite(maps)
    assert rgb[..., 0].min() == 0 and rgb[..., 0].max() == 1 and rgb[0, 0, 1] == 1 and rgb[1, 2, 1] == 0
    assert np.all(rgb[..., 2] == 0.5)  # a flat channel is mid-grey, not a division by zero
    with pytest.raises(ValueError, match="exactly three channels"):
        photos_render.rgb_composite(maps[..., :2])


def test_high_frequency_share_tells_noise_from_smooth_pictures():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(64, 64))
    smooth = np.add.outer(np.sin(np.linspace(0, 3, 64)), np.cos(np.linspace(0, 2, 64)))
    assert photos_render.high_frequency_share(noise) > 0.7  # white noise: most of the spectrum is above 1/4
    assert photos_render.high_frequency_share(smooth) < 0.01
    assert photos_render.high_frequency_share(np.ones((8, 8))) == 0.0
    stripes = np.tile([1.0, -1.0], (16, 8))  # alternating columns: 0.5 cycles per pixel, all fine detail
    assert photos_render.high_frequency_share(stripes) == pytest.approx(1.0, abs=1e-3)


def test_mixed_winners_counts_windows_whose_channels_peak_at_different_pixels():
    maps = np.zeros((2, 4, 3))
    maps[0, 0] = 1  # window 1: every channel peaks at the same pixel
    maps[0, 2, 0], maps[1, 3, 1], maps[0, 3, 2] = 1, 1, 1  # window 2: three different pixels
    assert photo_views.mixed_winners(maps) == 0.5


def test_repeated_pooling_stops_at_a_third_and_pools_as_it_says():
    maps = np.arange(300 * 451 * 3, dtype=np.float32).reshape(300, 451, 3) % 17
    steps = photo_views.pool_steps(maps, "max")
    assert [s.shape[:2] for s in steps] == [(150, 225), (75, 112)]  # 75 ≤ 300 / 3 < 150
    assert steps[0][0, 0, 0] == maps[:2, :2, 0].max()
    assert photo_views.pool_steps(maps, "average")[0][0, 0, 1] == pytest.approx(maps[:2, :2, 1].mean())
    with pytest.raises(ValueError, match="unknown pooling 'min'"):
        photo_views.pool2(maps, "min")


def test_the_liveliest_patch_is_where_the_outputs_vary():
    out = np.zeros((20, 30))
    out[12:14, 21:23] = [[1, -1], [-1, 1]]
    r, c = photo_views.liveliest_patch(out, 8, 3)  # a 6×6 block of outputs
    assert r <= 12 and r + 6 >= 14 and c <= 21 and c + 6 >= 23


def test_the_sliding_kernel_animation_has_one_frame_per_output():
    patch = np.random.default_rng(1).random((5, 5, 3))
    out = np.arange(9.0).reshape(3, 3) - 4
    frames = animation.sliding_frames(patch, out, 3)
    assert len(frames) == 9
    apng = Image.open(io.BytesIO(animation.animated_png(frames)))
    assert apng.format == "PNG" and apng.n_frames == 9 and apng.is_animated
    still = Image.open(io.BytesIO(animation.frame_strip(frames, [0, 4, 8])))
    assert still.size == (3 * frames[0].size[0] + 2 * animation.CELL, frames[0].size[1])
    with pytest.raises(ValueError, match="has 3×3 outputs, got"):
        animation.sliding_frames(patch, out[:2], 3)


def test_an_animation_becomes_a_moving_and_a_still_image_on_the_page():
    import nbformat

    from cnnbook.pages.markdown import notebook_to_markdown
    from cnnbook.render.display import Animation

    shown = Animation(b"\x89PNG-moving", b"\x89PNG-still", "a kernel [sliding]", "three moments")
    cell = nbformat.v4.new_code_cell("x")
    bundle = shown._repr_mimebundle_()
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    text, assets = notebook_to_markdown(nbformat.v4.new_notebook(cells=[cell]), "ch_files")
    assert "![a kernel (sliding)](ch_files/cell0-0-animated.png){ .cnnbook-motion }" in text
    assert "![three moments](ch_files/cell0-0-still.png){ .cnnbook-still }" in text
    assert assets["ch_files/cell0-0-animated.png"] == b"\x89PNG-moving"
    assert assets["ch_files/cell0-0-still.png"] == b"\x89PNG-still"


def test_channel_similarity_is_one_for_copies_and_low_for_unrelated_maps():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(30, 30))
    assert photo_views.channel_similarity(np.stack([a, -2 * a, 3 * a], -1)) == pytest.approx(1.0)
    assert photo_views.channel_similarity(rng.normal(size=(60, 60, 4))) < 0.05


@pytest.mark.parametrize("reads, name, message", [
    ("conv_9", "conv", r"layer 'conv' of zz_reads_\w+ reads 'conv_9', which is not an earlier layer"),
    (None, "input", r"names a layer 'input', the name that stands for the network's input"),
])
def test_a_layer_must_read_the_input_or_an_earlier_layer(tmp_path, monkeypatch, reads, name, message):
    import cnnbook.models
    from cnnbook.errors import NetworkDefinitionError

    module = f"zz_reads_{name}"
    (tmp_path / f"{module}.py").write_text(f'''
from flax import nnx
from cnnbook.models.layers import Layer, Layered
from cnnbook.models.spec import NetworkSpec

class Net(Layered):
    def __init__(self, *, rngs):
        self.conv = nnx.Conv(3, 3, (3, 3), padding="VALID", rngs=rngs)

    def layers(self):
        return [Layer({name!r}, "conv", self.conv, self.conv, reads={reads!r})]

SPEC = NetworkSpec(name={module!r}, title="t", source="s", dataset=None, input_shape=(8, 8, 3), build=Net,
                   photos=dict)
''')
    monkeypatch.setattr(cnnbook.models, "__path__", [*cnnbook.models.__path__, str(tmp_path)])
    try:
        with pytest.raises(NetworkDefinitionError, match=message):
            registry.discover(refresh=True)
    finally:
        monkeypatch.undo()
        registry.discover(refresh=True)

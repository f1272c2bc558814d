"""The whole pipeline on synthetic data: a strict, offline, deterministic, incremental smoke build."""

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnbook.build import build
from cnnbook.errors import UnknownNameError
from cnnbook.errors import ChapterExecutionError
from cnnbook.site.offline import external_references
from conftest import make_project


def test_smoke_build_report(smoke_build):
    root, report = smoke_build
    on_disk = json.loads((root / "build" / "report.json").read_text())
    assert on_disk == report
    assert report["profile"] == "smoke"
    assert list(report["stages"]) == ["check", "discover", "data", "train", "capture", "export", "pages", "site"]
    parts = report["stage_parts"]  # where each stage's time went
    nets = {"alexnet", "cat_conv", "lenet", "mnist_dense", "mnist_keras", "mnist_torch", "tiny_vgg"}
    assert set(parts["capture"]) == nets and set(parts["train"]) == nets | {"experiment one_more_conv"}
    assert "checksum None" not in parts["data"]  # cat_conv has no dataset to check
    cat = report["networks"]["cat_conv"]  # never trained: its seeded initial weights
    assert cat["params"] == 987 and cat["test_accuracy"] is None and cat["epochs"] == 0
    assert {"06-digits.md", "atlas tiny_vgg", "publish"} <= set(parts["pages"])
    assert {"mkdocs build", "offline check"} <= set(parts["site"]) and "checksum mnist" in parts["data"]
    assert report["pages"] >= 4 and report["site_bytes"] > 100_000
    keras = report["networks"]["mnist_keras"]
    assert keras["params"] == 93_322 and report["networks"]["mnist_dense"]["params"] == 407_050
    assert report["networks"]["mnist_torch"]["params"] == 121_514 and report["networks"]["lenet"]["params"] == 61_706
    timings = report["experiments"]["one_more_conv"]  # fills the experiment chapter's placeholders
    assert set(timings) == {"without_extra_5x5", "tutorial", "plus_3x3"}
    assert all(t["seconds_per_epoch"] > 0 for t in timings.values())
    for field in ("test_accuracy", "train_seconds", "epochs", "train_samples", "train_images_per_second", "cache_hit"):
        assert field in keras
    assert keras["test_accuracy"] > 0.5 and keras["cache_hit"] is False
    assert {"jax", "flax", "optax", "mkdocs"} <= set(report["versions"])


def test_site_pages_exist_and_fetch_nothing_from_other_hosts(smoke_build):
    root, _ = smoke_build
    site = root / "build" / "site"
    for page in ["index.html", "06-digits.html", "atlas/mnist_keras.html",
                 "atlas/mnist_dense.html", "06-digits.ipynb"]:
        assert (site / page).is_file(), page
    assert external_references(site) == []


def test_every_atlas_has_the_cost_table(smoke_build):
    root, _ = smoke_build
    atlases = sorted(p for p in (root / "build" / "docs" / "atlas").glob("*.md") if not p.stem.endswith("-channels"))
    assert len(atlases) == 7
    for atlas in atlases:
        text = atlas.read_text()
        assert "### What each layer costs" in text and "| **Total**" in text, atlas
    keras = (root / "build" / "docs" / "atlas" / "mnist_keras.md").read_text()
    assert "**2,794,240**" in keras and "18×18, stride 4" in keras  # derived by hand in tests/views/test_costs.py


def test_every_trained_network_has_a_channels_page_with_every_conv_and_pool_layer_and_its_walks(smoke_build):
    from cnnbook.capture import walk_count
    from cnnbook.profiles import get_profile
    from cnnbook.pages.atlas import channels_page_of
    from cnnbook.views.network import load

    root, report = smoke_build
    docs = root / "build" / "docs"
    trained = sorted(n for n, r in report["networks"].items() if r["test_accuracy"] is not None)
    assert sorted(p.stem for p in (docs / "atlas").glob("*-channels.md")) == [f"{n}-channels" for n in trained]
    for name in trained:
        net = load(root / "build", name)
        page = (docs / "atlas" / f"{name}-channels.md").read_text()
        atlas = (docs / "atlas" / f"{name}.md").read_text()
        for row in net.layers:
            measured = row.kind in ("conv", "pool") and len(row.output_shape) == 3
            # AlexNet's 1,984 channels get one page per layer, linked from its channels page
            where = channels_page_of(net, row.name) if measured else f"{name}-channels"
            assert (where == f"{name}-channels/{row.name}") == (measured and name == "alexnet"), (name, row.name)
            shown = (docs / "atlas" / f"{where}.md").read_text()
            assert (f"{{ #{row.name}-channels }}" in shown) == measured, (name, row.name)
            if measured:
                stem = Path(where).name
                assert (docs / "atlas" / Path(where).parent / f"{stem}_files" / f"{row.name}-channels.png").is_file()
                assert f"({where}.md#{row.name}-channels)" in atlas
                if where != f"{name}-channels":
                    assert f"({where}.md#{row.name}-channels)" in page
        assert (docs / "atlas" / f"{name}-channels_files" / "class-models.png").is_file()
        # A wide network (AlexNet) is followed by fewer walks: each draws every map of every layer.
        walks = sorted((docs / "walks").glob(f"{name}-test-*.md"))
        mistakes = int((net.test_probs.argmax(axis=1) != net.y_test).sum())
        limit = walk_count(get_profile("smoke"), wide=name == "alexnet")
        assert len(walks) == min(limit, mistakes) == len(net.captured.meta["walks"]), name
        assert all(f"(../walks/{w.name})" in atlas for w in walks)
    chapter = (docs / "12-what-the-channels-learned.md").read_text()
    assert "## Class models" in chapter and chapter.count("![") == 6  # 3 channels, 1 mosaic, 2 sets of class models


def test_the_smoke_profile_measures_on_few_images(smoke_build):
    # Shifted accuracies and layer measurements of synthetic data say nothing: smoke caps their images.
    from cnnbook.profiles import get_profile
    from cnnbook.views.network import load

    root, report = smoke_build
    cap = get_profile("smoke").measure_images
    trained = [n for n, r in report["networks"].items() if r["test_accuracy"] is not None]
    for name in trained:
        measured = load(root / "build", name).measures
        assert measured["test_images"] == measured["layer_images"] == cap < 500, name


def test_every_page_says_it_is_a_smoke_build(smoke_build):
    root, _ = smoke_build
    for page in (root / "build" / "docs").rglob("*.md"):
        assert "Smoke build: synthetic data" in page.read_text(), page


def test_parameter_counts_on_the_chapter_page(smoke_build):
    root, _ = smoke_build
    html = (root / "build" / "site" / "06-digits.html").read_text()
    for count in ["320", "18,496", "36,928", "650", "93,322"]:
        assert count in html, count
    assert "<math" in html and "{{report." not in html  # maths rendered, tokens filled


def test_chapter_notebook_is_executed_and_holds_outputs(smoke_build):
    root, _ = smoke_build
    nb = json.loads((root / "build" / "docs" / "06-digits.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert any("image/png" in o.get("data", {}) for o in outputs)


def _build_in_a_fresh_process(root: Path) -> dict:
    """A smoke build of `root` run by a new Python: its report, and the heavy libraries it imported."""
    script = ("import json, sys\nfrom cnnbook.build import build\n"
              f"report = build('smoke', {str(root)!r}, progress=False)\n"
              "print(json.dumps({'report': report, 'imported': sorted(m for m in ('jax', 'flax', 'optax') "
              "if m in sys.modules)}))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _stamps(folder: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_rebuild_with_nothing_changed_redoes_nothing_and_loads_no_network(smoke_build):
    root, _ = smoke_build
    build("smoke", root, progress=False)  # whatever an earlier test edited is built, and recorded
    docs, site = root / "build" / "docs", root / "build" / "site"
    before = _stamps(docs), _stamps(site)
    run = _build_in_a_fresh_process(root)
    report = run["report"]
    assert run["imported"] == []  # decided from checksums: neither JAX nor a network was loaded
    assert list(report["stages"]) == ["check"]
    assert all(n["cache_hit"] for n in report["networks"].values())
    assert set(report["networks"]) == set(smoke_build[1]["networks"])
    assert report["pages"] == smoke_build[1]["pages"] and report["site_bytes"] == smoke_build[1]["site_bytes"]
    assert (_stamps(docs), _stamps(site)) == before


def test_a_damaged_site_is_rebuilt_not_trusted(smoke_build):
    root, _ = smoke_build
    build("smoke", root, progress=False)
    page = root / "build" / "site" / "06-digits.html"
    good = page.read_bytes()
    page.write_bytes(good[: len(good) // 2])  # as a killed copy or a full disk would leave it
    report = build("smoke", root, progress=False)
    assert "site" in report["stages"] and "train" not in report["stages"]
    assert page.read_bytes() == good


def test_a_changed_or_damaged_input_redoes_the_whole_build(smoke_build):
    from cnnbook import rebuild
    from cnnbook.profiles import get_profile

    root, _ = smoke_build
    build("smoke", root, progress=False)
    where = root / "build"
    now = rebuild.inputs(get_profile("smoke"), None, root / "book")
    assert rebuild.plan(where, now).todo == rebuild.NOTHING
    assert rebuild.plan(where, rebuild.Inputs("other code", now.pages)).todo == rebuild.ALL
    assert rebuild.inputs(get_profile("smoke"), ["mnist_dense"], root / "book").networks != now.networks
    assert rebuild.inputs(get_profile("default"), None, root / "book").networks != now.networks
    manifest = where / "trained.json"
    original = manifest.read_bytes()
    try:
        manifest.write_bytes(original + b" ")
        assert rebuild.plan(where, now).todo == rebuild.ALL
    finally:
        manifest.write_bytes(original)
    entry = where / json.loads(original)["networks"]["mnist_dense"] / "manifest.json"
    checksums = entry.read_bytes()
    try:
        entry.unlink()  # an entry a cleanup removed: the networks' stages must run again
        assert rebuild.plan(where, now).todo == rebuild.ALL
    finally:
        entry.write_bytes(checksums)
    (where / rebuild.RECORD).write_text("{not json")
    assert rebuild.plan(where, now).todo == rebuild.ALL


def test_prose_edit_reuses_outputs_without_a_kernel(smoke_build, monkeypatch):
    root, _ = smoke_build
    import cnnbook.pages.execute as kernels

    def no_kernel(*a, **k):
        raise AssertionError("a prose edit must not start a kernel")

    monkeypatch.setattr(kernels, "execute", no_kernel)
    build("smoke", root, progress=False)
    chapter = root / "book" / "06-digits.md"
    chapter.write_text(chapter.read_text().replace("The first network of this book", "The very first network"))
    report = build("smoke", root, progress=False)
    assert "train" not in report["stages"] and "capture" not in report["stages"]  # the networks' stages skipped
    assert "The very first network" in (root / "build" / "docs" / "06-digits.md").read_text()
    assert "The very first network" in (root / "build" / "site" / "06-digits.html").read_text()


def test_prose_edit_loads_no_network(smoke_build):
    root, _ = smoke_build
    build("smoke", root, progress=False)
    chapter = root / "book" / "index.md"
    chapter.write_text(chapter.read_text() + "\nA sentence added by a test.\n")
    run = _build_in_a_fresh_process(root)
    assert run["imported"] == []
    assert "A sentence added by a test." in (root / "build" / "site" / "index.html").read_text()


def test_a_prose_edit_renders_its_page_alone_and_the_site_a_full_build_would(smoke_build, tmp_path):
    root, _ = smoke_build
    chapter = root / "book" / "04-pooling.md"
    chapter.write_text(chapter.read_text() + "\n")
    # A site built with the facts its pages show as they now are (every network a cache hit): a
    # dirty build is only allowed while those are unchanged.
    build("smoke", root, progress=False)
    chapter.write_text(chapter.read_text() + "\nA closing sentence about pooling.\n")
    site = root / "build" / "site"
    before = _stamps(site)
    report = build("smoke", root, progress=False)
    assert "copy the last site" in report["stage_parts"]["site"]  # MkDocs ran --dirty
    after = {p.relative_to(site).as_posix(): t for p, t in _stamps(site).items()}
    before = {p.relative_to(site).as_posix(): t for p, t in before.items()}
    rendered = {name for name, t in after.items() if name.endswith(".html") and t != before.get(name)}
    assert "04-pooling.html" in rendered and "06-digits.html" not in rendered and "atlas/lenet.html" not in rendered
    assert "A closing sentence about pooling." in (site / "search" / "search_index.json").read_text()
    # The same sources built without the last site: every file the same.
    full = tmp_path / "full"
    shutil.copytree(root, full, symlinks=True)
    (full / "build" / "record.json").unlink()
    (full / "build" / "site.json").unlink()
    again = build("smoke", full, progress=False)
    assert "copy the last site" not in again["stage_parts"]["site"]
    first, second = _tree(site), _tree(full / "build" / "site")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_two_smoke_builds_give_identical_docs(smoke_build, tmp_path):
    root, _ = smoke_build
    other = make_project(tmp_path / "again", book=root / "book")  # the same sources, with the earlier tests' edits
    # Every chapter runs again in a fresh kernel; the trained weights, the captures and the atlases
    # are reused (training's determinism is tests/test_trained.py's job, the atlas's is
    # tests/pages/test_pages_generated.py's), so the test stays within the suite's time.
    shutil.copytree(root / "build" / "cache", other / "build" / "cache",
                    ignore=shutil.ignore_patterns("chapter-*"))
    shutil.copytree(root / "build" / "capture", other / "build" / "capture")
    report = build("smoke", other, progress=False)
    assert all(n["cache_hit"] for n in report["networks"].values())
    parts = report["stage_parts"]["pages"]
    assert all(parts[c.name] > 0.5 for c in (other / "book").glob("*.md"))  # each chapter ran its kernel
    first, second = _tree(root / "build" / "docs"), _tree(other / "build" / "docs")
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_failing_chapter_stops_the_one_running_beside_it(tmp_path):
    # Two chapters run at once: when one fails, the other's kernel is killed rather than waited for.
    book = tmp_path / "book"
    book.mkdir()
    (book / "a.md").write_text("# A\n\n```python\nraise ValueError('early')\n```\n")
    (book / "b.md").write_text("# B\n\n```python\nimport time\ntime.sleep(300)\n```\n")
    root = make_project(tmp_path / "p", book=book)
    start = time.perf_counter()
    with pytest.raises(ChapterExecutionError, match=r"book/a\.md:4: code cell 1 raised ValueError: early"):
        build("smoke", root, progress=False, networks=["mnist_dense"])
    assert time.perf_counter() - start < 150  # the build's training and capture, not the 300 s sleep
    assert not (root / "build" / "site").exists()


def test_unknown_profile_is_a_clear_error(tmp_path):
    with pytest.raises(UnknownNameError, match="unknown profile 'fast'.*smoke, default, full"):
        build("fast", make_project(tmp_path / "p"), progress=False)


def test_a_raising_cell_names_the_chapter_file_and_cell(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# Home\n\n```python\nx = 1\n```\n\nProse.\n\n```python\nraise ValueError('bad idea')\n```\n")
    root = make_project(tmp_path / "p", book=book)
    with pytest.raises(ChapterExecutionError) as err:
        build("smoke", root, progress=False, networks=["mnist_dense"])
    message = str(err.value)
    assert re.search(r"book/index\.md:10: code cell 2 raised ValueError: bad idea", message), message
    assert not (root / "build" / "site").exists()  # nothing published from a failed build


def test_unknown_network_or_layer_in_a_chapter(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# Home\n\n```python\nfrom cnnbook import book\n"
                                   "book.feature_maps('mnist_dense', 'conv9')\n```\n")
    root = make_project(tmp_path / "p", book=book)
    with pytest.raises(ChapterExecutionError, match="unknown layer 'conv9'.*flatten, dense, dense_1"):
        build("smoke", root, progress=False, networks=["mnist_dense"])


def test_tiny_vgg_chapter_shows_computed_shapes_and_counts(smoke_build):
    root, report = smoke_build
    assert report["networks"]["tiny_vgg"]["params"] == 19_920
    html = (root / "build" / "site" / "10-tiny-vgg.html").read_text()
    for shape in ["62 × 62 × 10", "60 × 60 × 10", "30 × 30 × 10", "28 × 28 × 10", "26 × 26 × 10", "13 × 13 × 10"]:
        assert shape in html, shape
    assert "<mn>1,690</mn>" in html and "19,920" in html
    assert 'class="tabbed-set' in html  # colour-range and ReLU tabs
    md = (root / "build" / "docs" / "10-tiny-vgg.md").read_text()
    assert "(atlas/tiny_vgg.md#conv_1_1)" in md


def test_the_cat_chapter_and_atlas_show_the_computed_shapes(smoke_build):
    root, _ = smoke_build
    docs = root / "build" / "docs"
    atlas = (docs / "atlas" / "cat_conv.md").read_text()
    assert "**never trained**" in atlas and "(None, 298, 449, 3)" in atlas and "(None, 291, 442, 3)" in atlas
    assert "| Connected to |" in atlas and "10×10, stride 1" in atlas  # the branch's receptive field starts anew
    assert "## Training" not in atlas and "Misclassified" not in atlas  # no test set, no training
    chapter = (docs / "11-a-cat-through-convolutions.md").read_text()
    assert "300 − 3 + 1 = 298 rows and 451 − 3 + 1 = 449 columns" in chapter
    assert "300 − 10 + 1 = 291 rows and 451 − 10 + 1 = 442 columns" in chapter
    assert "from seed **0**" in chapter and "skimage.data.chelsea" in chapter
    moving = re.search(r"\]\(([^)]*-animated\.png)\)\{ \.cnnbook-motion \}", chapter)
    still = re.search(r"\]\(([^)]*-still\.png)\)\{ \.cnnbook-still \}", chapter)
    assert moving and still
    from PIL import Image

    with Image.open(docs / moving.group(1)) as animation:
        assert animation.n_frames == 36  # an 8×8 patch, a 3×3 kernel: 6×6 outputs
    css = (docs / "assets" / "cnnbook.css").read_text()
    assert "prefers-reduced-motion: reduce" in css


def test_walk_pages_are_linked_and_left_out_of_the_menu(smoke_build):
    root, _ = smoke_build
    docs = root / "build" / "docs"
    walks = sorted((docs / "walks").glob("*.md"))
    assert walks, "no walk pages: every network of the smoke build misclassified nothing?"
    atlas_text = "".join(p.read_text() for p in (docs / "atlas").glob("*.md"))
    for walk in walks:
        assert f"../walks/{walk.name}" in atlas_text
        assert (root / "build" / "site" / "walks" / f"{walk.stem}.html").is_file()
    nav = json.loads((root / "build" / "nav.json").read_text())
    assert nav[0] == {"Home": "index.md"}
    atlas = next(item["Atlas"] for item in nav if "Atlas" in item)
    assert [p for entry in atlas for p in entry.values()] == [  # each atlas, then its channels page
        "atlas/alexnet.md", "atlas/alexnet-channels.md", "atlas/cat_conv.md", "atlas/lenet.md", "atlas/lenet-channels.md", "atlas/mnist_dense.md",
        "atlas/mnist_dense-channels.md", "atlas/mnist_keras.md", "atlas/mnist_keras-channels.md",
        "atlas/mnist_torch.md", "atlas/mnist_torch-channels.md", "atlas/tiny_vgg.md", "atlas/tiny_vgg-channels.md"]
    chapters = [p for entry in nav[1:] if not {"Atlas", "Explorers"} & set(entry) for p in entry.values()]
    assert chapters == sorted(chapters) and chapters[0] == "01-pipeline.md"  # concepts first, in file order
    assert "walks/" not in json.dumps(nav)
    explorers = next(item["Explorers"] for item in nav if "Explorers" in item)  # each small network, then the sandbox
    assert [p for entry in explorers for p in entry.values()] == [
        "explorers/lenet.md", "explorers/mnist_dense.md", "explorers/mnist_keras.md", "explorers/mnist_torch.md",
        "explorers/tiny_vgg.md", "explorers/sandbox.md"]


def test_every_page_of_the_site_is_within_the_page_budget(smoke_build):
    from cnnbook.site.weight import PAGE_BUDGET, over_budget, page_weights

    root, _ = smoke_build
    site = root / "build" / "site"
    weights = page_weights(site)
    assert weights["10-tiny-vgg.html"] > 200_000  # it counts the figures, not only the HTML
    assert over_budget(site) == {} and PAGE_BUDGET == 1_500_000
    for page in site.rglob("*.html"):  # figures load as the reader reaches them
        assert all('loading="lazy"' in tag for tag in re.findall(r"<img [^>]*>", page.read_text())), page


def test_input_figures_show_true_pixel_values(smoke_build):
    # What every input figure draws (samples, walks, gallery) is in the display range as captured.
    import numpy as np

    from cnnbook.views.network import load

    root, _ = smoke_build
    for name in ("mnist_keras", "tiny_vgg"):
        net = load(root / "build", name)
        for example in net.captured.examples.values():
            assert example.x.dtype == np.float32 and 0 <= example.x.min() and example.x.max() <= 1
            assert example.x.max() > 0.5  # not an image squashed to black
        gallery = net.captured.arrays["gallery_images"]
        assert gallery.dtype == np.uint8 and gallery.max() > 128  # raw pixels, scaled by the renderer


def test_pixel_arithmetic_says_when_a_layer_applies_its_activation(smoke_build):
    import numpy as np

    from cnnbook.views import convolution
    from cnnbook.views.network import load

    root, _ = smoke_build
    net = load(root / "build", "mnist_keras")  # Keras' Conv2D(activation="relu"): the ReLU is inside the layer
    image = net.sample_indices(1)[0]
    out = net.activations(image)["conv2d"][..., 0]
    row, col = (int(v[0]) for v in np.nonzero(out == 0))  # a negative sum that the ReLU set to zero
    text = convolution.pixel_arithmetic(net, "conv2d", image, channel=0, row=row, col=col).text
    assert "The network's own output at that pixel is 0.0000 after the layer's activation" in text


def test_pixel_arithmetic_reads_the_padding_of_a_padded_convolution(smoke_build):
    from cnnbook.views import convolution
    from cnnbook.views.network import load

    root, _ = smoke_build
    net = load(root / "build", "mnist_torch")  # Conv2d(padding=2), its ReLU a layer of its own
    image = net.sample_indices(1)[0]
    for row, col in ((0, 0), (13, 13), (27, 5)):  # a corner reads 16 zeros of padding; the middle none
        value = net.activations(image)["conv1.0"][row, col, 3]
        text = convolution.pixel_arithmetic(net, "conv1.0", image, channel=3, row=row, col=col).text
        assert "after the layer's activation" not in text
        assert f"output at that pixel is {value:.4f}." in text


def test_an_atlas_is_keyed_by_its_own_network_alone(tmp_path):
    """A network recaptured for its data redraws its own atlas only: another's new capture leaves the key."""
    from cnnbook.build import Paths, _atlas_key, atlas_context
    from cnnbook.profiles import get_profile

    profile, paths = get_profile("smoke"), Paths(tmp_path)
    lenet = {"capture": "capture/lenet/entry-aaaa", "weights": "cache/lenet/entry-1111/state.safetensors"}
    manifest = {"lenet": lenet, "tiny_vgg": {"capture": "capture/tiny_vgg/entry-bbbb",
                                             "weights": "cache/tiny_vgg/entry-2222/state.safetensors"}}

    def key(entries):
        return _atlas_key("lenet", atlas_context(profile, entries["lenet"]), paths, "")

    before = key(manifest)
    manifest["tiny_vgg"] = {"capture": "capture/tiny_vgg/entry-cccc",
                            "weights": "cache/tiny_vgg/entry-3333/state.safetensors"}
    assert key(manifest) == before
    assert key({"lenet": {**lenet, "capture": "capture/lenet/entry-dddd"}}) != before
    assert key({"lenet": {**lenet, "weights": "cache/lenet/entry-4444/state.safetensors"}}) != before

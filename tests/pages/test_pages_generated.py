"""Atlas and walk pages of a tiny captured network: every layer, figures that exist, links that resolve."""

import re
import shutil

import pytest
from conftest import models_on_path

from cnnbook.pages.markdown import PageBuilder
from cnnbook.pages.walks import build_walk
from cnnbook.render.style import Figure


@pytest.fixture(scope="module")
def atlas(toy_atlas):
    return toy_atlas


def test_the_atlas_takes_every_layer_apart(toy, atlas):
    md = atlas.markdown
    assert atlas.path == "atlas/toy_net.md" and md.startswith('# Atlas: Toy convnet\n\n!!! warning "Smoke build')
    for row in toy.layers:
        assert f"## `{row.name}` {{ #{row.name} }}" in md
    assert md.count("-kernels.png") == 1  # the one conv layer's kernels
    assert "Max-pooling keeps the largest value" in md  # the pool layer's before/after
    assert "**6,810 parameters**" in md and "6{,}810" in md


def test_an_atlas_drawn_twice_is_the_same_bytes(toy_build, atlas):
    # Drawn once by the toy's build (in its worker), once here: the same files, byte for byte.
    docs = toy_build[0] / "build" / "docs"
    assert (docs / atlas.path).read_text() == atlas.markdown
    assert [name for name in atlas.assets if (docs / name).read_bytes() != atlas.assets[name]] == []


def test_every_figure_the_atlas_links_is_among_its_files(atlas):
    links = re.findall(r"\]\(([^)]+\.png)\)", atlas.markdown)
    assert links and all(f"atlas/{link}" in atlas.assets for link in links)
    assert all(data.startswith(b"\x89PNG") for name, data in atlas.assets.items() if name.endswith(".png"))


def test_the_atlas_links_a_walk_for_each_confident_mistake(toy, atlas):
    for index in toy.captured.meta["walks"]:
        walk = f"walks/toy_net-test-{index}.md"
        assert f"(../{walk})" in atlas.markdown and walk in atlas.assets


def test_a_walk_follows_one_image_through_every_layer_but_the_last(toy):
    index = toy.captured.meta["walks"][0]
    walk = build_walk(toy, index)
    assert walk.markdown.startswith(f"# Walk: test image {index} (label ")
    headings = re.findall(r"^## \[`([^`]+)`\]\(\.\./atlas/toy_net\.md#\1\)$", walk.markdown, flags=re.M)
    assert headings == [row.name for row in toy.layers[:-1]]
    for link in re.findall(r"\]\(([^)]+\.png)\)", walk.markdown):
        assert f"walks/{link}" in walk.assets


def test_the_page_builder_escapes_alt_text_and_keeps_figures_beside_the_page():
    page = PageBuilder("atlas", "net")
    line = page.figure(Figure(b"\x89PNG...", "a [bracketed]\n two-line description"), "fig", indent=4)
    assert line == "    ![a (bracketed) two-line description](net_files/fig.png)"
    assert page.assets == {"atlas/net_files/fig.png": b"\x89PNG..."}
    page.add("\n# Title\n")
    assert page.markdown() == "# Title\n" and page.path == "atlas/net.md"


def test_the_toy_network_gets_its_atlas_page_by_discovery_alone(toy_build):
    root, report, _ = toy_build
    assert report["networks"]["toy_net"]["params"] == 6_810
    assert (root / "build" / "docs" / "atlas" / "toy_net.md").is_file()
    assert (root / "build" / "site" / "atlas" / "toy_net.html").is_file()


def test_pages_never_load_a_dataset_nor_run_a_network(toy_build, toy_models, monkeypatch):
    import cnnbook.capture
    import cnnbook.data
    from cnnbook.build import Paths, stage_pages
    from cnnbook.profiles import get_profile

    def forbidden(*args, **kwargs):
        raise AssertionError("the pages stage must read the capture, not the data or the network")

    monkeypatch.setattr(cnnbook.data, "load", forbidden)
    monkeypatch.setattr(cnnbook.capture, "capture", forbidden)
    root, _, _ = toy_build
    paths = Paths(root)
    shutil.rmtree(paths.cache / "pages")  # no cached pages: everything is rendered again
    with models_on_path(toy_models):
        result = stage_pages(get_profile("smoke"), paths, progress=False)
    assert result["pages"] >= 2 and (paths.docs / "atlas" / "toy_net.md").is_file()

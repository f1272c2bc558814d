"""An explorer page says what its network's exported manifest says, and nothing typed by hand."""

from cnnbook.pages.explorers import explorer_page, sandbox_page


def _manifest(preprocess, shape):
    return {"network": "tiny", "title": "A tiny net", "input": {"shape": shape, "kind": preprocess["kind"],
                                                                  "preprocess": preprocess},
            "variants": {"trained": {"title": "trained by this build", "test_accuracy": 0.5},
                         "published": {"title": "the source's", "test_accuracy": None}},
            "layers": [{"name": "flatten", "kind": "flatten"},
                       {"name": "out", "kind": "dense", "params": {"kernel": [0, 6], "bias": [6, 3]}}]}


def test_a_digit_explorer_states_its_preparation_size_and_parameters():
    page = explorer_page(_manifest({"kind": "digit", "fit": 12, "size": 16}, [16, 16, 1]))
    assert page.startswith("# Explorer: A tiny net\n")
    assert "fit 12 × 12 pixels" in page and "centred by its mass in 16 × 16" in page
    assert "2 layers, 9 parameters, 16 × 16 × 1 inputs (trained by this build: test accuracy 50.00%)" in page
    assert '<div class="cnnbook-explorer" data-network="tiny" data-model="tiny/model.js" data-input="digit">' in page
    assert "<noscript>" in page and "(../atlas/tiny.md)" in page


def test_a_photo_explorer_states_its_crop():
    page = explorer_page(_manifest({"kind": "photo", "size": 32}, [32, 32, 3]), banner="!!! warning \"smoke\"")
    assert "scaled to 32 pixels and the middle 32 × 32 is kept" in page and '!!! warning "smoke"' in page
    assert "The weights are this build's, with the source's beside them" in page


def test_the_sandbox_page_loads_its_script():
    page = sandbox_page()
    assert '<div class="cnnbook-sandbox">' in page and "../assets/explorer/sandbox.js" in page

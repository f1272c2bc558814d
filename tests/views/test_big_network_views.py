"""The views of the AlexNet chapter, on the toy network of the tests (and AlexNet's shapes)."""

import re

import numpy as np
import pytest

from cnnbook.views import abstraction, graph, maps, pooling, results
from cnnbook.views.costs import profile_costs


def test_the_graph_has_a_node_per_layer_with_its_numbers_and_links(toy):
    svg = graph.graph(toy, link=lambda layer: f"#toy-{layer}").text
    assert "\n\n" not in svg  # one raw HTML block
    names = ["input", *(row.name for row in toy.layers)]
    for name in names[1:]:
        assert f'href="#toy-{name}"' in svg
    assert len(re.findall(r"<rect x=\"\d+\" y=\"\d+\" width=\"300\"", svg)) == len(names)
    conv = next(row for row in toy.layers if row.kind == "conv")
    assert f">{conv.params:,} <tspan fill-opacity=\"0.7\">params</tspan>" in svg
    shares = [float(v) for v in re.findall(r">(\d+\.\d)%</text>", svg)]
    assert abs(sum(shares) - 200) < 1  # parameters and multiply-adds, 100% each (rounded)


def test_overlap_measures_of_2x2_pooling_against_itself(toy):
    m = pooling.overlap_measures(toy, "pool", 0)
    assert (m["window"], m["stride"]) == (2, 2)
    assert m["own"] == m["2x2"] and m["larger_than_2x2"] == 0
    assert m["own"]["shared_winners"] == 0  # windows that never overlap cannot share a winner
    assert 0 < m["own"]["kept"] <= 0.25  # at most one cell of each 2×2 window (windows of zeros keep none)
    assert m["own"]["unseen"] == 0
    table = pooling.overlap_table(toy, 0)._repr_markdown_()
    assert "`pool`" in table and "2×2, stride 2" in table


def test_overlap_measures_of_3x3_stride_2_pooling_on_a_hand_made_map():
    before = np.zeros((5, 5, 1), np.float32)
    before[0, 0], before[0, 4], before[2, 2], before[4, 0], before[4, 4] = 1, 2, 9, 3, 4

    class Net:  # what overlap_measures reads of a network
        def pool_window(self, layer):
            return 3, 2

        def input_of(self, layer, image):
            return before

    m = pooling.overlap_measures(Net(), "pool", 0)
    own, two = m["own"], m["2x2"]
    # four overlapping 3×3 windows all keep the centre 9: one winner, kept four times
    assert own["output"] == [2, 2] and own["mean_kept"] == 9
    assert own["kept"] == pytest.approx(1 / 25) and own["shared_winners"] == 1 and own["unseen"] == 0
    # 2×2 windows: 1 and 9 win, two windows hold only zeros; the last row and column are never seen
    assert two["output"] == [2, 2] and two["mean_kept"] == pytest.approx(2.5)
    assert two["kept"] == pytest.approx(2 / 25) and two["shared_winners"] == 0
    assert two["unseen"] == pytest.approx(9 / 25)
    assert m["larger_than_2x2"] == pytest.approx(3 / 4)  # 9 against 1, 0, 0 and 9


def test_confusions_between_classes_count_the_test_set(toy):
    names = list(toy.class_names[:3])
    table = results.confusion_counts(toy, names)
    counts = np.array([[int(c.replace(",", "")) for c in row[1:4]] for row in table.rows])
    totals = [int(row[-1].replace(",", "")) for row in table.rows]
    assert totals == [int((toy.y_test == k).sum()) for k in range(3)]
    assert (counts.sum(axis=1) <= totals).all()
    within, wrong = results.share_of_errors_within(toy, names)
    assert within == counts.sum() - np.trace(counts) and wrong == int((toy.predictions() != toy.y_test).sum())
    all_names = list(toy.class_names)
    figure, shown = results.mistakes_between(toy, all_names)  # every class: every kept mistake qualifies
    assert shown == toy.captured.meta["gallery"][: len(shown)] and len(shown) == min(8, len(toy.captured.meta["gallery"]))
    assert shown, "the toy network makes no mistakes: this test needs some"
    figure, shown = results.mistakes_between(toy, names)
    assert all(toy.y_test[i] in range(3) and toy.predictions()[i] in range(3) for i in shown)
    with pytest.raises(Exception, match="has no class 'Trouser'"):
        results.confusion_counts(toy, ["Trouser"])


def test_strongest_maps_and_stacks_show_the_strongest_channels(toy):
    from cnnbook.render.stacked import strongest

    acts = toy.activations(0)["conv"]
    expected = np.argsort(-np.abs(acts).sum(axis=(0, 1)), kind="stable")[:2]
    np.testing.assert_array_equal(strongest(acts, 2), expected)
    assert np.abs(acts[..., expected[0]]).sum() == pytest.approx(np.abs(acts).sum(axis=(0, 1)).max(), rel=1e-5)
    figure = maps.strongest_maps(toy, "conv", 0, k=2)
    assert f"the 2 strongest of {acts.shape[-1]} channels" in figure.alt
    assert maps.stacked(toy, ["conv", "pool"], 0).png == maps.stacked(toy, ["conv", "pool"], 0).png  # deterministic
    with pytest.raises(ValueError, match="not maps"):
        maps.stacked(toy, "out", 0)


def test_the_probe_table_lists_the_layers_in_order(toy):
    table = abstraction.probe_table(toy)
    assert [row[0] for row in table.rows] == ["`input`", "`conv`", "`pool`", "`out`"]
    assert abstraction.probe_accuracy(toy, "out") == pytest.approx(toy.captured.meta["probes"]["linear"]["accuracy"]["out"])
    assert abstraction.silhouette_resemblance(toy, "conv")[0] is not None
    assert abstraction.abstraction(toy).png


def test_alexnet_costs_at_the_articles_input_and_at_the_default_one(toy):
    class Net:  # profile_costs only needs the network's name
        class spec:
            name = "alexnet"

    full, default = profile_costs(Net, "full"), profile_costs(Net, "default")
    assert full["input_shape"] == (224, 224, 3) and full["params"] == 46_787_978 and full["flatten"] == 6_400
    assert default["input_shape"] == (67, 67, 3) and default["flatten"] == 256
    assert full["macs"] > 10 * default["macs"]
    assert full["dense_params"] == 6_400 * 4_096 + 4_096 + 4_096 * 4_096 + 4_096 + 4_096 * 10 + 10

"""The capture stage's abstraction measures: linear probes and silhouette resemblance."""

import numpy as np

from cnnbook import probes


def test_a_ridge_probe_separates_separable_classes_and_not_random_labels():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)) * 4
    y_train, y_test = rng.integers(0, 3, 600), rng.integers(0, 3, 300)
    train = centres[y_train] + rng.normal(size=(600, 8))
    test = centres[y_test] + rng.normal(size=(300, 8))
    assert probes.ridge_accuracy(train, y_train, test, y_test, 3) > 0.95
    shuffled = rng.permutation(y_test)
    assert probes.ridge_accuracy(train, y_train, test, shuffled, 3) < 0.5  # chance is 1/3
    # more features than images: the dual form gives the same kind of answer
    wide = np.concatenate([train * 3, rng.normal(size=(600, 300))], axis=1)[:200]
    wide_test = np.concatenate([test * 3, rng.normal(size=(300, 300))], axis=1)
    assert probes.ridge_accuracy(wide, y_train[:200], wide_test, y_test, 3) > 0.8


def test_shrink_averages_areas_and_keeps_a_full_mask_full():
    mask = np.zeros((4, 4))
    mask[:2, :2] = 1
    np.testing.assert_array_equal(probes.shrink(mask, 2, 2), [[1, 0], [0, 0]])
    np.testing.assert_array_equal(probes.shrink(np.ones((15, 15)), 7, 7), np.ones((7, 7)))
    assert probes.shrink(mask, 1, 1)[0, 0] == 0.25


def test_a_map_equal_to_the_silhouette_correlates_fully_and_a_flat_one_not_at_all():
    target = np.zeros((5, 5))
    target[1:4, 2:4] = 1
    maps = np.stack([target, -target, np.zeros((5, 5))], axis=-1)  # same, inverted, switched off
    assert np.isclose(probes._mean_abs_correlation(maps, target), 2 / 3)
    assert probes._mean_abs_correlation(maps[:1, :1], target[:1, :1]) is None  # one cell: no correlation


def test_probes_of_a_trained_toy_network(toy):
    measured = toy.captured.meta["probes"]
    accuracy = measured["linear"]["accuracy"]
    assert set(accuracy) == {"input", "conv", "pool", "out"}
    assert all(0 <= v <= 1 for v in accuracy.values())
    assert accuracy["out"] > accuracy["input"]  # the logits name the class better than the mean pixel does
    layers = measured["silhouette"]["layers"]
    assert set(layers) == {"conv", "pool"} and layers["conv"]["size"] == [26, 26]
    assert layers["conv"]["own"] > layers["conv"]["other"]  # a first layer's maps still show the digit

"""Tests for render.curves, render.confusion and render.gallery: what training produced."""

import numpy as np
import pytest

from cnnbook.render import confusion_figure, confusion_matrix, misclassified_gallery, training_curves

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HISTORY = {
    "train_loss": [0.9, 0.41, 0.27],
    "train_accuracy": [0.71, 0.88, 0.923],
    "test_loss": [0.6, 0.35, 0.31],
    "test_accuracy": [0.8, 0.9, 0.914],
}


def test_training_curves_alt_has_final_numbers():
    fig = training_curves(HISTORY, "mnist_keras")
    assert fig.png.startswith(PNG_MAGIC)
    assert "3 epochs" in fig.alt
    assert "train loss 0.27" in fig.alt and "test accuracy 91.4%" in fig.alt


def test_training_curves_single_epoch():
    fig = training_curves({k: v[:1] for k, v in HISTORY.items()})
    assert "1 epoch;" in fig.alt and "train accuracy 71%" in fig.alt


def test_training_curves_of_a_network_tested_after_its_last_epoch_only():
    tested_once = {**HISTORY, "test_loss": [0.31], "test_accuracy": [0.914]}
    fig = training_curves(tested_once)
    assert "3 epochs" in fig.alt and "test accuracy 91.4%" in fig.alt
    assert fig.png != training_curves(HISTORY).png  # the test curve is one point now, not three


def test_training_curves_errors():
    with pytest.raises(KeyError):
        training_curves({"train_loss": [1.0]})
    with pytest.raises(ValueError):
        training_curves({**HISTORY, "test_loss": [1.0, 0.5]})
    with pytest.raises(ValueError):
        training_curves({**HISTORY, "train_accuracy": [0.9]})  # training is recorded every epoch


def test_confusion_matrix_counts():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 0], 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [2, 0, 1]])
    assert cm.dtype.kind == "i"


def test_confusion_matrix_against_a_loop():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    ref = np.zeros((10, 10), int)
    for t, p in zip(y_true, y_pred):
        ref[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 10), ref)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError):
        confusion_matrix([0, 3], [0, 1], 3)


def test_confusion_figure_names_the_most_frequent_confusion():
    cm = np.diag([50] * 10)
    cm[7, 2] = 12
    cm[4, 9] = 3
    fig = confusion_figure(cm, [str(i) for i in range(10)], "MNIST")
    assert fig.png.startswith(PNG_MAGIC)
    assert "7 read as 2: 12 times" in fig.alt
    assert "515 images" in fig.alt
    perfect = confusion_figure(np.diag([5, 5]), ["cat", "dog"], "perfect")
    assert "no confusions" in perfect.alt


def test_gallery_shows_most_confident_mistakes_first():
    rng = np.random.default_rng(0)
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 7, 2, 8, 9, 5])  # three mistakes
    confidence = np.array([0.99, 0.61, 0.9, 0.93, 0.75, 0.5])
    fig = misclassified_gallery(rng.random((6, 28, 28)), y_true, y_pred, confidence, [str(i) for i in range(10)])
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt.startswith("3 of the 3 misclassified images out of 6")
    assert "3 read as 8 (p=0.93)" in fig.alt


def test_gallery_limits_items_and_takes_colour():
    rng = np.random.default_rng(0)
    n = 40
    fig = misclassified_gallery(rng.random((n, 16, 16, 3)), np.zeros(n, int), np.ones(n, int), rng.random(n),
                                ["lifeboat", "sport car"], max_items=24)
    assert fig.alt.startswith("24 of the 40 misclassified")


def test_gallery_with_nothing_misclassified():
    labels = np.arange(5)
    fig = misclassified_gallery(np.zeros((5, 8, 8)), labels, labels, np.ones(5), None)
    assert fig.png.startswith(PNG_MAGIC)
    assert fig.alt == "No misclassified images among 5"

"""Figures of the build's measurements: shift accuracy curves and receptive-field squares."""

import numpy as np
import pytest

from cnnbook.render import measures


def test_shift_accuracy_figure_states_its_numbers():
    fig = measures.shift_accuracy({"net A": ([0, 1, 2], [0.99, 0.9, 0.5]), "net B": ([0, 1, 2], [0.98, 0.7, 0.2])},
                                  "accuracy under shifts")
    assert fig.png.startswith(b"\x89PNG")
    assert "net A: 99% unshifted, 50% at 2 pixels" in fig.alt and "net B" in fig.alt
    with pytest.raises(ValueError, match="no curves"):
        measures.shift_accuracy({}, "nothing")


def test_receptive_fields_figure_lists_every_square():
    image = np.zeros((28, 28, 1), np.float32)
    fig = measures.receptive_fields(image, [("conv1", 13.5, 13.5, 5), ("conv3", 13.5, 13.5, 40)], "fields")
    assert fig.png.startswith(b"\x89PNG")
    assert "conv1 sees 5×5 pixels" in fig.alt and "conv3 sees 40×40 pixels" in fig.alt

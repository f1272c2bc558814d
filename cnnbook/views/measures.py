"""Views of what the capture stage measured on the test set (`cnnbook.measure`)."""

from __future__ import annotations

from cnnbook.render import measures as measures_render
from cnnbook.views.costs import layer_costs


def shift_accuracy(nets, title: str = "Test accuracy of digits shifted by 0 to 6 pixels"):
    """Test accuracy against the shift (mean over right, left, down, up) for several networks."""
    curves = {net.spec.title: (net.measures["shift_accuracy"]["shifts"], net.measures["shift_accuracy"]["accuracy"])
              for net in nets}
    return measures_render.shift_accuracy(curves, title)


def receptive_fields(net, image, kinds=("conv",)):
    """The receptive field of the centre unit of each conv layer, drawn on an input image."""
    ex = net.example(image)
    boxes = []
    for c in layer_costs(net):
        if c.kind in kinds and c.receptive_field is not None:
            size = c.output_shape[0]
            centre = c.start + (size - 1) // 2 * c.jump  # the unit nearest the map's centre
            boxes.append((c.name, centre, centre, c.receptive_field))
    return measures_render.receptive_fields(ex.x, boxes, f"{net.spec.name}: what one unit of each layer sees")

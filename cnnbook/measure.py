"""What the concept chapters measure on a network's test set, computed once by the capture stage.

- `shift_accuracy`: test accuracy when every image is moved 0…6 pixels (right, left, down and
  up, the emptied border filled with zeros), averaged over the four directions;
- `zeros`: the share of exactly-zero values in each layer's output (what ReLU switches off);
- `pool_shift`: how much a pooling layer's input and output change when the image moves by one
  or two pixels: the mean of ‖a(moved) − a(image)‖ / ‖a(image)‖ over the images.

They are stored in the capture entry's `network.json`, so a chapter reads numbers and never
runs a network over the test set itself.
"""

from __future__ import annotations

import numpy as np

from cnnbook.models.layers import INPUT

SHIFTS = tuple(range(7))  # pixels; the Keras article's claim of translation invariance, tested
POOL_SHIFTS = (1, 2)
DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))  # (rows, columns): right, left, down, up
ACCURACY_IMAGES = 2000  # test images per shifted accuracy (the first ones of the test set)
# Multiply-adds one shifted accuracy may cost: 2,000 images of a network of up to 16M multiply-adds
# each (all the digit networks); a bigger network (AlexNet, 84M) is measured on fewer images.
SHIFT_BUDGET = ACCURACY_IMAGES * 16_000_000
LAYER_IMAGES = 500  # test images for the layer measurements
BATCH = 250


def shift(x: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """A batch (N, H, W, C) moved down by `rows` and right by `cols` pixels (negative: up, left),
    the emptied border filled with zeros."""
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    if abs(rows) >= h or abs(cols) >= w:
        return out
    src_r, dst_r = slice(max(-rows, 0), h - max(rows, 0)), slice(max(rows, 0), h - max(-rows, 0))
    src_c, dst_c = slice(max(-cols, 0), w - max(cols, 0)), slice(max(cols, 0), w - max(-cols, 0))
    out[:, dst_r, dst_c] = x[:, src_r, src_c]
    return out


def shift_accuracy(model, x: np.ndarray, y: np.ndarray, shifts=SHIFTS) -> list[float]:
    """Test accuracy for each shift, averaged over the four directions."""
    from cnnbook.train import evaluate

    accuracy = []
    for s in shifts:
        moved = [shift(x, dr * s, dc * s) for dr, dc in (DIRECTIONS if s else DIRECTIONS[:1])]
        accuracy.append(float(np.mean([evaluate(model, m, y)[1] for m in moved])))
    return accuracy


def _batches(x: np.ndarray):
    for i in range(0, len(x), BATCH):
        yield x[i : i + BATCH]


def zero_shares(model, x: np.ndarray) -> dict[str, float]:
    """{layer: share of its output values that are exactly zero} over the images."""
    from cnnbook.capture import capture

    zeros, total = {}, {}
    for batch in _batches(x):
        for layer, out in capture(model, batch).items():
            zeros[layer] = zeros.get(layer, 0) + int((out == 0).sum())
            total[layer] = total.get(layer, 0) + out.size
    return {layer: zeros[layer] / total[layer] for layer in zeros}


def relative_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per image, ‖b − a‖ / ‖a‖ (images whose `a` is all zero are left out)."""
    a, b = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    norm = np.linalg.norm(a, axis=1)
    keep = norm > 0
    return np.linalg.norm(b - a, axis=1)[keep] / norm[keep]


def pool_shift(model, kinds: dict[str, tuple[str, str | None]], x: np.ndarray, shifts=POOL_SHIFTS) -> dict[str, dict]:
    """For each pooling layer that reads another layer: the mean relative change of its input and
    its output when the images move by each shift (mean over the four directions).

    kinds: {layer: (its kind, the layer it reads or None for the input)}."""
    from cnnbook.capture import capture

    pools = [(reads, name) for name, (kind, reads) in kinds.items() if kind == "pool" and reads is not None]
    changes = {(pool, side, s): [] for _, pool in pools for side in ("before", "after") for s in shifts}
    for batch in _batches(x):
        still = capture(model, batch)
        for s in shifts:
            for dr, dc in DIRECTIONS:
                moved = capture(model, shift(batch, dr * s, dc * s))
                for before, pool in pools:
                    changes[(pool, "before", s)].append(relative_change(still[before], moved[before]))
                    changes[(pool, "after", s)].append(relative_change(still[pool], moved[pool]))
    return {pool: {"input_layer": before, "shifts": list(shifts),
                   **{side: [_mean(changes[(pool, side, s)]) for s in shifts] for side in ("before", "after")}}
            for before, pool in pools}


def _mean(parts: list[np.ndarray]) -> float | None:
    """The mean of the per-image changes; None when no image had a non-zero map (a dead layer)."""
    values = np.concatenate(parts)
    return float(values.mean()) if len(values) else None


def accuracy_images(macs_per_image: int | None) -> int:
    """How many test images a shifted accuracy uses: ACCURACY_IMAGES, fewer for a network too big for
    SHIFT_BUDGET (at least 100)."""
    if not macs_per_image:
        return ACCURACY_IMAGES
    return int(max(100, min(ACCURACY_IMAGES, SHIFT_BUDGET // macs_per_image)))


def measure(model, x_test: np.ndarray, y_test: np.ndarray, macs_per_image: int | None = None,
            at_most: int | None = None) -> dict:
    """Everything above for one trained model; `x_test` as the network sees it (float, NHWC);
    `macs_per_image` sizes the shifted accuracies (see `accuracy_images`); `at_most` caps the
    images of every measurement (the smoke profile's, whose numbers say nothing anyway)."""
    kinds, previous = {}, None
    for layer in model.layers():  # what each layer reads, by name (None: the input)
        reads = previous if layer.reads is None else (None if layer.reads == INPUT else layer.reads)
        kinds[layer.name], previous = (layer.kind, reads), layer.name
    cap = len(x_test) if at_most is None else at_most
    few = x_test[: min(LAYER_IMAGES, cap)]
    shifted = min(accuracy_images(macs_per_image), cap)
    return {
        "test_images": int(min(len(x_test), shifted)),
        "layer_images": int(len(few)),
        "shift_accuracy": {"shifts": list(SHIFTS),
                           "accuracy": shift_accuracy(model, x_test[:shifted], y_test[:shifted])},
        "zeros": zero_shares(model, few),
        "pool_shift": pool_shift(model, kinds, few),
    }

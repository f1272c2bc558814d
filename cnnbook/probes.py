"""How much of the class, and of the input's outline, each layer still carries: measured once by
the capture stage, so "features get more abstract with depth" is a number, not a claim.

- `linear_probes`: every conv, pool and dense layer's output, averaged over its positions to one
  value per channel (a dense layer's values are taken as they are), is fed to a linear classifier
  (ridge regression onto the one-hot labels) fitted on `PROBE_TRAIN` training images and scored on
  `PROBE_TEST` test images, each drawn at random with a fixed seed (a dataset stored class by class,
  as tiny-imagenet-10 is, would otherwise give its first classes only). The averaging throws away where things are and keeps what was found:
  a layer whose channels name the class scores high.
- `silhouette`: on `SILHOUETTE_IMAGES` test images, how much each layer's maps still look like the
  image's silhouette (its pixels brighter than `OUTLINE`): the correlation of every channel's map
  with the silhouette shrunk to the map's size, in absolute value, averaged over channels and
  images. The same against another image's silhouette is what chance gives at that map size.
"""

from __future__ import annotations

import numpy as np

PROBE_TRAIN = 3000  # training images the probes are fitted on (the first ones)
PROBE_TEST = 2000  # test images they are scored on (the first ones)
RIDGE = 1e-2  # the ridge penalty, relative to the mean variance of a standardised feature (1)
SILHOUETTE_IMAGES = 200
OUTLINE = 0.1  # a pixel belongs to the silhouette when its mean over channels is brighter (0..1)
BATCH = 250
KINDS = ("conv", "pool", "dense")
SEED = 0


def pick(total: int, n: int) -> np.ndarray:
    """`n` of `total` indices drawn at random with a fixed seed, in increasing order."""
    return np.sort(np.random.default_rng(SEED).permutation(total)[:n])


def probed_layers(model) -> list[str]:
    """The layers probed, in order: every conv, pool and dense layer."""
    return [layer.name for layer in model.layers() if layer.kind in KINDS]


def _features(model, x: np.ndarray) -> dict[str, np.ndarray]:
    """{layer: (N, C)}: each probed layer's output averaged over positions, and "input" the same of the pixels."""
    import jax
    import jax.numpy as jnp

    from cnnbook.models.layers import forward

    from flax import nnx

    wanted = set(probed_layers(model))
    graphdef, state = nnx.split(model)  # the weights are an argument, not constants baked into the program

    @jax.jit
    def pooled(state, batch):
        out = {"input": batch.mean(axis=(1, 2))}
        for layer, value in forward(nnx.merge(graphdef, state).layers(), batch):
            if layer.name in wanted:
                out[layer.name] = value.mean(axis=(1, 2)) if value.ndim == 4 else value
        return out

    parts = [jax.device_get(pooled(state, jnp.asarray(x[i : i + BATCH]))) for i in range(0, len(x), BATCH)]
    return {name: np.concatenate([p[name] for p in parts]).astype(np.float64) for name in parts[0]}


def ridge_accuracy(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray,
                   classes: int) -> float:
    """Test accuracy of a ridge-regression classifier on standardised features (deterministic)."""
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    a, b = (train - mean) / std, (test - mean) / std
    targets = np.eye(classes)[y_train]
    prior = targets.mean(axis=0)  # the intercept: centred targets, their mean added back when predicting
    targets -= prior
    n, d = a.shape
    penalty = RIDGE * n
    if d <= n:  # the primal: (AᵀA + λI) W = AᵀY
        weights = np.linalg.solve(a.T @ a + penalty * np.eye(d), a.T @ targets)
    else:  # the dual, smaller when there are more features than images: W = Aᵀ(AAᵀ + λI)⁻¹Y
        weights = a.T @ np.linalg.solve(a @ a.T + penalty * np.eye(n), targets)
    return float(((b @ weights + prior).argmax(axis=1) == y_test).mean())


def linear_probes(model, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                  classes: int) -> dict:
    """{"train_images", "test_images", "accuracy": {layer: accuracy}}; "input": the pooled pixels.

    x_train, x_test: as the network reads them (floats); `PROBE_TRAIN` and `PROBE_TEST` of them are used.
    """
    fit, score = pick(len(x_train), PROBE_TRAIN), pick(len(x_test), PROBE_TEST)
    train, test = x_train[fit], x_test[score]
    f_train, f_test = _features(model, train), _features(model, test)
    accuracy = {name: ridge_accuracy(f_train[name], y_train[fit], f_test[name], y_test[score], classes)
                for name in ["input", *probed_layers(model)]}
    return {"train_images": int(len(train)), "test_images": int(len(test)), "accuracy": accuracy}


def shrink(mask: np.ndarray, h: int, w: int) -> np.ndarray:
    """A (H, W) map averaged down (or spread up) to (h, w): the share of each cell's area it covers."""
    big_h, big_w = mask.shape
    rows = np.minimum((np.arange(big_h) * h) // big_h, h - 1)
    cols = np.minimum((np.arange(big_w) * w) // big_w, w - 1)
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    np.add.at(total, (rows[:, None], cols[None, :]), mask)
    np.add.at(count, (rows[:, None], cols[None, :]), 1)
    return total / np.maximum(count, 1)


def _mean_abs_correlation(maps: np.ndarray, target: np.ndarray) -> float | None:
    """Mean over channels of |corr(map, target)|; maps (h, w, C). None when a map has one cell."""
    flat = maps.reshape(-1, maps.shape[-1])
    if flat.shape[0] < 2:
        return None
    t = target.ravel() - target.mean()
    centred = flat - flat.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0) * np.linalg.norm(t)
    alive = norms > 1e-12  # a flat map (a channel off everywhere) resembles nothing: it counts as 0
    r = np.zeros(flat.shape[1])
    r[alive] = np.abs(t @ centred[:, alive]) / norms[alive]
    return float(r.mean())


def silhouette(model, x_test: np.ndarray) -> dict:
    """{"images", "layers": {layer: {"own", "other", "size"}}}: the mean |correlation| of each map with
    its image's silhouette (own) and with the next image's (other, chance); None below 2 cells."""
    from cnnbook.capture import capture

    x = x_test[pick(len(x_test), SILHOUETTE_IMAGES)]
    masks = (x.mean(axis=-1) > OUTLINE).astype(np.float64)
    others = np.roll(masks, 1, axis=0)  # each image paired with another image's silhouette
    names = [n for n in probed_layers(model)]
    sums = {n: {"own": [], "other": []} for n in names}
    shapes = {}
    for i in range(0, len(x), BATCH):
        outputs = capture(model, x[i : i + BATCH])
        for name in names:
            out = outputs[name]
            if out.ndim != 4:
                continue
            shapes[name] = out.shape[1:3]
            for k in range(len(out)):
                h, w = out.shape[1:3]
                sums[name]["own"].append(_mean_abs_correlation(out[k], shrink(masks[i + k], h, w)))
                sums[name]["other"].append(_mean_abs_correlation(out[k], shrink(others[i + k], h, w)))
    layers = {}
    for name in names:
        if name not in shapes:
            continue
        own = [v for v in sums[name]["own"] if v is not None]
        other = [v for v in sums[name]["other"] if v is not None]
        layers[name] = {"size": list(shapes[name]), "own": float(np.mean(own)) if own else None,
                        "other": float(np.mean(other)) if other else None}
    return {"images": int(len(x)), "outline": OUTLINE, "layers": layers}

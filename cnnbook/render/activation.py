"""ReLU taken apart: a map before and after, and how much of the layer it set to zero."""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_percent, fmt_value


def share_zeroed(before) -> float:
    """The share of values that ReLU changes to 0: those strictly below 0, over all of `before`.

    Values that are exactly 0 already are counted as not changed (ReLU leaves them as they
    are), so an all-zero input gives 0.0. NaNs count as values that are not zeroed.
    """
    before = np.asarray(before)
    if before.size == 0:
        raise ValueError("no values: nothing for ReLU to act on")
    return float(np.count_nonzero(before < 0) / before.size)


def relu_before_after(before, after=None, *, title: str, channel: int | None = None) -> style.Figure:
    """One channel (or the mean over channels) before and after ReLU, side by side.

    before (H, W, C), or (H, W) for one map; a leading batch axis of size 1 is dropped.
    `after`, when given (the layer's real output), must equal max(before, 0). Both panels share
    one zero-centred colour scale, so the zeroed blue disappears to white and the reds stay
    exactly as they were. The share of values set to zero is counted over ALL channels.
    """
    before = _maps(before, "before")
    relu = np.maximum(before, 0)
    if after is not None:
        after = _maps(after, "after")
        if after.shape != before.shape or not np.allclose(after, relu, rtol=1e-4, atol=1e-6):
            raise ValueError(f"`after` {after.shape} is not ReLU of `before` {before.shape}: "
                             f"were the same layer and input passed for both?")
    else:
        after = relu
    h, w, c = before.shape
    if channel is None:
        shown = before.mean(axis=2), after.mean(axis=2)
        which = "channel 0" if c == 1 else f"mean of the {c} channels"
    elif 0 <= channel < c:
        shown = before[:, :, channel], after[:, :, channel]
        which = f"channel {channel}"
    else:
        raise ValueError(f"channel {channel} is not among the {c} channels")
    share = share_zeroed(before)
    vmax = style.symmetric_range(shown)
    scope = "the" if c == 1 else f"all {c} channels'"
    with style.theme():
        fig = style.new_figure(style.PAGE_WIDTH, style.PAGE_WIDTH * 0.42 * h / w + 0.8)
        left, right = fig.subplots(1, 2)
        im = left.imshow(shown[0], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        right.imshow(shown[1], cmap=style.DIVERGING, vmin=-vmax, vmax=vmax)
        left.set_title(f"before ReLU ({which})")
        right.set_title(f"after ReLU ({which})")
        for ax in (left, right):
            style.frame(ax)  # an all-zero "after" is white: the frame shows where it is
        fig.suptitle(f"{title}: ReLU sets {fmt_percent(share)} of {scope} {fmt_int(before.size)} values to 0")
        fig.colorbar(im, ax=[left, right], shrink=0.9, label="activation")
        alt = (f"ReLU on {title}, {h}×{w}, {which}, before and after: before from {fmt_value(shown[0].min())} "
               f"to {fmt_value(shown[0].max())}, after from {fmt_value(shown[1].min())} to "
               f"{fmt_value(shown[1].max())}; ReLU set {fmt_percent(share)} of {scope} "
               f"{fmt_int(before.size)} values (the negative ones) to 0")
        return style.finish(fig, alt)


def _maps(a, name: str) -> np.ndarray:
    """Activations as (H, W, C) float32: a map (H, W) gets one channel, a batch of one is dropped."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"expected `{name}` shaped (H, W, C) or (H, W), got {a.shape}")
    return a

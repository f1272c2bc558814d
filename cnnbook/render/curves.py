"""Training curves: loss and accuracy per epoch, on the training and the test set."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator, PercentFormatter

from cnnbook.render import style
from cnnbook.render.formats import fmt_percent, fmt_value


def training_curves(history: dict, title: str = "") -> style.Figure:
    """Two panels, loss and accuracy, for epochs 1..N; the test curves are drawn when present.

    history: lists `train_loss`, `train_accuracy`, `test_loss`, `test_accuracy`, one value per
    epoch (accuracy as a share in 0..1); the test lists may hold one value instead, for a network
    tested after its last epoch only (`TrainConfig.test_every_epoch`), drawn at that epoch.
    Markers on every epoch, so N=1 still shows a point.
    """
    for key in ("train_loss", "train_accuracy"):
        if key not in history:
            raise KeyError(f"history has no {key!r}; it has {sorted(history)}")
    n = len(history["train_loss"])
    if n == 0:
        raise ValueError("history is empty: no epoch was trained")
    epochs = np.arange(1, n + 1)
    with style.theme():
        fig = style.new_figure(*style.CURVES_SIZE)
        loss_ax, acc_ax = fig.subplots(1, 2)
        for ax, metric in ((loss_ax, "loss"), (acc_ax, "accuracy")):
            for split, color in (("train", style.TRAIN_COLOR), ("test", style.TEST_COLOR)):
                values = history.get(f"{split}_{metric}")
                if values is None:
                    continue
                if len(values) != n and not (split == "test" and len(values) == 1):
                    raise ValueError(f"{split}_{metric} has {len(values)} values for {n} epochs")
                ax.plot(epochs[-len(values):], values, marker="o", markersize=3, color=color, label=split)
            ax.set_xlabel("epoch")
            ax.set_title(metric)
            if n <= 15:  # every epoch gets a tick; beyond that, let matplotlib pick whole numbers
                ax.set_xticks(epochs)
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        if n == 1:  # one point: give it room instead of a degenerate axis
            for ax in (loss_ax, acc_ax):
                ax.set_xlim(0.5, 1.5)
        acc_ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        acc_ax.legend()
        if title:
            fig.suptitle(title)
        return style.finish(fig, _alt(history, n, title))


def _alt(history: dict, n: int, title: str) -> str:
    """The final numbers, which is what a reader looks for in training curves."""
    epochs = "1 epoch" if n == 1 else f"{n} epochs"
    parts = []
    for split in ("train", "test"):
        loss, acc = history.get(f"{split}_loss"), history.get(f"{split}_accuracy")
        if loss is not None and acc is not None:
            parts.append(f"{split} loss {fmt_value(loss[-1])}, {split} accuracy {fmt_percent(acc[-1])}")
    about = f" of {title}" if title else ""
    return f"Training curves{about} over {epochs}; after the last epoch: " + "; ".join(parts)

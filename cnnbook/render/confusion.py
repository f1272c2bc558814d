"""The confusion matrix: which classes the network mistakes for which, counted and drawn."""

from __future__ import annotations

import numpy as np

from cnnbook.render import style
from cnnbook.render.formats import fmt_int, fmt_percent


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.size} true labels but {y_pred.size} predictions")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{name} holds labels outside 0..{num_classes - 1}")
    # Each (true, predicted) pair becomes one index into the flattened matrix.
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def confusion_figure(cm, class_names=None, title: str = "Confusion matrix") -> style.Figure:
    """The matrix as a heat map with every count written in its cell; the diagonal is correct."""
    cm = np.asarray(cm, dtype=np.int64)
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(n) for n in class_names]
    if cm.shape != (k, k) or len(names) != k:
        raise ValueError(f"need a square matrix and one name per class, got {cm.shape} and {len(names)} names")
    with style.theme():
        fig = style.new_figure(*style.CONFUSION_SIZE)
        ax = fig.add_subplot()
        top = max(int(cm.max()), 1)
        im = ax.imshow(cm, cmap=style.SEQUENTIAL, vmin=0, vmax=top)
        fig.colorbar(im, ax=ax, shrink=0.85, label="images")
        ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right"
                      if max(map(len, names)) > 3 else "center")
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        size = style.LABEL_SIZE if k <= 12 else style.LABEL_SIZE - 1.5
        for (i, j), count in np.ndenumerate(cm):
            if count:  # empty cells stay empty: the few mistakes stand out
                # white text on dark cells, dark text on light ones
                color = "white" if count > 0.6 * top else "#222222"
                ax.text(j, i, fmt_int(count), ha="center", va="center", fontsize=size, color=color)
        return style.finish(fig, _alt(cm, names))


def _alt(cm: np.ndarray, names: list[str]) -> str:
    """How many images, the share on the diagonal, and the most frequent confusion."""
    total = int(cm.sum())
    text = f"Confusion matrix of {len(names)} classes over {fmt_int(total)} images"
    if total == 0:
        return text
    text += f"; {fmt_percent(np.trace(cm) / total)} on the diagonal (correct)"
    off = cm.copy()
    np.fill_diagonal(off, 0)
    if off.max() == 0:
        return text + "; no confusions"
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    times = "once" if off[i, j] == 1 else f"{fmt_int(off[i, j])} times"
    return text + f"; the most frequent confusion is {names[i]} read as {names[j]}: {times}"

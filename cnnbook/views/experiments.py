"""An experiment's runs as the chapter shows them: one row per variant, mean and spread over seeds."""

from __future__ import annotations

import statistics

from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Table


def summarize(result: dict) -> list[dict]:
    """Per variant: parameters, test accuracies over the seeds, their mean, spread (max − min) and sd."""
    rows = []
    for variant in result["variants"]:
        runs = [r for r in result["runs"] if r["variant"] == variant["key"]]
        accuracies = [r["test_accuracy"] for r in runs]
        rows.append({"key": variant["key"], "label": variant["label"], "params": runs[0]["params"],
                     "accuracies": accuracies, "mean": statistics.fmean(accuracies),
                     "spread": max(accuracies) - min(accuracies),
                     "sd": statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0})
    return rows


def experiment_table(result: dict, seconds_per_epoch=None) -> Table:
    """Variant, parameters, test accuracy per seed, mean ± sd, and (when given) training seconds per epoch.

    `seconds_per_epoch(key)` gives the text of a variant's timing (a report placeholder in the book).
    """
    headers = ["Variant", "Parameters", *[f"seed {s}" for s in result["seeds"]], "Mean ± sd"]
    if seconds_per_epoch:
        headers.append("Training s / epoch")
    rows = []
    for row in summarize(result):
        cells = [row["label"], fmt_int(row["params"]), *[f"{a:.4f}" for a in row["accuracies"]],
                 f"{row['mean']:.4f} ± {row['sd']:.4f}"]
        if seconds_per_epoch:
            cells.append(seconds_per_epoch(row["key"]))
        rows.append(cells)
    return Table(headers, rows, align=["left"] + ["right"] * (len(headers) - 1))

"""Softmax and cross-entropy on a network's real logits: the steps, the temperature, the loss."""

from __future__ import annotations

import math

import numpy as np

from cnnbook.render import softmax_steps as steps_render
from cnnbook.render.formats import fmt_percent
from cnnbook.render.tables import Table
from cnnbook.views.softmax import logits

TEMPERATURES = (0.5, 1.0, 2.0, 5.0)


def softmax_steps(z, temperature: float = 1.0) -> dict:
    """Softmax of logits z / T, one step at a time, in float64.

    Returns {"z", "shifted" (z/T − max), "exp", "sum", "p"}: subtracting the largest logit first
    changes nothing in the result (it divides out) but keeps exp from overflowing.
    """
    if temperature <= 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    z = np.asarray(z, dtype=np.float64).ravel()
    if z.size == 0:
        raise ValueError("no logits")
    shifted = z / temperature - (z / temperature).max()
    e = np.exp(shifted)
    total = float(e.sum())
    return {"z": z, "shifted": shifted, "exp": e, "sum": total, "p": e / total}


def softmax_table(net, image) -> Table:
    """Softmax of one image's logits as a table: z, z − max, e^(z − max), and p = e / Σ, with the sums."""
    s = softmax_steps(logits(net, image))
    names = net.class_names
    top = int(s["p"].argmax())
    rows = []
    for i, name in enumerate(names):
        label = f"**{name}**" if i == top else name
        rows.append([label, f"{s['z'][i]:.3f}", f"{s['shifted'][i]:.3f}", f"{s['exp'][i]:.4g}",
                     fmt_probability(s["p"][i])])
    rows.append(["**sum**", "", "", f"**{s['sum']:.6f}**", f"**{s['p'].sum():.6f}**"])
    return Table(["Class", "Logit z", "z − max z", "e^(z − max z)", "p = e / sum"], rows,
                 align=["left", "right", "right", "right", "right"])


def temperature(net, image, temperatures=TEMPERATURES):
    """softmax(z / T) of one image's logits for several temperatures T, a bar panel each."""
    ex = net.example(image)
    z = logits(net, ex)
    probs = {t: softmax_steps(z, t)["p"] for t in temperatures}
    return steps_render.temperature_figure(probs, net.class_names, true_label=ex.label,
                                           title=f"{net.spec.name}: softmax(z / T) of {ex.caption}")


def entropy(p) -> float:
    """The entropy −Σ p ln p of a distribution, in nats (0 when certain, ln K when uniform)."""
    p = np.asarray(p, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def temperature_table(net, image, temperatures=TEMPERATURES) -> Table:
    """For each T: the top class's probability, the smallest probability, and the entropy against ln K."""
    z = logits(net, image)
    names = net.class_names
    rows = []
    for t in temperatures:
        p = softmax_steps(z, t)["p"]
        rows.append([f"{t:g}", f"{names[int(p.argmax())]} {fmt_percent(p.max())}", fmt_percent(p.min()),
                     f"{entropy(p):.3f}"])
    return Table(["T", "Top class", "Smallest p", f"Entropy (uniform: ln {len(names)} = {math.log(len(names)):.3f})"],
                 rows, align=["right", "left", "right", "right"])


def fmt_probability(p: float) -> str:
    """A probability for the loss arithmetic: enough digits that a p near 1 does not read as exactly 1."""
    p = float(p)
    if p >= 0.999:
        return f"{p:.6f}"
    return f"{p:.4f}" if p >= 0.001 else f"{p:.2e}"


def cross_entropy(net, image) -> dict:
    """The loss of one image: its true class, the probability the network gives it, and −ln p."""
    ex = net.example(image)
    if ex.label is None:
        raise ValueError(f"{ex.caption} has no true label: no loss to compute")
    p = softmax_steps(logits(net, ex))["p"]
    pred = int(p.argmax())
    return {"caption": ex.caption, "true": net.class_names[ex.label], "predicted": net.class_names[pred],
            "p_true": float(p[ex.label]), "p_predicted": float(p[pred]), "loss": float(-np.log(p[ex.label])),
            "arithmetic": f"−ln {fmt_probability(p[ex.label])} = {-np.log(p[ex.label]):.3g}"}


def cross_entropy_table(net, images) -> Table:
    """Cross-entropy of several images, one row each: the prediction, p(true class) and −ln p."""
    rows = []
    for image in images:
        c = cross_entropy(net, image)
        rows.append([c["caption"], c["true"], f"{c['predicted']} ({fmt_percent(c['p_predicted'])})",
                     fmt_probability(c["p_true"]), c["arithmetic"]])
    return Table(["Image", "True class", "Predicted", "p(true class)", "Loss −ln p"], rows,
                 align=["left", "left", "left", "right", "left"])

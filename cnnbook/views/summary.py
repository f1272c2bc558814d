"""A network's layers as tables: the Keras-style summary, every parameter count derived, provenance."""

from __future__ import annotations

from cnnbook.capture import LayerInfo
from cnnbook.render.display import Markdown
from cnnbook.render.formats import fmt_int, fmt_tex_int
from cnnbook.render.tables import Table, param_derivation


def layers(net) -> list[LayerInfo]:
    """The layers of a network with kinds, output shapes and parameter counts, from the model itself."""
    return net.layers


def total_params(net) -> int:
    """The number of trainable parameters, counted from the model."""
    return net.total_params()


def summary(net) -> Table:
    """A Keras `model.summary()`-style table: layer, output shape, parameters; and, as Keras adds for a
    network with branches, what each layer is connected to."""
    rows = [[f"`{r.name}` ({r.kind})", _shape(r.output_shape), fmt_int(r.params)] for r in net.layers]
    rows.append(["**Total**", "", f"**{fmt_int(net.total_params())}**"])
    names = [r.name for r in net.layers]
    branched = any(r.reads != (names[i - 1] if i else None) for i, r in enumerate(net.layers))
    if not branched:
        return Table(["Layer (type)", "Output shape", "Param #"], rows, align=["left", "left", "right"])
    for row, layer in zip(rows, net.layers):
        row.append(f"`{layer.reads}`" if layer.reads else "the input")
    rows[-1].append("")
    return Table(["Layer (type)", "Output shape", "Param #", "Connected to"], rows,
                 align=["left", "left", "right", "left"])


def _shape(shape) -> str:
    return "(None, " + ", ".join(str(s) for s in shape) + ")"


def derivation_latex(row: LayerInfo) -> str | None:
    """A layer's parameter count as arithmetic, e.g. 3·3·32·64 + 64 = 18,496."""
    if row.kernel_shape is None:
        return None
    math = param_derivation(row.name, row.kind, row.kernel_shape, bias=row.has_bias)
    # The arithmetic must agree with the parameters the model really holds.
    if not math.latex.endswith(fmt_tex_int(row.params)):
        raise AssertionError(f"{row.name}: derivation {math.latex} disagrees with {row.params} parameters")
    return math.latex


def derivations(net) -> Markdown:
    """Every parameter count derived, one line of maths per layer, and the total."""
    lines = []
    for row in net.layers:
        latex = derivation_latex(row)
        if latex is None:
            continue
        lines.append(f"- `{row.name}`: {_derivation_words(row)}\n\n    $$\n    {latex}\n    $$\n")
    counts = " + ".join(fmt_tex_int(r.params) for r in net.layers if r.params)
    lines.append(f"- total:\n\n    $$\n    {counts} = {fmt_tex_int(net.total_params())}\n    $$\n")
    return Markdown("\n".join(lines))


def _derivation_words(row: LayerInfo) -> str:
    if len(row.kernel_shape) == 4:
        kh, kw, cin, cout = row.kernel_shape
        return (f"{cout} filters, each {kh}×{kw} over {cin} input channel{'s' if cin > 1 else ''}, "
                f"plus one bias per filter")
    n_in, n_out = row.kernel_shape
    return f"{n_out} units, each with a weight for each of {n_in} inputs, plus one bias per unit"


def trained_on(net) -> str:
    """The machine a network's weights were trained on, as its config records it."""
    return _trained_on(net.config)


def _trained_on(config: dict) -> str:
    machine = config.get("machine")
    if not machine:
        return "not recorded"
    cpu = f"{machine['cpu']} ({machine['vector_isa']})"
    return f"{machine['accelerator']}, on a host with {cpu}" if machine.get("accelerator") else cpu


def _machine(config: dict) -> str:
    if not config.get("machine"):
        return "not recorded"
    device = "accelerator" if config["machine"].get("accelerator") else "CPU"
    return (f"{_trained_on(config)}; XLA compiles for the {device}, so another kind of {device} "
            "trains slightly different weights")


def provenance(net) -> Table:
    """Where the numbers on a page come from: settings, data, code, versions."""
    c, m = net.config, net.metrics
    versions = ", ".join(f"{k} {v}" for k, v in sorted(c["versions"].items()))
    if not net.spec.trained:  # random weights, never trained: no data, no optimizer
        return Table(["", ""], [
            ["Network", f"{net.spec.title} (`{net.spec.name}`)"],
            ["Source", net.spec.source],
            ["Profile", f"`{c['profile']}` (the same photos and weights in every profile)"],
            ["Weights", f"the initial ones, never trained: `{net.spec.build.__name__}(rngs=nnx.Rngs({c['seed']}))`"],
            ["Inputs", "; ".join(item["credit"] for item in net.captured.meta["inputs"])],
            ["Parameters", fmt_int(m["params"])],
            ["Code checksum", f"`{c['code_checksum'][:16]}…`"],
            ["Libraries", versions],
        ], align=["left", "left"])
    t = c["train"]
    rows = [
        ["Network", f"{net.spec.title} (`{net.spec.name}`)"],
        ["Source", net.spec.source],
        ["Profile", f"`{c['profile']}`" + (" (synthetic look-alike data)" if c["synthetic"] else "")],
        ["Data", f"{c['dataset']}: {fmt_int(m['train_samples'])} training, {fmt_int(m['test_samples'])} test images"],
        ["Data checksum", f"`{c['data_checksum'][:16]}…`"],
        ["Optimizer", f"{t['optimizer']}, learning rate {t['learning_rate']:g}"
                      + (" falling to 0 along a cosine" if t.get("schedule") == "cosine" else "")
                      + f", batch {t['batch_size']}"],
        ["Epochs", str(t["epochs"])],
        ["Seed", str(t["seed"])],
        ["Parameters", fmt_int(m["params"])],
        ["Test accuracy", f"{m['test_accuracy']:.4f}"],
        ["Training time", f"{{{{report.networks.{net.spec.name}.train_seconds}}}} s in the latest build "
                          f"(cached: {{{{report.networks.{net.spec.name}.cache_hit}}}})"],
        ["Code checksum", f"`{c['code_checksum'][:16]}…`"],
        ["Libraries", versions],
        ["Trained on", _machine(c)],
    ]
    return Table(["", ""], rows, align=["left", "left"])

"""How abstract each layer's features are, from what the capture stage measured (`cnnbook.probes`)."""

from __future__ import annotations

from cnnbook.errors import UnknownNameError
from cnnbook.render.abstraction import abstraction_figure
from cnnbook.render.formats import fmt_int, fmt_percent
from cnnbook.render.tables import Table


def _probes(net) -> dict:
    return net.captured.meta["probes"]


def probe_accuracy(net, layer: str) -> float:
    """Test accuracy of the linear probe on `layer`'s pooled features ("input": the pooled pixels)."""
    accuracy = _probes(net)["linear"]["accuracy"]
    if layer not in accuracy:
        raise UnknownNameError(f"{net.spec.name} has no probe on {layer!r}; probed: {', '.join(accuracy)}")
    return float(accuracy[layer])


def probe_settings(net) -> dict:
    """{"train_images", "test_images"} of the probes, {"images", "outline"} of the silhouettes."""
    probes = _probes(net)
    return {"train_images": probes["linear"]["train_images"], "test_images": probes["linear"]["test_images"],
            "silhouette_images": probes["silhouette"]["images"], "outline": probes["silhouette"]["outline"]}


def silhouette_resemblance(net, layer: str) -> tuple[float | None, float | None]:
    """(own, other): mean |correlation| of `layer`'s maps with the image's silhouette and with
    another image's; None where the maps have a single cell."""
    layers = _probes(net)["silhouette"]["layers"]
    if layer not in layers:
        raise UnknownNameError(f"{net.spec.name} has no silhouette measure for {layer!r}; measured: "
                               f"{', '.join(layers)}")
    return layers[layer]["own"], layers[layer]["other"]


def _row_values(net):
    rows = {row.name: row for row in net.layers}
    accuracy = _probes(net)["linear"]["accuracy"]
    silhouettes = _probes(net)["silhouette"]["layers"]
    # in the network's order (network.json stores its keys sorted)
    for name in ["input", *(row.name for row in net.layers if row.name in accuracy)]:
        if name == "input":
            features, kind = net.spec.input_shape[-1], "input"
        else:
            shape, kind = rows[name].output_shape, rows[name].kind
            features = shape[-1]
        s = silhouettes.get(name, {})
        yield name, kind, features, accuracy[name], s.get("own"), s.get("other"), s.get("size")


def probe_table(net) -> Table:
    """Per probed layer: its kind, the features the probe reads, its test accuracy, and how much the
    maps resemble the silhouette (own image, another image's)."""
    def fmt(v):
        return "—" if v is None else f"{v:.2f}"

    table = [[f"`{name}`", kind, fmt_int(features), fmt_percent(acc),
              "—" if size is None else "×".join(map(str, size)), fmt(own), fmt(other)]
             for name, kind, features, acc, own, other, size in _row_values(net)]
    return Table(["Layer", "Kind", "Features", "Probe accuracy", "Map", "Silhouette (own)", "(another image's)"],
                 table, align=["left", "left", "right", "right", "right", "right", "right"])


def abstraction(net):
    """The probe accuracy and silhouette resemblance per layer, as a figure."""
    values = list(_row_values(net))
    return abstraction_figure([v[0] for v in values], [v[3] for v in values], [v[4] for v in values],
                              [v[5] for v in values], f"{net.spec.name}: what each layer still holds")

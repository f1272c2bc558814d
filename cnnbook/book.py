"""The API that chapter cells call: `from cnnbook import book`.

Chapters run in a Jupyter kernel started by the build, which tells this module where the
trained networks are (`CNNBOOK_BUILD_DIR`) and which profile is being built (`CNNBOOK_PROFILE`).
Networks and layers are named as in the book; an unknown name is an error that lists the known ones.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from cnnbook import explain, views
from cnnbook.cache import library_versions
from cnnbook.models import registry
from cnnbook.models.registry import UnknownNameError
from cnnbook.render.formats import fmt_int
from cnnbook.render.tables import Table
from cnnbook.views import Markdown

# Re-exported so chapters need a single import.
__all__ = [
    "network", "md", "report", "summary", "derivations", "feature_maps", "pooling", "kernels", "curves",
    "confusion", "misclassified", "input_figure", "sample_indices", "layers", "accuracy", "params",
    "provenance", "networks_table", "versions_table", "profile", "atlas_link", "Markdown", "Table",
]


def build_dir() -> Path:
    return Path(os.environ.get("CNNBOOK_BUILD_DIR", "build")).resolve()


def profile() -> str:
    """The profile being built (smoke, default or full)."""
    return os.environ.get("CNNBOOK_PROFILE", "default")


@lru_cache(maxsize=None)
def _manifest() -> dict:
    path = build_dir() / "trained.json"
    try:
        return json.loads(path.read_text())
    except OSError:
        raise FileNotFoundError(f"{path} is missing: run `cnnbook build` (or `make book`) to train the networks") from None


@lru_cache(maxsize=None)
def network(name: str):
    """A trained network of the book, loaded from the build cache."""
    from cnnbook.trained import load_from

    spec = registry.get(name)  # unknown names fail here, with the list of known ones
    entries = _manifest()["networks"]
    if name not in entries:
        raise UnknownNameError(f"network {name!r} was not trained in this build; trained: {', '.join(entries)}")
    return load_from(build_dir() / entries[name], spec)


def _net(net):
    return network(net) if isinstance(net, str) else net


def tabs(*items):
    """Show (title, figure) pairs as content tabs, e.g. `book.tabs(("Trained", a), ("Untrained", b))`."""
    return views.tabs(*items)


def md(text: str) -> Markdown:
    """Show Markdown (e.g. a sentence with computed numbers) as prose."""
    return Markdown(text)


def report(path: str) -> str:
    """A value that changes from build to build (a timing, a cache hit), filled in when the site is built."""
    return "{{report." + path + "}}"


def atlas_link(net, layer: str | None = None) -> str:
    """A Markdown link target to a network's atlas page (and a layer's section in it)."""
    name = _net(net).spec.name
    if layer is not None:
        views._check_layer(_net(net), layer)
    return f"atlas/{name}.md" + (f"#{layer}" if layer else "")


def accuracy(net) -> float:
    """Final test accuracy of a trained network."""
    return float(_net(net).metrics["test_accuracy"])


def params(net) -> int:
    """Number of trainable parameters, counted from the model."""
    return views.total_params(_net(net))


def summary(net) -> Table:
    return views.summary(_net(net))


def derivations(net) -> Markdown:
    return views.derivations(_net(net))


def layers(net):
    return views.layers(_net(net))


def provenance(net) -> Table:
    return views.provenance(_net(net))


def sample_indices(net, n: int = 3) -> list[int]:
    return views.sample_indices(_net(net), n)


def input_figure(net, image=0):
    return views.input_figure(_net(net), image)


def feature_maps(net, layer: str, image=0, scale: str = "layer"):
    return views.feature_maps(_net(net), layer, image, scale)


def kernels(net, layer: str):
    return views.kernels(_net(net), layer)


def pooling(net, layer: str, image=0, channel: int | None = None):
    return views.pooling(_net(net), layer, image, channel)


def curves(net):
    return views.curves(_net(net))


def confusion(net):
    return views.confusion(_net(net))


def misclassified(net, max_items: int = 24):
    return views.misclassified(_net(net), max_items)


# --- One image through one operation (CNN Explainer's views) -------------------------------------

def sample(net, name: str):
    """One of CNN Explainer's sample images, e.g. "espresso_1" (a validation image stands in without them)."""
    return explain.sample(_net(net), name)


def example(net, index: int):
    """A test image by its index, as an image the views can follow."""
    return views.example(_net(net), index)


def channels(net, image):
    return explain.channels(_net(net), image)


def conv_decomposition(net, layer: str, image, channel: int | None = None):
    return explain.conv_decomposition(_net(net), layer, image, channel)


def pixel_arithmetic(net, layer: str, image, channel: int | None = None, row=None, col=None):
    return explain.pixel_arithmetic(_net(net), layer, image, channel, row, col)


def strongest_channel(net, layer: str, image) -> int:
    return explain.strongest_channel(_net(net), layer, image)


def relu(net, layer: str, image, channel: int | None = None):
    return explain.relu(_net(net), layer, image, channel)


def share_zeroed(net, layer: str, image) -> float:
    return explain.share_zeroed(_net(net), layer, image)


def pool_zoom(net, layer: str, image, channel: int | None = None):
    return explain.pool_zoom(_net(net), layer, image, channel)


def flatten_sum(net):
    return explain.flatten_sum(_net(net))


def flatten_contributions(net, image, top: int = 10):
    return explain.flatten_contributions(_net(net), image, top)


def probabilities(net, image):
    return explain.probabilities(_net(net), image)


def probabilities_per_class(net):
    return explain.probabilities_per_class(_net(net))


def top_prediction(net, image) -> tuple[str, float]:
    return explain.top_prediction(_net(net), image)


def confident_mistakes(net, k: int = 8) -> list[int]:
    from cnnbook.pages.walks import confident_mistakes as mistakes

    return mistakes(_net(net), k)


def walk_link(net, index: int) -> str:
    """The link target of the page that follows test image `index` through every layer."""
    from cnnbook.pages.walks import walk_path

    return walk_path(_net(net), index)


def untrained(net):
    """The same network with its random initial weights (same seed as its training run)."""
    from cnnbook.trained import untrained as fresh

    return fresh(_net(net))


def published(net):
    """CNN Explainer's published Tiny VGG, loaded into our module, or None without its files."""
    from cnnbook.models import tfjs
    from cnnbook.train import evaluate, to_inputs

    base = _net(net)
    if not tfjs.available():
        return None
    model = tfjs.cnn_explainer_tiny_vgg()
    model.eval()
    ds = views.dataset_of(base)
    _, acc, probs = evaluate(model, to_inputs(ds.x_test), ds.y_test.astype("int32"))
    import dataclasses

    return dataclasses.replace(base, model=model, test_probs=probs, metrics={**base.metrics, "test_accuracy": acc})


def networks_table() -> Table:
    """Every network this build trained: parameters, accuracy, epochs, and its training time."""
    rows = []
    for name in _manifest()["networks"]:
        net = network(name)
        m = net.metrics
        rows.append([f"[{net.spec.title}](atlas/{name}.md)", fmt_int(m["params"]), f"{m['test_accuracy']:.4f}",
                     str(m["epochs"]), fmt_int(m["train_samples"]), report(f"networks.{name}.train_seconds"),
                     report(f"networks.{name}.cache_hit")])
    return Table(["Network", "Parameters", "Test accuracy", "Epochs", "Training images", "Training s", "Cached"],
                 rows, align=["left", "right", "right", "right", "right", "right", "left"])


def versions_table() -> Table:
    """The library versions this build ran with."""
    return Table(["Library", "Version"], [[k, v] for k, v in library_versions().items()], align=["left", "left"])

"""The API that chapter cells call: `from cnnbook import book`.

Every figure, table and number of a chapter comes from here. A network is named as in the
book (`book.network("tiny_vgg")`) or passed as the object that call returns; an unknown
network, layer or image is an error that lists the known ones. Everything is read from
what the build's capture stage wrote (`build/captured.json`): no dataset is loaded in a
chapter, and a network runs there only on one new picture (e.g. LeNet's kernels on the cat).

The build tells a chapter's kernel where the build folder is (`CNNBOOK_BUILD_DIR`; else
`build/` of the current folder). A chapter notebook run anywhere else trains the networks it
names once, into the user cache (`cnnbook.standalone`).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from cnnbook.cache import library_versions
from cnnbook.errors import UnknownNameError
from cnnbook.render.display import Markdown, Tabs, tabs
from cnnbook.render.formats import fmt_accuracy, fmt_int
from cnnbook.render.tables import Math, Table
from cnnbook.views import experiments as experiment_views
from cnnbook.views import measures as measure_views
from cnnbook.views import (activation, convolution, costs as cost_views, flatten, kernels as kernel_views, maps, pooling as pool_views,
                           results, softmax, summary as summary_views, walks)
from cnnbook.views import activation_functions, pooling_compare, softmax_steps as softmax_step_views
from cnnbook.views import channels as channel_views, conv_arithmetic, photos as photo_views, shapes as shape_views
from cnnbook.views import abstraction as abstraction_views, graph as graph_views
from cnnbook.manifests import MANIFEST, RESULTS_FILE, read_manifest
from cnnbook.views.network import Network, load

__all__ = [
    # networks and the build
    "network", "networks_table", "versions_table", "profile", "report", "atlas_link", "channels_link", "walk_link",
    "experiment", "experiment_table", "experiment_summary", "experiment_layers",
    "untrained", "published",
    # display
    "md", "tabs", "Markdown", "Math", "Table", "Tabs",
    # layers and parameters
    "layers", "params", "summary", "derivations", "provenance", "trained_on", "costs", "layer_costs", "total_macs", "conv_padding",
    # inputs
    "example", "sample", "samples", "sample_indices", "input_figure", "channels",
    # layers on one image
    "feature_maps", "kernels", "conv_decomposition", "pixel_arithmetic", "strongest_channel", "relu",
    "share_zeroed", "pooling", "pool_zoom", "flatten_sum", "flatten_contributions",
    # outputs and results
    "probabilities", "probabilities_per_class", "top_prediction", "accuracy", "curves", "confusion",
    "misclassified", "confident_mistakes", "class_names", "measures", "shift_accuracy", "receptive_fields",
    # concept chapters: activations, pooling, softmax
    "activation_curves", "activation_values", "activation_maps", "zero_shares", "max_vs_average", "pool_drop",
    "dropped_share", "pool_shift", "pool_shift_figure", "logits", "softmax_steps", "softmax_table",
    "softmax_temperature", "temperature_table", "cross_entropy", "cross_entropy_table",
    # concept chapters: the pipeline, convolution arithmetic, flatten
    "conv_output_size", "size_check", "size_tabs", "same_padding", "window_arithmetic",
    "shape_trace", "flatten_check",
    # photos through convolutions (the cat chapter)
    "photo", "photo_names", "photo_credit", "grey", "seed", "run_on", "three_filters", "channels_in_grey", "shrink",
    "detail", "detail_table", "relu_table", "pooled_repeatedly", "pool_size_steps", "mixed_winners",
    "pooling_crop", "compare_maps", "detail_of_weights", "sliding_kernel", "sliding_patch",
    "high_frequency_share", "channel_similarity", "FINE_DETAIL",
    # what the channels learned
    "channel_layers", "channel_count", "channel_settings", "channel_mosaic", "channel_figure", "channel_table",
    "top_patches", "least_exciting", "visualisation", "dreams_beating_tests", "dream_gains", "class_purity",
    "favourite_class", "purity_by_chance", "source_conv", "edge_match", "patch_edge", "unit_field", "best_test_response", "class_models", "class_model_table",
    "class_model_logits", "class_best_test_logits", "class_model_match",
    # a big network taken apart (the AlexNet chapter)
    "graph", "strongest_maps", "stacked", "probe_table", "abstraction", "probe_accuracy", "probe_settings",
    "silhouette_resemblance", "pool_overlap", "pool_overlap_measures", "pool_overlap_figures", "confusion_counts",
    "errors_within", "mistakes_between", "profile_costs",
]


def _build_dir() -> Path:
    """The build folder whose captures the chapter reads: $CNNBOOK_BUILD_DIR, else ./build when it
    holds a build, else the user cache where networks are trained on demand (`cnnbook.standalone`)."""
    if os.environ.get("CNNBOOK_BUILD_DIR"):
        return Path(os.environ["CNNBOOK_BUILD_DIR"]).resolve()
    if (Path("build") / MANIFEST).is_file():
        return Path("build").resolve()
    from cnnbook.standalone import build_dir

    return build_dir()


def network(name: str) -> Network:
    """A trained network of the book, as the capture stage recorded it.

    Outside a build (a downloaded notebook), the network is trained once into the user cache.
    """
    where = _build_dir()
    if not os.environ.get("CNNBOOK_BUILD_DIR") and not _captured(where, name):
        from cnnbook.standalone import ensure

        where = ensure(name)
    return _network(where, name)


def _captured(where: Path, name: str) -> bool:
    return (where / MANIFEST).is_file() and name in read_manifest(where)["networks"]


@functools.lru_cache(maxsize=None)
def _network(where: Path, name: str) -> Network:
    return load(where, name)


def profile() -> str:
    """The profile being built (smoke, default or full)."""
    return read_manifest(_build_dir())["profile"]


def _by_name(view):
    """A view that also accepts a network's name for its first argument."""
    @functools.wraps(view)
    def call(net, *args, **kwargs):
        return view(network(net) if isinstance(net, str) else net, *args, **kwargs)

    return call


# --- the views, each accepting a network or its name -------------------------------------------------
layers = _by_name(summary_views.layers)
params = _by_name(summary_views.total_params)
summary = _by_name(summary_views.summary)
derivations = _by_name(summary_views.derivations)
costs = _by_name(cost_views.cost_table)
total_macs = _by_name(cost_views.total_macs)
conv_padding = _by_name(cost_views.layer_padding)
receptive_fields = _by_name(measure_views.receptive_fields)
layer_costs = _by_name(cost_views.layer_costs)
provenance = _by_name(summary_views.provenance)
trained_on = _by_name(summary_views.trained_on)
input_figure = _by_name(maps.input_figure)
channels = _by_name(maps.channels)
feature_maps = _by_name(maps.feature_maps)
kernels = _by_name(kernel_views.kernels)
conv_decomposition = _by_name(convolution.conv_decomposition)
pixel_arithmetic = _by_name(convolution.pixel_arithmetic)
strongest_channel = _by_name(convolution.strongest_channel)
relu = _by_name(activation.relu)
share_zeroed = _by_name(activation.share_zeroed)
pooling = _by_name(pool_views.pooling)
pool_zoom = _by_name(pool_views.pool_zoom)
flatten_sum = _by_name(flatten.flatten_sum)
flatten_contributions = _by_name(flatten.flatten_contributions)
probabilities = _by_name(softmax.probabilities)
probabilities_per_class = _by_name(softmax.probabilities_per_class)
top_prediction = _by_name(softmax.top_prediction)
accuracy = _by_name(results.accuracy)
curves = _by_name(results.curves)
confusion = _by_name(results.confusion)
misclassified = _by_name(results.misclassified)
confident_mistakes = _by_name(walks.confident_mistakes)
activation_curves = activation_functions.activation_curves
activation_values = activation_functions.activation_values
activation_maps = _by_name(activation_functions.activation_maps)
zero_shares = _by_name(activation_functions.zero_shares)
max_vs_average = _by_name(pooling_compare.max_vs_average)
pool_drop = _by_name(pooling_compare.pool_drop)
dropped_share = _by_name(pooling_compare.dropped_share)
pool_shift = _by_name(pooling_compare.pool_shift)
pool_shift_figure = pooling_compare.pool_shift_figure
logits = _by_name(softmax.logits)
softmax_steps = softmax_step_views.softmax_steps
softmax_table = _by_name(softmax_step_views.softmax_table)
softmax_temperature = _by_name(softmax_step_views.temperature)
temperature_table = _by_name(softmax_step_views.temperature_table)
cross_entropy = _by_name(softmax_step_views.cross_entropy)
cross_entropy_table = _by_name(softmax_step_views.cross_entropy_table)
conv_output_size = conv_arithmetic.output_size
size_check = conv_arithmetic.size_check
size_tabs = conv_arithmetic.size_tabs
same_padding = conv_arithmetic.same_padding
window_arithmetic = _by_name(conv_arithmetic.window_arithmetic)
shape_trace = _by_name(shape_views.shape_trace)
flatten_check = _by_name(shape_views.flatten_check)
photo = _by_name(photo_views.photo)
photo_credit = _by_name(photo_views.credit)
grey = photo_views.grey
three_filters = _by_name(photo_views.three_filters)
channels_in_grey = _by_name(photo_views.channels_in_grey)
shrink = _by_name(photo_views.shrink)
detail = _by_name(photo_views.detail)
detail_table = _by_name(photo_views.detail_table)
relu_table = _by_name(photo_views.relu_table)
pooled_repeatedly = _by_name(photo_views.pooled_repeatedly)
pool_size_steps = _by_name(photo_views.pool_size_steps)
mixed_winners = photo_views.mixed_winners
pooling_crop = _by_name(photo_views.pooling_crop)
compare_maps = photo_views.compare_maps
detail_of_weights = photo_views.detail_of_weights
sliding_kernel = _by_name(photo_views.sliding_kernel)
sliding_patch = _by_name(photo_views.sliding_patch)
high_frequency_share = photo_views.high_frequency_share
FINE_DETAIL = photo_views.HIGH_FREQUENCY  # cycles per pixel above which a map's variation counts as fine detail
channel_similarity = photo_views.channel_similarity
channel_layers = _by_name(channel_views.layers)
channel_count = _by_name(channel_views.count)
channel_settings = _by_name(channel_views.summary)
channel_mosaic = _by_name(channel_views.mosaic)
channel_figure = _by_name(channel_views.channel_figure)
channel_table = _by_name(channel_views.channel_table)
top_patches = _by_name(channel_views.top_patches)
least_exciting = _by_name(channel_views.least)
visualisation = _by_name(channel_views.dream)
dreams_beating_tests = _by_name(channel_views.dreams_beating_tests)
dream_gains = _by_name(channel_views.dream_gains)
class_purity = _by_name(channel_views.class_purity)
favourite_class = _by_name(channel_views.favourite_class)
purity_by_chance = _by_name(channel_views.purity_by_chance)
source_conv = _by_name(channel_views.source_conv)
edge_match = _by_name(channel_views.edge_match)
patch_edge = _by_name(channel_views.patch_edge)
unit_field = _by_name(channel_views.field)
class_models = _by_name(channel_views.class_models)
class_model_table = _by_name(channel_views.class_model_table)
class_model_logits = _by_name(channel_views.class_model_logits)
class_best_test_logits = _by_name(channel_views.class_best_test_logits)
class_model_match = _by_name(channel_views.class_model_match)
best_test_response = _by_name(channel_views.best_test)
graph = _by_name(graph_views.graph)
strongest_maps = _by_name(maps.strongest_maps)
stacked = _by_name(maps.stacked)
probe_table = _by_name(abstraction_views.probe_table)
abstraction = _by_name(abstraction_views.abstraction)
probe_accuracy = _by_name(abstraction_views.probe_accuracy)
probe_settings = _by_name(abstraction_views.probe_settings)
silhouette_resemblance = _by_name(abstraction_views.silhouette_resemblance)
pool_overlap = _by_name(pool_views.overlap_table)
pool_overlap_measures = _by_name(pool_views.overlap_measures)
pool_overlap_figures = _by_name(pool_views.overlap_figures)
confusion_counts = _by_name(results.confusion_counts)
errors_within = _by_name(results.share_of_errors_within)
mistakes_between = _by_name(results.mistakes_between)
profile_costs = _by_name(cost_views.profile_costs)


@_by_name
def photo_names(net) -> list[str]:
    """The photos a network without a test set was run on, e.g. ["chelsea", "coffee"]."""
    return net.photo_names()


@_by_name
def seed(net) -> int:
    """The seed of the network's initial (random) weights."""
    return net.seed


@_by_name
def run_on(net, x, until: str | None = None) -> dict:
    """Every layer's output for a new picture (any size the layers accept), up to the layer `until`."""
    return net.run(x, until)


@_by_name
def class_names(net) -> tuple[str, ...]:
    """The names of the network's classes, in output order."""
    return net.class_names


@_by_name
def measures(net) -> dict:
    """What the build measured on the network's test set (`cnnbook.measure`): accuracy under shifts
    of 0…6 pixels, the share of zeros in each layer's output, how pooling absorbs a shift."""
    return net.measures


@_by_name
def example(net, index: int):
    """A captured test image by its index, as an image the views can follow."""
    return net.example(index)


@_by_name
def sample(net, name: str):
    """One of CNN Explainer's sample images, e.g. "espresso_1" (a test image of its class stands in without them)."""
    return net.sample(name)


@_by_name
def samples(net) -> list[str]:
    """The names of CNN Explainer's sample images this build had, e.g. ["boat_1", …] ([] without them)."""
    return net.sample_names()


@_by_name
def sample_indices(net, n: int = 3) -> list[int]:
    """The first test images of `n` different classes: the book's running examples."""
    return net.sample_indices(n)


@_by_name
def untrained(net) -> Network:
    """The same network with the random weights its training started from (same seed)."""
    return net.with_weights("untrained")


@_by_name
def published(net) -> Network | None:
    """The source's own published weights in our module (CNN Explainer's Tiny VGG), or None without them."""
    return net.with_weights("published")


@_by_name
def atlas_link(net, layer: str | None = None) -> str:
    """A Markdown link target to a network's atlas page (and a layer's section in it)."""
    if layer is not None:
        net.check_layer(layer)
    return f"atlas/{net.spec.name}.md" + (f"#{layer}" if layer else "")


@_by_name
def channels_link(net, layer: str | None = None) -> str:
    """A Markdown link target to a trained network's channels page (and a layer's mosaic on it)."""
    from cnnbook.pages.atlas import channels_page_of

    if layer is not None:
        channel_views.field(net, layer)  # an unmeasured layer fails here, naming the measured ones
    return f"atlas/{channels_page_of(net, layer)}.md" + (f"#{layer}-channels" if layer else "")


@_by_name
def walk_link(net, index: int) -> str:
    """The link target of the page that follows test image `index` through every layer."""
    return walks.walk_path(net, index)


def md(text: str) -> Markdown:
    """Show Markdown (e.g. a sentence with computed numbers) as prose."""
    return Markdown(text)


def report(path: str) -> str:
    """A value that changes from build to build (a timing, a cache hit), filled in when the site is built."""
    return "{{report." + path + "}}"


def experiment(name: str) -> dict:
    """What an experiment measured (`cnnbook.experiments`): its variants and, per variant and seed,
    parameters, test accuracy and training seconds per epoch. Outside a build it is run once first."""
    where = _build_dir()
    results = _experiments(where)
    if not os.environ.get("CNNBOOK_BUILD_DIR") and not _current(results, name):
        from cnnbook.standalone import ensure_experiment

        where = ensure_experiment(name)
        results = _experiments(where)
    if name not in results:
        raise UnknownNameError(f"experiment {name!r} was not run by this build (run: {', '.join(results) or 'none'}); "
                               "the build runs an experiment when its base network is built")
    return results[name]


def _current(results: dict, name: str) -> bool:
    """Whether stored results are of the experiment as it is defined now (outside a build)."""
    from cnnbook import experiments
    from cnnbook.profiles import get_profile
    from cnnbook.standalone import profile_name

    stored = results.get(name, {}).get("definition")
    return stored == experiments.definition(experiments.get(name), get_profile(profile_name()))


def _experiments(where: Path) -> dict:
    path = where / RESULTS_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def experiment_table(name: str) -> Table:
    """An experiment as a table: per variant its parameters, test accuracy per seed, mean ± sd, seconds per epoch."""
    return experiment_views.experiment_table(
        experiment(name), lambda key: report(f"experiments.{name}.{key}.seconds_per_epoch"))


def experiment_layers(name: str) -> dict[str, list]:
    """{variant key: its layers (name, kind, output shape, parameters, kernel shape)}, from the variants' models."""
    from flax import nnx

    from cnnbook import experiments
    from cnnbook.capture import layer_table
    from cnnbook.models import registry

    experiment = experiments.get(name)
    shape = registry.get(experiment.base).input_shape
    return {v.key: layer_table(v.build(rngs=nnx.Rngs(0)), shape)
            for v in experiment.variants}


def experiment_summary(name: str) -> list[dict]:
    """Per variant: label, params, accuracies over the seeds, mean, spread and sd (for prose)."""
    return experiment_views.summarize(experiment(name))


def shift_accuracy(*nets):
    """Test accuracy of each network (given by name or object) on test images shifted by 0…6 pixels."""
    return measure_views.shift_accuracy([network(n) if isinstance(n, str) else n for n in nets])


def networks_table() -> Table:
    """Every network of this build: parameters, accuracy, epochs, and its training time (none for one never trained)."""
    rows = []
    for name in read_manifest(_build_dir())["networks"]:
        net = network(name)
        m = net.metrics
        rows.append([f"[{net.spec.title}](atlas/{name}.md)", fmt_int(m["params"]), fmt_accuracy(m["test_accuracy"]),
                     str(m["epochs"]), fmt_int(m["train_samples"]), report(f"networks.{name}.train_seconds"),
                     report(f"networks.{name}.cache_hit")])
    return Table(["Network", "Parameters", "Test accuracy", "Epochs", "Training images", "Training s", "Cached"],
                 rows, align=["left", "right", "right", "right", "right", "right", "left"])


def versions_table() -> Table:
    """The library versions this build ran with."""
    return Table(["Library", "Version"], [[k, v] for k, v in library_versions().items()], align=["left", "left"])

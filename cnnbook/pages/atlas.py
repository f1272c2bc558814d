"""Atlas pages: one generated page per registered network, every layer taken apart.

Nothing here names a particular network: register a model and its atlas follows.
"""

from __future__ import annotations

from cnnbook import views
from cnnbook.pages.chapters import PageOutput
from cnnbook.pages.walks import build_walk, confident_mistakes, walk_path
from cnnbook.render.formats import fmt_int


class _Page:
    """Collects Markdown blocks and the figures they link to."""

    def __init__(self, name: str):
        self.prefix = f"{name}_files"
        self.blocks: list[str] = []
        self.assets: dict[str, bytes] = {}

    def add(self, text: str) -> None:
        self.blocks.append(str(text).strip("\n"))

    def figure(self, fig, slug: str, indent: int = 0) -> str:
        path = f"{self.prefix}/{slug}.png"
        self.assets[path] = fig.png
        alt = " ".join(fig.alt.split()).replace("[", "(").replace("]", ")")
        return " " * indent + f"![{alt}]({path})"

    def tabs(self, items: list[tuple[str, str]]) -> str:
        """Content tabs (pymdownx.tabbed): one tab per input image."""
        return "\n\n".join(f'=== "{title}"\n\n{body}' for title, body in items)


def build_atlas(net, banner: str = "") -> PageOutput:
    """The atlas page of a trained network, as Markdown and PNG files under atlas/."""
    name = net.spec.name
    page = _Page(name)
    samples = views.sample_indices(net, 3)
    acc = net.metrics["test_accuracy"]
    page.add(f"# Atlas: {net.spec.title}")
    if banner:
        page.add(banner)
    page.add(f"`{name}` reproduces {net.spec.source}. It has **{fmt_int(views.total_params(net))} parameters** "
             f"and reached a test accuracy of **{acc:.2%}** in this build. Every figure below is computed "
             f"from the trained weights on test images the network never saw in training.")
    page.add("??? info \"Provenance card\"\n\n" + _indent(views.provenance(net)._repr_markdown_(), 4))

    page.add("## Layers")
    page.add(views.summary(net)._repr_markdown_())
    page.add("### Where every parameter count comes from")
    page.add(views.derivations(net).text)

    page.add("## Inputs")
    page.add("The same test images follow the whole network, one tab each.")
    page.add(page.tabs([(views.describe_image(net, i).capitalize(),
                         page.figure(views.input_figure(net, i), f"input-{i}", indent=4)) for i in samples]))

    probs = net.test_probs
    layer_rows = views.layers(net)
    for k, row in enumerate(layer_rows):
        page.add(f"## `{row.name}` {{ #{row.name} }}")
        shape = " × ".join(str(s) for s in row.output_shape)
        page.add(f"**{row.kind}** layer · output {shape} · {fmt_int(row.params)} parameters")
        latex = views.derivation_latex(row)
        if latex:
            page.add(f"$$\n{latex}\n$$")
        if row.kind == "conv":
            page.add(page.figure(views.kernels(net, row.name), f"{row.name}-kernels"))
        page.add(page.tabs([(views.describe_image(net, i).capitalize(),
                             page.figure(views.feature_maps(net, row.name, i), f"{row.name}-{i}", indent=4))
                            for i in samples]))
        if row.kind == "pool":
            page.add("Max-pooling keeps the largest value of each window. The channel shown is the one "
                     "that responds most to the image; the outlined cell of each window is the one kept.")
            page.add(page.tabs([(views.describe_image(net, i).capitalize(),
                                 page.figure(views.pooling(net, row.name, i), f"{row.name}-pool-{i}", indent=4))
                                for i in samples]))
        if k == len(layer_rows) - 1:
            names = views.class_names(net)
            lines = [f"- {views.describe_image(net, i)}: predicted **{names[int(probs[i].argmax())]}** "
                     f"with probability {probs[i].max():.3f}" for i in samples]
            page.add("The last layer's outputs are the logits; softmax turns them into probabilities:\n\n"
                     + "\n".join(lines))

    page.add("## Training")
    page.add(page.figure(views.curves(net), "curves"))
    page.add("## Test results")
    page.add(page.figure(views.confusion(net), "confusion"))
    wrong = int((views.predictions(net) != views.dataset_of(net).y_test).sum())
    page.add(f"### Misclassified\n\n{fmt_int(wrong)} of {fmt_int(len(probs))} test images are misclassified; "
             f"the most confident mistakes:")
    page.add(page.figure(views.misclassified(net), "misclassified"))
    mistakes = confident_mistakes(net)
    walks = [build_walk(net, i, banner) for i in mistakes]
    if walks:
        names = views.class_names(net)
        page.add("Follow a mistake through every layer:\n\n" + "\n".join(
            f"- [{views.describe_image(net, i)}, read as {names[int(probs[i].argmax())]}](../{walk_path(net, i)})"
            for i in mistakes))
    assets = {f"atlas/{p}": b for p, b in page.assets.items()}
    for walk in walks:
        assets[walk.path] = walk.markdown.encode()
        assets.update(walk.assets)
    return PageOutput(f"atlas/{name}.md", "\n\n".join(page.blocks) + "\n", assets)


def _indent(text: str, n: int) -> str:
    return "\n".join((" " * n + line) if line else line for line in text.splitlines())

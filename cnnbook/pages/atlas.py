"""Atlas pages: one generated page per registered network, every layer taken apart.

Nothing here names a particular network: a network file found by discovery gets its atlas.
"""

from __future__ import annotations

from cnnbook.export import explorable
from cnnbook.pages.chapters import PageOutput
from cnnbook.pages.explorers import explorer_path
from cnnbook.pages.markdown import PageBuilder
from cnnbook.pages.walks import build_walk
from cnnbook.render.channel_cards import SHOWN_LEAST
from cnnbook.render.formats import fmt_int
from cnnbook.views import channels, costs, kernels, maps, pooling, results, summary
from cnnbook.views import photos as photo_views
from cnnbook.views.walks import confident_mistakes, walk_path


GALLERY_ON_PAGE = 6  # mistakes shown: one row; twelve photos put Tiny VGG's atlas (with its images and
# the theme's script) at 1,498,537 bytes of the 1.5 MB page budget


def build_atlas(net, banner: str = "") -> PageOutput:
    """The atlas page of a network, as Markdown and PNG files under atlas/ (and, when trained, its walks)."""
    if not net.spec.trained:
        return build_photo_atlas(net, banner)
    name = net.spec.name
    page = PageBuilder("atlas", name)
    # Every layer is drawn once per sample: a network as wide as AlexNet gets two, within the page budget.
    samples = net.sample_indices(2 if split_channels(net) else 3)

    def caption(i: int) -> str:
        return net.example(i).caption.capitalize()

    _header(page, net, banner)
    page.add(f"`{name}` reproduces {net.spec.source}. It has **{fmt_int(net.total_params())} parameters** "
             f"and reached a test accuracy of **{net.metrics['test_accuracy']:.2%}** in this build. Every figure "
             f"below is computed from the trained weights on test images the network never saw in training.")
    if explorable(net.metrics["params"], net.spec.trained):
        page.add(f"Run it in your browser on a drawing or a photo of your own: [the explorer of `{name}`]"
                 f"(../{explorer_path(name)}).")
    _layers(page, net)

    page.add("## Inputs")
    page.add("The same test images follow the whole network, one tab each.")
    page.add(page.tabs([(caption(i), page.figure(maps.input_figure(net, i), f"input-{i}", indent=4))
                        for i in samples]))

    probs = net.test_probs
    measured = channels.layers(net)
    for k, row in enumerate(net.layers):
        page.add(f"## `{row.name}` {{ #{row.name} }}")
        shape = " × ".join(str(s) for s in row.output_shape)
        page.add(f"**{row.kind}** layer · output {shape} · {fmt_int(row.params)} parameters")
        latex = summary.derivation_latex(row)
        if latex:
            page.add(f"$$\n{latex}\n$$")
        if row.kind == "conv":
            page.add(page.figure(kernels.kernels(net, row.name), f"{row.name}-kernels"))
        page.add(page.tabs([(caption(i), page.figure(maps.feature_maps(net, row.name, i), f"{row.name}-{i}",
                                                     indent=4)) for i in samples]))
        if row.kind == "pool":
            page.add("Max-pooling keeps the largest value of each window. The channel shown is the one "
                     "that responds most to the image; the outlined cell of each window is the one kept.")
            page.add(page.tabs([(caption(i), page.figure(pooling.pooling(net, row.name, i), f"{row.name}-pool-{i}",
                                                         indent=4)) for i in samples]))
        if row.name in measured:
            page.add(_channels_link(net, row.name))
        if k == len(net.layers) - 1:
            lines = [f"- {net.example(i).caption}: predicted **{net.class_names[int(probs[i].argmax())]}** "
                     f"with probability {probs[i].max():.3f}" for i in samples]
            page.add("The last layer's outputs are the logits; softmax turns them into probabilities:\n\n"
                     + "\n".join(lines))

    page.add(f"What every channel responds to, and the input each class's logit likes best: "
             f"[{net.spec.title}: what the channels learned]({channels_page_name(net)}.md).")

    page.add("## Training")
    page.add(page.figure(results.curves(net), "curves"))
    page.add("## Test results")
    page.add(page.figure(results.confusion(net), "confusion"))
    page.add(f"### Misclassified\n\n{fmt_int(results.misclassified_count(net))} of {fmt_int(len(probs))} test "
             f"images are misclassified; the most confident mistakes:")
    page.add(page.figure(results.misclassified(net, GALLERY_ON_PAGE), "misclassified"))
    mistakes = confident_mistakes(net)
    walks = [build_walk(net, i, banner) for i in mistakes]
    if walks:
        page.add("Follow a mistake through every layer:\n\n" + "\n".join(
            f"- [{net.example(i).caption}, read as {net.class_names[int(probs[i].argmax())]}](../{walk_path(net, i)})"
            for i in mistakes))
    assets = dict(page.assets)
    learned = build_channels_page(net, banner)
    assets[learned.path] = learned.markdown.encode()
    assets.update(learned.assets)
    for walk in walks:
        assets[walk.path] = walk.markdown.encode()
        assets.update(walk.assets)
    return PageOutput(page.path, page.markdown(), assets)


def channels_page_name(net) -> str:
    """The stem of a trained network's second atlas page, the one of its channels (under atlas/)."""
    return f"{net.spec.name}-channels"


def split_channels(net) -> bool:
    """Whether a network's channels take one page per layer (AlexNet's 1,984 would weigh several
    megabytes on one page) instead of one page for all: a wide network's, as the capture judged it
    (`cnnbook.capture.is_wide`)."""
    return bool(net.captured.meta.get("wide", False))  # a photo network's capture does not say: it is narrow


def channels_page_of(net, layer: str | None = None) -> str:
    """The page under atlas/ (no .md) that shows `layer`'s channels; None: the network's channels page."""
    if layer is None or not split_channels(net):
        return channels_page_name(net)
    return f"{channels_page_name(net)}/{layer}"


def _channels_link(net, layer: str) -> str:
    """A layer's pointer, in the atlas, to its channels on the channels page."""
    n = channels.count(net, layer)
    text = (f"**What its {n} channels look for** (their strongest test patches"
            + (", the input that maximises each" if channels.dreamed(net, layer) else "") + "): "
            f"[`{layer}` on the channels page]({channels_page_of(net, layer)}.md#{layer}-channels)")
    if channels.dreamed(net, layer):
        beating, total = channels.dreams_beating_tests(net, layer)
        text += f"; the visualisation beats every test image for {beating} of {total}."
    return text


def build_channels_page(net, banner: str = "") -> PageOutput:
    """The second atlas page of a trained network: every conv and pool layer's channels, one mosaic each,
    and the class models. Its own page: the mosaics of a network weigh about as much as its atlas."""
    page = PageBuilder("atlas", channels_page_name(net))
    info = channels.summary(net)
    page.add(f"# Atlas: {net.spec.title}: what the channels learned")
    if banner:
        page.add(banner)
    page.add(f"For every channel of every conv and pool layer of [`{net.spec.name}`]({net.spec.name}.md), what "
             f"excites it: the test images it responds to most and least, over all {fmt_int(info['test_images'])} "
             f"test images, and for a conv layer the input found to maximise it by {info['steps']} steps of "
             f"gradient ascent on the input (shifted by up to {info['jitter']} pixels at each step, drawn through a "
             "spectrum weighted towards smooth patterns). "
             "At the end, the same for each class's logit. Every number comes from the trained weights of this build.")
    layer_pages = []
    for layer in channels.layers(net):
        if not split_channels(net):
            _channels_section(page, net, layer)
            continue
        page.add(f"## `{layer}`")
        line = f"{channels.count(net, layer)} channels: [their page]({channels_page_of(net, layer)}.md#{layer}-channels)"
        if channels.dreamed(net, layer):
            beating, total = channels.dreams_beating_tests(net, layer)
            line += f"; the visualisation beats every test image for {beating} of {total}"
        page.add(line + ".")
        own = PageBuilder(f"atlas/{channels_page_name(net)}", layer)
        own.add(f"# {net.spec.title}: what the channels of `{layer}` learned")
        if banner:
            own.add(banner)
        own.add(f"One of the pages of [what the channels of `{net.spec.name}` learned](../{channels_page_name(net)}.md).")
        _channels_section(own, net, layer, up="../")
        layer_pages.append(own)
    if not channels.layers(net):
        page.add(f"`{net.spec.name}` has no conv or pool layer: its units see the whole image at once, so this page "
                 "holds only its class models.")
    page.add("## Class models")
    page.add(f"What input does each class's logit like best? Below, the mean of each class's test images, and "
             f"the input found by {info['steps']} steps of gradient ascent on its logit.")
    page.add(page.figure(channels.class_models(net), "class-models"))
    page.add('??? note "Logits of the class models"\n\n' + _indent(channels.class_model_table(net)._repr_markdown_(), 4))
    assets = dict(page.assets)
    for own in layer_pages:
        assets[own.path] = own.markdown().encode()
        assets.update(own.assets)
    return PageOutput(page.path, page.markdown(), assets)


def _channels_section(page: PageBuilder, net, layer: str, up: str = "") -> None:
    """What each channel of a layer responds to: one mosaic of cards and a table of the numbers.
    `up`: the way from the page's folder back to atlas/."""
    info, f = channels.summary(net), channels.field(net, layer)
    page.add(f"## `{layer}` {{ #{layer}-channels }}")
    page.add(f"[{net.check_layer(layer).kind} layer in the atlas]({up}{net.spec.name}.md#{layer}) · "
             f"{channels.count(net, layer)} channels · receptive field {f.size}×{f.size} pixels")
    top = (f"the {info['top']} test images (of {fmt_int(info['test_images'])}) that excite the channel most, each cut "
           f"to the {f.size}×{f.size}-pixel receptive field of the unit that responded most (in a 3×3 grid, "
           f"strongest first), then the {SHOWN_LEAST} test images whose mean response is weakest. "
           "Above each card: the channel number and its strongest response.")
    if channels.dreamed(net, layer):
        page.add(f"One card per channel. Left: the input that maximises the channel's mean activation, found by "
                 f"{info['steps']} steps of gradient ascent on the input. Then " + top)
        beating, total = channels.dreams_beating_tests(net, layer)
        page.add(f"The visualisation excites its channel more than any test image does for **{beating} of "
                 f"{total}** channels.")
    elif net.check_layer(layer).kind == "pool":
        page.add(f"A pooling layer's channel is the maximum of `{channels.source_conv(net, layer)}`'s same channel "
                 "(after its ReLU) over each window, so it has no visualisation of its own. One card per channel: "
                 + top)
    else:  # a conv layer the network does not visualise (`NetworkSpec.visualised`)
        page.add(f"`{net.spec.name}` visualises the channels of {', '.join(f'`{v}`' for v in net.spec.visualised)} "
                 "only (a gradient ascent per channel through every layer below is too slow for the rest). "
                 "One card per channel: " + top)
    page.add(page.figure(channels.mosaic(net, layer), f"{layer}-channels"))
    page.add('??? note "The numbers of every channel"\n\n' + _indent(channels.channel_table(net, layer)._repr_markdown_(), 4))


def _header(page: PageBuilder, net, banner: str) -> None:
    page.add(f"# Atlas: {net.spec.title}")
    if banner:
        page.add(banner)


def _layers(page: PageBuilder, net) -> None:
    """The provenance card, the layer table, where the parameter counts come from, and the costs."""
    page.add("??? info \"Provenance card\"\n\n" + _indent(summary.provenance(net)._repr_markdown_(), 4))
    page.add("## Layers")
    page.add(summary.summary(net)._repr_markdown_())
    page.add("### Where every parameter count comes from")
    page.add(summary.derivations(net).text)
    page.add("### What each layer costs")
    page.add("Multiply-adds and output sizes (float32) are for one image; the total of the output sizes "
             "counts every layer's output once, the memory a forward pass that keeps them all would hold. "
             "The receptive field is the square of input pixels one output value depends on, and its "
             "stride the input pixels between neighbouring outputs.")
    page.add(costs.cost_table(net)._repr_markdown_())


def build_photo_atlas(net, banner: str = "") -> PageOutput:
    """The atlas of a network that is never trained: its seeded random layers on its photos."""
    page = PageBuilder("atlas", net.spec.name)
    photos = net.photo_names()
    _header(page, net, banner)
    page.add(f"`{net.spec.name}` follows {net.spec.source}. It is **never trained**: its "
             f"{fmt_int(net.total_params())} parameters are its initial ones (kernels drawn at random from seed "
             f"{net.seed}, biases zero), and "
             f"it runs on {len(photos)} photos instead of a test set. Every figure below is computed from those "
             "weights on these photos.")
    _layers(page, net)
    page.add("## Inputs")
    page.add("\n".join(f"- **{net.example(p).caption}**: {photo_views.credit(net, p)}" for p in photos))
    page.add(page.tabs([(net.example(p).caption.capitalize(), page.figure(maps.input_figure(net, p), f"input-{p}",
                                                                          indent=4)) for p in photos]))
    shown = photos[0]  # one photo per layer keeps the page within its weight budget
    page.add(f"Each layer below is shown on {net.example(shown).caption}.")
    for row in net.layers:
        page.add(f"## `{row.name}` {{ #{row.name} }}")
        reads = f"reads `{row.reads}`" if row.reads else "reads the photo"
        page.add(f"**{row.kind}** layer · {reads} · output {' × '.join(map(str, row.output_shape))} · "
                 f"{fmt_int(row.params)} parameters")
        latex = summary.derivation_latex(row)
        if latex:
            page.add(f"$$\n{latex}\n$$")
        if row.kind == "conv":
            page.add(page.figure(kernels.kernels(net, row.name), f"{row.name}-kernels"))
            page.add(page.figure(photo_views.three_filters(net, row.name, shown), f"{row.name}-rgb"))
        page.add(page.figure(photo_views.channels_in_grey(net, row.name, shown), f"{row.name}-maps"))
        if row.kind == "pool":
            page.add("Each window's winner, on a crop of the input where the pool's output stands out most:")
            page.add(page.figure(photo_views.pooling_crop(net, row.name, shown), f"{row.name}-crop"))
    return PageOutput(page.path, page.markdown(), dict(page.assets))


def _indent(text: str, n: int) -> str:
    return "\n".join((" " * n + line) if line else line for line in text.splitlines())

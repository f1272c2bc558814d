"""Explorer pages: each exported network runs in the reader's browser, on their own drawing or photo.

The export stage (`cnnbook.export`) wrote each network's manifest and weights; this module turns
them into site files: the exported files under explorers/<net>/, one page per network, the
convolution sandbox, and the scripts of `cnnbook/site/explorer/` under assets/explorer/.
"""

from __future__ import annotations

import json
from pathlib import Path

from cnnbook import cache
from cnnbook.export import MANIFEST
from cnnbook.render.formats import fmt_int

SCRIPTS = Path(__file__).parent.parent / "site" / "explorer"
EXPORTED = "exported.json"  # written by the export stage, in build/
SANDBOX = "explorers/sandbox.md"

_NOSCRIPT = ("<noscript><p>This explorer runs the network in your browser and needs JavaScript. "
             "The network's atlas shows the same layers on test images without it.</p></noscript>")


def explorer_path(name: str) -> str:
    """The page of a network's explorer, relative to the site's root."""
    return f"explorers/{name}.md"


def _scripts(*extra: str) -> str:
    """The script tags an explorer page loads, in order (classic scripts: they run from file:// too)."""
    tags = ['<link rel="stylesheet" href="../assets/explorer/explorer.css">',
            '<script src="../assets/explorer/forward.js"></script>']
    tags += [f'<script src="{src}"></script>' for src in extra]
    return "\n".join(tags)


def explorer_page(manifest: dict, banner: str = "") -> str:
    """The Markdown of one network's explorer; every number comes from its exported manifest."""
    name = manifest["network"]
    params = sum(layer["params"][part][1] for layer in manifest["layers"] if "params" in layer
                 for part in ("kernel", "bias"))
    shape = " × ".join(str(s) for s in manifest["input"]["shape"])
    prepare = manifest["input"]["preprocess"]
    size = prepare["size"]
    how = ("Draw a digit in the box with a mouse, a finger or a pen, or pick a test image. Your drawing is "
           f"prepared as MNIST's digits were: cropped to the ink, scaled to fit {prepare['fit']} × {prepare['fit']} "
           f"pixels and centred by its mass in {size} × {size}; the small picture beside it is what the network reads."
           if prepare["kind"] == "digit" else
           f"Pick a test image, or upload a photo of your own: its shorter side is scaled to {size} pixels and the "
           f"middle {size} × {size} is kept, as CNN Explainer does.")
    variants = manifest["variants"]
    accuracy = "; ".join(f"{v['title']}: test accuracy {v['test_accuracy']:.2%}" for v in variants.values()
                         if v["test_accuracy"] is not None)
    weights = ("The weights are this build's." if len(variants) == 1 else
               "The weights are this build's, with " + ", ".join(v["title"] for k, v in variants.items() if k != "trained")
               + " beside them: pick either, and both predictions are shown.")
    lines = [f"# Explorer: {manifest['title']}"]
    if banner:
        lines.append(banner)
    lines += [
        f"`{name}` runs here, in your browser: {len(manifest['layers'])} layers, {fmt_int(params)} parameters, "
        f"{shape} inputs ({accuracy}). {weights} The arithmetic is plain JavaScript: float32 "
        "weights and values, sums in double precision; the book's tests check that it gives the logits JAX gives "
        "to within 0.0001, on a hundred test images of every network.",
        how,
        "Every layer redraws as the input changes, in the colours of the book's figures (blue below zero, red "
        "above, one scale per layer). Click a pixel of any conv or pool channel, or focus a channel and move "
        "with the arrow keys, to see the window it reads on the layer below, the kernel, and the sum with the "
        "real numbers.",
        f"The same layers on test images, with their kernels and training: [the atlas of `{name}`]"
        f"(../atlas/{name}.md). How a window's size, padding and stride set the output size: "
        "[the convolution sandbox](sandbox.md).",
        f'<div class="cnnbook-explorer" data-network="{name}" data-model="{name}/model.js" '
        f'data-input="{manifest["input"]["kind"]}">\n{_NOSCRIPT}\n</div>',
        _scripts("../assets/explorer/explorer.js", "colormaps.js"),
    ]
    return "\n\n".join(lines) + "\n"


def sandbox_page(banner: str = "") -> str:
    """The convolution sandbox: input size, kernel, padding and stride, and the output size they give."""
    lines = ["# Explorer: Convolution sandbox"]
    if banner:
        lines.append(banner)
    lines += [
        "A convolution slides a kernel over its input. Four numbers decide how many positions it finds, and so "
        "the size of its output: the input size n, the kernel size k, the padding p added around the input, "
        "and the stride s between positions. Move the sliders and watch the kernel's positions and the formula "
        "change. The chapter [Convolution arithmetic](../02-convolution-arithmetic.md) works the same formula "
        "through the book's networks.",
        '<div class="cnnbook-sandbox">\n<noscript><p>The sandbox needs JavaScript.</p></noscript>\n</div>',
        _scripts("../assets/explorer/sandbox.js"),
    ]
    return "\n\n".join(lines) + "\n"


def read_exported(build_dir: Path) -> dict[str, Path]:
    """build/exported.json: each exported network's entry folder (none when no network is small enough)."""
    path = Path(build_dir) / EXPORTED
    if not path.is_file():
        return {}
    return {name: Path(build_dir) / rel for name, rel in json.loads(path.read_text())["networks"].items()}


def explorer_files(build_dir: Path, banner: str = "") -> dict[str, bytes]:
    """Every file the explorers add to the site: scripts, exported networks, their pages, the sandbox."""
    exported = read_exported(build_dir)
    files = {f"assets/explorer/{p.name}": p.read_bytes() for p in sorted(SCRIPTS.iterdir())
             if p.suffix in (".js", ".css")}
    files["explorers/colormaps.js"] = colormaps_script()
    files[SANDBOX] = sandbox_page(banner).encode()
    for name, where in exported.items():
        entry = cache.read_entry(where)  # every file checked against its checksum
        for file, data in entry.items():
            files[f"explorers/{name}/{file}"] = data
        files[explorer_path(name)] = explorer_page(json.loads(entry[MANIFEST]), banner).encode()
    return files


def colormaps_script() -> bytes:
    """explorers/colormaps.js: the book's colour maps as 256-entry tables, so the explorers draw
    with the same colours as the static figures (`cnnbook.render.style` defines them once)."""
    import matplotlib.colors
    import numpy as np

    from cnnbook.render import style

    def table(cmap):
        return (np.asarray(cmap(np.linspace(0, 1, 256)))[:, :3] * 255).round().astype(int).tolist()

    maps = {"diverging": table(style.DIVERGING), "greys": table(style.GREYS),
            "red": table(style.RGB_MAPS[0]), "green": table(style.RGB_MAPS[1]), "blue": table(style.RGB_MAPS[2]),
            "gap": [round(v * 255) for v in matplotlib.colors.to_rgb(style.GAP_COLOR)]}
    return f"cnnbook.registerColormaps({json.dumps(maps, separators=(',', ':'))});\n".encode()

"""Tables and worked arithmetic as Markdown: what a chapter cell displays becomes part of the page."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from cnnbook.render.formats import fmt_cell, fmt_int, fmt_tex_int

__all__ = ["Table", "Math", "fmt_int", "param_derivation"]

_ALIGNS = ("left", "right", "center")
_ALIGN_NAMES = {"l": "left", "r": "right", "c": "center", "centre": "center"}


@dataclass
class Table:
    """A table: headers, rows of cells, an optional caption and per-column alignment.

    Numbers are formatted for reading (18,496); numeric columns are right-aligned unless
    `align` ("left"/"right"/"center" or "l"/"r"/"c" per column) says otherwise.
    """

    headers: list
    rows: list
    caption: str | None = None
    align: list | None = field(default=None)

    def __post_init__(self):
        self.headers = [str(h) for h in self.headers]
        self.rows = [list(r) for r in self.rows]
        for r in self.rows:
            if len(r) != len(self.headers):
                raise ValueError(f"row {r} has {len(r)} cells for {len(self.headers)} headers")
        if self.align is None:
            self.align = [_default_align(self.rows, i) for i in range(len(self.headers))]
        self.align = [_ALIGN_NAMES.get(a, a) for a in self.align]
        if len(self.align) != len(self.headers) or not set(self.align) <= set(_ALIGNS):
            raise ValueError(f"align needs one of left/right/center per column, got {self.align}")

    def cells(self) -> list[list[str]]:
        """Every row as display strings."""
        return [[fmt_cell(v) for v in r] for r in self.rows]

    def _repr_markdown_(self) -> str:
        cells = [[s.replace("|", r"\|") for s in r] for r in self.cells()]
        widths = _widths(self.headers, cells, minimum=5)
        lines = [_line(self.headers, widths, self.align),
                 "| " + " | ".join(_rule(a, wd) for a, wd in zip(self.align, widths)) + " |"]
        lines += [_line(r, widths, self.align) for r in cells]
        table = "\n".join(lines)
        return f"{self.caption}\n\n{table}\n" if self.caption else table + "\n"

    def __repr__(self) -> str:
        cells = self.cells()
        widths = _widths(self.headers, cells)
        lines = [_plain(self.headers, widths, self.align), "  ".join("-" * wd for wd in widths)]
        lines += [_plain(r, widths, self.align) for r in cells]
        text = "\n".join(line.rstrip() for line in lines)
        return f"{self.caption}\n{text}" if self.caption else text


@dataclass(frozen=True)
class Math:
    """A displayed equation in LaTeX; Markdown output is an arithmatex `$$` block."""

    latex: str
    label: str | None = None  # what the equation is about, e.g. the layer name

    def _repr_markdown_(self) -> str:
        return f"$$\n{self.latex}\n$$\n"

    def __repr__(self) -> str:
        return self.latex


# Layer kinds as capture.LayerInfo names them (plus common aliases); all others have no weights.
_CONV_KINDS = {"conv", "conv2d", "convolution"}
_DENSE_KINDS = {"dense", "linear", "fc", "fully_connected"}


def param_derivation(layer_name: str, kind: str, shape_info, *, bias: bool = True) -> Math | None:
    """How a layer's parameter count comes about, with the layer's own numbers.

    conv, shape_info = kernel (kh, kw, cin, cout): kh·kw·cin·cout weights + cout biases.
    dense, shape_info = kernel (in, out): in·out weights + out biases.
    Layers without weights (pooling, flatten, activations) give None.
    """
    kind = kind.lower()
    if kind not in _CONV_KINDS | _DENSE_KINDS:
        return None
    shape = tuple(int(s) for s in shape_info)
    expected = 4 if kind in _CONV_KINDS else 2
    if len(shape) != expected or min(shape) < 1:
        wanted = "(kh, kw, cin, cout)" if expected == 4 else "(in, out)"
        raise ValueError(f"{layer_name}: a {kind} layer needs a kernel shape {wanted}, got {tuple(shape_info)}")
    weights = 1
    for s in shape:
        weights *= s
    outputs = shape[-1]  # one bias per output channel / unit
    total = weights + (outputs if bias else 0)
    latex = r" \cdot ".join(fmt_tex_int(s) for s in shape)
    if bias:
        latex += f" + {fmt_tex_int(outputs)}"
    return Math(f"{latex} = {fmt_tex_int(total)}", label=layer_name)


def _default_align(rows, i) -> str:
    values = [r[i] for r in rows if r[i] is not None]
    numeric = values and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    return "right" if numeric else "left"


def _widths(headers, rows, minimum: int = 1) -> list[int]:
    return [max([minimum, len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]


def _pad(text: str, width: int, align: str) -> str:
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def _line(cells, widths, align) -> str:
    return "| " + " | ".join(_pad(c, wd, a) for c, wd, a in zip(cells, widths, align)) + " |"


def _rule(align: str, width: int) -> str:
    """The header rule of one column, as wide as the column: ":----", "----:" or ":---:"."""
    if align == "right":
        return "-" * (width - 1) + ":"
    if align == "center":
        return ":" + "-" * (width - 2) + ":"
    return ":" + "-" * (width - 1)


def _plain(cells, widths, align) -> str:
    return "  ".join(_pad(c, wd, a) for c, wd, a in zip(cells, widths, align))

"""LaTeX → MathML, so formulas render in the browser with no script and no external host."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

# pymdownx.arithmatex (generic mode) wraps maths as \( … \) in a span and \[ … \] in a div.
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
# latex2mathml splits 18{,}496 into 18 , 496; join them back into one number.
_SPLIT_NUMBER = re.compile(r"<mn>(\d+)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>(\d{3})</mn>")


def to_mathml(latex: str, display: str = "inline") -> str:
    """One formula as MathML."""
    out = convert(html.unescape(latex.strip()), display=display)
    while _SPLIT_NUMBER.search(out):
        out = _SPLIT_NUMBER.sub(r"<mn>\1,\2</mn>", out)
    return out


def replace_math(page_html: str) -> str:
    """Replace every arithmatex span/div of a rendered page by MathML."""
    page_html = _BLOCK.sub(lambda m: f'<div class="math">{to_mathml(m.group(1), "block")}</div>', page_html)
    return _INLINE.sub(lambda m: to_mathml(m.group(1), "inline"), page_html)

"""Number formatting shared by alt texts, tables and worked arithmetic."""

from __future__ import annotations

import math
import numbers


def fmt_int(n) -> str:
    """An integer with thousands separators: 18496 -> "18,496"."""
    return f"{int(n):,}"


def fmt_tex_int(n) -> str:
    """An integer for LaTeX: 18496 -> "18{,}496" (the braces stop TeX adding space after the comma)."""
    return fmt_int(n).replace(",", "{,}")


def fmt_value(x) -> str:
    """A measured value, short: 3 significant digits, thousands separators when large."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    text = f"{x:.3g}"
    # "-0" reads like a bug on the page; a rounded zero is just zero.
    return "0" if text in ("-0", "0", "-0.0") else text


def fmt_accuracy(accuracy) -> str:
    """A test accuracy to 4 decimals, or what a network that is never trained has instead."""
    return "not trained" if accuracy is None else f"{float(accuracy):.4f}"


def fmt_percent(share) -> str:
    """A share in 0..1 as a percentage with one decimal where it matters: 0.75 -> "75%"."""
    percent = 100 * float(share)
    text = f"{percent:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def fmt_cell(value) -> str:
    """One table cell: ints get separators, floats 4 significant digits, None a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return fmt_int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
    return str(value)

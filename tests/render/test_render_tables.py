"""Tests for render.tables: Markdown tables, maths blocks, parameter derivations."""

import pytest

from cnnbook.render import Math, Table, fmt_int, param_derivation


@pytest.mark.parametrize(
    "kind, shape, latex",
    [
        ("conv", (3, 3, 32, 64), r"3 \cdot 3 \cdot 32 \cdot 64 + 64 = 18{,}496"),
        ("conv", (3, 3, 1, 32), r"3 \cdot 3 \cdot 1 \cdot 32 + 32 = 320"),
        ("dense", (576, 64), r"576 \cdot 64 + 64 = 36{,}928"),
        ("dense", (1690, 10), r"1{,}690 \cdot 10 + 10 = 16{,}910"),
    ],
)
def test_param_derivation(kind, shape, latex):
    math = param_derivation("layer", kind, shape)
    assert math.latex == latex
    assert repr(math) == latex
    assert math._repr_markdown_() == f"$$\n{latex}\n$$\n"


def test_param_derivation_without_bias():
    assert param_derivation("c", "conv", (3, 3, 32, 64), bias=False).latex == r"3 \cdot 3 \cdot 32 \cdot 64 = 18{,}432"


@pytest.mark.parametrize("kind", ["pool", "flatten", "other", "relu"])
def test_layers_without_weights_have_no_derivation(kind):
    assert param_derivation("x", kind, None) is None


def test_param_derivation_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="conv2d"):
        param_derivation("conv2d", "conv", (576, 64))


def test_fmt_int():
    assert fmt_int(18496) == "18,496"
    assert fmt_int(46_787_978) == "46,787,978"
    assert fmt_int(7) == "7"


def test_table_markdown_shape():
    table = Table(["layer", "params", "accuracy"], [["conv2d", 320, 0.9876], ["dense", 36928, None]],
                  caption="Parameters per layer")
    md = table._repr_markdown_()
    caption, blank, *lines = md.rstrip("\n").split("\n")
    assert caption == "Parameters per layer" and blank == ""
    assert len(lines) == 4
    assert all(line.startswith("| ") and line.endswith(" |") and line.count("|") == 4 for line in lines)
    assert lines[1].split("|")[1:-1] == [" :----- ", " -----: ", " -------: "]  # text left, numbers right
    assert "36,928" in lines[3] and "0.9876" in lines[2] and "—" in lines[3]
    assert len({len(line) for line in lines}) == 1  # padded into straight columns


def test_table_plain_text_and_escaping():
    table = Table(["a", "b"], [["x|y", 1000]], align=["c", "l"])
    assert r"x\|y" in table._repr_markdown_()
    assert ":---:" in table._repr_markdown_()
    text = repr(table)
    assert text.splitlines()[0].split() == ["a", "b"]
    assert "1,000" in text and "|" in text.splitlines()[2]


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        Table(["a", "b"], [[1]])


def test_math_markdown_block():
    assert Math(r"a^2").__repr__() == "a^2"
    assert Math(r"a^2")._repr_markdown_() == "$$\na^2\n$$\n"

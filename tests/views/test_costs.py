"""The cost table against numbers derived by hand for two of the book's networks."""

import functools
from types import SimpleNamespace

import pytest
from flax import nnx

from cnnbook.capture import layer_table
from cnnbook.models import registry
from cnnbook.views import costs


@functools.lru_cache(maxsize=None)
def _net(name):
    spec = registry.get(name)
    model = spec.build(rngs=nnx.Rngs(0))
    return SimpleNamespace(spec=spec, model=model, layers=layer_table(model, spec.input_shape))


def _rows(name):
    return {c.name: c for c in costs.layer_costs(_net(name))}


def test_mnist_keras_costs_by_hand():
    rows = _rows("mnist_keras")
    # conv2d: 26·26 outputs × 32 filters × 3·3·1 taps; receptive field 3, stride 1
    assert (rows["conv2d"].macs, rows["conv2d"].receptive_field, rows["conv2d"].jump) == (194_688, 3, 1)
    assert rows["conv2d"].activation_bytes == 26 * 26 * 32 * 4 == 86_528
    assert (rows["max_pooling2d"].receptive_field, rows["max_pooling2d"].jump) == (4, 2)
    assert (rows["conv2d_1"].macs, rows["conv2d_1"].receptive_field) == (11 * 11 * 64 * 9 * 32, 8)
    assert (rows["max_pooling2d_1"].receptive_field, rows["max_pooling2d_1"].jump) == (10, 4)
    assert (rows["conv2d_2"].macs, rows["conv2d_2"].receptive_field, rows["conv2d_2"].jump) == (331_776, 18, 4)
    assert rows["dense"].macs == 576 * 64 and rows["dense"].receptive_field is None
    assert sum(r.macs for r in rows.values()) == 2_794_240
    assert sum(r.params for r in rows.values()) == 93_322


def test_tiny_vgg_costs_by_hand():
    rows = _rows("tiny_vgg")
    assert rows["conv_1_1"].macs == 62 * 62 * 10 * 27 == 1_037_880
    assert rows["conv_1_2"].macs == 60 * 60 * 10 * 90
    assert [rows[n].receptive_field for n in ("conv_1_1", "conv_1_2", "max_pool_1", "conv_2_1", "conv_2_2",
                                              "max_pool_2")] == [3, 5, 6, 10, 14, 16]
    assert rows["max_pool_2"].jump == 4
    assert rows["relu_1_1"].macs == 0 and rows["relu_1_1"].activation_bytes == 62 * 62 * 10 * 4
    assert costs.total_macs(_net("tiny_vgg")) == 5_608_780


def test_new_networks_pin_their_shapes():
    torch_rows = _rows("mnist_torch")
    assert torch_rows["flatten"].output_shape == (3136,)  # 64·7·7, not the tutorial comment's 32·7·7
    assert sum(r.params for r in torch_rows.values()) == 121_514
    assert torch_rows["conv3.0"].receptive_field == 40  # wider than the 28-pixel digit
    assert sum(r.params for r in _rows("lenet").values()) == 61_706
    assert _rows("lenet")["flatten"].output_shape == (400,)


def test_table_has_totals():
    table = costs.cost_table(_net("mnist_keras"))
    assert table.rows[-1][2] == "**93,322**" and table.rows[-1][3] == "**2,794,240**"


def test_a_pool_without_geometry_is_a_clear_error():
    net = _net.__wrapped__("mnist_keras")  # its own copy: the layers are replaced below
    bare = [nnx_layer for nnx_layer in net.model.layers()]
    net.model.layers = lambda: [l if l.kind != "pool" else type(l)(l.name, l.kind, lambda x: x) for l in bare]
    with pytest.raises(Exception, match="declare its window"):
        costs.layer_costs(net)


def test_receptive_field_centres():
    keras = _rows("mnist_keras")
    assert keras["conv2d"].start == 1.0  # a VALID 3×3 window's first centre is pixel 1
    assert keras["max_pooling2d"].start == 1.5  # between outputs 0 and 1 of conv2d: pixels 1 and 2
    torch_rows = _rows("mnist_torch")
    assert torch_rows["conv1.0"].start == 0.0  # padding 2 centres the first 5×5 window on pixel 0
    assert torch_rows["conv1.2"].start == 0.5
    # 28 → 14 → 7: output 3 of conv3.0 is centred on the digit's middle, 3 × 4 + 1.5 = 13.5
    assert torch_rows["conv3.0"].start + 3 * torch_rows["conv3.0"].jump == 13.5

"""The compiled training step does exactly what an `nnx.jit` step of the same loss and optimizer does."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from cnnbook.models import build_model
from cnnbook.models.spec import TrainConfig
from cnnbook.train import batch_groups, compile_step, loss_fn, make_optimizer


@nnx.jit
def reference_step(model, optimizer, x, y):
    (loss, logits), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model, x, y)
    optimizer.update(model, grads)
    return loss, (logits.argmax(-1) == y).sum()


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_compiled_steps_match_nnx_jit_steps(optimizer):
    cfg = TrainConfig(optimizer=optimizer, learning_rate=1e-2)
    rng = np.random.default_rng(0)
    batches = [(jnp.asarray(rng.random((16, 28, 28, 1), np.float32)), jnp.asarray(rng.integers(0, 10, 16), jnp.int32))
               for _ in range(3)]
    reference = build_model("lenet", seed=3)
    ref_opt = nnx.Optimizer(reference, make_optimizer(cfg), wrt=nnx.Param)
    losses, correct = [], 0
    for x, y in batches:
        loss, right = reference_step(reference, ref_opt, x, y)
        losses.append(float(loss) * len(y))
        correct += int(right)

    model = build_model("lenet", seed=3)
    opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=nnx.Param)
    state, step = compile_step(model, opt)
    totals = jnp.zeros(2)
    for x, y in batches:
        state, totals = step(state, totals, x[None], y[None])  # one batch a call
    nnx.update((model, opt), state)
    np.testing.assert_allclose(float(totals[0]), sum(losses), rtol=1e-5)
    assert int(totals[1]) == correct
    for a, b in zip(jax.tree_util.tree_leaves(nnx.state(reference, nnx.Param)),
                    jax.tree_util.tree_leaves(nnx.state(model, nnx.Param))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(model.conv1.kernel[...]), np.asarray(build_model("lenet", seed=3).conv1.kernel[...]))


@pytest.mark.parametrize("splits, batch", [(2, 16), (4, 16), (3, 16)])  # 3 does not divide 16: one part
def test_a_batch_split_in_parts_trains_as_the_whole_batch(splits, batch):
    """The gradient of the mean loss, summed over equal parts, is the whole batch's (Keras' CNN:
    convolutions, pooling and dense layers; a network without dropout, so no draw differs)."""
    cfg = TrainConfig(optimizer="adam", learning_rate=1e-2)
    rng = np.random.default_rng(2)
    xs = jnp.asarray(rng.random((3, batch, 28, 28, 1), np.float32))
    ys = jnp.asarray(rng.integers(0, 10, (3, batch)), jnp.int32)
    results = []
    for parts in (1, splits):
        model = build_model("mnist_keras", seed=4)
        opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=nnx.Param)
        state, step = compile_step(model, opt, parts)
        state, totals = step(state, jnp.zeros(2), xs, ys)
        nnx.update((model, opt), state)
        results.append((np.asarray(totals), nnx.state(model, nnx.Param)))
    (totals_whole, params_whole), (totals_parts, params_parts) = results
    np.testing.assert_allclose(totals_parts, totals_whole, rtol=1e-5)
    moved = 0
    for a, b, start in zip(jax.tree_util.tree_leaves(params_whole), jax.tree_util.tree_leaves(params_parts),
                           jax.tree_util.tree_leaves(nnx.state(build_model("mnist_keras", seed=4), nnx.Param))):
        # Adam divides by the root of the squared gradients, which lifts a rounding difference in a
        # near-zero gradient to the step's size: 1.2e-6 seen in one of 36,864 weights (steps move 3e-2).
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-5)
        moved += not np.allclose(np.asarray(a), np.asarray(start))
    assert moved == len(jax.tree_util.tree_leaves(params_whole))  # every parameter was trained


def test_batch_gradient_is_jax_own_gradient_of_the_batch_mean():
    """Against `jax.grad` of the whole batch's mean cross-entropy, not against the code's own path."""
    from cnnbook.train import batch_gradient

    model = build_model("mnist_keras", seed=5)
    rng = np.random.default_rng(3)
    x = jnp.asarray(rng.random((8, 28, 28, 1), np.float32))
    y = jnp.asarray(rng.integers(0, 10, 8), jnp.int32)
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)

    def mean_loss(p):
        return loss_fn(nnx.merge(graphdef, p, rest), x, y)[0]

    want = jax.grad(mean_loss)(params)
    loss, logits, got = batch_gradient(model, x, y, 4)
    np.testing.assert_allclose(float(loss), float(mean_loss(params)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(logits), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(want), jax.tree_util.tree_leaves(got)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-7)


def test_several_steps_a_call_train_exactly_as_one_step_a_call():
    cfg = TrainConfig(optimizer="adam", learning_rate=1e-2)
    rng = np.random.default_rng(1)
    xs = jnp.asarray(rng.random((4, 16, 28, 28, 1), np.float32))
    ys = jnp.asarray(rng.integers(0, 10, (4, 16)), jnp.int32)
    states = []
    for group in (1, 4):
        model = build_model("lenet", seed=3)
        opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=nnx.Param)
        state, step = compile_step(model, opt)
        totals = jnp.zeros(2)
        for i in range(0, 4, group):
            state, totals = step(state, totals, xs[i : i + group], ys[i : i + group])
        nnx.update((model, opt), state)
        states.append((np.asarray(totals), nnx.state(model, nnx.Param)))
    (totals_one, params_one), (totals_four, params_four) = states
    np.testing.assert_allclose(totals_four, totals_one, rtol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(params_one), jax.tree_util.tree_leaves(params_four)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-6, atol=1e-7)


def test_an_epoch_is_grouped_into_calls_that_see_every_image_once_in_order():
    order = np.random.default_rng(0).permutation(1000)
    calls = list(batch_groups(order, 64, 4))
    # 15 full batches: three calls of four, three single ones, then the short last batch of 40
    assert [c.shape for c in calls] == [(4, 64)] * 3 + [(1, 64)] * 3 + [(1, 40)]
    np.testing.assert_array_equal(np.concatenate([c.ravel() for c in calls]), order)
    assert [c.shape for c in batch_groups(order[:128], 64, 4)] == [(1, 64), (1, 64)]


@pytest.mark.parametrize("augment", [False, True])
def test_an_epoch_trained_in_groups_learns_what_one_step_a_call_learns(monkeypatch, augment):
    from types import SimpleNamespace

    from cnnbook import train
    from cnnbook.models import registry

    rng = np.random.default_rng(2)
    # 66 batches of 4, then a short one of 2: eight calls of eight, two single batches, the short one
    data = SimpleNamespace(x_train=rng.integers(0, 256, (266, 28, 28), np.uint8), y_train=rng.integers(0, 10, 266),
                           x_test=rng.integers(0, 256, (20, 28, 28), np.uint8), y_test=rng.integers(0, 10, 20))
    cfg = TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=4, epochs=1, augment=augment)
    spec = registry.get("lenet")
    grouped = train.train_and_evaluate(spec, cfg, data, progress=False)
    monkeypatch.setattr(train, "FEWEST_BATCHES_TO_GROUP", 10**9)  # one batch a call
    single = train.train_and_evaluate(spec, cfg, data, progress=False)
    np.testing.assert_allclose(grouped.history["train_loss"], single.history["train_loss"], rtol=1e-5)
    np.testing.assert_allclose(grouped.test_probs, single.test_probs, rtol=1e-4, atol=1e-6)


def test_a_network_may_train_fewer_batches_a_call():
    from cnnbook.train import FEWEST_BATCHES_TO_GROUP, STEPS_PER_CALL, steps_per_call

    long_epoch = FEWEST_BATCHES_TO_GROUP
    assert steps_per_call(long_epoch, TrainConfig()) == STEPS_PER_CALL
    assert steps_per_call(long_epoch, TrainConfig(steps_per_call=2)) == 2
    assert steps_per_call(long_epoch - 1, TrainConfig(steps_per_call=2)) == 1  # a short epoch: one a call
    # AlexNet's default run: whole calls, nothing left over to compile apart
    from cnnbook.models import registry

    cfg = registry.get("alexnet").config("default")
    batches = cfg.train_samples // cfg.batch_size
    assert cfg.train_samples % cfg.batch_size == 0 and batches % steps_per_call(batches, cfg) == 0


def test_a_run_tested_after_its_last_epoch_only_trains_and_ends_as_one_tested_every_epoch(monkeypatch):
    from types import SimpleNamespace

    from cnnbook import train
    from cnnbook.models import registry

    rng = np.random.default_rng(4)
    data = SimpleNamespace(x_train=rng.integers(0, 256, (48, 28, 28), np.uint8), y_train=rng.integers(0, 10, 48),
                           x_test=rng.integers(0, 256, (20, 28, 28), np.uint8), y_test=rng.integers(0, 10, 20))
    spec = registry.get("lenet")
    passes = []
    real_evaluate = train.evaluate
    monkeypatch.setattr(train, "evaluate", lambda *a, **k: passes.append(1) or real_evaluate(*a, **k))
    cfg = TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=16, epochs=3)
    every = train.train_and_evaluate(spec, cfg, data, progress=False)
    assert len(passes) == 3
    last = train.train_and_evaluate(spec, dataclasses.replace(cfg, test_every_epoch=False), data, progress=False)
    assert len(passes) == 4  # one pass of the test set, after the third epoch
    assert len(last.history["train_loss"]) == 3 and len(last.history["test_accuracy"]) == 1
    np.testing.assert_array_equal(last.history["train_loss"], every.history["train_loss"])
    assert last.history["test_loss"] == every.history["test_loss"][-1:]
    np.testing.assert_array_equal(last.test_probs, every.test_probs)


def test_early_stopping_needs_a_test_after_every_epoch():
    with pytest.raises(ValueError, match="patience"):
        TrainConfig(patience=3, test_every_epoch=False)


def test_the_throughput_leaves_out_the_calls_that_compile(monkeypatch):
    """A step whose first call of each shape takes a second (as XLA compiling it would): the images/s
    are those of the other calls, not dragged down by the compiling."""
    import time
    from types import SimpleNamespace

    from cnnbook import train
    from cnnbook.models import registry

    real_compile_step = train.compile_step

    def slow_to_compile(*args, **kwargs):
        state, step = real_compile_step(*args, **kwargs)
        seen = set()

        def step_that_compiles(state, totals, xs, ys):
            if xs.shape not in seen:
                seen.add(xs.shape)
                time.sleep(1.0)
            return step(state, totals, xs, ys)

        return state, step_that_compiles

    monkeypatch.setattr(train, "compile_step", slow_to_compile)
    monkeypatch.setattr(train, "FEWEST_BATCHES_TO_GROUP", 10**9)  # one shape: a batch a call
    rng = np.random.default_rng(5)
    data = SimpleNamespace(x_train=rng.integers(0, 256, (640, 28, 28), np.uint8), y_train=rng.integers(0, 10, 640),
                           x_test=rng.integers(0, 256, (20, 28, 28), np.uint8), y_test=rng.integers(0, 10, 20))
    cfg = TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=1)
    result = train.train_and_evaluate(registry.get("lenet"), cfg, data, progress=False)
    # With the second counted, 640 images would take over a second: under 640 images/s.
    assert result.images_per_second > 1000
    assert result.train_seconds > 1.0

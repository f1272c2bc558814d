"""The compiled training step does exactly what an `nnx.jit` step of the same loss and optimizer does."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from cnnbook.models import build_model
from cnnbook.models.spec import TrainConfig
from cnnbook.train import compile_step, loss_fn, make_optimizer


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
        state, totals = step(state, totals, x, y)
    nnx.update((model, opt), state)
    np.testing.assert_allclose(float(totals[0]), sum(losses), rtol=1e-5)
    assert int(totals[1]) == correct
    for a, b in zip(jax.tree_util.tree_leaves(nnx.state(reference, nnx.Param)),
                    jax.tree_util.tree_leaves(nnx.state(model, nnx.Param))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(model.conv1.kernel[...]), np.asarray(build_model("lenet", seed=3).conv1.kernel[...]))

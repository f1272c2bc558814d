"""Training and evaluation with Optax: jit-compiled steps, fixed seeds, per-epoch metrics."""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from tqdm import tqdm

from cnnbook.models.spec import NetworkSpec, TrainConfig


# Redraw bars often on a terminal, rarely in a log file (CI), so logs stay readable.
_BAR_INTERVAL = 0.2 if sys.stderr.isatty() else 15.0


def to_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W[, C]) → float32 in 0..1 with a channel axis, as the tutorials do."""
    x = images.astype(np.float32) / 255.0
    return x[..., None] if x.ndim == 3 else x


# uint8 → float, by table: exactly `to_inputs`' values (XLA would multiply by 1/255, a last bit off)
_SCALE = np.arange(256, dtype=np.float32) / np.float32(255.0)


@jax.jit
def _device_inputs(images):
    """`to_inputs` of a uint8 batch already on the device."""
    x = jnp.asarray(_SCALE)[images.astype(jnp.int32)]
    return x[..., None] if x.ndim == 3 else x


def augment(x: np.ndarray, rng: np.random.Generator, max_shift: int = 4) -> np.ndarray:
    """Random horizontal flips and shifts of a batch (N, H, W, C): the same photo, seen anew each epoch."""
    n, h, w, _ = x.shape
    flip = rng.random(n) < 0.5
    x = np.where(flip[:, None, None, None], x[:, :, ::-1, :], x)
    padded = np.pad(x, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)), mode="reflect")
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    return np.stack([padded[i, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)])


def make_optimizer(cfg: TrainConfig, steps: int | None = None) -> optax.GradientTransformation:
    """The Optax optimizer named by a training config; `steps`, the run's length, sets a schedule's."""
    if cfg.schedule not in (None, "cosine"):
        raise ValueError(f"unknown learning-rate schedule {cfg.schedule!r}: use None (constant) or 'cosine'")
    if cfg.schedule == "cosine" and not steps:
        raise ValueError("a cosine schedule needs the number of training steps")
    return _optimizer(cfg.optimizer, cfg.learning_rate, cfg.schedule, steps if cfg.schedule else None)


@functools.lru_cache(maxsize=None)
def _optimizer(name: str, learning_rate: float, schedule: str | None = None,
               steps: int | None = None) -> optax.GradientTransformation:
    # One object per setting: it holds no state, and runs with equal settings (an experiment's
    # seeds) then have equal static graphs and share one compiled training step.
    if schedule == "cosine":  # one half-wave of a cosine, from the rate down to 0 at the last step
        learning_rate = optax.cosine_decay_schedule(learning_rate, steps)
    if name == "rmsprop":
        # Keras' RMSprop: rho 0.9 and epsilon 1e-7 added outside the square root.
        return optax.rmsprop(learning_rate, decay=0.9, eps=1e-7, eps_in_sqrt=False)
    if name == "adam":
        return optax.adam(learning_rate)
    if name == "sgd":
        return optax.sgd(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}: use rmsprop, adam or sgd")


def loss_fn(model, x, y):
    """Mean cross-entropy of the model's logits, and the logits."""
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits


# Batches one compiled call trains on, one after another. XLA:CPU pays a fixed cost per call (the
# Python dispatch, waking its threads, fresh output buffers) that a small network's step does not
# hide: eight steps a call trained the Keras MNIST CNN 1.66× as fast, Tiny VGG 1.32×, AlexNet 1.17×
# (paired runs on one 2-core machine); the same bits for all but Tiny VGG, whose weights differed by
# at most 5.5e-8 after eight steps. A `lax.scan` over the steps ran 13× slower. A network whose
# one step is long enough to hide that cost sets fewer (`TrainConfig.steps_per_call`): compiling
# is the unrolled program's other price (AlexNet's eight steps took 30 s to compile, two 9 s).
STEPS_PER_CALL = 8
# An epoch of fewer batches runs one step a call: compiling the eight-step call would cost more
# than it saves (the smoke profile's short runs).
FEWEST_BATCHES_TO_GROUP = 64


@functools.partial(jax.jit, static_argnums=(0, 1), donate_argnums=2)
def _train_steps(graphdef, splits, state, totals, xs, ys):
    model, optimizer = nnx.merge(graphdef, state)
    for x, y in zip(xs, ys):  # unrolled: one straight-line program, no loop for XLA to run
        loss, logits, grads = batch_gradient(model, x, y, splits)
        optimizer.update(model, grads)
        correct = (logits.argmax(-1) == y).sum().astype(jnp.float32)
        totals = totals + jnp.stack([loss * y.shape[0], correct])
    return nnx.state((model, optimizer)), totals


def batch_gradient(model, x, y, splits: int = 1):
    """The batch's mean loss, its logits and the gradient of the mean loss, computed over `splits`
    equal parts of the batch (one part when the batch does not divide evenly).

    The mean over the batch is the mean of the parts' means, so the gradient is the same one
    (but for float rounding); what changes is how XLA:CPU runs it. A small network's
    convolutions keep one core busy at a time; the parts are independent programs, which XLA runs
    side by side on the cores. Measured on a 2-core Xeon, paired in one process: one epoch of the
    training loop on 15,360 random digits, compiled, `mnist_torch` ran 1.77× and 1.49× as fast
    in 4 parts as in one; the Keras MNIST CNN 1.08× and 0.97× (no gain: it keeps one part). A
    network gains only where its convolutions leave a core idle; its `TrainConfig.batch_splits`
    says how many parts. A dropout layer draws its masks part by part.
    """
    parts = splits if splits > 1 and len(x) % splits == 0 else 1
    value_and_grad = nnx.value_and_grad(loss_fn, has_aux=True)
    if parts == 1:
        (loss, logits), grads = value_and_grad(model, x, y)
        return loss, logits, grads
    results = [value_and_grad(model, xp, yp) for xp, yp in zip(jnp.split(x, parts), jnp.split(y, parts))]
    grads = jax.tree.map(lambda *g: sum(g) / parts, *[g for _, g in results])
    loss = sum(part_loss for (part_loss, _), _ in results) / parts
    logits = jnp.concatenate([part_logits for (_, part_logits), _ in results])
    return loss, logits, grads


def compile_step(model, optimizer, splits: int = 1):
    """The training step as one compiled function of plain arrays: (state, totals, xs, ys) → (state, totals).

    `xs` and `ys` hold one or more batches stacked on a first axis; the step trains on each in
    turn. `nnx.jit` walks the model's object graph in Python on every call; splitting the model
    and optimizer once into a static graph and an array state, and merging them inside the
    compiled function, leaves one XLA call per group of batches. The graph is a static argument,
    so every run of the same architecture and optimizer (an experiment's seeds) reuses one
    compilation. The state passed in is donated: XLA writes the new weights over the old ones
    instead of allocating them afresh, so it must not be used again (nor the model, until
    `nnx.update((model, optimizer), state)` writes the returned state back). `totals`
    accumulates [summed loss, number correct] on the device, so the loop never waits for a step
    to finish before sending the next batches.
    `splits`: each batch's gradient is computed in that many parts (see `batch_gradient`).
    Returns (state, step).
    """
    graphdef, state = nnx.split((model, optimizer))
    return state, functools.partial(_train_steps, graphdef, splits)


def batch_groups(order: np.ndarray, batch_size: int, steps_per_call: int):
    """An epoch's shuffled indices as the step's calls take them: arrays (steps, batch_size) of
    `steps_per_call` full batches, then the full batches left over one at a time, then the short
    last batch, if any."""
    full = len(order) // batch_size
    grouped = full - full % steps_per_call
    batches = order[: full * batch_size].reshape(full, batch_size)
    for i in range(0, grouped, steps_per_call):
        yield batches[i : i + steps_per_call]
    for i in range(grouped, full):
        yield batches[i : i + 1]
    if len(order) > full * batch_size:
        yield order[full * batch_size :][None]


def batches_per_epoch(n_train: int, batch_size: int) -> int:
    """An epoch's batches, the last one short."""
    return -(-n_train // batch_size)


def steps_per_call(batches: int, cfg: TrainConfig) -> int:
    """How many batches one call of the training step takes, in an epoch of `batches` (see `STEPS_PER_CALL`)."""
    return (cfg.steps_per_call or STEPS_PER_CALL) if batches >= FEWEST_BATCHES_TO_GROUP else 1


@nnx.jit
def eval_step(model, x, y):
    """Summed loss, logits, on a batch (no update)."""
    logits = model(x)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).sum()
    return loss, logits


def evaluate(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000):
    """Loss, accuracy and softmax probabilities of a model on a whole set."""
    total, probs = 0.0, []
    for i in range(0, len(x), batch_size):
        loss, logits = eval_step(model, jnp.asarray(x[i : i + batch_size]), jnp.asarray(y[i : i + batch_size]))
        total += float(loss)
        probs.append(np.asarray(jax.nn.softmax(logits)))
    probs = np.concatenate(probs)
    accuracy = float((probs.argmax(-1) == y).mean())
    return total / len(x), accuracy, probs


@dataclass
class TrainResult:
    """A trained model and what its training measured."""

    model: nnx.Module
    # per epoch: train loss and accuracy; test loss and accuracy too, or of the last epoch only
    # (`TrainConfig.test_every_epoch`)
    history: dict[str, list[float]]
    test_probs: np.ndarray  # (N_test, classes) softmax outputs of the final model
    train_seconds: float  # wall time of the whole run, evaluation included
    # training throughput, evaluation and compiling excluded (the first call of each program is
    # left out, unless no call is left: a run of one call)
    images_per_second: float


def estimate_seconds(spec: NetworkSpec, cfg: TrainConfig, n_train: int, steps: int = 5) -> float:
    """Roughly how long training `spec` on `n_train` images takes on this machine: a few timed
    steps on blank batches of the real shape, after one step that compiles."""
    model = spec.build(rngs=nnx.Rngs(cfg.seed))
    optimizer = nnx.Optimizer(model, make_optimizer(cfg, steps=_steps(cfg, n_train)), wrt=nnx.Param)
    model.train()
    state, step = compile_step(model, optimizer, cfg.batch_splits)
    group = steps_per_call(batches_per_epoch(n_train, cfg.batch_size), cfg)
    x = jnp.zeros((group, cfg.batch_size, *spec.input_shape), jnp.float32)
    y = jnp.zeros((group, cfg.batch_size), jnp.int32)
    totals = jnp.zeros(2)
    state, totals = jax.block_until_ready(step(state, totals, x, y))
    start = time.perf_counter()
    for _ in range(steps):
        state, totals = step(state, totals, x, y)
    jax.block_until_ready(totals)
    seconds_per_image = (time.perf_counter() - start) / (steps * group * cfg.batch_size)
    return seconds_per_image * n_train * cfg.epochs


def _steps(cfg: TrainConfig, n_train: int) -> int:
    """Training steps in a whole run: every epoch's batches, the last one short."""
    return cfg.epochs * batches_per_epoch(n_train, cfg.batch_size)


def train_and_evaluate(spec: NetworkSpec, cfg: TrainConfig, data, *, progress: bool = True) -> TrainResult:
    """Train `spec` on `data` (a `cnnbook.data.Dataset`) with `cfg`, evaluating on the test set after
    every epoch (or after the last only, as `cfg.test_every_epoch` says)."""
    start = time.perf_counter()
    x_train, y_train = data.x_train, data.y_train.astype(np.int32)  # uint8: scaled batch by batch
    x_test, y_test = to_inputs(data.x_test), data.y_test.astype(np.int32)

    model = spec.build(rngs=nnx.Rngs(cfg.seed))
    optimizer = nnx.Optimizer(model, make_optimizer(cfg, steps=_steps(cfg, len(x_train))), wrt=nnx.Param)
    order_rng = np.random.default_rng(cfg.seed)
    history = {k: [] for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy")}
    step_seconds = 0.0
    model.train()  # the compiled step keeps the training mode it was compiled in
    state, step = compile_step(model, optimizer, cfg.batch_splits)
    # Without augmentation the training set goes to the device once, as uint8 (a quarter of the
    # floats' memory: 9 GB for AlexNet's 224×224×3 set); each step takes and scales its batch there.
    x_device = None if cfg.augment else jnp.asarray(x_train)
    y_device = jnp.asarray(y_train)

    group = steps_per_call(batches_per_epoch(len(x_train), cfg.batch_size), cfg)
    # The first call of each shape of batch group compiles (XLA: seconds per program). It is timed
    # apart, so the throughput is training's alone: `compiling` holds its seconds and images.
    compiled, compiling = set(), [0.0, 0]

    for epoch in range(1, cfg.epochs + 1):
        order = order_rng.permutation(len(x_train))
        bar = tqdm(total=batches_per_epoch(len(order), cfg.batch_size), desc=f"{spec.name} epoch {epoch}/{cfg.epochs}",
                   unit="batch", disable=not progress, leave=False, mininterval=_BAR_INTERVAL)
        totals = jnp.zeros(2)
        t0 = time.perf_counter()
        for idx in batch_groups(order, cfg.batch_size, group):
            first = idx.shape not in compiled
            if first:  # wait for the calls before it, so that none of their work is timed as compiling
                jax.block_until_ready(totals)
                t1 = time.perf_counter()
            if cfg.augment:  # batch by batch, so each draws from the generator as it always has
                xs = jnp.asarray(np.stack([augment(to_inputs(x_train[i]), order_rng) for i in idx]))
            else:
                xs = _device_inputs(x_device[idx.ravel()]).reshape(*idx.shape, *spec.input_shape)
            state, totals = step(state, totals, xs, y_device[idx])
            if first:
                jax.block_until_ready(totals)
                compiled.add(idx.shape)
                compiling[0] += time.perf_counter() - t1
                compiling[1] += idx.size
            bar.update(len(idx))
        bar.close()
        loss_sum, correct = (float(v) for v in totals)  # the epoch's only wait for the device
        step_seconds += time.perf_counter() - t0
        nnx.update((model, optimizer), state)
        history["train_loss"].append(loss_sum / len(order))
        history["train_accuracy"].append(correct / len(order))
        if not (cfg.test_every_epoch or epoch == cfg.epochs):
            continue
        model.eval()
        test_loss, test_acc, probs = evaluate(model, x_test, y_test)
        model.train()
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(test_acc)
        if progress:
            tqdm.write(f"{spec.name} epoch {epoch}/{cfg.epochs}: loss {history['train_loss'][-1]:.4f}, "
                       f"acc {history['train_accuracy'][-1]:.4f}, test acc {test_acc:.4f}")
        if cfg.patience is not None:  # early stopping on the test loss, as Keras' EarlyStopping
            best_loss = min(history["test_loss"])
            if len(history["test_loss"]) - 1 - history["test_loss"].index(best_loss) >= cfg.patience:
                if progress:
                    tqdm.write(f"{spec.name}: no better test loss for {cfg.patience} epochs, stopping")
                break

    model.eval()
    seen = len(x_train) * len(history["train_loss"])
    if seen > compiling[1]:  # the calls that did not compile
        seen, step_seconds = seen - compiling[1], step_seconds - compiling[0]
    return TrainResult(model, history, probs, time.perf_counter() - start, seen / max(step_seconds, 1e-9))

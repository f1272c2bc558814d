"""`make bench`: images/s of every trained network's train and eval step, Flax against a PyTorch twin.

The Flax side is the project's own: the network as registered (default profile), its optimizer
and batch (`cnnbook.train.compile_step`, eight batches a call as training runs them; evaluation
through `cnnbook.train.eval_step`, in batches of 1,000 as `evaluate` does). The PyTorch side is
its twin (`twins.py`: the same layers, parameter count, optimizer and batch), in NCHW and in
channels_last. Each framework runs in its own long-lived process; the measurements alternate in
paired rounds, so a machine that slows down slows both. Reported per network and step: the
median ratio Flax / best PyTorch layout with its min–max over rounds, the images/s, and Flax's
GFLOP/s (2 × the multiply-adds of a forward pass per image, three times that for a training step)
as a share of the machine's f32 matrix-product peak, measured here too. Writes build/bench.json.

    python benchmarks/training_speed.py [--rounds 5] [--seconds 2] [NETWORK ...]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVAL_BATCH = 1000  # as cnnbook.train.evaluate
GROUP = 8  # batches per timed call of PyTorch; the Flax step's call takes as many as training's does
PEAK_SIDE = 2048  # the f32 matrix product that measures the machine's peak


def _timed(run, images_per_call: int, seconds: float) -> float:
    """Images/s of `run` (one call, finished when it returns), called for at least `seconds`."""
    run()  # warm: compiled, caches filled
    calls, start = 0, time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 2:
            return calls * images_per_call / elapsed


# --- Flax (the project's code) ------------------------------------------------------------------

class FlaxSide:
    def __init__(self):
        import jax

        self.jax = jax
        self.nets = {}

    def peak(self) -> float:
        import jax.numpy as jnp

        a = jnp.ones((PEAK_SIDE, PEAK_SIDE), jnp.float32)
        product = self.jax.jit(lambda a, b: a @ b)
        rate = _timed(lambda: product(a, a).block_until_ready(), 1, 1.0)
        return 2 * PEAK_SIDE**3 * rate / 1e9

    def describe(self, name: str) -> dict:
        """What the PyTorch side needs to build the twin, and the costs."""
        import jax.numpy as jnp
        import numpy as np
        from flax import nnx

        sys.path.insert(0, str(HERE))
        import twins
        from cnnbook.costs import costs_of
        from cnnbook.export import layers_manifest
        from cnnbook.models import count_params, registry
        from cnnbook.train import FEWEST_BATCHES_TO_GROUP, compile_step, eval_step, make_optimizer, steps_per_call

        spec = registry.get(name).for_profile("default")
        cfg = spec.config("default")
        shape = tuple(spec.input_shape)
        model = spec.build(rngs=nnx.Rngs(0))
        model.eval()
        layers, _ = layers_manifest(model, shape)
        dropout = twins.dropout_rates(model, shape)
        rng = np.random.default_rng(0)
        group = steps_per_call(FEWEST_BATCHES_TO_GROUP, cfg)  # as a long epoch's calls take them
        xs = jnp.asarray(rng.random((group, cfg.batch_size, *shape), np.float32))
        ys = jnp.asarray(rng.integers(0, 10, (group, cfg.batch_size)))
        trained = spec.build(rngs=nnx.Rngs(0))
        trained.train()
        optimizer = nnx.Optimizer(trained, make_optimizer(cfg, steps=10_000), wrt=nnx.Param)
        state, step = compile_step(trained, optimizer, cfg.batch_splits)
        held = {"state": state, "totals": jnp.zeros(2)}

        def train():
            held["state"], held["totals"] = step(held["state"], held["totals"], xs, ys)
            held["totals"].block_until_ready()

        x_eval = jnp.asarray(rng.random((EVAL_BATCH, *shape), np.float32))
        y_eval = jnp.asarray(rng.integers(0, 10, EVAL_BATCH))

        def evaluate():
            loss, _ = eval_step(model, x_eval, y_eval)
            loss.block_until_ready()

        self.nets[name] = {"train": (train, group * cfg.batch_size), "eval": (evaluate, EVAL_BATCH)}
        return {"layers": layers, "dropout": dropout, "input_shape": shape, "batch": cfg.batch_size,
                "optimizer": cfg.optimizer, "learning_rate": cfg.learning_rate, "params": count_params(model),
                "macs": int(sum(c.macs for c in costs_of(spec)))}

    def measure(self, name: str, step: str, seconds: float, layout: str | None = None) -> float:
        run, images = self.nets[name][step]
        return _timed(run, images, seconds)


# --- PyTorch (the twins) ------------------------------------------------------------------------

class TorchSide:
    def __init__(self):
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        self.torch = torch
        self.nets = {}

    def peak(self) -> float:
        a = self.torch.ones((PEAK_SIDE, PEAK_SIDE))
        rate = _timed(lambda: a @ a, 1, 1.0)
        return 2 * PEAK_SIDE**3 * rate / 1e9

    def prepare(self, name: str, info: dict) -> dict:
        torch = self.torch
        sys.path.insert(0, str(HERE))
        import twins

        torch.manual_seed(0)
        built = {}
        for layout in ("nchw", "channels_last"):
            fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
            twin = twins.build_twin(info["layers"], info["dropout"]).to(memory_format=fmt)
            optimizer = _torch_optimizer(torch, twin, info["optimizer"], info["learning_rate"])
            h, w, c = info["input_shape"]
            xs = [torch.rand(info["batch"], c, h, w).contiguous(memory_format=fmt) for _ in range(GROUP)]
            ys = [torch.randint(0, 10, (info["batch"],)) for _ in range(GROUP)]
            x_eval = torch.rand(EVAL_BATCH, c, h, w).contiguous(memory_format=fmt)

            def train(twin=twin, optimizer=optimizer, xs=xs, ys=ys):
                twin.train()
                for x, y in zip(xs, ys):
                    optimizer.zero_grad(set_to_none=True)
                    torch.nn.functional.cross_entropy(twin(x), y).backward()
                    optimizer.step()

            def evaluate(twin=twin, x=x_eval):
                twin.eval()
                with torch.inference_mode():
                    twin(x)

            built[layout] = {"train": (train, GROUP * info["batch"]), "eval": (evaluate, EVAL_BATCH)}
            params = sum(p.numel() for p in twin.parameters())
        self.nets[name] = built
        return {"params": params}

    def measure(self, name: str, step: str, seconds: float, layout: str | None = None) -> float:
        run, images = self.nets[name][layout][step]
        return _timed(run, images, seconds)


def _torch_optimizer(torch, twin, name: str, learning_rate: float):
    """The twin's optimizer, as Optax's of the same name is configured in cnnbook.train (a constant rate:
    a schedule changes no step's cost)."""
    if name == "adam":
        return torch.optim.Adam(twin.parameters(), lr=learning_rate)
    if name == "rmsprop":  # Keras' RMSprop: rho 0.9, epsilon 1e-7 outside the square root (as PyTorch adds it)
        return torch.optim.RMSprop(twin.parameters(), lr=learning_rate, alpha=0.9, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(twin.parameters(), lr=learning_rate)
    raise ValueError(f"no PyTorch optimizer for {name!r}")


def _serve(side_name: str, conn) -> None:
    """A worker process: one framework, answering (method, args) until told to stop."""
    side = FlaxSide() if side_name == "flax" else TorchSide()
    while True:
        request = conn.recv()
        if request is None:
            return
        method, args = request
        try:
            conn.send(("ok", getattr(side, method)(*args)))
        except Exception as err:  # reported by the parent, which stops both workers
            conn.send(("error", f"{type(err).__name__}: {err}"))


class Worker:
    def __init__(self, side: str):
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no framework shares it
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(side, child), daemon=True)
        self.process.start()
        self.side = side

    def call(self, method: str, *args):
        self.conn.send((method, args))
        status, value = self.conn.recv()
        if status != "ok":
            raise RuntimeError(f"the {self.side} worker failed in {method}{args[:1]}: {value}")
        return value

    def stop(self):
        self.conn.send(None)
        self.process.join(timeout=30)


def bench(names: list[str] | None, rounds: int, seconds: float) -> dict:
    from cnnbook.models import registry

    names = names or [n for n in registry.names() if registry.get(n).trained]
    flax, torch = Worker("flax"), Worker("torch")
    try:
        peak = max(flax.call("peak"), torch.call("peak"))
        results = {}
        for name in names:
            print(f"{name}: compiling and building the twin", flush=True)
            info = flax.call("describe", name)
            twin = torch.call("prepare", name, info)
            if twin["params"] != info["params"]:
                raise RuntimeError(f"{name}: the twin has {twin['params']:,} parameters, the network {info['params']:,}")
            results[name] = {"params": info["params"], "batch": info["batch"], "macs_per_image": info["macs"],
                             "steps": {}}
            for step in ("train", "eval"):
                runs = {"flax": [], "nchw": [], "channels_last": []}
                for r in range(rounds):
                    order = ["flax", "nchw", "channels_last"]
                    order = order[r % 3:] + order[: r % 3]  # each in every position in turn
                    for who in order:
                        worker = flax if who == "flax" else torch
                        runs[who].append(worker.call("measure", name, step, seconds, None if who == "flax" else who))
                ratios = [f / max(a, b) for f, a, b in zip(runs["flax"], runs["nchw"], runs["channels_last"])]
                flops = (6 if step == "train" else 2) * info["macs"]
                flax_ips = statistics.median(runs["flax"])
                results[name]["steps"][step] = {
                    "flax_images_per_second": round(flax_ips, 1),
                    "torch_nchw_images_per_second": round(statistics.median(runs["nchw"]), 1),
                    "torch_channels_last_images_per_second": round(statistics.median(runs["channels_last"]), 1),
                    "ratio_median": round(statistics.median(ratios), 3),
                    "ratio_min": round(min(ratios), 3), "ratio_max": round(max(ratios), 3),
                    "flax_gflops": round(flops * flax_ips / 1e9, 1),
                    "flax_share_of_peak": round(flops * flax_ips / 1e9 / peak, 3),
                }
                print(_row(name, step, results[name]["steps"][step]), flush=True)
    finally:
        flax.stop()
        torch.stop()
    from importlib.metadata import version

    from cnnbook.cache import machine

    return {"machine": machine(), "python": platform.python_version(),
            "versions": {n: version(n) for n in ("jax", "jaxlib", "flax", "optax", "torch")},
            "glibc_tunables": os.environ.get("GLIBC_TUNABLES"),
            "matmul_peak_gflops": round(peak, 1), "rounds": rounds, "seconds_per_measurement": seconds,
            "networks": results}


HEADER = (f"{'network':<12} {'step':<5} {'Flax img/s':>10} {'PyTorch NCHW':>12} {'PyTorch CL':>10} "
          f"{'Flax/best':>9} {'min-max':>11} {'GFLOP/s':>8} {'% peak':>7}")


def _row(name: str, step: str, r: dict) -> str:
    return (f"{name:<12} {step:<5} {r['flax_images_per_second']:>10,.0f} {r['torch_nchw_images_per_second']:>12,.0f} "
            f"{r['torch_channels_last_images_per_second']:>10,.0f} {r['ratio_median']:>8.2f}x "
            f"{r['ratio_min']:>5.2f}-{r['ratio_max']:<5.2f} {r['flax_gflops']:>8.1f} {100 * r['flax_share_of_peak']:>6.0f}%")


def table(report: dict) -> str:
    lines = [f"f32 matrix-product peak of this machine: {report['matmul_peak_gflops']:.0f} GFLOP/s "
             f"({report['machine']['cpu']}, {report['machine']['cores']} cores); {report['rounds']} paired rounds; "
             f"GLIBC_TUNABLES={report['glibc_tunables']}", HEADER]
    for name, result in report["networks"].items():
        lines += [_row(name, step, r) for step, r in result["steps"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("networks", nargs="*", help="networks to measure (default: every trained one)")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds of each measurement (default 2)")
    parser.add_argument("--out", type=Path, default=Path("build") / "bench.json")
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("error: the benchmark's twins need PyTorch: pip install -e '.[bench]' (or make bench)", file=sys.stderr)
        return 2
    from cnnbook.hugepages import environment_with_huge_pages

    # Both frameworks' workers start with it, as `cnnbook build` runs (set CNNBOOK_HUGE_PAGES=0 to compare)
    os.environ.update(environment_with_huge_pages(dict(os.environ)) or {})
    report = bench(args.networks, args.rounds, args.seconds)
    from cnnbook.files import atomic_write

    atomic_write(args.out, json.dumps(report, indent=1))
    print()
    print(table(report))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

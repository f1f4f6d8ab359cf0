"""What fusing elementwise chains gains in a compiled step (numbagrad/compile/fusion.py).

Run from the repository root::

    python benchmarks/fusion_gain.py                 # every workload, about a minute
    python benchmarks/fusion_gain.py --only gelu64 mlp64 --rounds 11

Each workload's step is compiled twice in this process, once with fusion and once without
(``NUMBAGRAD_FUSION=0`` while it is captured); both are checked to give the same loss, then
timed in alternating rounds. The table gives medians in µs per step, ``off/on`` (above 1:
fusion is faster) and how many fused loops the step has. The workloads are
``compare_jax.py``'s (whose steps have few elementwise chains: bias adds, ReLU and the
optimizer update are single kernels already) and MLPs 784-512-10 with a hand-written GELU (tanh
form) or Swish activation, which are chains of elementwise ops. Importing this module does
nothing (asv imports every module in this folder).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROUND_SECONDS = 0.1


def _activation_workloads(ct) -> dict:
    """MLPs 784-512-10 whose activation is written as elementwise ops (batch 64 and 1024)."""
    def mlp(activation):
        def build(lib):
            class Act(lib.nn.Module):
                def forward(self, x):
                    if activation == "gelu":
                        return 0.5 * x * (1 + lib.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))
                    return x * lib.sigmoid(x)

            return lib.nn.Sequential(lib.nn.Linear(784, 512), Act(), lib.nn.Linear(512, 10))
        return build

    def data(batch):
        return lambda rng: (rng.standard_normal((batch, 784)).astype(np.float32),
                            rng.integers(0, 10, batch))

    def sgd(lib, p):
        return lib.optim.SGD(p, lr=0.01, momentum=0.9)

    return {f"{a}{b}": (f"MLP 784-512-10 hand-written {a} batch {b}, CE, SGD mom.", mlp(a),
                        data(b), "CrossEntropyLoss", sgd)
            for a in ("gelu", "swish") for b in (64, 1024)}


def _compiled(numbagrad, ct, spec, fusion: bool):
    """The workload's step compiled (fusion on or off), its setup, and its fused loop count."""
    numbagrad.manual_seed(0)
    model = spec[1](numbagrad)
    x, y = (numbagrad.from_numpy(a) for a in spec[2](np.random.default_rng(0)))
    setup = (model, getattr(numbagrad.nn, spec[3])(), spec[4](numbagrad, model.parameters()),
             x, y)
    step = numbagrad.compile(ct._step)
    if not fusion:
        os.environ["NUMBAGRAD_FUSION"] = "0"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [step(*setup).item() for _ in range(3)]
    finally:
        os.environ.pop("NUMBAGRAD_FUSION", None)
    loops = sum(s.count("@fused_jit") for s in step.sources)
    return step, setup, losses, loops


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="workloads to run (default: all)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent
    sys.path[:0] = [str(root)]
    import compare_jax
    import compare_torch as ct

    import numbagrad

    workloads = dict(ct.WORKLOADS, **compare_jax._extra_workloads(ct), **_activation_workloads(ct))
    names = args.only or list(workloads)
    print(f"numbagrad {numbagrad.__version__}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; median of {args.rounds} "
          "interleaved rounds, µs per step")
    print(f"{'workload':<56}{'fused':>10}{'unfused':>10}{'off/on':>8}{'loops':>7}")
    for name in names:
        spec = workloads[name]
        on = _compiled(numbagrad, ct, spec, True)
        off = _compiled(numbagrad, ct, spec, False)
        if on[2] != off[2]:
            raise SystemExit(f"{name}: losses differ with and without fusion: {on[2]} {off[2]}")
        times = {True: [], False: []}
        for _ in range(args.rounds):
            for fused, (step, setup, _, _) in ((True, on), (False, off)):
                step(*setup)
                start = time.perf_counter()
                n = 0
                while time.perf_counter() - start < ROUND_SECONDS:
                    step(*setup)
                    n += 1
                times[fused].append((time.perf_counter() - start) / n * 1e6)
        a, b = statistics.median(times[True]), statistics.median(times[False])
        print(f"{spec[0]:<56}{a:>10.1f}{b:>10.1f}{b / a:>8.2f}{on[3]:>7}")


if __name__ == "__main__":
    main()

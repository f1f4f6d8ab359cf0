"""Layers of the common tutorials, forward and backward: BatchNorm2d, LayerNorm, Embedding and
scaled_dot_product_attention, numbagrad beside torch.

Each case at two sizes: a small one, where Python overhead dominates, and a larger one, where
the kernels do. ``setup`` runs every case once, so the timings hold no compilation.

As an asv suite (``asv run --python=same`` from this folder) the library is a parameter, torch
being skipped when it is not installed. Run as a script from the repository root, it times both
libraries in one process on the same data, rounds alternating after a warm-up, and prints the
medians and the ratio torch/numbagrad (above 1: numbagrad is faster)::

    python benchmarks/bench_layers.py --rounds 11
"""
from __future__ import annotations

import importlib

import numpy as np

LIBRARIES = ["numbagrad", "torch"]
# case → size → input shape (for attention: batch, heads, sequence, head dim)
SHAPES = {
    "BatchNorm2d": {"small": (8, 4, 8, 8), "large": (32, 32, 32, 32)},
    "LayerNorm": {"small": (8, 32), "large": (64, 128, 256)},
    "Embedding": {"small": (8, 16), "large": (64, 256)},
    "scaled_dot_product_attention": {"small": (2, 2, 16, 8), "large": (8, 8, 128, 64)},
}
CASES = list(SHAPES)
SIZES = ["small", "large"]
_VOCAB = 1000


def _library(name: str):
    """numbagrad, or torch (an asv skip, NotImplementedError, when it is not installed)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise NotImplementedError(f"{name} is not installed") from error


def _build(lib, case: str, size: str):
    """``(fn, inputs)``: a layer (same parameters for both libraries) and its inputs."""
    rng = np.random.default_rng(0)
    shape = SHAPES[case][size]
    lib.manual_seed(0)
    if case == "Embedding":
        layer = lib.nn.Embedding(_VOCAB, 64)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(rng.standard_normal((_VOCAB, 64)).astype(np.float32)))
        return layer, [lib.tensor(rng.integers(0, _VOCAB, shape))]
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    if case == "BatchNorm2d":
        return lib.nn.BatchNorm2d(shape[1]), [x]
    if case == "LayerNorm":
        return lib.nn.LayerNorm(shape[-1]), [x]
    q, k, v = (lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
               for _ in range(3))
    return (lambda *qkv: lib.nn.functional.scaled_dot_product_attention(*qkv, is_causal=True),
            [q, k, v])


def _forward_backward(fn, inputs, grad_out):
    for t in inputs:
        t.grad = None
    fn(*inputs).backward(grad_out)


class TimeLayers:
    """Forward and backward of ``case`` at ``size`` with ``library``."""

    params = (CASES, SIZES, LIBRARIES)
    param_names = ["case", "size", "library"]

    def setup(self, case, size, library):
        lib = _library(library)
        self.fn, self.inputs = _build(lib, case, size)
        self.grad_out = lib.ones_like(self.fn(*self.inputs))
        self.time_forward_backward(case, size, library)  # compiles, outside the timings

    def time_forward_backward(self, case, size, library):
        _forward_backward(self.fn, self.inputs, self.grad_out)


def main() -> None:
    """Time every case with both libraries in this process and print the ratios."""
    import argparse
    import statistics
    import sys
    import time
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per case")
    parser.add_argument("--seconds", type=float, default=0.05, help="target length of a round")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's numbagrad
    libs = [importlib.import_module(name) for name in LIBRARIES]
    print(f"torch {libs[1].__version__}, {libs[1].get_num_threads()} torch threads; "
          f"median of {args.rounds} rounds, microseconds per forward+backward")
    print(f"{'case':<42}{'numbagrad':>11}{'torch':>11}{'torch/numbagrad':>17}")

    def per_call(lib, work, iterations):
        fn, inputs, grad_out = work[lib]
        start = time.perf_counter()
        for _ in range(iterations):
            _forward_backward(fn, inputs, grad_out)
        return (time.perf_counter() - start) / iterations * 1e6

    for case in CASES:
        for size in SIZES:
            work = {}
            for lib in libs:
                fn, inputs = _build(lib, case, size)
                work[lib] = (fn, inputs, lib.ones_like(fn(*inputs)))
            once = [per_call(lib, work, 2) for lib in libs]  # warm-up: compiles
            iterations = max(1, int(args.seconds * 1e6 / max(once)))
            samples = {lib: [] for lib in libs}
            for r in range(args.rounds):
                for lib in (libs if r % 2 == 0 else libs[::-1]):
                    samples[lib].append(per_call(lib, work, iterations))
            ours, theirs = (statistics.median(samples[lib]) for lib in libs)
            label = f"{case} {size} {list(SHAPES[case][size])}"
            print(f"{label:<42}{ours:>11.1f}{theirs:>11.1f}{theirs / ours:>17.2f}")


if __name__ == "__main__":
    main()

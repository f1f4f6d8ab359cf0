"""Sorting, scans and scatters: sort, topk, cumsum and scatter_add, numbagrad beside torch.

Each case runs along the last dim of a float32 matrix, forward alone and forward with backward:
at 64x10 (a classifier's logits) the time is Python overhead, at 1024x1024 it is the kernel.
``scatter_add`` adds each row of a source of the input's shape into its row of a zero tensor at
random column indices (repeats included, so the kernel's additions collide).

As an asv suite (``asv run --python=same`` from this folder) the library is a parameter, torch
being skipped when it is not installed. Run as a script from the repository root, it times both
libraries in one process on the same data, rounds alternating after a warm-up, and prints medians
and the ratio torch/numbagrad (above 1: numbagrad is faster)::

    python benchmarks/bench_sort_scan.py --rounds 15
"""
from __future__ import annotations

import importlib

import numpy as np

SHAPES = {"64x10": (64, 10), "1024x1024": (1024, 1024)}
LIBRARIES = ["numbagrad", "torch"]
CASES = {
    "sort": lambda lib, d: lib.sort(d["x"], dim=-1).values,
    "topk(5)": lambda lib, d: lib.topk(d["x"], 5, dim=-1).values,
    "cumsum": lambda lib, d: lib.cumsum(d["x"], dim=-1),
    "scatter_add": lambda lib, d: lib.zeros_like(d["x"]).scatter_add(-1, d["index"], d["x"]),
}
OPS = list(CASES)


def _library(name: str):
    """numbagrad, or torch (an asv skip, NotImplementedError, when it is not installed)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise NotImplementedError(f"{name} is not installed") from error


def _data(lib, shape: str, requires_grad: bool) -> dict:
    """The same arrays for either library, drawn from one NumPy generator."""
    rng = np.random.default_rng(0)
    rows, cols = SHAPES[shape]
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    index = rng.integers(0, cols, size=(rows, cols))
    return {"x": lib.tensor(x, requires_grad=requires_grad), "index": lib.tensor(index)}


def _forward(lib, op, data):
    return CASES[op](lib, data)


def _forward_backward(lib, op, data):
    data["x"].grad = None
    out = CASES[op](lib, data)
    out.backward(lib.ones_like(out))


class TimeSortScan:
    """``op`` along the last dim of a float32 matrix of ``shape``, with ``library``."""

    params = (OPS, list(SHAPES), LIBRARIES)
    param_names = ["op", "shape", "library"]

    def setup(self, op, shape, library):
        self.lib = _library(library)
        self.data = _data(self.lib, shape, False)
        self.data_grad = _data(self.lib, shape, True)
        self.time_forward(op, shape, library)  # compiles, outside the timings
        self.time_forward_backward(op, shape, library)

    def time_forward(self, op, shape, library):
        _forward(self.lib, op, self.data)

    def time_forward_backward(self, op, shape, library):
        _forward_backward(self.lib, op, self.data_grad)


def _microseconds(fn, lib, op, data, iterations: int) -> float:
    import time

    start = time.perf_counter()
    for _ in range(iterations):
        fn(lib, op, data)
    return (time.perf_counter() - start) / iterations * 1e6


def main() -> None:
    """Time every case with both libraries in this process and print the ratios."""
    import argparse
    import statistics
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per case")
    parser.add_argument("--seconds", type=float, default=0.05, help="target length of a round")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's numbagrad
    libs = [importlib.import_module(name) for name in LIBRARIES]
    print(f"torch {libs[1].__version__}, {libs[1].get_num_threads()} torch threads; "
          f"median of {args.rounds} rounds, microseconds per call")
    print(f"{'case':<34}{'numbagrad':>11}{'torch':>11}{'torch/numbagrad':>17}")
    for shape in SHAPES:
        for op in OPS:
            for fn, grad, label in ((_forward, False, ""), (_forward_backward, True, " +bwd")):
                data = {lib: _data(lib, shape, grad) for lib in libs}
                once = [_microseconds(fn, lib, op, data[lib], 3) for lib in libs]  # warm-up
                iterations = max(1, int(args.seconds * 1e6 / max(once)))
                samples = {lib: [] for lib in libs}
                for r in range(args.rounds):
                    for lib in (libs if r % 2 == 0 else libs[::-1]):
                        samples[lib].append(_microseconds(fn, lib, op, data[lib], iterations))
                ours, theirs = (statistics.median(samples[lib]) for lib in libs)
                print(f"{op + label + ' ' + shape:<34}{ours:>11.1f}{theirs:>11.1f}"
                      f"{theirs / ours:>17.2f}")


if __name__ == "__main__":
    main()

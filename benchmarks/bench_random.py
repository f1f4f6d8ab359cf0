"""Random numbers: ``rand``, ``randn``, ``randint`` and ``randperm``, numbagrad beside torch.

numbagrad draws torch's CPU streams (the same Mersenne Twister and transformations), so both
libraries do the same work and produce the same bits; at 10 values the time is Python overhead,
at 10**7 it is the generator and the transformation.

As an asv suite (``asv run --python=same`` from this folder) the library is a parameter, torch
being skipped when it is not installed. Run as a script from the repository root, it times both
libraries in one process, rounds alternating after a warm-up, prints medians and the ratio
torch/numbagrad (above 1: numbagrad is faster), and checks that the bits are equal::

    python benchmarks/bench_random.py --rounds 7
"""
from __future__ import annotations

import importlib

SIZES = {"10": 10, "1e5": 10 ** 5, "1e7": 10 ** 7}
LIBRARIES = ["numbagrad", "torch"]
CASES = {
    "rand float32": lambda lib, n: lib.rand(n),
    "randn float32": lambda lib, n: lib.randn(n),
    "randn float64": lambda lib, n: lib.randn(n, dtype=lib.float64),
    "randint(0, 1000)": lambda lib, n: lib.randint(0, 1000, (n,)),
    "randperm": lambda lib, n: lib.randperm(n),
}
OPS = list(CASES)


def _library(name: str):
    """numbagrad, or torch (an asv skip, NotImplementedError, when it is not installed)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise NotImplementedError(f"{name} is not installed") from error


class TimeRandom:
    """``op`` drawing ``size`` values with ``library``."""

    params = (OPS, list(SIZES), LIBRARIES)
    param_names = ["op", "size", "library"]

    def setup(self, op, size, library):
        self.lib = _library(library)
        self.lib.manual_seed(0)
        self.time_draw(op, size, library)  # compiles, outside the timings

    def time_draw(self, op, size, library):
        CASES[op](self.lib, SIZES[size])


def _seconds(lib, op: str, n: int, iterations: int) -> float:
    import time

    start = time.perf_counter()
    for _ in range(iterations):
        CASES[op](lib, n)
    return (time.perf_counter() - start) / iterations


def _same_bits(libs, op: str, n: int) -> bool:
    import numpy as np

    draws = []
    for lib in libs:
        lib.manual_seed(1234)
        draws.append(np.ascontiguousarray(CASES[op](lib, n).numpy()))
    return draws[0].dtype == draws[1].dtype and draws[0].tobytes() == draws[1].tobytes()


def main() -> None:
    """Time every case with both libraries in this process and print the ratios."""
    import argparse
    import statistics
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per case")
    parser.add_argument("--seconds", type=float, default=0.2, help="target length of a round")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's numbagrad
    libs = [importlib.import_module(name) for name in LIBRARIES]
    print(f"torch {libs[1].__version__}, {libs[1].get_num_threads()} torch threads; "
          f"median of {args.rounds} rounds, microseconds per call")
    print(f"{'case':<28}{'numbagrad':>13}{'torch':>13}{'torch/numbagrad':>17}{'same bits':>11}")
    for size, n in SIZES.items():
        for op in OPS:
            once = [_seconds(lib, op, n, 2) for lib in libs]  # warm-up (compiles)
            iterations = max(1, int(args.seconds / max(once)))
            samples = {lib: [] for lib in libs}
            for r in range(args.rounds):
                for lib in (libs if r % 2 == 0 else libs[::-1]):
                    samples[lib].append(_seconds(lib, op, n, iterations) * 1e6)
            ours, theirs = (statistics.median(samples[lib]) for lib in libs)
            print(f"{op + ' ' + size:<28}{ours:>13.1f}{theirs:>13.1f}{theirs / ours:>17.2f}"
                  f"{str(_same_bits(libs, op, n)):>11}")


if __name__ == "__main__":
    main()

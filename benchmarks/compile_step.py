"""Time per training step of ``benchmarks/compare_torch.py``'s workloads, eager beside
``numbagrad.compile``, and the cost of the first compiled calls.

Run from the repository root::

    python benchmarks/compile_step.py linear deep     # workloads by name (default: all)

For each workload two identical setups are built; the eager step and the compiled step
(``numbagrad.compile(step)``) each run three calls (the compiled ones: eager warm-up, capture,
first compiled run, whose time includes Numba's compile of the generated step, or its load
from the disk cache), then rounds of ``--steps`` steps alternate between the two; the table
gives medians in microseconds per step. A workload the compiled step cannot capture runs
eagerly (its warning says why) and is marked ``eager``. Importing this module does nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path


def _bench(numbagrad, ct, name: str, rounds: int, steps: int) -> str:
    build = ct.WORKLOADS[name][1]
    eager = ct._setup(numbagrad, name, model=build(numbagrad))
    compiled_setup = ct._setup(numbagrad, name, model=build(numbagrad))
    compiled = numbagrad.compile(ct._step)
    firsts = []
    for _ in range(3):
        ct._step(*eager)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled(*compiled_setup)
        firsts.append((time.perf_counter() - start) * 1e3)
    times = {"eager": [], "compiled": []}
    for _ in range(rounds):
        for label, fn, setup in (("eager", ct._step, eager), ("compiled", compiled,
                                                              compiled_setup)):
            start = time.perf_counter()
            for _ in range(steps):
                fn(*setup)
            times[label].append((time.perf_counter() - start) / steps * 1e6)
    e, c = statistics.median(times["eager"]), statistics.median(times["compiled"])
    mode = "compiled" if compiled.sources else "eager"
    return (f"{name:11s} eager {e:9.1f} us  compiled {c:9.1f} us  eager/compiled {e / c:5.2f}  "
            f"[{mode}]  calls 1-3: {firsts[0]:.1f} / {firsts[1]:.1f} / {firsts[2]:.1f} ms")


def main(argv=None) -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root), str(root / "benchmarks")]
    import compare_torch as ct

    import numbagrad

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=list(ct.WORKLOADS))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    for name in args.workloads:
        print(_bench(numbagrad, ct, name, args.rounds, args.steps), flush=True)


if __name__ == "__main__":
    main()

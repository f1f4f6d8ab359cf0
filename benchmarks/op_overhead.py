"""Per-op overhead and start-up time of numbagrad beside torch's eager mode, in one process.

Run from the repository root (it measures the numbagrad of this checkout)::

    python benchmarks/op_overhead.py
    python benchmarks/op_overhead.py --rounds 31 --repeats 5

Part 1 times small ops forward and backward (1 and 1000 elements, where Python overhead
dominates) with numbagrad and torch on the same data, interleaved round by round after a
warm-up, and prints medians in microseconds per op. Part 2 times fresh processes: ``import``,
and import plus a first forward and backward of the tutorials' 784-512-10 MLP with a cold
Numba cache (an empty ``NUMBA_CACHE_DIR``) and a warm one. A warning is printed when other
processes kept the CPUs busy during the measurement (read from ``/proc/stat``).

Needs torch (``pip install torch==2.13.0``). Not an asv suite (asv times one library at a
time), though asv imports it while discovering benchmarks: importing it does nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _mul_sum_backward(a, b):
    a.grad = None
    b.grad = None
    (a * b).sum().backward()


def _sigmoid_sum_backward(a, b):
    a.grad = None
    a.sigmoid().sum().backward()


def _add_forward(a, b):
    return a + b


CASES = [
    ("(a * b).sum().backward()", _mul_sum_backward, True),
    ("a.sigmoid().sum().backward()", _sigmoid_sum_backward, True),
    ("a + b  (forward only)", _add_forward, False),
]


def _inputs(lib, size: int, requires_grad: bool):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, size)).astype(np.float32)
    return (lib.tensor(a, requires_grad=requires_grad),
            lib.tensor(b, requires_grad=requires_grad))


def _microseconds_per_call(fn, a, b, iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        fn(a, b)
    return (time.perf_counter() - start) / iterations * 1e6


def measure_ops(numbagrad, torch, rounds: int,
                iterations: int) -> list[tuple[str, int, float, float]]:
    """Median microseconds per call of each case, numbagrad and torch interleaved."""
    rows = []
    for name, fn, requires_grad in CASES:
        for size in (1, 1000):
            inputs = {lib: _inputs(lib, size, requires_grad) for lib in (numbagrad, torch)}
            for lib, (a, b) in inputs.items():
                _microseconds_per_call(fn, a, b, iterations)  # warm-up: compiles, fills caches
            samples = {numbagrad: [], torch: []}
            for r in range(rounds):
                order = (numbagrad, torch) if r % 2 == 0 else (torch, numbagrad)
                for lib in order:
                    samples[lib].append(_microseconds_per_call(fn, *inputs[lib], iterations))
            rows.append((name, size, statistics.median(samples[numbagrad]),
                         statistics.median(samples[torch])))
    return rows


def _run(code: str, env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"this start-up command failed:\n{code}\n{result.stderr}")
    return seconds


def measure_startup(mlp_step: str, repeats: int) -> dict[str, float]:
    """Median wall seconds of fresh processes; the commands are interleaved in each repeat."""
    base_env = dict(os.environ)
    base_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base_env.get("PYTHONPATH")]))
    # Both libraries start from cached bytecode, as installed packages do: torch's comes with its
    # wheel, numbagrad's is written by the first run below. Without this, a shell that sets
    # PYTHONDONTWRITEBYTECODE would time numbagrad compiling its sources in every process.
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)
    numbagrad_step = mlp_step.format(module="numbagrad")
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="numbagrad-warm-") as warm_dir:
        warm_env = dict(base_env, NUMBA_CACHE_DIR=warm_dir)
        _run(numbagrad_step, warm_env)  # fills the warm cache
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(prefix="numbagrad-cold-") as cold_dir:
                cold_env = dict(base_env, NUMBA_CACHE_DIR=cold_dir)
                commands = {
                    "python": ("pass", base_env),
                    "import numbagrad": ("import numbagrad", warm_env),
                    "import torch": ("import torch", base_env),
                    "mlp numbagrad cold": (numbagrad_step, cold_env),
                    "mlp numbagrad warm": (numbagrad_step, warm_env),
                    "mlp torch": (mlp_step.format(module="torch"), base_env),
                }
                for key, (code, env) in commands.items():
                    samples.setdefault(key, []).append(_run(code, env))
    return {key: statistics.median(values) for key, values in samples.items()}


def _print_ops(rows, rounds: int, iterations: int) -> None:
    print(f"\nper op: median of {rounds} rounds of {iterations} calls, microseconds per call")
    print(f"{'case':<32}{'size':>6}{'numbagrad':>12}{'torch':>10}{'torch/numbagrad':>17}")
    for name, size, ours, theirs in rows:
        print(f"{name:<32}{size:>6}{ours:>12.1f}{theirs:>10.1f}{theirs / ours:>17.2f}")


def _print_startup(t: dict[str, float], repeats: int) -> None:
    print(f"\nstart-up: median wall seconds of {repeats} fresh processes "
          f"(`python -c pass` takes {t['python']:.3f} s)")
    print(f"{'':<48}{'numbagrad':>10}{'torch':>8}")
    print(f"{'import':<48}{t['import numbagrad']:>10.2f}{t['import torch']:>8.2f}")
    print(f"{'import + first MLP forward/backward, cold cache':<48}"
          f"{t['mlp numbagrad cold']:>10.2f}{t['mlp torch']:>8.2f}")
    print(f"{'import + first MLP forward/backward, warm cache':<48}"
          f"{t['mlp numbagrad warm']:>10.2f}{t['mlp torch']:>8.2f}")
    print("(torch has no compile cache: its two MLP figures are the same runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per case")
    parser.add_argument("--iterations", type=int, default=200, help="calls per round")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per start-up time")
    parser.add_argument("--skip-startup", action="store_true", help="only time the ops")
    args = parser.parse_args()

    # The checkout's numbagrad, whether or not it is installed; MLP_STEP from the asv suite.
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import numba
    import torch

    import numbagrad
    from bench_startup import MLP_STEP
    from contention import BUSY_WARNING_CORES, cpu_jiffies, others_load, own_cpu_seconds

    print(f"numbagrad {numbagrad.__version__} (numba {numba.__version__}, numpy {np.__version__}) "
          f"vs torch {torch.__version__} eager, {torch.get_num_threads()} torch threads, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    before, cpu_before, wall_before = cpu_jiffies(), own_cpu_seconds(), time.perf_counter()
    rows = measure_ops(numbagrad, torch, args.rounds, args.iterations)
    _print_ops(rows, args.rounds, args.iterations)
    if not args.skip_startup:
        _print_startup(measure_startup(MLP_STEP, args.repeats), args.repeats)
    load = others_load(before, cpu_jiffies(), own_cpu_seconds() - cpu_before,
                        time.perf_counter() - wall_before)
    if load is None:
        print("\n(/proc/stat not readable: could not check for other busy processes)")
    elif load > BUSY_WARNING_CORES:
        print(f"\nWARNING: other processes kept {load:.2f} CPU cores busy on average during the "
              "measurement; the timings may be inflated. Re-run on a quiet machine.")
    else:
        print(f"\nother processes' average load during the measurement: {load:.2f} cores")


if __name__ == "__main__":
    main()

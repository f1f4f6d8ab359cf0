"""GPU figures: SGEMM throughput, MNIST-MLP training steps, kernel launches per step.

Run from the repository root on a machine with an NVIDIA GPU and ``pip install -e ".[cuda]"``::

    python benchmarks/gpu.py                    # prints the tables and writes
                                                # benchmarks/results/gpu-<date>-<device>.txt
    python benchmarks/gpu.py --smoke            # tiny sizes, a few rounds (the tests run this
                                                # under the CUDA simulator)

Each figure is a median over rounds, timed around ``cuda.synchronize()``. When the installed
torch has CUDA, the same work runs in torch on the same GPU and the ratio is printed
(torch time / numbagrad time: above 1, numbagrad is faster; for SGEMM, the fraction of cuBLAS's
throughput that the numbagrad kernel reaches). Launch overhead is the time per launch of the
smallest elementwise kernel, back to back.

Importing this module does nothing (asv imports every module in this folder).
"""
from __future__ import annotations

import argparse
import datetime
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _median_time(fn, sync, rounds: int, warmup: int = 2) -> float:
    """Median seconds per call of ``fn`` (synchronised before and after each call)."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(rounds):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _torch_cuda():
    """torch if it was built with CUDA and sees a GPU, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def sgemm(ng, torch, sizes, rounds) -> list:
    """Rows (n, numbagrad GFLOP/s, torch GFLOP/s or None)."""
    rows = []
    for n in sizes:
        a = ng.randn(n, n, device="cuda")
        b = ng.randn(n, n, device="cuda")
        t = _median_time(lambda: a @ b, ng.cuda.synchronize, rounds)
        ref = None
        if torch is not None:
            ta, tb = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
            ref = 2 * n**3 / _median_time(lambda: ta @ tb, torch.cuda.synchronize, rounds) / 1e9
        rows.append((n, 2 * n**3 / t / 1e9, ref))
    return rows


def _mlp_step(lib, batch, sizes, device):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(),
                          nn.Linear(sizes[1], sizes[2])).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((batch, sizes[0])).astype(np.float32)).to(device)
    y = lib.from_numpy(rng.integers(0, sizes[2], batch)).to(device)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def mlp(ng, torch, batches, sizes, rounds) -> list:
    """Rows (batch, numbagrad µs/step, torch µs/step or None, launches per numbagrad step)."""
    rows = []
    for batch in batches:
        step = _mlp_step(ng, batch, sizes, "cuda")
        t = _median_time(step, ng.cuda.synchronize, rounds)
        before = ng.cuda.launches()
        step()
        launches = ng.cuda.launches() - before
        ref = None
        if torch is not None:
            ref = _median_time(_mlp_step(torch, batch, sizes, "cuda"), torch.cuda.synchronize,
                               rounds) * 1e6
        rows.append((batch, t * 1e6, ref, launches))
    return rows


def launch_overhead(ng, rounds, per_call: int = 100) -> float:
    """Microseconds per launch of a one-element elementwise kernel, launched back to back."""
    from numbagrad.backends.cuda import elementwise, memory
    from numbagrad.ops import scalar

    x = memory.zeros((1,), np.float32)

    def burst():
        for _ in range(per_call):
            elementwise.map(scalar.neg, [x], x.dtype, out=x)

    return _median_time(burst, ng.cuda.synchronize, rounds) / per_call * 1e6


def _ratio(ref, ours) -> str:
    return f"{ref / ours:.2f}" if ref is not None else "-"


def report(smoke: bool) -> str:
    import numbagrad as ng

    if not ng.cuda.is_available():
        raise SystemExit("benchmarks/gpu.py: no GPU (numbagrad.cuda.is_available() is False)")
    torch = None if smoke else _torch_cuda()
    rounds = 1 if smoke else 15
    sizes = (16,) if smoke else (1024, 2048, 4096)
    mlp_sizes = (20, 16, 10) if smoke else (784, 512, 10)
    batches = (4,) if smoke else (64, 1024)
    lines = [f"numbagrad GPU figures, {datetime.date.today()}, device: "
             f"{ng.cuda.get_device_name()}",
             f"torch: {torch.__version__ if torch else 'no CUDA torch in this environment'}", "",
             "SGEMM (float32, n x n @ n x n)", "| n | numbagrad GFLOP/s | torch (cuBLAS) GFLOP/s "
             "| fraction of cuBLAS |", "|---|---|---|---|"]
    for n, ours, ref in sgemm(ng, torch, sizes, rounds):
        lines.append(f"| {n} | {ours:.0f} | {ref:.0f} | {ours / ref:.2f} |" if ref else
                     f"| {n} | {ours:.1f} | - | - |")
    lines += ["", f"MLP {'-'.join(map(str, mlp_sizes))} training step (SGD momentum, "
              "cross-entropy)", "| batch | numbagrad µs | torch µs | torch/numbagrad | "
              "launches per step |", "|---|---|---|---|---|"]
    for batch, ours, ref, launches in mlp(ng, torch, batches, mlp_sizes, rounds):
        ref_text = f"{ref:.0f}" if ref is not None else "-"
        lines.append(f"| {batch} | {ours:.0f} | {ref_text} | {_ratio(ref, ours)} | {launches} |")
    lines += ["", f"launch overhead: {launch_overhead(ng, rounds, 5 if smoke else 100):.2f} µs per elementwise launch"]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, nothing written")
    args = parser.parse_args(argv)
    text = report(args.smoke)
    print(text)
    if not args.smoke:
        from numbagrad import cuda

        name = re.sub(r"[^A-Za-z0-9]+", "-", cuda.get_device_name()).strip("-")
        path = ROOT / "benchmarks" / "results" / f"gpu-{datetime.date.today()}-{name}.txt"
        path.write_text(text + "\n")
        print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

"""Time per training step of the tutorials' workloads, numbagrad beside torch eager.

Run from the repository root::

    python benchmarks/compare_torch.py              # all workloads
    python benchmarks/compare_torch.py --only mlp64 cnn --rounds 21

Each workload is one full step (forward, loss, zero_grad, backward, optimizer step) written
once against the torch API and run with ``numbagrad`` and with ``torch`` (2 threads) on the same
data from the same initial parameters. After a warm-up, rounds alternate between the two
libraries; the table gives medians in microseconds per step and the ratio torch/numbagrad
(above 1: numbagrad is faster). A warning is printed when other processes kept the CPUs busy
(``/proc/stat``), since a 2-core machine shared with a busy process measures the noise.
numbagrad's CPU backend is imported first, so that its ``GOMP_SPINCOUNT`` (1000, unless set
already) is in place before either library loads OpenMP: the same setting for both. It is the
faster one for compute-bound steps on 2 cores, but not always for torch's small steps, whose
OpenMP threads then fall asleep between ops: ``--gomp-spincount 300000`` (libgomp's own
default, which torch runs with when used alone) gives torch its usual setting instead.

Needs torch (``pip install torch==2.13.0``). Importing this module does nothing (asv imports
every module in this folder).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _mlp(lib, widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(lib.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(lib.nn.ReLU())
    return lib.nn.Sequential(*layers)


def _deep(lib):
    layers = []
    for _ in range(8):
        layers += [lib.nn.Linear(64, 64), lib.nn.ReLU()]
    return lib.nn.Sequential(*layers)


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8 * 14 * 14, 10))


def _regression_data(rng):
    x = np.linspace(0, 10, 100, dtype=np.float32).reshape(-1, 1)
    return x, (2 * x + 1 + rng.standard_normal((100, 1)).astype(np.float32) * 2)


def _classes(rng, batch, shape):
    return (rng.standard_normal((batch,) + shape).astype(np.float32),
            rng.integers(0, 10, batch).astype(np.int64))


# name: (description, model builder, data builder, loss, optimizer builder)
WORKLOADS = {
    "linear": ("Linear(20,60) batch 128, MSE, SGD", lambda lib: lib.nn.Linear(20, 60),
               lambda rng: (rng.standard_normal((128, 20)).astype(np.float32),
                            rng.standard_normal((128, 60)).astype(np.float32)),
               "MSELoss", lambda lib, p: lib.optim.SGD(p, lr=0.01)),
    "regression": ("Linear(1,1) on 100 points, MSE, SGD", lambda lib: lib.nn.Linear(1, 1),
                   _regression_data, "MSELoss", lambda lib, p: lib.optim.SGD(p, lr=0.01)),
    "mlp64": ("MLP 784-512-10 batch 64, CE, SGD momentum",
              lambda lib: _mlp(lib, (784, 512, 10)), lambda rng: _classes(rng, 64, (784,)),
              "CrossEntropyLoss", lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.9)),
    "mlp1024": ("MLP 784-512-10 batch 1024, CE, SGD momentum",
                lambda lib: _mlp(lib, (784, 512, 10)), lambda rng: _classes(rng, 1024, (784,)),
                "CrossEntropyLoss", lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.9)),
    "deep": ("8 x (Linear(64,64)+ReLU) batch 32, MSE, Adam", _deep,
             lambda rng: (rng.standard_normal((32, 64)).astype(np.float32),
                          rng.standard_normal((32, 64)).astype(np.float32)),
             "MSELoss", lambda lib, p: lib.optim.Adam(p, lr=1e-3)),
    "cnn": ("CNN conv(1,8,3)-relu-pool-linear batch 64, CE, SGD", _cnn,
            lambda rng: _classes(rng, 64, (1, 28, 28)), "CrossEntropyLoss",
            lambda lib, p: lib.optim.SGD(p, lr=0.01)),
}


def _setup(lib, torch_model, name):
    """Model, loss, optimizer and data for ``lib``, with the torch model's initial weights."""
    _, build, data, loss_name, optimizer = WORKLOADS[name]
    model = build(lib)
    if lib.__name__ != "torch":
        state = {k: lib.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
        model.load_state_dict(state)
    else:
        model = torch_model
    x, y = data(np.random.default_rng(0))
    return model, getattr(lib.nn, loss_name)(), optimizer(lib, model.parameters()), \
        lib.from_numpy(x), lib.from_numpy(y)


def _step(model, criterion, optimizer, x, y):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def _time(setup, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        _step(*setup)
    return (time.perf_counter() - start) / steps * 1e6


def compare(numbagrad, torch, name: str, rounds: int, seconds: float) -> tuple[float, float]:
    """Median µs per step of ``name`` in numbagrad and in torch."""
    torch.manual_seed(0)
    torch_model = WORKLOADS[name][1](torch)
    ours, theirs = _setup(numbagrad, torch_model, name), _setup(torch, torch_model, name)
    for _ in range(3):  # warm-up: compiles, caches, allocator
        _step(*ours)
        _step(*theirs)
    per_step = max(_time(ours, 1), _time(theirs, 1))
    steps = max(1, int(seconds / rounds / 2 / (per_step * 1e-6)))
    a, b = [], []
    for _ in range(rounds):
        a.append(_time(ours, steps))
        b.append(_time(theirs, steps))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(WORKLOADS), help="workloads to run")
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per workload")
    parser.add_argument("--seconds", type=float, default=4.0, help="time budget per workload")
    parser.add_argument("--gomp-spincount", help="GOMP_SPINCOUNT for both libraries (default: "
                        "numbagrad's 1000; 300000 is libgomp's own default)")
    args = parser.parse_args()
    if args.gomp_spincount:
        os.environ["GOMP_SPINCOUNT"] = args.gomp_spincount  # before libgomp loads, below
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    # Both libraries run on the one libgomp that the first import loads, which reads
    # GOMP_SPINCOUNT once: numbagrad's CPU backend sets it (unless set), so it is imported
    # before torch, and idle OpenMP threads of either library stop spinning on the cores the
    # BLAS threads need. With libgomp's default, both libraries' compute-bound steps ran
    # 1.1-3x slower here.
    import numbagrad.backends.cpu  # noqa: F401 - for its GOMP_SPINCOUNT, see above
    import numba
    import torch

    import numbagrad
    from contention import BUSY_WARNING_CORES, cpu_jiffies, others_load, own_cpu_seconds

    torch.set_num_threads(2)
    print(f"numbagrad {numbagrad.__version__} (numba {numba.__version__}) vs torch "
          f"{torch.__version__} eager ({torch.get_num_threads()} threads), {os.cpu_count()} CPUs, "
          f"GOMP_SPINCOUNT={os.environ['GOMP_SPINCOUNT']}, {time.strftime('%Y-%m-%d')}")
    print(f"{'workload':<50}{'numbagrad µs':>14}{'torch µs':>11}{'torch/ng':>10}")
    before, cpu_before, wall_before = cpu_jiffies(), own_cpu_seconds(), time.perf_counter()
    for name in args.only or WORKLOADS:
        ours, theirs = compare(numbagrad, torch, name, args.rounds, args.seconds)
        print(f"{WORKLOADS[name][0]:<50}{ours:>14.1f}{theirs:>11.1f}{theirs / ours:>10.2f}",
              flush=True)
    load = others_load(before, cpu_jiffies(), own_cpu_seconds() - cpu_before,
                       time.perf_counter() - wall_before)
    if load is not None and load > BUSY_WARNING_CORES:
        print(f"WARNING: other processes kept {load:.2f} cores busy on average: contended run, "
              "timings inflated. Re-run on a quiet machine.")
    elif load is not None:
        print(f"(other processes kept {load:.2f} cores busy on average: a quiet run)")


if __name__ == "__main__":
    main()

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
``--separate`` runs each library in a process of its own (spawned, so neither has the other
loaded), each with its own OpenMP settings as when it is used alone; the two processes take
turns in the same alternating rounds.

Needs torch (``pip install torch==2.13.0``). Importing this module does nothing (asv imports
every module in this folder).
"""
from __future__ import annotations

import argparse
import importlib
import multiprocessing
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


def _setup(lib, name, model=None, state=None):
    """Model, loss, optimizer and data for ``lib``: ``model`` as it is, or a new one loaded with
    ``state`` (the torch model's initial parameters, as NumPy arrays)."""
    _, build, data, loss_name, optimizer = WORKLOADS[name]
    if model is None:
        model = build(lib)
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    x, y = data(np.random.default_rng(0))
    return model, getattr(lib.nn, loss_name)(), optimizer(lib, model.parameters()), \
        lib.from_numpy(x), lib.from_numpy(y)


def _initial(torch, name):
    """A torch model of ``name`` from seed 0, and its parameters as NumPy arrays."""
    torch.manual_seed(0)
    model = WORKLOADS[name][1](torch)
    return model, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


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


def _rounds(time_ours, time_theirs, per_step: float, rounds: int, seconds: float):
    """Medians of ``rounds`` alternating timings of both libraries, each about ``seconds`` /
    ``rounds`` / 2 long."""
    steps = max(1, int(seconds / rounds / 2 / (per_step * 1e-6)))
    a, b = [], []
    for _ in range(rounds):
        a.append(time_ours(steps))
        b.append(time_theirs(steps))
    return statistics.median(a), statistics.median(b)


def compare(numbagrad, torch, name: str, rounds: int, seconds: float) -> tuple[float, float]:
    """Median µs per step of ``name`` in numbagrad and in torch, both in this process."""
    torch_model, state = _initial(torch, name)
    ours, theirs = _setup(numbagrad, name, state=state), _setup(torch, name, model=torch_model)
    for _ in range(3):  # warm-up: compiles, caches, allocator
        _step(*ours)
        _step(*theirs)
    per_step = max(_time(ours, 1), _time(theirs, 1))
    return _rounds(lambda n: _time(ours, n), lambda n: _time(theirs, n), per_step, rounds,
                   seconds)


# --separate: each library in a process of its own, driven over a pipe.


def _worker(lib_name: str, conn) -> None:
    """Run one library's training steps on request: ``("setup", name, state)`` builds a
    workload (torch, given no state, makes the initial parameters and sends them back) and
    warms it up, ``("time", steps)`` times steps, ``None`` ends."""
    sys.path[:0] = [str(ROOT)]
    lib = importlib.import_module(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(2)
        version = f"torch {lib.__version__} eager ({lib.get_num_threads()} threads)"
    else:
        import numba

        import numbagrad.backends.cpu  # noqa: F401 - sets GOMP_SPINCOUNT, as a user's import does
        version = f"numbagrad {lib.__version__} (numba {numba.__version__})"
    conn.send(f"{version}, GOMP_SPINCOUNT={os.environ.get('GOMP_SPINCOUNT', 'unset')}")
    setup = None
    while (request := conn.recv()) is not None:
        if request[0] == "setup":
            _, name, state = request
            if state is None:
                model, state = _initial(lib, name)
                setup = _setup(lib, name, model=model)
            else:
                setup = _setup(lib, name, state=state)
            for _ in range(3):
                _step(*setup)
            conn.send((state, _time(setup, 1)))
        else:
            conn.send(_time(setup, request[1]))


def _timed_in(conn):
    def time_steps(steps: int) -> float:
        conn.send(("time", steps))
        return conn.recv()

    return time_steps


def compare_separate(ours, theirs, name: str, rounds: int, seconds: float):
    """Median µs per step of ``name`` in the numbagrad and torch worker processes (pipes
    ``ours`` and ``theirs``), which take turns: one runs while the other waits."""
    theirs.send(("setup", name, None))
    state, per_step_theirs = theirs.recv()
    ours.send(("setup", name, state))
    _, per_step_ours = ours.recv()
    return _rounds(_timed_in(ours), _timed_in(theirs), max(per_step_ours, per_step_theirs),
                   rounds, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(WORKLOADS), help="workloads to run")
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per workload")
    parser.add_argument("--seconds", type=float, default=4.0, help="time budget per workload")
    parser.add_argument("--gomp-spincount", help="GOMP_SPINCOUNT for both libraries (default: "
                        "numbagrad's 1000; 300000 is libgomp's own default)")
    parser.add_argument("--separate", action="store_true",
                        help="run each library in a process of its own, with its own OpenMP "
                        "settings (torch: libgomp's default, unless --gomp-spincount is given)")
    args = parser.parse_args()
    if args.gomp_spincount:
        os.environ["GOMP_SPINCOUNT"] = args.gomp_spincount  # before libgomp loads, below
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    from contention import BUSY_WARNING_CORES, cpu_jiffies, others_load, own_cpu_seconds

    before, cpu_before, wall_before = cpu_jiffies(), own_cpu_seconds(), time.perf_counter()
    if args.separate:
        # Fresh interpreters (spawn, not fork): neither process has the other library loaded.
        context = multiprocessing.get_context("spawn")
        pipes, workers = [], []
        for lib_name in ("numbagrad", "torch"):
            parent, child = context.Pipe()
            workers.append(context.Process(target=_worker, args=(lib_name, child)))
            workers[-1].start()
            pipes.append(parent)
        ours, theirs = pipes
        header = f"{ours.recv()} vs {theirs.recv()}, in separate processes"

        def run(name):
            return compare_separate(ours, theirs, name, args.rounds, args.seconds)
    else:
        # Both libraries run on the one libgomp that the first import loads, which reads
        # GOMP_SPINCOUNT once: numbagrad's CPU backend sets it (unless set), so it is imported
        # before torch, and idle OpenMP threads of either library stop spinning on the cores
        # the BLAS threads need. With libgomp's default, both libraries' compute-bound steps
        # ran 1.1-3x slower here.
        import numbagrad.backends.cpu  # noqa: F401 - for its GOMP_SPINCOUNT, see above
        import numba
        import torch

        import numbagrad

        torch.set_num_threads(2)
        header = (f"numbagrad {numbagrad.__version__} (numba {numba.__version__}) vs torch "
                  f"{torch.__version__} eager ({torch.get_num_threads()} threads), "
                  f"GOMP_SPINCOUNT={os.environ['GOMP_SPINCOUNT']}, in one process")

        def run(name):
            return compare(numbagrad, torch, name, args.rounds, args.seconds)
    print(f"{header}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}")
    print(f"{'workload':<50}{'numbagrad µs':>14}{'torch µs':>11}{'torch/ng':>10}")
    for name in args.only or WORKLOADS:
        ours_us, theirs_us = run(name)
        print(f"{WORKLOADS[name][0]:<50}{ours_us:>14.1f}{theirs_us:>11.1f}"
              f"{theirs_us / ours_us:>10.2f}", flush=True)
    if args.separate:
        for pipe, worker in zip(pipes, workers):
            pipe.send(None)
            worker.join()  # its CPU time then counts as this process's own (os.times)
    load = others_load(before, cpu_jiffies(), own_cpu_seconds() - cpu_before,
                       time.perf_counter() - wall_before)
    if load is not None and load > BUSY_WARNING_CORES:
        print(f"WARNING: other processes kept {load:.2f} cores busy on average: contended run, "
              "timings inflated. Re-run on a quiet machine.")
    elif load is not None:
        print(f"(other processes kept {load:.2f} cores busy on average: a quiet run)")


if __name__ == "__main__":
    main()

"""Time per training step side by side: compiled and eager numbagrad, torch eager,
torch.compile and jax.jit.

Run from the repository root (needs torch and jax: ``pip install -e .[bench]``)::

    python benchmarks/compare_jax.py                      # every workload, about 3 minutes
    python benchmarks/compare_jax.py --only linear deep --rounds 9 --steps 100
    python benchmarks/compare_jax.py --no-torch-compile   # leave out torch.compile's compiles
    python benchmarks/compare_jax.py --first-calls        # compile times, cold and warm cache

The workloads are ``compare_torch.py``'s six and two MLPs of this file (a small one, where
Python overhead is the step, and a compute-bound one). Each step is forward, loss,
``zero_grad``, backward and optimizer step: written once against the torch API and run as
``numbagrad.compile(step)``, as the eager step in numbagrad and torch, and as
``torch.compile(step)``; and in jax as one ``jax.jit`` of ``value_and_grad`` plus the same
optimizer update, parameters and optimizer state donated (``donate_argnums``). Every framework
starts from the torch model's initial parameters (seed 0) and the same batch. The first
``--check-steps`` steps of each are also the check: the table's last number is the largest
relative difference of their losses from torch eager's, beside the framework it was found in.
Then, after a warm-up, rounds alternate between the frameworks (all in this process), each round
timing ``--steps`` steps (fewer where a step is long, so that a round stays near 0.1 s); the
table gives medians of the rounds in µs per step, ``jax/c`` (jax.jit time over compiled
numbagrad time: above 1, numbagrad is faster) and ``e/c`` (numbagrad eager over compiled). A
step ``numbagrad.compile`` cannot capture today runs eagerly: its row says ``eager (fallback:
<reason>)``, the reason its warning gave. A last row times 100 regression steps as one jitted
``lax.fori_loop`` against 100 compiled numbagrad steps called from Python, and against one
compiled numbagrad function running a Python loop of the 100 steps (rolled into one loop of
the generated function: numbagrad/compile/rolling.py), whose losses and parameters after
three calls are also checked against the same loop run eagerly, bit for bit.

Threads: torch runs 2 threads; XLA's CPU client sizes its thread pool to the cores this process
may use (``os.sched_getaffinity``), and ``XLA_FLAGS`` is set (unless given) to one host device
with Eigen's multi-threading, so no framework uses more cores than the machine has (under
``taskset -c 0`` jax starts fewer threads).
numbagrad's CPU backend is imported first for its ``GOMP_SPINCOUNT``, as in compare_torch.py.
A warning is printed when other processes kept the CPUs busy. Importing this module does
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

ROOT = Path(__file__).resolve().parent.parent
ROUND_SECONDS = 0.1  # the longest a round of one framework should take


def _extra_workloads(ct) -> dict:
    """The two MLPs of this comparison, in ``compare_torch.WORKLOADS``'s format."""
    return {
        "mlp_small": ("MLP 10-32-32-1 batch 16, MSE, Adam",
                      lambda lib: ct._mlp(lib, (10, 32, 32, 1)),
                      lambda rng: (rng.standard_normal((16, 10)).astype(np.float32),
                                   rng.standard_normal((16, 1)).astype(np.float32)),
                      "MSELoss", lambda lib, p: lib.optim.Adam(p, lr=1e-3)),
        "mlp_big": ("MLP 512-512-512-512 batch 256, MSE, SGD mom.",
                    lambda lib: ct._mlp(lib, (512, 512, 512, 512)),
                    lambda rng: (rng.standard_normal((256, 512)).astype(np.float32),
                                 rng.standard_normal((256, 512)).astype(np.float32)),
                    "MSELoss", lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.9)),
    }


def _setup(lib, spec, state):
    """Model (loaded with ``state``), loss, optimizer and batch of workload ``spec``."""
    _, build, data, loss_name, optimizer = spec
    model = build(lib)
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    x, y = data(np.random.default_rng(0))
    return (model, getattr(lib.nn, loss_name)(), optimizer(lib, model.parameters()),
            lib.from_numpy(x), lib.from_numpy(y))


# The same step in jax: a plan of the torch model's layers, the loss and the optimizer.


def _plan(model) -> list:
    """The layers of a torch model (a Linear or a Sequential of the workloads' layers)."""
    modules = [("", model)] if not list(model.children()) else \
        [(f"{name}.", m) for name, m in model.named_children()]
    plan = []
    for prefix, m in modules:
        kind = type(m).__name__
        if kind == "Linear":
            plan.append(("linear", prefix))
        elif kind == "Conv2d":
            plan.append(("conv", prefix, m.stride, m.padding))
        elif kind == "MaxPool2d":
            plan.append(("maxpool", m.kernel_size, m.stride))
        elif kind in ("ReLU", "Flatten"):
            plan.append((kind.lower(),))
        else:
            raise NotImplementedError(f"compare_jax: no jax form of {kind}")
    return plan


def _jax_forward(jax, plan):
    jnp, lax = jax.numpy, jax.lax

    def forward(params, x):
        for layer in plan:
            if layer[0] == "linear":
                x = x @ params[layer[1] + "weight"].T + params[layer[1] + "bias"]
            elif layer[0] == "conv":
                _, prefix, stride, padding = layer
                x = lax.conv_general_dilated(x, params[prefix + "weight"], stride,
                                             [(p, p) for p in padding],
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
                x = x + params[prefix + "bias"][None, :, None, None]
            elif layer[0] == "maxpool":
                k, s = layer[1], layer[2]
                x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, s, s), "VALID")
            elif layer[0] == "relu":
                x = jnp.maximum(x, 0)
            else:  # flatten
                x = x.reshape(x.shape[0], -1)
        return x
    return forward


def _jax_loss(jax, name):
    jnp = jax.numpy
    if name == "MSELoss":
        return lambda out, y: jnp.mean((out - y) ** 2)
    return lambda out, y: -jnp.mean(
        jnp.take_along_axis(jax.nn.log_softmax(out, axis=1), y[:, None], axis=1))


def _jax_optimizer(jax, optimizer, params):
    """(initial state, update) doing torch's update of ``optimizer`` (SGD with momentum or
    not, Adam; no weight decay) to a dict of jax arrays."""
    jnp, tree = jax.numpy, jax.tree_util.tree_map
    group = optimizer.param_groups[0]
    kind, lr = type(optimizer).__name__, group["lr"]
    if kind == "SGD" and group["weight_decay"] == 0 and group["dampening"] == 0 \
            and not group["nesterov"]:
        mu = group["momentum"]
        if not mu:
            return (), lambda p, g, s: (tree(lambda a, b: a - lr * b, p, g), s)

        def sgd(p, g, buf):  # torch's first buffer is the gradient: 0 * mu + g
            buf = tree(lambda b, gi: mu * b + gi, buf, g)
            return tree(lambda a, b: a - lr * b, p, buf), buf
        return tree(jnp.zeros_like, params), sgd
    if kind == "Adam" and group["weight_decay"] == 0 and not group["amsgrad"]:
        (b1, b2), eps = group["betas"], group["eps"]

        def adam(p, g, state):
            t, m, v = state
            t = t + 1
            m = tree(lambda mi, gi: mi + (gi - mi) * (1 - b1), m, g)  # torch's lerp
            v = tree(lambda vi, gi: b2 * vi + (1 - b2) * gi * gi, v, g)
            step_size = lr / (1 - b1 ** t)
            root = jnp.sqrt(1 - b2 ** t)
            p = tree(lambda a, mi, vi: a - step_size * mi / (jnp.sqrt(vi) / root + eps), p, m, v)
            return p, (t, m, v)
        # Two trees of zeros: a buffer donated twice is an error.
        return (jnp.float32(0), tree(jnp.zeros_like, params), tree(jnp.zeros_like, params)), adam
    raise NotImplementedError(f"compare_jax: no jax form of {kind} with {group}")


class JaxStep:
    """The workload's step as one ``jax.jit`` (state donated), and 100 of them in one
    ``lax.fori_loop``."""

    def __init__(self, jax, torch_setup, spec, state):
        jnp = jax.numpy
        model, _, optimizer, _, _ = torch_setup
        x, y = spec[2](np.random.default_rng(0))
        self.x, self.y = jnp.asarray(x), jnp.asarray(y)
        self.params = {k: jnp.asarray(v) for k, v in state.items()}
        forward, loss = _jax_forward(jax, _plan(model)), _jax_loss(jax, spec[3])
        self.opt_state, update = _jax_optimizer(jax, optimizer, self.params)
        value_and_grad = jax.value_and_grad(lambda p, x, y: loss(forward(p, x), y))

        def step(params, opt_state, x, y):
            value, grads = value_and_grad(params, x, y)
            params, opt_state = update(params, grads, opt_state)
            return params, opt_state, value

        def loop(params, opt_state, x, y):
            def body(_, carry):
                return step(carry[0], carry[1], x, y)
            return jax.lax.fori_loop(0, 100, body, (params, opt_state, jnp.float32(0)))

        self._step = jax.jit(step, donate_argnums=(0, 1))
        self._loop = jax.jit(loop, donate_argnums=(0, 1))

    def __call__(self):
        self.params, self.opt_state, loss = self._step(self.params, self.opt_state, self.x,
                                                       self.y)
        return loss

    def loop100(self):
        self.params, self.opt_state, loss = self._loop(self.params, self.opt_state, self.x,
                                                       self.y)
        return loss


def _timer(call, steps, sync=None):
    """A function timing ``steps`` calls of ``call``: µs per call."""
    def run(n=steps):
        start = time.perf_counter()
        for _ in range(n):
            out = call()
        if sync is not None:
            sync(out)  # jax dispatches asynchronously: wait for the last (dependent) step
        return (time.perf_counter() - start) / n * 1e6
    return run


def _fallback_reason(numbagrad, compiled, caught) -> str | None:
    """None where ``compiled`` runs a compiled step, else why it runs eagerly."""
    if compiled.sources:
        return None
    for w in caught:
        text = str(w.message)
        if text.startswith("numbagrad.compile"):
            return text.split("runs eagerly: ", 1)[-1]
    log = numbagrad.compiler.explain(compiled).split("--- fallbacks and recompiles ---")
    return log[1].strip().splitlines()[0] if len(log) > 1 else "no compiled step"


def _steps_loop(model, criterion, optimizer, x, y, n):
    """``n`` training steps (``compare_torch._step``'s) in one Python loop: compiled whole,
    the loop is rolled into one loop of the generated function."""
    for _ in range(n):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss


def _loop_check(numbagrad, spec, state, compiled_loop, loop_setup):
    """Whether the compiled loop's three calls gave eager mode's losses and parameters, bit for
    bit, and whether its step was rolled."""
    eager_setup = _setup(numbagrad, spec, state)
    same = True
    for _ in range(3):
        want = _steps_loop(*eager_setup, 100).item()
        got = compiled_loop(*loop_setup, 100).item()
        same = same and want == got
    same = same and all(np.array_equal(p.detach().numpy(), q.detach().numpy()) for p, q in
                        zip(eager_setup[0].parameters(), loop_setup[0].parameters()))
    rolled = any("for it in range(" in src for src in compiled_loop.sources)
    return same, rolled


def compare(libs, ct, spec, args, regression_loop=False):
    """One workload: ``(times in µs by column, fallback reason or None, max relative loss
    difference, torch.compile's skip reason or None)``; with ``regression_loop`` the times of
    100 compiled numbagrad steps, of one compiled loop of 100 steps and of jax's 100-step
    ``fori_loop``, per step, and as second item ``(fallback reason or None, the loop bit-equal
    to eager, the loop rolled)``."""
    numbagrad, torch, jax = libs
    torch.manual_seed(0)
    torch_model = spec[1](torch)
    state = {k: v.detach().numpy().copy() for k, v in torch_model.state_dict().items()}
    runs, syncs, losses = {}, {}, {}
    compiled_setup = _setup(numbagrad, spec, state)
    compiled = numbagrad.compile(ct._step)
    runs["ng compiled"] = lambda: compiled(*compiled_setup)
    eager_setup = _setup(numbagrad, spec, state)
    runs["ng eager"] = lambda: ct._step(*eager_setup)
    torch_setup = _setup(torch, spec, state)
    runs["torch eager"] = lambda: ct._step(*torch_setup)
    skip = None
    if args.no_torch_compile:
        skip = "--no-torch-compile"
    else:
        torch._dynamo.reset()  # the workloads share ``_step``'s code: no recompile limit
        tc_setup = _setup(torch, spec, state)
        torch_compiled = torch.compile(ct._step)
        runs["torch.compile"] = lambda: torch_compiled(*tc_setup)
    jax_step = JaxStep(jax, torch_setup, spec, state)
    runs["jax.jit"] = jax_step
    syncs["jax.jit"] = lambda out: out.block_until_ready()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for label, run in list(runs.items()):
            try:
                losses[label] = [float(run()) for _ in range(args.check_steps)]
            except Exception as err:  # torch.compile without a working toolchain, say
                if label != "torch.compile":
                    raise
                skip = f"{type(err).__name__}: {str(err).splitlines()[0][:80]}"
                del runs[label]
    reason = _fallback_reason(numbagrad, compiled, caught)
    reference = np.array(losses["torch eager"])
    diff = max((float(np.max(np.abs(np.array(v) - reference) / np.abs(reference))), label)
               for label, v in losses.items() if label != "torch eager")
    for label, run in runs.items():  # warm-up beyond the check: torch.compile's later graphs
        for _ in range(20 if label == "torch.compile" else 2):
            run()
    per_step = {label: _timer(run, 1, syncs.get(label))() for label, run in runs.items()}
    steps = max(1, min(args.steps, int(ROUND_SECONDS / (max(per_step.values()) * 1e-6))))
    timers = {label: _timer(run, steps, syncs.get(label)) for label, run in runs.items()}
    if regression_loop:
        loop_setup = _setup(numbagrad, spec, state)
        compiled_loop = numbagrad.compile(_steps_loop)
        reason = (reason,) + _loop_check(numbagrad, spec, state, compiled_loop, loop_setup)
        timers = {"ng compiled x100": _timer(runs["ng compiled"], 100),
                  "ng compiled loop of 100": _timer(lambda: compiled_loop(*loop_setup, 100),
                                                    10),
                  "jax fori_loop x100": _timer(jax_step.loop100, 10,
                                               lambda out: out.block_until_ready())}
        for t in timers.values():
            t()
    per_call = ("jax fori_loop x100", "ng compiled loop of 100")
    samples: dict = {label: [] for label in timers}
    for _ in range(args.rounds):
        for label, t in timers.items():
            samples[label].append(t() / (100 if label in per_call else 1))
    return ({k: statistics.median(v) for k, v in samples.items()}, reason, diff, skip)


def _header(numbagrad, torch, jax) -> str:
    import jaxlib
    import numba

    return (f"numbagrad {numbagrad.__version__} (numba {numba.__version__}, numpy "
            f"{np.__version__}), torch {torch.__version__} ({torch.get_num_threads()} threads), "
            f"jax {jax.__version__} (jaxlib {jaxlib.__version__}, "
            f"{len(os.sched_getaffinity(0))} cores), Python {sys.version.split()[0]}\n"
            f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}, GOMP_SPINCOUNT="
            f"{os.environ.get('GOMP_SPINCOUNT', 'unset')}, {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}, "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')}")


def _first_calls_child(name: str, mode: str) -> None:
    """In a new process: build workload ``name`` (numbagrad only) and print, as JSON, the
    seconds (wall and this process's CPU) of ``import numbagrad`` and of each call up to the
    first compiled step (``mode`` "compiled": eager call, capture, first compiled call; "eager":
    the first eager call)."""
    import json

    start = time.perf_counter()
    import numbagrad

    imported = time.perf_counter() - start
    sys.path[:0] = [str(Path(__file__).resolve().parent)]
    import compare_torch as ct

    spec = dict(ct.WORKLOADS, **_extra_workloads(ct))[name]
    numbagrad.manual_seed(0)
    model = spec[1](numbagrad)
    x, y = (numbagrad.from_numpy(a) for a in spec[2](np.random.default_rng(0)))
    setup = (model, getattr(numbagrad.nn, spec[3])(), spec[4](numbagrad, model.parameters()), x, y)
    step = numbagrad.compile(ct._step) if mode == "compiled" else ct._step
    calls, cpus = [], []
    for _ in range(3 if mode == "compiled" else 1):
        wall, cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step(*setup)
        calls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(json.dumps({"import": imported, "calls": calls, "cpu": cpus,
                      "compiled": mode != "compiled" or bool(step.sources)}))


def first_calls(names) -> None:
    """Print, per workload, the first calls' times with a cold and a warm Numba cache, each
    in a new process (``NUMBA_CACHE_DIR`` a new temporary folder for the cold runs): eager
    mode's first call, and the time a compiled program takes up to the end of its first
    compiled step (its eager first call, the capture and Numba's compile of the step, the
    first compiled call), cold and then again warm, counted from after ``import numbagrad``."""
    import json
    import subprocess
    import tempfile

    def child(name, mode, cache):
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, __file__, "--first-calls-child", name, mode],
                             env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    print("seconds, wall (this process's CPU); cold: a new NUMBA_CACHE_DIR; targets: compiled "
          "cold within 2 s above eager's first call, warm within 0.3 s after import")
    print(f"{'workload':<52}{'eager 1st call, cold':>22}{'compiled to 1st step, cold':>28}"
          f"{'extra':>15}{'compiled, warm':>18}")
    for name in names:
        with tempfile.TemporaryDirectory() as eager_dir, \
                tempfile.TemporaryDirectory() as compiled_dir:
            eager = child(name, "eager", eager_dir)
            cold = child(name, "compiled", compiled_dir)
            warm = child(name, "compiled", compiled_dir)
        e, ec = eager["calls"][0], eager["cpu"][0]
        c, cc = sum(cold["calls"]), sum(cold["cpu"])
        w, wc = sum(warm["calls"]), sum(warm["cpu"])
        note = "" if cold["compiled"] else "  (no compiled step: eager fallback)"
        print(f"{name:<52}{e:>14.2f} ({ec:5.2f}){c:>20.2f} ({cc:5.2f}){c - e:>7.2f} "
              f"({cc - ec:5.2f}){w:>10.2f} ({wc:5.2f}){note}", flush=True)


COLUMNS = ("ng compiled", "ng eager", "torch eager", "torch.compile", "jax.jit")
SHORT = {"ng compiled": "ngc", "ng eager": "nge", "torch.compile": "tc", "jax.jit": "jax"}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="workloads to run (default: all)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (median)")
    parser.add_argument("--steps", type=int, default=50,
                        help="steps per round (fewer where a round would pass 0.1 s)")
    parser.add_argument("--check-steps", type=int, default=5,
                        help="first steps whose losses are compared")
    parser.add_argument("--no-torch-compile", action="store_true",
                        help="leave out torch.compile (its compiles take most of the run)")
    parser.add_argument("--first-calls", action="store_true",
                        help="time the first calls with a cold and a warm Numba cache instead "
                             "(default workloads: mlp64 and deep)")
    parser.add_argument("--first-calls-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_calls_child:
        sys.path[:0] = [str(ROOT)]
        _first_calls_child(*args.first_calls_child)
        return
    if args.first_calls:
        first_calls(args.only or ["mlp64", "deep"])
        return
    # Before jax loads: one host device; XLA sizes its threads to the cores of this process.
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true "
                          "--xla_force_host_platform_device_count=1")
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import compare_torch as ct
    from contention import BUSY_WARNING_CORES, cpu_jiffies, others_load, own_cpu_seconds

    import numbagrad.backends.cpu  # noqa: F401 - for its GOMP_SPINCOUNT (compare_torch.py)
    try:
        import jax
        import torch
    except ImportError as error:
        sys.exit(f"compare_jax.py needs torch and jax ({error}): pip install -e .[bench] "
                 "torch")

    import numbagrad

    torch.set_num_threads(2)
    workloads = dict(ct.WORKLOADS, **_extra_workloads(ct))
    names = args.only or list(workloads)
    unknown = sorted(set(names) - set(workloads))
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {list(workloads)}")
    before, cpu_before, wall_before = cpu_jiffies(), own_cpu_seconds(), time.perf_counter()
    print(_header(numbagrad, torch, jax))
    print(f"median of {args.rounds} interleaved rounds, µs per step; jax/c = jax.jit / "
          "numbagrad compiled, e/c = numbagrad eager / compiled; loss diff = max relative "
          f"difference from torch eager over the first {args.check_steps} steps, and whose "
          "(ngc/nge: numbagrad compiled/eager, tc: torch.compile, jax)")
    print(f"{'workload':<52}" + "".join(f"{c:>14}" for c in COLUMNS)
          + f"{'jax/c':>7}{'e/c':>7}{'loss diff (worst)':>18}  numbagrad.compile")
    skips = {}
    libs = (numbagrad, torch, jax)
    for name in names:
        times, reason, diff, skip = compare(libs, ct, workloads[name], args)
        if skip:
            skips[skip] = skips.get(skip, []) + [name]
        cells = "".join(f"{times[c]:>14.1f}" if c in times else f"{'-':>14}" for c in COLUMNS)
        c = times["ng compiled"]
        mode = "compiled" if reason is None else f"eager (fallback: {reason})"
        print(f"{workloads[name][0]:<52}{cells}{times['jax.jit'] / c:>7.2f}"
              f"{times['ng eager'] / c:>7.2f}{diff[0]:>13.1e} {SHORT[diff[1]]:<4}  {mode}",
              flush=True)
    if "regression" in names:
        times, (reason, same, rolled), _, _ = compare(libs, ct, workloads["regression"],
                                              argparse.Namespace(**dict(
                                                  vars(args), no_torch_compile=True)),
                                              regression_loop=True)
        ours, theirs = times["ng compiled x100"], times["jax fori_loop x100"]
        loop = times["ng compiled loop of 100"]
        print(f"100 regression steps, µs per step: numbagrad.compile called 100 times from "
              f"Python {ours:.2f}, one numbagrad.compile of a loop of 100 steps {loop:.2f} ("
              f"{'rolled' if rolled else 'NOT rolled'}, "
              f"{'bit-equal to eager' if same else 'DIFFERS from eager'}), jax.jit of one "
              f"lax.fori_loop of 100 steps {theirs:.2f}: numbagrad/jax {ours / theirs:.1f} "
              f"and {loop / theirs:.1f} (loop)" + ("" if reason is None else
                                                   f" [numbagrad eager: {reason}]"))
    for skip, which in skips.items():
        print(f"torch.compile skipped ({', '.join(which)}): {skip}")
    load = others_load(before, cpu_jiffies(), own_cpu_seconds() - cpu_before,
                       time.perf_counter() - wall_before)
    if load is not None and load > BUSY_WARNING_CORES:
        print(f"WARNING: other processes kept {load:.2f} cores busy on average: contended run, "
              "timings inflated. Re-run on a quiet machine.")
    elif load is not None:
        print(f"(other processes kept {load:.2f} cores busy on average: a quiet run)")


if __name__ == "__main__":
    main()

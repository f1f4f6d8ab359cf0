"""Compiled training steps: ``numbagrad.compile`` of a whole step beside ``jax.jit`` and
``torch.compile`` of the same step.

The workloads are ``compare_jax.py``'s: ``compare_torch.WORKLOADS`` and two MLPs (small and
compute-bound), the step forward, loss, ``zero_grad``, backward and optimizer step. ``setup``
runs the first calls (numbagrad's compiled step: eager warm-up, capture, compile or load from
the disk cache; jax's and torch's compiles), so the timings hold no compilation. A step that
``numbagrad.compile`` cannot capture today runs eagerly (one warning): compare with
``bench_training.py`` to see which. jax and torch are skipped (``NotImplementedError``, asv's
skip) where they are not installed. ``compare_jax.py`` prints the same comparison side by side
in one process, with the losses checked.
"""
from __future__ import annotations

import importlib
import os
import warnings

import numpy as np

from . import compare_jax, compare_torch, fusion_gain

WORKLOADS = dict(compare_torch.WORKLOADS, **compare_jax._extra_workloads(compare_torch))


def _library(name: str):
    """A library, or asv's skip (NotImplementedError) when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise NotImplementedError(f"{name} is not installed") from error


def _numbagrad_setup(workload):
    """numbagrad's model (seed 0), loss, optimizer and batch, and the initial parameters."""
    import numbagrad

    spec = WORKLOADS[workload]
    numbagrad.manual_seed(0)
    state = {k: v.detach().numpy().copy() for k, v in spec[1](numbagrad).state_dict().items()}
    return compare_jax._setup(numbagrad, spec, state), state


def _compiled_step(setup, calls: int = 3):
    """``numbagrad.compile`` of the step, after ``calls`` calls (the third runs compiled)."""
    import numbagrad

    compiled = numbagrad.compile(compare_torch._step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fallback's warning: the step runs eagerly
        for _ in range(calls):
            compiled(*setup)
    return compiled


class TimeCompiledStep:
    """One step of ``workload`` as ``numbagrad.compile(step)``."""

    params = [list(WORKLOADS)]
    param_names = ["workload"]

    def setup(self, workload):
        self.setup_args, _ = _numbagrad_setup(workload)
        self.compiled = _compiled_step(self.setup_args)

    def time_step(self, workload):
        self.compiled(*self.setup_args)


class TimeJaxStep:
    """One step of ``workload`` as ``jax.jit`` of ``value_and_grad`` and the optimizer's
    update, parameters and optimizer state donated."""

    params = [list(WORKLOADS)]
    param_names = ["workload"]

    def setup(self, workload):
        jax = _library("jax")
        setup_args, state = _numbagrad_setup(workload)
        self.step = compare_jax.JaxStep(jax, setup_args, WORKLOADS[workload], state)
        self.step().block_until_ready()

    def time_step(self, workload):
        self.step().block_until_ready()


class TimeTorchCompileStep:
    """One step of ``workload`` as ``torch.compile(step)`` (2 threads)."""

    params = [list(WORKLOADS)]
    param_names = ["workload"]
    timeout = 600  # Inductor's first compile of a step takes tens of seconds

    def setup(self, workload):
        # Inductor compiles each step for tens of seconds on two cores: eight workloads would
        # double the check's benchmark stage, so asv runs them only when asked.
        if os.environ.get("NUMBAGRAD_BENCH_TORCH_COMPILE") != "1":
            raise NotImplementedError("set NUMBAGRAD_BENCH_TORCH_COMPILE=1 to time "
                                      "torch.compile (benchmarks/compare_jax.py times it too)")
        torch = _library("torch")
        torch.set_num_threads(2)
        torch._dynamo.reset()  # the workloads share ``_step``'s code object
        _, state = _numbagrad_setup(workload)
        self.setup_args = compare_jax._setup(torch, WORKLOADS[workload], state)
        self.step = torch.compile(compare_torch._step)
        for _ in range(10):  # later calls compile the graphs of the optimizer's later states
            self.step(*self.setup_args)

    def time_step(self, workload):
        self.step(*self.setup_args)


class TimeFusedActivation:
    """One step of a 784-512-10 MLP whose activation is written as elementwise ops (the tanh
    GELU, Swish), compiled with fusion and without (``NUMBAGRAD_FUSION=0`` while captured):
    what ``numbagrad/compile/fusion.py`` gains. ``fusion_gain.py`` prints the same side by
    side."""

    params = [["gelu64", "swish64"], ["on", "off"]]
    param_names = ["workload", "fusion"]

    def setup(self, workload, fusion):
        import numbagrad

        spec = fusion_gain._activation_workloads(compare_torch)[workload]
        self.step, self.setup_args, _, _ = fusion_gain._compiled(numbagrad, compare_torch, spec,
                                                                 fusion == "on")

    def time_step(self, workload, fusion):
        self.step(*self.setup_args)


class TimeRegressionLoop:
    """100 regression steps: ``numbagrad.compile``'s step called 100 times from Python, and
    jax's ``lax.fori_loop`` of 100 steps in one jitted call."""

    params = [["numbagrad", "jax"]]
    param_names = ["library"]

    def setup(self, library):
        setup_args, state = _numbagrad_setup("regression")
        if library == "jax":
            jax = _library("jax")
            self.jax_step = compare_jax.JaxStep(jax, setup_args, WORKLOADS["regression"], state)
            self.jax_step.loop100().block_until_ready()
        else:
            self.setup_args = setup_args
            self.compiled = _compiled_step(setup_args)

    def time_100_steps(self, library):
        if library == "jax":
            self.jax_step.loop100().block_until_ready()
        else:
            for _ in range(100):
                self.compiled(*self.setup_args)


def _check_numbers(workload: str = "linear") -> float:
    """Largest relative difference of compiled numbagrad's and jax's losses over 3 steps (a
    smoke test of this suite's setups: about 1e-7 in float32)."""
    jax = _library("jax")
    setup_args, state = _numbagrad_setup(workload)
    step = compare_jax.JaxStep(jax, setup_args, WORKLOADS[workload], state)
    compiled = _compiled_step(setup_args, calls=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numbagrad_losses = np.array([float(compiled(*setup_args)) for _ in range(3)])
    jax_losses = np.array([float(step()) for _ in range(3)])
    return float(np.max(np.abs(numbagrad_losses - jax_losses) / np.abs(jax_losses)))

"""One full training step of each of the tutorials' workloads: time and peak memory.

The workloads are ``compare_torch.WORKLOADS`` (a linear layer, a 1-D regression, the
784-512-10 MLP on batches of 64 and 1024, eight 64-wide layers with Adam, and the small CNN),
built by the same functions, so these timings are the numbagrad column of
``compare_torch.py``. A step is forward, loss, ``zero_grad``, backward and optimizer step.
``setup`` runs one step, so the timings hold no compilation.
"""
import numpy as np

import numbagrad as torch

from . import compare_torch

WORKLOADS = list(compare_torch.WORKLOADS)


def _build(name):
    """Model, loss, optimizer and one batch of ``name``, with seeded weights and data."""
    _, build_model, build_data, loss_name, build_optimizer = compare_torch.WORKLOADS[name]
    torch.manual_seed(0)
    model = build_model(torch)
    x, y = build_data(np.random.default_rng(0))
    return (model, getattr(torch.nn, loss_name)(), build_optimizer(torch, model.parameters()),
            torch.from_numpy(x), torch.from_numpy(y))


def _step(model, criterion, optimizer, x, y):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


class TimeTrainingStep:
    """One training step of ``workload``."""

    params = [WORKLOADS]
    param_names = ["workload"]

    def setup(self, workload):
        self.state = _build(workload)
        _step(*self.state)

    def time_step(self, workload):
        _step(*self.state)


class PeakMemTrainingStep:
    """Peak resident memory of the process: import, building ``workload`` and its steps."""

    params = [WORKLOADS]
    param_names = ["workload"]

    def setup(self, workload):
        self.state = _build(workload)
        _step(*self.state)

    def peakmem_step(self, workload):
        _step(*self.state)

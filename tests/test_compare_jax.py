"""``benchmarks/compare_jax.py``: its jax steps do torch's maths (same losses and parameters
as torch eager after a few steps), so its side-by-side timings compare the same work."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name):
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ct = _module("compare_torch")
cj = _module("compare_jax")
WORKLOADS = dict(ct.WORKLOADS, **cj._extra_workloads(ct))


@pytest.mark.parametrize("name", ["linear", "regression", "mlp64", "deep", "cnn", "mlp_small"])
def test_jax_step_matches_torch(name):
    """SGD, SGD with momentum and Adam; Linear, ReLU, Conv2d, MaxPool2d, Flatten; MSE and
    cross-entropy: jax's losses and final parameters are torch's (float32 rounding)."""
    spec = WORKLOADS[name]
    torch.manual_seed(0)
    state = {k: v.detach().numpy().copy() for k, v in spec[1](torch).state_dict().items()}
    setup = cj._setup(torch, spec, state)
    step = cj.JaxStep(jax, setup, spec, state)
    for _ in range(4):
        expected = ct._step(*setup).item()
        np.testing.assert_allclose(float(step()), expected, rtol=2e-5)
    for key, value in setup[0].state_dict().items():
        np.testing.assert_allclose(np.asarray(step.params[key]), value.numpy(), rtol=1e-4,
                                   atol=1e-6)


def test_unsupported_layer_and_optimizer_are_named():
    with pytest.raises(NotImplementedError, match="Tanh"):
        cj._plan(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh()))
    model = torch.nn.Linear(2, 2)
    with pytest.raises(NotImplementedError, match="RMSprop"):
        cj._jax_optimizer(jax, torch.optim.RMSprop(model.parameters()), {})


def test_bench_compile_setups_run_and_agree():
    """The asv suite's setups run, and its compiled numbagrad and jax steps give the same
    losses."""
    root = str(BENCHMARKS.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks import bench_compile

    for cls, param in [(bench_compile.TimeCompiledStep, "linear"),
                       (bench_compile.TimeJaxStep, "linear"),
                       (bench_compile.TimeRegressionLoop, "jax")]:
        case = cls()
        case.setup(param)
        getattr(case, next(n for n in dir(case) if n.startswith("time_")))(param)
    assert bench_compile._check_numbers("linear") < 1e-5

"""The GPU kernels of Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against the CPU's: every
option, float32 and float64, over arrays spanning several blocks and grid-stride turns."""
import itertools

import numpy as np
import pytest

from numbagrad.backends.cpu import optim_extra as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import optim_extra as gpu

DTYPES = [np.float32, np.float64]
SIZE = 100
STEPS = 3
FLAGS = list(itertools.product([0.0, 0.1], [False, True]))


def _close(got, expected):
    eps = np.finfo(expected.dtype).eps
    np.testing.assert_allclose(got, expected, rtol=16 * eps, atol=16 * eps)


def _run_both(name, arrays, scalars_of_step, flags):
    host = [a.copy() for a in arrays]
    device = [_array.to_device(a) for a in arrays]
    for t in range(1, STEPS + 1):
        getattr(cpu, name)(*host, *scalars_of_step(t), *flags)
        getattr(gpu, name)(*device, *scalars_of_step(t), *flags)
        for h, d in zip(host, device, strict=True):
            _close(_array.to_host(d), h)
    return host


def _arrays(rng, dtype, buffers):
    param = rng.standard_normal(SIZE).astype(dtype)
    grad = rng.standard_normal(SIZE).astype(dtype)
    return [param, grad] + [np.abs(rng.standard_normal(SIZE)).astype(dtype)
                            for _ in range(buffers)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize", FLAGS)
def test_adadelta_step_matches_cpu(dtype, weight_decay, maximize, rng):
    d = dtype
    _run_both("adadelta_step", _arrays(rng, d, 2),
              lambda t: (d(-1.0), d(weight_decay), d(0.9), d(1 - 0.9), d(1e-6)), (maximize,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize", FLAGS)
def test_adamax_step_matches_cpu(dtype, weight_decay, maximize, rng):
    d = dtype
    w = d(1 - 0.9)
    _run_both("adamax_step", _arrays(rng, d, 2),
              lambda t: (d(weight_decay), w, d(1) - w, d(0.999), d(1e-8),
                         d(-0.01 / (1 - 0.9 ** t))), (maximize,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize", FLAGS)
@pytest.mark.parametrize("decoupled", [False, True])
def test_nadam_step_matches_cpu(dtype, weight_decay, maximize, decoupled, rng):
    d = dtype
    w = d(1 - 0.9)
    _run_both("nadam_step", _arrays(rng, d, 2),
              lambda t: (d(1 - 0.01 * weight_decay), d(weight_decay), w, d(1) - w, d(0.999),
                         d(0.001), d(1 - 0.999 ** t), d(1e-8), d(-0.002), d(-0.01)),
              (maximize, decoupled))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize", FLAGS)
@pytest.mark.parametrize("decoupled, rectified", [(False, False), (True, True), (False, True)])
def test_radam_step_matches_cpu(dtype, weight_decay, maximize, decoupled, rectified, rng):
    d = dtype
    w = d(1 - 0.9)
    _run_both("radam_step", _arrays(rng, d, 2),
              lambda t: (d(1 - 0.01 * weight_decay), d(weight_decay), w, d(1) - w, d(0.999),
                         d(0.001), d(1 - 0.9 ** t), d(0.01), d((1 - 0.999 ** t) ** 0.5),
                         d(1e-8), d(0.7)),
              (maximize, decoupled, rectified))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize", FLAGS)
@pytest.mark.parametrize("average", [False, True])
def test_asgd_step_matches_cpu(dtype, weight_decay, maximize, average, rng):
    d = dtype
    _run_both("asgd_step", _arrays(rng, d, 1),
              lambda t: (d(weight_decay), d(1 - 1e-4 * 0.01), d(-0.01), d(1 / t)),
              (maximize, average))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("maximize", [False, True])
def test_rprop_step_matches_cpu(dtype, maximize, rng):
    d = dtype
    arrays = _arrays(rng, d, 2)
    arrays[2] = rng.standard_normal(SIZE).astype(d)  # prev: both signs
    host = _run_both("rprop_step", arrays, lambda t: (d(0.5), d(1.2), d(1e-6), d(50)),
                     (maximize,))
    assert (host[3] > 0).all()


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
                                  "LBFGS"])
def test_optimizer_on_the_gpu_matches_the_cpu(name):
    import numbagrad

    results = []
    for device in ("cpu", "cuda"):
        w = numbagrad.tensor([1.0, -2.0, 0.5, 3.0], device=device, requires_grad=True)
        opt = getattr(numbagrad.optim, name)([w])

        def closure():
            opt.zero_grad()
            loss = ((w - 3) ** 2).sum()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        assert all(v.device.type == "cpu" or v.device == w.device
                   for v in opt.state[w].values() if isinstance(v, numbagrad.Tensor))
        results.append(np.asarray(w.detach().cpu()))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6, atol=1e-6)

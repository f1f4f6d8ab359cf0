"""The GPU optimizer kernels against the CPU's: every option combination, float32 and float64.

Each case runs a few steps of one kernel on both backends from the same parameter, gradients and
state, with the scalars derived as ``numbagrad.optim`` derives them, and compares the parameter
and every state buffer after each step. The arrays span several blocks and grid-stride turns
under the tests' small launch shape.
"""
import itertools

import numpy as np
import pytest

from numbagrad.backends.cpu import optim as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import optim as gpu

DTYPES = [np.float32, np.float64]
SIZE = 300  # > 4 blocks of 32 threads: three grid-stride turns
STEPS = 3


def _close(got, expected):
    # Both backends may fuse a multiply-add into an FMA in different places: a few ulps apart.
    eps = np.finfo(expected.dtype).eps
    np.testing.assert_allclose(got, expected, rtol=16 * eps, atol=16 * eps)


def _run_both(name, arrays, scalars_of_step, flags, steps=STEPS):
    """Run kernel ``name`` ``steps`` times on host copies (CPU) and device copies (GPU) of
    ``arrays`` (param, then grad, then state buffers); compare everything after each step.
    ``scalars_of_step(t)`` gives the scalars of step ``t`` (1-based); ``flags(t)`` the flags."""
    host = [a.copy() for a in arrays]
    device = [_array.to_device(a) for a in arrays]
    cpu_kernel, gpu_kernel = getattr(cpu, name), getattr(gpu, name)
    for t in range(1, steps + 1):
        cpu_kernel(*host, *scalars_of_step(t), *flags(t))
        gpu_kernel(*device, *scalars_of_step(t), *flags(t))
        for h, d in zip(host, device, strict=True):
            _close(_array.to_host(d), h)
    return host


def _arrays(rng, dtype, n, used):
    """param, grad (new each call), and one buffer per entry of ``used``: random when True,
    empty (the option is off) when False."""
    param = rng.standard_normal(n).astype(dtype)
    grad = rng.standard_normal(n).astype(dtype)
    buffers = [np.abs(rng.standard_normal(n)).astype(dtype) if u else np.empty(0, dtype)
               for u in used]
    return [param, grad, *buffers]


SGD_CASES = list(itertools.product([0.0, 0.1], *[[False, True]] * 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, nesterov, maximize, use_momentum", SGD_CASES)
def test_sgd_step_matches_cpu(dtype, weight_decay, nesterov, maximize, use_momentum, rng):
    # Nesterov without momentum is refused by optim.SGD, but the kernel defines it: test it too.
    d = dtype
    arrays = _arrays(rng, d, SIZE, [use_momentum])
    if use_momentum:
        arrays[2][:] = np.nan  # uninitialised on the first step: must be written, not read
    _run_both("sgd_step", arrays,
              lambda t: (d(-0.05), d(weight_decay), d(0.9), d(1 - 0.1)),
              lambda t: (nesterov, maximize, use_momentum, t == 1))


ADAM_CASES = list(itertools.product([0.0, 0.1], *[[False, True]] * 3))


def _adam_scalars(dtype, weight_decay, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    def scalars(t):
        weight = dtype(1 - beta1)
        return tuple(dtype(s) for s in (
            1 - lr * weight_decay, weight_decay, weight, 1 - weight, beta2, 1 - beta2,
            (1 - beta2 ** t) ** 0.5, eps, -(lr / (1 - beta1 ** t))))

    return scalars


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, amsgrad, maximize, decoupled", ADAM_CASES)
def test_adam_step_matches_cpu(dtype, weight_decay, amsgrad, maximize, decoupled, rng):
    arrays = _arrays(rng, dtype, SIZE, [True, True, amsgrad])
    _run_both("adam_step", arrays, _adam_scalars(dtype, weight_decay),
              lambda t: (amsgrad, maximize, decoupled))


def test_adam_amsgrad_keeps_a_nan_maximum(rng):
    param, grad, m, v, v_max = _arrays(rng, np.float64, 40, [True, True, True])
    v_max[::3] = np.nan
    host = _run_both("adam_step", [param, grad, m, v, v_max], _adam_scalars(np.float64, 0.0),
                     lambda t: (True, False, False), steps=1)
    assert np.isnan(host[4][::3]).all() and np.isnan(host[0][::3]).all()


RMSPROP_CASES = list(itertools.product([0.0, 0.1], *[[False, True]] * 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, centered, maximize, use_momentum", RMSPROP_CASES)
def test_rmsprop_step_matches_cpu(dtype, weight_decay, centered, maximize, use_momentum, rng):
    d = dtype
    arrays = _arrays(rng, d, SIZE, [True, centered, use_momentum])
    if centered:
        arrays[3][:] = 0  # grad_avg starts at 0, so that square_avg - grad_avg**2 stays >= 0
    weight = d(1 - 0.99)
    _run_both("rmsprop_step", arrays,
              lambda t: (d(-0.01), d(weight_decay), d(0.99), weight, d(1) - weight, d(1e-8),
                         d(0.9)),
              lambda t: (centered, maximize, use_momentum))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, maximize",
                         list(itertools.product([0.0, 0.1], [False, True])))
def test_adagrad_step_matches_cpu(dtype, weight_decay, maximize, rng):
    d = dtype
    arrays = _arrays(rng, d, SIZE, [True])
    _run_both("adagrad_step", arrays,
              lambda t: (d(-0.1 / (1 + (t - 1) * 0.01)), d(weight_decay), d(1e-10)),
              lambda t: (maximize,))


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single_element_parameters(n, rng):
    arrays = _arrays(rng, np.float32, n, [True, True, True])
    _run_both("adam_step", arrays, _adam_scalars(np.float32, 0.1),
              lambda t: (True, False, True), steps=2)


def test_updates_a_parameter_in_place_and_leaves_unused_buffers_alone(rng):
    param = rng.standard_normal(50)
    d_param, d_grad = _array.to_device(param), _array.to_device(np.ones(50))
    d_sum = _array.to_device(np.zeros(50))
    gpu.adagrad_step(d_param, d_grad, d_sum, -0.5, 0.0, 0.0, False)
    # s = 1, so each element moves by exactly -lr * 1 / sqrt(1).
    np.testing.assert_array_equal(_array.to_host(d_param), param - 0.5)
    np.testing.assert_array_equal(_array.to_host(d_sum), np.ones(50))
    empty = _array.empty((0,), np.float64)
    gpu.sgd_step(d_param, d_grad, empty, -1.0, 0.0, 0.0, 1.0, False, False, False, False)
    np.testing.assert_array_equal(_array.to_host(d_param), param - 0.5 - 1.0)
    assert empty.shape == (0,)


def test_foreach_updates_each_parameter_as_the_cpu(rng):
    f32 = np.float32
    items = [_arrays(rng, f32, n, [True]) for n in (SIZE, 7, 0)]
    host = tuple(tuple(a.copy() for a in item) for item in items)
    device = tuple(tuple(_array.to_device(a) for a in item) for item in items)
    scalars = (f32(-0.1), f32(0.01), f32(0.9), f32(1.0), False, False, True, False)
    cpu.sgd_foreach(host, *scalars)
    gpu.sgd_foreach(device, *scalars)
    for h_item, d_item in zip(host, device, strict=True):
        for h, d in zip(h_item, d_item, strict=True):
            _close(_array.to_host(d), h)

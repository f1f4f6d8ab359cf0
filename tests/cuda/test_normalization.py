"""The GPU normalisation kernels against their CPU twins, and the layers on a GPU.

Under the test launch shape (few threads, few blocks) the larger groups span several grid-stride
turns of one block's threads, and the groups outnumber the blocks.
"""
import numpy as np
import pytest

import numbagrad as ng
from numbagrad.backends import cpu, cuda as gpu  # the backends export the functions
from numbagrad.backends.cuda import _array

# (P, G, K, S) layouts: batch norm, layer norm, group norm, one long group.
SHAPES = [(4, 3, 1, 5), (5, 1, 7, 1), (2, 4, 3, 3), (1, 1, 2, 40)]


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


def _check(got, expected, tol):
    got = _array.to_host(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("per_sample", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_match_cpu(shape, per_sample, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 5).astype(dtype)
    w = rng.standard_normal(shape[1:3]).astype(dtype)
    b = rng.standard_normal(shape[1:3]).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    want = cpu.normalization(x, w, b, per_sample, 1e-5)
    got = gpu.normalization(_device(x), _device(w), _device(b), per_sample, 1e-5)
    for a, e in zip(got, want):
        _check(a, e, tol)
    want_grads = cpu.normalization_vjp(g, x, w, want[1], want[3], per_sample, True)
    got_grads = gpu.normalization_vjp(_device(g), _device(x), _device(w), got[1], got[3],
                                      per_sample, True)
    for a, e in zip(got_grads, want_grads):
        _check(a, e, tol * 10)
    dx, _, db = gpu.normalization_vjp(_device(g), _device(x), _device(w), got[1], got[3],
                                      per_sample, False)
    assert dx is None
    _check(db, want_grads[2], tol * 10)


@pytest.mark.parametrize("make,shape", [
    (lambda: ng.nn.BatchNorm2d(3), (4, 3, 2, 2)),
    (lambda: ng.nn.LayerNorm((2, 3)), (3, 2, 3)),
    (lambda: ng.nn.GroupNorm(2, 4), (2, 4, 3)),
    (lambda: ng.nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (2, 3, 4)),
])
def test_layers_on_gpu_match_cpu(make, shape):
    cpu_layer = make().double()
    gpu_layer = make().double().cuda()
    rng = np.random.default_rng(1)
    for _ in range(2):
        x = rng.standard_normal(shape)
        xc = ng.from_numpy(x.copy()).requires_grad_(True)
        xg = ng.from_numpy(x.copy()).cuda().detach().requires_grad_(True)
        yc, yg = cpu_layer(xc), gpu_layer(xg)
        assert yg.device.type == "cuda"
        g = rng.standard_normal(shape)
        yc.backward(ng.from_numpy(g))
        yg.backward(ng.from_numpy(g).cuda())
        np.testing.assert_allclose(np.asarray(yg.detach().cpu()), np.asarray(yc.detach()),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(xg.grad.cpu()), np.asarray(xc.grad),
                                   rtol=1e-10, atol=1e-12)
    for (name, a), (_, b) in zip(gpu_layer.state_dict().items(),
                                 cpu_layer.state_dict().items()):
        np.testing.assert_allclose(np.asarray(a.cpu()), np.asarray(b), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
    for (name, a), (_, b) in zip(gpu_layer.named_parameters(), cpu_layer.named_parameters()):
        np.testing.assert_allclose(np.asarray(a.grad.cpu()), np.asarray(b.grad), rtol=1e-10,
                                   atol=1e-12, err_msg=name)

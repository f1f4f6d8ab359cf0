"""The GPU singular value decomposition against its CPU twin (the same Jacobi source):
random, rank-deficient and zero matrices, tall and square, a batch spanning several blocks."""
import numpy as np
import pytest

from numbagrad.backends.cpu import svd as cpu_svd  # the backends export the function
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import svd as gpu_svd


def _device(x: np.ndarray):
    return _array.reshape_contiguous(_array.to_device(x), x.shape)


@pytest.mark.parametrize("shape", [(40, 3, 2), (2, 4, 4), (1, 1, 1), (3, 0, 0)])
def test_svd_matches_cpu(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    if a.size:
        a[0] = 0.0  # a zero matrix: U is completed to orthonormal columns
        a[-1, :, -1] = a[-1, :, 0]  # rank-deficient
    got = [_array.to_host(part) for part in gpu_svd(_device(a))]
    for ours, cpu in zip(got, cpu_svd(a)):
        np.testing.assert_allclose(ours, cpu, rtol=1e-12, atol=1e-14)
    u, s, v = got
    np.testing.assert_allclose(u * s[:, None, :] @ np.swapaxes(v, 1, 2), a, atol=1e-12)

"""The update kernels themselves: callable from other njit code, exact float32 arithmetic."""
import numpy as np
from numba import njit

from numbagrad.backends.cpu import optim as kernels


def test_kernels_are_callable_from_other_njit_code():
    @njit
    def two_sgd_steps(param, grad, buf, neg_lr, wd, momentum, one_minus_dampening):
        kernels.sgd_step(param, grad, buf, neg_lr, wd, momentum, one_minus_dampening,
                         False, False, True, True)
        kernels.sgd_step(param, grad, buf, neg_lr, wd, momentum, one_minus_dampening,
                         False, False, True, False)

    f32 = np.float32
    param = np.array([1.0, -2.0], np.float32)
    grad = np.array([0.5, 0.25], np.float32)
    buf = np.empty(2, np.float32)
    two_sgd_steps(param, grad, buf, f32(-0.1), f32(0.0), f32(0.9), f32(1.0))
    np.testing.assert_allclose(buf, grad * 1.9, rtol=1e-6)
    np.testing.assert_allclose(param, [1.0, -2.0] - 0.1 * grad * 2.9, rtol=1e-6)


def test_float32_updates_stay_in_float32():
    # One Adam step in float32 by hand, each operation rounded as torch rounds it.
    f32 = np.float32
    param = np.array([0.3, -1.7, 2.5], np.float32)
    grad = np.array([0.1, -0.2, 3.0], np.float32)
    m, v = np.zeros(3, np.float32), np.zeros(3, np.float32)
    expect_m = m + f32(0.1) * (grad - m)
    expect_v = v * f32(0.999) + f32(0.001) * grad * grad
    denom = np.sqrt(expect_v) / f32(np.sqrt(0.001)) + f32(1e-8)
    expect_p = param + f32(-0.01 / 0.1) * expect_m / denom
    kernels.adam_step(param, grad, m, v, np.empty(0, np.float32), f32(1.0), f32(0.0), f32(0.1),
                      f32(0.9), f32(0.999), f32(0.001), f32(np.sqrt(0.001)), f32(1e-8),
                      f32(-0.01 / 0.1), False, False, False)
    assert param.dtype == np.float32
    np.testing.assert_allclose(m, expect_m, rtol=1e-7)
    np.testing.assert_allclose(v, expect_v, rtol=1e-6)
    np.testing.assert_allclose(param, expect_p, rtol=1e-6)

"""The GPU elementwise loop templates against the CPU's, on broadcast and strided operands."""
import numpy as np
import pytest

from numbagrad.backends.cpu import elementwise as cpu
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda import elementwise as gpu
from numbagrad.backends.cuda import shape as gpu_shape
from numbagrad.ops import scalar as F


def _both(fn, arrays, dtype, n_out=1):
    expected = cpu.map(fn, arrays, dtype, n_out)
    got = gpu.map(fn, [_array.to_device(a) for a in arrays], dtype, n_out)
    if n_out == 1:
        expected, got = (expected,), (got,)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(_array.to_host(g), e)


@pytest.mark.parametrize("shapes", [[(7,), (7,)], [(3, 1, 5), (4, 1)], [(1,), (2, 3)],
                                    [(2, 3, 4, 5, 6), (1, 3, 1, 5, 1)]])
def test_binary_broadcast_matches_cpu(shapes, rng):
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    _both(F.add, [a, b], np.float32)
    _both(F.lt, [a, b], np.bool_)


def test_unary_and_ternary_and_two_outputs(rng):
    x = rng.standard_normal((5, 6))
    _both(F.sigmoid, [x], np.float64)
    _both(F.where, [x > 0, x, -x], np.float64)
    _both(F.mul_vjp, [x, x.T.copy().T, x, x], np.float64, n_out=2)


def test_four_inputs(rng):
    from numbagrad.ops.loss import squared_error_grad

    x, y = rng.standard_normal((5, 6)).astype(np.float32), rng.standard_normal((1, 6))
    _both(squared_error_grad, [x, y.astype(np.float32), np.array(0.5, np.float32),
                               np.array(2 / 30, np.float32)], np.float32)


def test_strided_views_are_read_at_their_strides(rng):
    a = rng.standard_normal((4, 5, 6))
    d = _array.to_device(a)
    view = gpu_shape.basic_index(gpu_shape.permute(d, (2, 0, 1)), (slice(1, 6, 2),))
    got = _array.to_host(gpu.map(F.neg, [view], np.float64))
    np.testing.assert_array_equal(got, -a.transpose(2, 0, 1)[1:6:2])


def test_out_buffer_may_alias_an_input(rng):
    a = rng.standard_normal((3, 4))
    d = _array.to_device(a)
    gpu.map(F.add, [d, _array.to_device(np.ones((4,)))], np.float64, out=d)
    np.testing.assert_array_equal(_array.to_host(d), a + 1)


def test_nine_dimensions_that_do_not_collapse(rng):
    a = rng.standard_normal((2,) * 9)
    d = gpu_shape.permute(_array.to_device(a), tuple(range(8, -1, -1)))
    got = _array.to_host(gpu.map(F.neg, [d], np.float64))
    np.testing.assert_array_equal(got, -a.transpose(tuple(range(8, -1, -1))))

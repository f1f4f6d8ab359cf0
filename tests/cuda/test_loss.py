"""The GPU cross-entropy and NLL, forward and vjp, against their CPU twins.

Under the test launch shape (32 threads, 4 blocks) rows of 40 classes span two strides of a
block, there are more rows than blocks, and the vjp's elements and the reduction's values span
several grid-stride turns.
"""
import numpy as np
import pytest

from numbagrad.backends.cpu import loss as cpu
from numbagrad.backends.cuda import _array, _jit
from numbagrad.backends.cuda import loss as gpu
from numbagrad.backends.cuda import shape as gpu_shape

# Sums are taken in float64 on both sides, in another order: float32 results differ by their
# final rounding (and the simulator's double-precision exp), float64 ones by a few ulps.
TOL = {np.float32: 2e-6, np.float64: 1e-12}


def _close(got, expected, dtype):
    host = _array.to_host(got)
    assert host.shape == np.shape(expected) and host.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(host, expected, rtol=TOL[dtype], atol=TOL[dtype], equal_nan=True)


def _device(a):
    return None if a is None else _array.to_device(a)


def _check(x, target, weight, reduction, ignore_index=-100, smoothing=0.0, normalize=True,
           want_target=False, g=None, device_x=None, device_target=None):
    """Forward, saved values and vjp on the device against the CPU's; returns the CPU loss."""
    dtype = x.dtype.type
    args = (weight, reduction, ignore_index, smoothing, normalize)
    loss, (lse, den) = cpu.cross_entropy(x, target, *args)
    dx = _array.to_device(x) if device_x is None else device_x
    dt = _array.to_device(target) if device_target is None else device_target
    got, extra = gpu.cross_entropy(dx, dt, _device(weight), *args[1:])
    _close(got, loss.astype(dtype), dtype)
    _close(extra[0], lse, np.float64)
    if target.dtype == np.int64:
        _close(extra[1], np.array([den], np.float64), np.float64)
    else:
        assert extra[1] == den
    g = np.random.default_rng(1).standard_normal(loss.shape).astype(dtype) if g is None else g
    expected = cpu.cross_entropy_vjp(g, x, target, weight, (lse, den), *args[1:],
                                     want_target=want_target)
    result = gpu.cross_entropy_vjp(_array.to_device(g), dx, dt, _device(weight), extra,
                                   *args[1:], want_target=want_target)
    _close(result[0], expected[0], dtype)
    if expected[1] is None:
        assert result[1] is None
    else:
        _close(result[1], expected[1], dtype)
    return loss


def _labels(rng, shape, classes, ignore_index=-100):
    t = rng.integers(0, classes, shape).astype(np.int64)
    if t.ndim:
        t.flat[::3] = ignore_index  # every third row is ignored
    return t


@pytest.mark.parametrize("shape, dtype, reduction, weighted, smoothing, normalize", [
    ((6, 40), np.float32, "mean", True, 0.0, True),    # 40 classes: two strides of a block
    ((6, 40), np.float64, "sum", False, 0.1, True),
    ((3, 4, 5), np.float64, "none", True, 0.1, True),  # spatial: classes at stride 5
    ((3, 4, 5), np.float32, "mean", False, 0.0, False),  # nll_loss of log-probabilities
    ((7,), np.float64, "mean", True, 0.2, True),       # one row, a 0-d target
])
def test_class_targets_match_cpu(shape, dtype, reduction, weighted, smoothing, normalize, rng):
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    classes = shape[0] if len(shape) == 1 else shape[1]
    weight = rng.random(classes).astype(dtype) if weighted else None
    target = _labels(rng, shape[:1] + shape[2:] if len(shape) > 1 else (), classes)
    _check(x, target, weight, reduction, smoothing=smoothing, normalize=normalize)


def test_ignore_index_may_be_a_class(rng):
    x = rng.standard_normal((5, 3)).astype(np.float32)
    target = np.array([1, 0, 1, 2, 1], np.int64)
    for reduction in ("none", "mean"):
        _check(x, target, None, reduction, ignore_index=1, smoothing=0.1)


@pytest.mark.parametrize("shape, dtype, reduction, weighted, smoothing, want_target", [
    ((5, 40), np.float32, "mean", True, 0.1, True),
    ((2, 3, 4), np.float64, "none", False, 0.0, True),
    ((6,), np.float64, "sum", True, 0.0, False),
])
def test_probability_targets_match_cpu(shape, dtype, reduction, weighted, smoothing,
                                       want_target, rng):
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = rng.random(shape).astype(dtype)
    y /= y.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    classes = shape[0] if len(shape) == 1 else shape[1]
    weight = rng.random(classes).astype(dtype) if weighted else None
    _check(x, y, weight, reduction, smoothing=smoothing, want_target=want_target)


def test_all_rows_ignored(rng):
    # The mean over no counted rows is 0 / 0 = nan, as torch's; the gradient is all zeros.
    x = rng.standard_normal((3, 4))
    target = np.full(3, -100, np.int64)
    assert np.isnan(_check(x, target, None, "mean"))
    assert _check(x, target, None, "sum") == 0.0


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_no_rows(reduction):
    x = np.zeros((0, 4), np.float32)
    _check(x, np.zeros(0, np.int64), None, reduction)
    _check(x, np.zeros((0, 4), np.float32), None, reduction, want_target=True)


def test_strided_views_are_read_at_their_strides(rng):
    host = rng.standard_normal((4, 3, 2))  # viewed as (N, C, d) = (2, 4, 3): a permutation
    x = gpu_shape.permute(_array.to_device(host), (2, 0, 1))
    labels = rng.integers(0, 4, (3, 4)).astype(np.int64)
    target = gpu_shape.basic_index(gpu_shape.permute(_array.to_device(labels), (1, 0)),
                                   (slice(0, 4, 2),))
    assert not _array.is_contiguous(x) and not _array.is_contiguous(target)
    _check(host.transpose(2, 0, 1), labels.T[0:4:2], None, "mean", device_x=x,
           device_target=target)


def test_a_block_that_is_not_a_power_of_two(rng, monkeypatch):
    monkeypatch.setattr(_jit, "THREADS", 24)  # rows of 40 classes get 24 threads: 16 + 8
    x = rng.standard_normal((3, 40))
    _check(x, _labels(rng, (3,), 40), rng.random(40), "mean", smoothing=0.1)


def test_reduction_is_a_deterministic_tree(rng):
    # 1000 values over 4 blocks of 32 threads: several grid-stride turns, then one block.
    losses = rng.standard_normal(1000)
    weights = rng.random(1000)
    args = (_array.to_device(losses), _array.to_device(weights))
    total, den = gpu._reduce(*args, 1, 1000, np.float64)
    np.testing.assert_allclose(_array.to_host(den), [weights.sum()], rtol=1e-13)
    np.testing.assert_allclose(_array.to_host(total), losses.sum() / weights.sum(), rtol=1e-12)
    again, _ = gpu._reduce(*args, 1, 1000, np.float64)
    assert _array.to_host(again).tobytes() == _array.to_host(total).tobytes()
    total, _ = gpu._reduce(*args, 2, 1000, np.float32)
    _close(total, np.float32(losses.sum() / 1000), np.float32)

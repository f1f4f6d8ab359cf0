"""The CPU broadcasting map on hard layouts, checked against NumPy."""
import numpy as np
import pytest

from numbagrad.backends.cpu import elementwise as ew
from numbagrad.ops import scalar as F


def _rng():
    return np.random.default_rng(0)


def _ref(fn, *arrays):
    return np.vectorize(fn, otypes=[np.float64])(*arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
def test_same_shape_contiguous(dtype):
    a = (_rng().standard_normal((3, 5)) * 10).astype(dtype)
    b = (_rng().standard_normal((3, 5)) * 10).astype(dtype)
    out = ew.map(F.add, [a, b], dtype)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, a + b)


def test_scalars_and_zero_dim():
    a = np.float64(2.0) * np.ones(())
    b = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ew.map(F.mul, [a, b], np.float64), 2 * b)
    np.testing.assert_array_equal(ew.map(F.mul, [b, a], np.float64), 2 * b)
    both = ew.map(F.sub, [np.array(5.0), np.array(3.0)], np.float64)
    assert both.shape == () and both == 2.0
    one = ew.map(F.add, [np.ones((1, 1, 1)), np.ones(())], np.float64)
    assert one.shape == (1, 1, 1) and one.item() == 2


@pytest.mark.parametrize("shapes", [
    [(0,), (0,)], [(3, 0), (1,)], [(0, 4), (3, 1, 4)], [(2, 0, 3), (2, 1, 3)],
])
def test_size_zero_dims(shapes):
    arrays = [np.ones(s) for s in shapes]
    out = ew.map(F.add, arrays, np.float64)
    assert out.shape == np.broadcast_shapes(*shapes) and out.size == 0


def test_transposed_and_strided_views():
    rng = _rng()
    base = rng.standard_normal((6, 8, 10))
    a = base.transpose(2, 0, 1)[:, ::2, 1::3]          # (10, 3, 3), non-contiguous
    b = rng.standard_normal((10, 1, 3))[:, :, ::-1]   # negative stride
    c = rng.standard_normal((3,))
    np.testing.assert_allclose(ew.map(F.mul, [a, b], np.float64), a * b)
    np.testing.assert_allclose(ew.map(F.where, [a > 0, b, c], np.float64),
                               np.where(a > 0, b, c))
    f = np.asfortranarray(rng.standard_normal((7, 9)))
    np.testing.assert_allclose(ew.map(F.exp, [f], np.float64), np.exp(f))


@pytest.mark.parametrize("perm", [(4, 3, 2, 1, 0), (0, 2, 4, 1, 3), (1, 0, 3, 2, 4)])
def test_more_than_four_dims_that_cannot_collapse(perm):
    rng = _rng()
    x = rng.standard_normal((2, 3, 2, 3, 2)).transpose(perm)
    y = rng.standard_normal(x.shape)
    z = rng.standard_normal((x.shape[0], 1, x.shape[2], 1, x.shape[4]))
    np.testing.assert_allclose(ew.map(F.add, [x, y], np.float64), x + y)
    np.testing.assert_allclose(ew.map(F.mul, [x, z], np.float64), x * z)
    six = rng.standard_normal((2, 1, 3, 1, 2, 3))[:, :, ::-1, :, :, ::2]
    w = rng.standard_normal((2, 2, 1, 2, 1, 1))
    np.testing.assert_allclose(ew.map(F.sub, [six, w], np.float64), six - w)


def test_out_into_non_contiguous_view():
    rng = _rng()
    target = np.zeros((6, 8))
    view = target[::2, 1::2]                       # (3, 4), strided rows and columns
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((4,))
    result = ew.map(F.add, [a, b], np.float64, out=view)
    assert result is view
    np.testing.assert_allclose(target[::2, 1::2], a + b)
    untouched = target.copy()
    untouched[::2, 1::2] = 0
    assert not untouched.any()
    t = np.zeros((4, 3)).T                          # transposed out
    ew.map(F.mul, [np.ones((3, 4)), np.full((3, 1), 2.0)], np.float64, out=t)
    assert (t == 2).all()


def test_out_into_view_of_more_than_four_dims():
    rng = _rng()
    store = np.zeros((2, 3, 2, 3, 4))
    view = store.transpose(4, 1, 3, 0, 2)[::2]     # (2, 3, 3, 2, 2)
    a = rng.standard_normal(view.shape)
    ew.map(F.neg, [a], np.float64, out=view)
    np.testing.assert_allclose(view, -a)


def test_out_may_alias_an_input():
    x = np.arange(12.0).reshape(3, 4)
    expected = x * 3
    ew.map(F.mul, [x, np.array(3.0)], np.float64, out=x)
    np.testing.assert_array_equal(x, expected)


def _four(a, b, c, d):
    return (a - b) * (c - d)  # no multiply-add, which the kernels may fuse into one rounding


@pytest.mark.parametrize("n_in", [1, 2, 3, 4])
def test_dense_scalar_operands_in_every_position(n_in):
    # Each operand in turn is one element (read once) while the others are full arrays.
    rng = _rng()
    fn = {1: F.neg, 2: F.sub, 3: F.where, 4: _four}[n_in]
    for scalar_at in range(n_in):
        arrays = [rng.standard_normal((6, 7)) for _ in range(n_in)]
        if n_in == 3:
            arrays[0] = arrays[0] > 0
        arrays[scalar_at] = arrays[scalar_at][:1, :1].copy().reshape(())
        expected = _ref(fn, *arrays)
        np.testing.assert_array_equal(ew.map(fn, arrays, np.float64), expected)


def test_a_scalar_operand_is_read_before_the_op_writes():
    # torch's meaning of x.mul_(x[0]): every element is scaled by the value x[0] had before.
    x = np.arange(1.0, 9.0)
    ew.map(F.mul, [x, x[:1]], np.float64, out=x)
    np.testing.assert_array_equal(x, np.arange(1.0, 9.0))
    y = np.arange(2.0, 10.0)
    ew.map(F.mul, [y, y[:1]], np.float64, out=y)
    np.testing.assert_array_equal(y, np.arange(2.0, 10.0) * 2)


def test_four_input_template_on_broadcast_and_strided_operands():
    rng = _rng()
    a = rng.standard_normal((4, 1, 5))
    b = rng.standard_normal((6, 10))[::2, ::2]  # a strided view, (3, 5)
    c = rng.standard_normal((5, 3)).T  # transposed, (3, 5)
    d = np.array(0.5)
    expected = _ref(_four, *np.broadcast_arrays(a, b, c, d))
    out = ew.map(_four, [a, b, c, d], np.float64)
    assert out.shape == (4, 3, 5)
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    dense = [rng.standard_normal((3, 4)) for _ in range(4)]
    np.testing.assert_allclose(ew.map(_four, dense, np.float64), _ref(_four, *dense), rtol=1e-15)


def test_two_output_template():
    rng = _rng()
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((1, 5))
    out, g = a * b, np.ones((4, 5))
    ga, gb = ew.map(F.mul_vjp, [a, b, out, g], np.float64, n_out=2)
    np.testing.assert_allclose(ga, np.broadcast_to(b, (4, 5)))
    np.testing.assert_allclose(gb, a)


def test_bool_output():
    a = np.array([1.0, 2.0, np.nan])
    assert ew.map(F.lt, [a, np.array(1.5)], np.bool_).tolist() == [True, False, False]


@pytest.mark.parametrize("layout", ["contiguous", "broadcast", "strided", "five_dims"])
def test_parallel_path_equals_serial_path(layout, monkeypatch):
    rng = _rng()
    n = ew.PARALLEL_MIN_SIZE * 2 + 123
    if layout == "contiguous":
        arrays = [rng.standard_normal(n), rng.standard_normal(n)]
    elif layout == "broadcast":
        arrays = [rng.standard_normal((n // 100, 1)), rng.standard_normal((1, 100))]
    elif layout == "strided":
        arrays = [rng.standard_normal((3 * n // 100, 200))[::3, ::2], rng.standard_normal(100)]
    else:
        arrays = [rng.standard_normal((8, 6, 7, 10, 40)).transpose(4, 2, 0, 3, 1),
                  rng.standard_normal((40, 1, 8, 10, 1))]
    expected = np.broadcast_arrays(*arrays)
    expected = expected[0] * expected[1]
    assert expected.size >= ew.PARALLEL_MIN_SIZE
    parallel = ew.map(F.mul, arrays, np.float64)
    monkeypatch.setattr(ew, "PARALLEL_MIN_SIZE", 10**12)
    serial = ew.map(F.mul, arrays, np.float64)
    np.testing.assert_array_equal(parallel, serial)
    np.testing.assert_allclose(parallel, expected)


def test_broadcast_shape():
    assert ew.broadcast_shape((2, 1), (3,)) == (2, 3)
    with pytest.raises(ValueError):
        ew.broadcast_shape((2,), (3,))


@pytest.mark.parametrize("n_out", [1, 2])
def test_four_strided_operands_above_the_parallel_size(n_out):
    """The parallel strided loops of four inputs (a binary op's vjp) compile and are right."""
    rng = np.random.default_rng(0)
    a = rng.random((32, 64, 64)).transpose(0, 2, 1)
    b = rng.random((32, 64, 64))
    assert a.size >= ew.PARALLEL_MIN_SIZE
    if n_out == 2:
        ga, gb = ew.map(F.mul_vjp, [a, b, b, b], np.float64, n_out=2)
        np.testing.assert_allclose(ga, b * b)
        np.testing.assert_allclose(gb, b * a)
    else:
        out = ew.map(F.clamp_vjp_input, [a, b * 0.5, b, a], np.float64)
        np.testing.assert_allclose(out, _ref(F.clamp_vjp_input, a, b * 0.5, b, a))

"""Sorting and counting: unique, unique_consecutive, bincount, histc, searchsorted, bucketize.

Hand tests against torch 2.13 (values, dtypes, shapes, tuple results, nan, 0-d and empty
inputs, what happens to a tensor that requires grad, errors by class and words) and Hypothesis
tests against NumPy and torch.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numbagrad as ng

torch = pytest.importorskip("torch")

NAN = float("nan")
INF = float("inf")


def _both(data, dtype=None):
    return (ng.tensor(data, dtype=dtype and getattr(ng, dtype)),
            torch.tensor(data, dtype=dtype and getattr(torch, dtype)))


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    np.testing.assert_array_equal(np.asarray(ours), theirs.numpy())
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def _raises_alike(call):
    """``call(ng)`` raises the class and the words that ``call(torch)`` raises."""
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(ng)
    # numbagrad names the op before torch's words where torch names none (dim errors)
    assert str(got.value).strip().endswith(str(expected.value).strip())


# ---------------------------------------------------------------------------- unique

UNIQUE_DATA = [[3, 1, 2, 1, 3, 0], [2.0, 1.0, NAN, 1.0, NAN, -0.0, 0.0], [True, False, True],
               [[1, 2], [1, 2], [0, 5]], 5.0, []]


@pytest.mark.parametrize("data", UNIQUE_DATA)
@pytest.mark.parametrize("sorted_", [True, False])
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_matches_torch(data, sorted_, inverse, counts):
    x, t = _both(data)
    _same(ng.unique(x, sorted_, inverse, counts),
          torch.unique(t, sorted_, inverse, counts))
    _same(x.unique(sorted_, inverse, counts), t.unique(sorted_, inverse, counts))


@pytest.mark.parametrize("data", [[1, 1, 2, 2, 3, 1, 1, 2], [1.0, NAN, NAN, 2.0, 2.0], 3.0, [],
                                  [[1, 1], [1, 2]]])
def test_unique_consecutive_matches_torch(data):
    x, t = _both(data)
    for inverse in (False, True):
        for counts in (False, True):
            _same(ng.unique_consecutive(x, return_inverse=inverse, return_counts=counts),
                  torch.unique_consecutive(t, return_inverse=inverse, return_counts=counts))
            _same(x.unique_consecutive(return_inverse=inverse, return_counts=counts),
                  t.unique_consecutive(return_inverse=inverse, return_counts=counts))


BLOCKS = [[[1, 2, 0], [1, 2, 0], [0, 5, 1]], [[1, 2, 0], [1, 2, 0], [0, 5, 1]],
          [[3, 1, 2], [1, 1, 2], [1, 1, 2]]]  # (3, 3, 3): equal slices along every dim


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_unique_dim_matches_torch(dim):
    x, t = _both(BLOCKS)
    for f in ("unique", "unique_consecutive"):
        _same(getattr(ng, f)(x, return_inverse=True, return_counts=True, dim=dim),
              getattr(torch, f)(t, return_inverse=True, return_counts=True, dim=dim))
    x, t = _both([[3.0, 1.0, 3.0, NAN, NAN], [2.0, 0.0, 2.0, 1.0, 1.0]])
    if dim in (0, 1, -1):
        _same(ng.unique(x, dim=dim, return_inverse=True, return_counts=True),
              torch.unique(t, dim=dim, return_inverse=True, return_counts=True))
        _same(ng.unique_consecutive(x, dim=dim, return_counts=True),
              torch.unique_consecutive(t, dim=dim, return_counts=True))


def test_unique_empty_and_zero_sized_dims_as_torch():
    _same(ng.unique(ng.zeros(0, 3), dim=0, return_inverse=True, return_counts=True),
          torch.unique(torch.zeros(0, 3), dim=0, return_inverse=True, return_counts=True))
    _same(ng.unique(ng.zeros(2, 0), dim=1, return_counts=True),
          torch.unique(torch.zeros(2, 0), dim=1, return_counts=True))
    _raises_alike(lambda m: m.unique(m.zeros(2, 0), dim=0))
    _raises_alike(lambda m: m.unique(m.tensor(1), dim=0))
    _raises_alike(lambda m: m.unique(m.tensor([[1, 1]]), dim=2))
    _raises_alike(lambda m: m.unique(m.zeros(0, 0), dim=0))
    _raises_alike(lambda m: m.unique_consecutive(m.zeros(2, 0), dim=0))
    _raises_alike(lambda m: m.unique_consecutive(m.tensor([1]), dim="a"))


def test_unique_half_keeps_dtype():
    x, t = _both([1.5, 0.5, 1.5], "float16")
    _same(ng.unique(x, return_counts=True), torch.unique(t, return_counts=True))


@pytest.mark.parametrize("call, error", [
    (lambda m, x: m.unique(x), NotImplementedError),
    (lambda m, x: m.unique(x.reshape(1, 3), dim=0), NotImplementedError),
    (lambda m, x: m.unique(x, return_inverse=True)[0], NotImplementedError),
    (lambda m, x: m.unique_consecutive(x), NotImplementedError),
    (lambda m, x: m.bincount(m.tensor([0, 2, 0]), x), RuntimeError),
])
def test_requires_grad_gives_a_backward_that_raises_as_torch(call, error):
    ours = call(ng, ng.tensor([1.0, 2.0, 1.0], requires_grad=True))
    theirs = call(torch, torch.tensor([1.0, 2.0, 1.0], requires_grad=True))
    assert ours.requires_grad and theirs.requires_grad
    with pytest.raises(error) as expected:
        theirs.sum().backward()
    with pytest.raises(error) as got:
        ours.sum().backward()
    assert str(got.value) == str(expected.value)


def test_no_grad_for_histc_searchsorted_bucketize():
    x = ng.tensor([1.0, 2.0, 1.0], requires_grad=True)
    for result in (ng.histc(x, 3), ng.searchsorted(x.detach(), x),
                   ng.bucketize(x, ng.tensor([1.5])), ng.unique(x.detach())):
        assert not result.requires_grad and result.grad_fn is None
    with ng.no_grad():
        assert ng.unique(x).grad_fn is None


def test_unique_arguments_errors():
    _raises_alike(lambda m: m.unique(m.tensor([1, 2]), dim="a"))
    with pytest.raises(TypeError, match="Tensor"):
        ng.unique([1, 2])


# ---------------------------------------------------------------------------- bincount

@pytest.mark.parametrize("data, weights, minlength", [
    ([1, 1, 3], None, 0), ([1, 1, 3], None, 6), ([], None, 0), ([], None, 3),
    ([1, 1, 3], [0.5, 0.5, 1.0], 0), ([1, 1, 3], ("float64", [0.5, 0.5, 1.0]), 0),
    ([1, 1, 3], [1, 2, 3], 0), ([1, 1, 3], [True, False, True], 0),
    ([1, 1, 3], ("float16", [1.0, 2.0, 3.0]), 2), ([0, 4], [1.0, 2.0], 7),
    (("uint8", [1, 2, 2]), None, 0), (("int32", [1, 2]), None, 0),
])
def test_bincount_matches_torch(data, weights, minlength):
    dtype, data = data if isinstance(data, tuple) else (None, data)
    x, t = _both(data, dtype or "int64")
    wx = wt = None
    if weights is not None:
        wdtype, weights = weights if isinstance(weights, tuple) else (None, weights)
        wx, wt = _both(weights, wdtype)
    _same(ng.bincount(x, wx, minlength), torch.bincount(t, wt, minlength))
    _same(x.bincount(wx, minlength=minlength), t.bincount(wt, minlength=minlength))


@pytest.mark.parametrize("call", [
    lambda m: m.bincount(m.tensor([1, -1, 3])),
    lambda m: m.bincount(m.tensor([[1, 1, 3]])),
    lambda m: m.bincount(m.tensor(3)),
    lambda m: m.bincount(m.tensor([1.0, 2.0])),
    lambda m: m.bincount(m.tensor([True, False])),
    lambda m: m.bincount(m.tensor([1, 2]), minlength=-1),
    lambda m: m.bincount(m.tensor([1, 2]), minlength=1.5),
    lambda m: m.bincount(m.tensor([1, 1, 3]), weights=m.tensor([1.0, 2.0])),
    lambda m: m.bincount(m.tensor([1, 1, 3]), weights=m.tensor([[1.0, 2.0, 3.0]])),
])
def test_bincount_errors_as_torch(call):
    _raises_alike(call)


@given(hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(0, 12)),
       st.integers(0, 15), st.booleans())
def test_bincount_matches_numpy(data, minlength, weighted):
    w = np.linspace(-1, 2, data.size) if weighted else None
    got = ng.bincount(ng.tensor(data), None if w is None else ng.tensor(w), minlength)
    np.testing.assert_allclose(np.asarray(got), np.bincount(data, w, minlength))


# ---------------------------------------------------------------------------- histc

@pytest.mark.parametrize("data, bins, low, high", [
    ([1.0, 2.0, 1.0], 4, 0, 0), ([1.0, 2.0, 1.0], 4, 0, 3), ([1.0, 1.0, 1.0], 4, 0, 0),
    ([[1.0, 2.0], [5.0, -1.0]], 3, 0, 5), ([1.0, 2.0, NAN], 3, 0, 3),
    ([1.0, 2.0, INF], 3, 0, 3), ([1.0, 2.0, 3.0], 3, 2, 2), ([], 3, 0, 0), (2.0, 3, 0, 0),
    ([0.0, 1.0, 2.0, 3.0, 10.0, -1.0], 3, 0, 3), ([0.1, 0.2, 0.3, 0.7], 10, 0, 1),
    ([1.0, 2.0], 2, 0, 1), ([1.0, 2.0], 2, -1, 0), ([1.0, 2.0], 2, False, True),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_histc_matches_torch(data, bins, low, high, dtype):
    x, t = _both(data, dtype)
    _same(ng.histc(x, bins, low, high), torch.histc(t, bins, low, high))
    _same(x.histc(bins, min=low, max=high), t.histc(bins, min=low, max=high))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_histc_bins_in_the_input_dtype_as_torch(dtype):
    """Many elements near bin edges, where the arithmetic's dtype decides the bin."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal(300).astype(dtype)
    data[::7] = data[0]
    data[1::9] = np.linspace(-1, 1, 34).astype(dtype)
    for bins, low, high in ((7, 0, 0), (13, -1.3, 0.7), (100, 0, 0), (3, -0.1, 0.1),
                            (20, -1, 1), (10, 0, 1)):
        _same(ng.histc(ng.tensor(data), bins, low, high),
              torch.histc(torch.tensor(data), bins, low, high))


def test_histc_out_as_torch():
    out = ng.empty(2)
    assert ng.histc(ng.tensor([1.0, 2.0]), 2, out=out) is out
    np.testing.assert_array_equal(np.asarray(out), [1.0, 1.0])


@pytest.mark.parametrize("call", [
    lambda m: m.histc(m.tensor([1.0, 2.0, NAN]), bins=3),
    lambda m: m.histc(m.tensor([1.0, 2.0, INF]), bins=3),
    lambda m: m.histc(m.tensor([1, 2, 3]), bins=3),
    lambda m: m.histc(m.tensor([1, 2], dtype=m.int32), bins=3),
    lambda m: m.histc(m.tensor([True, False])),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=0),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=-1),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=3, min=3, max=1),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=3, min=NAN, max=2),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=3, min=0, max=INF),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=2.5),
    lambda m: m.histc(m.tensor([1.0, 2.0]), 2, out=m.empty(2, dtype=m.float64)),
    lambda m: m.histc(m.tensor([1.0, 2.0]), 2, out=m.empty(2, dtype=m.int64)),
])
def test_histc_errors_as_torch(call):
    try:
        _raises_alike(call)
    except AssertionError:
        # torch prints a nan made by its min/max reduction as "-nan": only the class must match
        with pytest.raises(Exception) as expected:
            call(torch)
        assert "nan" in str(expected.value)
        with pytest.raises(type(expected.value), match="is not finite"):
            call(ng)


@given(hnp.arrays(np.float64, st.integers(0, 30),
                  elements=st.floats(-10, 10, allow_nan=False)),
       st.integers(1, 12), st.sampled_from([(0, 0), (-5, 5), (0, 2.5), (-1.25, 7)]),
       st.sampled_from(["float64", "float32", "float16"]))
def test_histc_matches_torch_hypothesis(data, bins, limits, dtype):
    _same(ng.histc(ng.tensor(data, dtype=getattr(ng, dtype)), bins, *limits),
          torch.histc(torch.tensor(data, dtype=getattr(torch, dtype)), bins, *limits))


# ---------------------------------------------------------------------------- searchsorted

S = [1.0, 3.0, 5.0, 7.0]


@pytest.mark.parametrize("seq, values", [
    (S, [3.0, 6.0, 9.0, 0.0]), (S, 3), (S, 3.5), (S, [[3, 6], [1, 8]]), (S, 7.0),
    ([1, 3, 5], [2.5]), ([1, 3, 5], 2.5), ([[1, 3, 5], [2, 4, 6]], [[2], [5]]),
    ([[1, 3, 5], [2, 4, 6]], [[2, 3, 7], [5, 1, 6]]), ([1.0, NAN], [NAN, 2.0, 0.0]),
    ([], [1.0]), ([1, 16777217], 16777216.0), ([1, 16777217], [16777216.0]),
    ([1, 2], [True]), ([1.0, 1.0, 1.0, 2.0], [1.0, 2.0]),
])
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("out_int32", [False, True])
def test_searchsorted_matches_torch(seq, values, right, out_int32):
    b, tb = _both(seq)
    v, tv = _both(values) if isinstance(values, list) else (values, values)
    _same(ng.searchsorted(b, v, right=right, out_int32=out_int32),
          torch.searchsorted(tb, tv, right=right, out_int32=out_int32))
    side = "right" if right else "left"
    _same(ng.searchsorted(b, v, side=side), torch.searchsorted(tb, tv, side=side))
    if b.ndim == 1:
        _same(ng.bucketize(v, b, right=right, out_int32=out_int32),
              torch.bucketize(tv, tb, right=right, out_int32=out_int32))


def test_searchsorted_wraps_ints_and_promotes_as_torch():
    b, tb = _both([1, 3], "uint8")
    _same(ng.searchsorted(b, -1), torch.searchsorted(tb, -1))
    _same(ng.searchsorted(b, ng.tensor([-1])), torch.searchsorted(tb, torch.tensor([-1])))
    b, tb = _both([1.0, 2.0], "float16")
    _same(ng.searchsorted(b, ng.tensor([1.5], dtype=ng.float16)),
          torch.searchsorted(tb, torch.tensor([1.5], dtype=torch.float16)))


def test_searchsorted_sorter_and_out_as_torch():
    b, tb = _both([[5.0, 1.0, 3.0], [0.0, 9.0, 4.0]])
    order, torder = ng.argsort(b), torch.argsort(tb)
    v, tv = _both([[2.0, 4.0, 5.0], [9.0, -1.0, 4.0]])
    for right in (False, True):
        _same(ng.searchsorted(b, v, sorter=order, right=right),
              torch.searchsorted(tb, tv, sorter=torder, right=right))
    out = ng.empty(5, dtype=ng.int64)
    with pytest.warns(UserWarning):
        assert ng.searchsorted(ng.tensor(S), ng.tensor([3.0, 6.0]), out=out) is out
    np.testing.assert_array_equal(np.asarray(out), [1, 3])
    out = ng.empty(2, dtype=ng.int32)
    ng.bucketize(ng.tensor([2.0, 6.0]), ng.tensor(S), out_int32=True, out=out)
    np.testing.assert_array_equal(np.asarray(out), [1, 3])


@pytest.mark.parametrize("call", [
    lambda m: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), m.tensor([2, 5])),
    lambda m: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), m.tensor([[2, 3]] * 3)),
    lambda m: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), 3),
    lambda m: m.searchsorted(m.tensor(3), 3),
    lambda m: m.searchsorted(m.tensor(1.0), m.tensor([1.0])),
    lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0]),
                             sorter=m.tensor([1, 2, 3])),
    lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0]),
                             sorter=m.tensor([-1, 2, 0])),
    lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0]),
                             sorter=m.tensor([1, 2])),
    lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0]),
                             sorter=m.tensor([1, 2, 0], dtype=m.int32)),
    lambda m: m.searchsorted(m.tensor(S), m.tensor([2.0]), side="middle"),
    lambda m: m.searchsorted(m.tensor(S), m.tensor([2.0]), side="left", right=True),
    lambda m: m.searchsorted(m.tensor(S), m.tensor([2.0]), out=m.empty(1, dtype=m.int32)),
    lambda m: m.searchsorted(m.tensor(S), m.tensor([2.0]), out_int32=True,
                             out=m.empty(1, dtype=m.int64)),
    lambda m: m.searchsorted(m.tensor([True, True]), m.tensor([True])),
    lambda m: m.bucketize(m.tensor([1.0]), m.tensor([[1, 3, 5, 7]])),
    lambda m: m.bucketize(m.tensor([1.0]), m.tensor(1.0)),
    lambda m: m.bucketize(m.tensor([1.0]), m.tensor(S), out=m.empty(1, dtype=m.int32)),
])
def test_searchsorted_errors_as_torch(call):
    _raises_alike(call)


@pytest.mark.parametrize("call", [
    lambda m: m.searchsorted([1, 2], 3),
    lambda m: m.searchsorted(m.tensor([1, 2]), [3]),
    lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([3]), side=3),
    lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([3]), out_int32=1),
    lambda m: m.bucketize(m.tensor([1.0]), [1.0, 2.0]),
])
def test_searchsorted_bad_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="received an invalid combination of arguments"):
        call(ng)


@given(hnp.arrays(np.float64, st.integers(0, 12), elements=st.integers(-5, 5).map(float)),
       hnp.arrays(np.float64, st.integers(0, 12), elements=st.integers(-6, 6).map(float)),
       st.sampled_from(["left", "right"]))
def test_searchsorted_matches_numpy(seq, values, side):
    seq = np.sort(seq)
    got = ng.searchsorted(ng.tensor(seq), ng.tensor(values), side=side)
    np.testing.assert_array_equal(np.asarray(got), np.searchsorted(seq, values, side))


@given(hnp.arrays(np.int64, st.tuples(st.integers(1, 3), st.integers(0, 6)),
                  elements=st.integers(-3, 3)),
       st.integers(0, 5), st.booleans())
def test_searchsorted_rows_and_sorter_match_torch(seq, k, right):
    rng = np.random.default_rng(seq.size)
    values = rng.integers(-4, 4, (seq.shape[0], k))
    order = np.argsort(seq, axis=-1, kind="stable")
    b, tb = ng.tensor(seq), torch.tensor(seq)
    _same(ng.searchsorted(b, ng.tensor(values), right=right, sorter=ng.tensor(order)),
          torch.searchsorted(tb, torch.tensor(values), right=right,
                             sorter=torch.tensor(order)))


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                  elements=st.integers(-2, 2).map(float)), st.integers(0, 2))
def test_unique_matches_torch_and_numpy(data, dim):
    x, t = ng.tensor(data), torch.tensor(data)
    _same(ng.unique(x, return_inverse=True, return_counts=True),
          torch.unique(t, return_inverse=True, return_counts=True))
    values, counts = np.unique(data, return_counts=True)
    ours = ng.unique(x, return_counts=True)
    np.testing.assert_array_equal(np.asarray(ours[0]), values)
    np.testing.assert_array_equal(np.asarray(ours[1]), counts)
    _same(ng.unique_consecutive(x, return_inverse=True, return_counts=True),
          torch.unique_consecutive(t, return_inverse=True, return_counts=True))
    if dim < data.ndim and (data.size or (data.shape.count(0) == 1 and data.shape[dim] == 0)):
        _same(ng.unique(x, dim=dim, return_inverse=True, return_counts=True),
              torch.unique(t, dim=dim, return_inverse=True, return_counts=True))
        _same(ng.unique_consecutive(x, dim=dim, return_inverse=True, return_counts=True),
              torch.unique_consecutive(t, dim=dim, return_inverse=True, return_counts=True))

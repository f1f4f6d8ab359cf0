"""median, nanmedian and mode: what the generated specs cannot show.

Ties and nan against torch 2.13 (values, indices and the gradient's path), the gradient of the
global median shared among tied elements, int, bool, 0-d and empty inputs, named tuples,
``keepdim``, ``axis=`` and ``out=``, and the errors.
"""
import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

NAN = float("nan")
# Slices of up to 16 elements: torch's selection among equal elements is then the stable one.
DATA = [[2.0, 1.0, 2.0, 1.0, 3.0], [5.0, 5.0, 5.0, 1.0, 1.0], [1.0, NAN, 2.0, NAN, 0.0],
        [3.0, 1.0, 1.0, 3.0, 7.0], [4.0, 4.0, 4.0, 4.0, 4.0]]


def _run(lib, fn, data, dtype="float64"):
    x = lib.tensor(data, dtype=getattr(lib, dtype),
                   requires_grad=dtype.startswith("float"))
    result = fn(lib, x)
    values = result[0] if isinstance(result, tuple) else result
    if x.requires_grad:
        weights = lib.arange(1, values.numel() + 1, dtype=values.dtype).reshape(values.shape)
        (values * weights).sum().backward()
    parts = list(result) if isinstance(result, tuple) else [result]
    return ([np.asarray(p.detach().tolist()) for p in parts],
            None if x.grad is None else np.asarray(x.grad.tolist()),
            type(result).__name__)


def _check(fn, data=DATA, dtype="float64"):
    ours, theirs = _run(ng, fn, data, dtype), _run(torch, fn, data, dtype)
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, False), (-1, True)])
def test_medians_along_a_dim(name, dim, keepdim):
    _check(lambda lib, x: getattr(lib, name)(x, dim, keepdim))
    _check(lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), DATA[:2] + DATA[3:],
           "int64")


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("rows", [slice(0, 2), slice(0, 5), slice(2, 3), slice(3, 5)])
def test_global_median_shares_the_gradient_among_ties(name, rows):
    _check(lambda lib, x: getattr(lib, name)(x), DATA[rows])


def test_all_nan_and_empty():
    _check(lambda lib, x: lib.nanmedian(x, 1), [[NAN, NAN], [1.0, NAN]])
    _check(lambda lib, x: lib.nanmedian(x), [NAN, NAN])
    _check(lambda lib, x: lib.median(x), [])
    _check(lambda lib, x: lib.median(x.reshape(0, 3), 1), [])


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_mode_smallest_of_the_most_frequent_at_its_last_index(dim, keepdim):
    data = DATA[:2] + DATA[3:]  # torch's index after a nan depends on its unstable sort
    _check(lambda lib, x: lib.mode(x, dim, keepdim), data)
    _check(lambda lib, x: x.mode(dim, keepdim), data, "int64")


def test_mode_nan_counts_once_and_bool():
    _check(lambda lib, x: lib.mode(x), [[1.0, NAN, 2.0, NAN, 0.0], [NAN, NAN, 1.0, 2.0, 2.0]])
    _check(lambda lib, x: lib.mode(x, 0), [[True, False], [True, True], [False, False]], "bool")


def test_scalar_axis_and_out():
    _check(lambda lib, x: lib.median(x, 0), 5.0)
    _check(lambda lib, x: lib.mode(x, -1, True), 5.0)
    _check(lambda lib, x: lib.median(x, axis=1), DATA)
    _check(lambda lib, x: lib.mode(x, axis=0), DATA[:2])
    x = ng.tensor(DATA)
    out = (ng.empty(0), ng.empty(0, dtype=ng.int64))
    result = ng.median(x, 1, out=out)
    assert result.values is out[0] and result.indices is out[1]
    assert out[1].tolist() == [0, 0, 1, 0, 2]
    assert repr(ng.mode(ng.tensor([1.0, 1.0]))).startswith("numbagrad.return_types.mode(")


@pytest.mark.parametrize("call,exc", [
    (lambda lib: lib.median(lib.tensor([True]), 0), NotImplementedError),
    (lambda lib: lib.median(lib.tensor([True])), NotImplementedError),
    (lambda lib: lib.nanmedian(lib.tensor([True]), 0), NotImplementedError),
    (lambda lib: lib.median(lib.zeros(2, 0), 1), IndexError),
    (lambda lib: lib.nanmedian(lib.zeros(2, 0), -1), IndexError),
    (lambda lib: lib.mode(lib.zeros(2, 0)), IndexError),
])
def test_errors_as_torch(call, exc):
    with pytest.raises(exc) as theirs:
        call(torch)
    with pytest.raises(exc) as ours:
        call(ng)
    assert str(ours.value) == str(theirs.value)


def test_dim_out_of_range():
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.mode(ng.ones(2), 1)

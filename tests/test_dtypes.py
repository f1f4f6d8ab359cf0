"""dtypes: names, conversions and torch's type promotion, checked against torch where it runs."""
import itertools
import operator

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import dtypes

NAMES = ["bool", "int32", "int64", "float32", "float64"]


def _ng(name):
    return getattr(ng, name)


def _values(dtype_name):
    return {"bool": [True, False], "int32": [1, 2], "int64": [1, 2],
            "float32": [1.5, 2.5], "float64": [1.5, 2.5]}[dtype_name]


def test_aliases_are_torchs():
    assert ng.float is ng.float32 and ng.double is ng.float64
    assert ng.long is ng.int64 and ng.int is ng.int32
    assert repr(ng.float32) == "numbagrad.float32"


def test_as_dtype_reads_python_types_as_torch_does():
    assert dtypes.as_dtype(float) is ng.float64
    assert dtypes.as_dtype(int) is ng.int64
    assert dtypes.as_dtype(bool) is ng.bool
    assert dtypes.as_dtype(np.float32) is ng.float32
    assert ng.zeros(2, dtype=float).dtype is ng.float64


def test_from_numpy_dtype_rejects_unsupported_types():
    with pytest.raises(TypeError, match="float16"):
        dtypes.from_numpy_dtype(np.float16)


def test_scalar_dtype_of_numpy_scalars_follows_their_kind():
    assert dtypes.scalar_dtype(np.int32(1)) is ng.int64
    assert dtypes.scalar_dtype(np.float64(1)) is ng.float32
    assert dtypes.scalar_dtype(np.bool_(True)) is ng.bool


def test_default_dtype_round_trip():
    assert ng.get_default_dtype() is ng.float32
    try:
        ng.set_default_dtype(ng.float64)
        assert ng.tensor([1.0]).dtype is ng.float64
        assert (ng.tensor([1, 2]) * 0.5).dtype is ng.float64
    finally:
        ng.set_default_dtype(ng.float32)
    with pytest.raises(TypeError):
        ng.set_default_dtype(ng.int64)


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert ng.promote_types(_ng(a), _ng(b)).name == str(expected).removeprefix("torch.")


def _operand(lib, kind, dtype_name):
    """A tensor with dimensions, a 0-d tensor, or a Python number of the dtype's kind."""
    if kind == "scalar":
        return {"bool": True, "int32": 3, "int64": 3, "float32": 2.5, "float64": 2.5}[dtype_name]
    values = _values(dtype_name)
    data = values if kind == "tensor" else values[0]
    return lib.tensor(data, dtype=getattr(lib, dtype_name))


KINDS = [("tensor", "tensor"), ("tensor", "zero_dim"), ("zero_dim", "tensor"),
         ("tensor", "scalar"), ("scalar", "tensor"), ("zero_dim", "zero_dim"),
         ("zero_dim", "scalar")]


@pytest.mark.parametrize("ka,kb", KINDS)
def test_result_type_matches_torch(ka, kb):
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(NAMES, NAMES):
        ta, tb = _operand(torch, ka, a), _operand(torch, kb, b)
        na, nb = _operand(ng, ka, a), _operand(ng, kb, b)
        expected = str(torch.result_type(ta, tb)).removeprefix("torch.")
        assert ng.result_type(na, nb).name == expected, (ka, a, kb, b)


OPS = {"add": operator.add, "mul": operator.mul, "div": operator.truediv, "eq": operator.eq,
       "lt": operator.lt, "maximum": None}


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("ka,kb", KINDS[:5])
def test_op_result_dtype_matches_torch(op, ka, kb):
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(NAMES, NAMES):
        ta, tb = _operand(torch, ka, a), _operand(torch, kb, b)
        na, nb = _operand(ng, ka, a), _operand(ng, kb, b)
        if OPS[op] is None:
            if "scalar" in (ka, kb):
                continue  # torch.maximum takes tensors only
            expected, got = torch.maximum(ta, tb), ng.maximum(na, nb)
        else:
            expected, got = OPS[op](ta, tb), OPS[op](na, nb)
        assert got.dtype.name == str(expected.dtype).removeprefix("torch."), (op, ka, a, kb, b)
        np.testing.assert_allclose(np.asarray(got, np.float64),
                                   expected.double().numpy(), rtol=1e-6)


def test_numpy_scalars_behave_as_python_numbers():
    t = ng.tensor([1.0, 2.0])
    assert (np.float64(2) * t).dtype is ng.float32
    assert (np.float32(2) * t).tolist() == [2.0, 4.0]
    i = ng.tensor([1, 2], dtype=ng.int32)
    assert (np.int64(2) * i).dtype is ng.int32
    assert (i * np.float64(0.5)).dtype is ng.float32


def test_dtype_pickles_to_the_same_object():
    import pickle

    assert pickle.loads(pickle.dumps(ng.float64)) is ng.float64

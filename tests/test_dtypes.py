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
    with pytest.raises(TypeError, match="uint16.*only supported types are: float64, float32"):
        dtypes.from_numpy_dtype(np.uint16)
    assert dtypes.from_numpy_dtype(np.float16) is ng.float16


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


ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
       "float64"]


def test_small_dtypes_and_their_aliases():
    assert ng.half is ng.float16 and ng.short is ng.int16
    assert repr(ng.uint8) == "numbagrad.uint8" and repr(ng.bfloat16) == "numbagrad.bfloat16"
    assert [dtypes.scalar_name(getattr(ng, n)) for n in ALL] == [
        "Bool", "Byte", "Char", "Short", "Int", "Long", "Half", "BFloat16", "Float", "Double"]


@pytest.mark.parametrize("name", ALL)
def test_dtype_properties_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ng, name), getattr(torch, name)
    assert ours.is_signed is theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    assert ours.is_floating_point is theirs.is_floating_point
    assert ours.is_complex is False


def test_promote_types_and_can_cast_match_torch_on_every_pair():
    torch = pytest.importorskip("torch")
    wrong = []
    for a, b in itertools.product(ALL, ALL):
        ta, tb, na, nb = getattr(torch, a), getattr(torch, b), _ng(a), _ng(b)
        if ng.promote_types(na, nb).name != str(torch.promote_types(ta, tb))[6:]:
            wrong.append(("promote_types", a, b))
        if ng.can_cast(na, nb) != torch.can_cast(ta, tb):
            wrong.append(("can_cast", a, b))
    assert not wrong


def test_promote_types_needs_dtypes():
    assert ng.promote_types(ng.uint8, ng.int8) is ng.int16
    with pytest.raises(TypeError, match="argument 'type2' .* must be torch.dtype, not int"):
        ng.promote_types(ng.float32, 1)


@pytest.mark.parametrize("ka,kb", KINDS)
def test_result_type_of_small_dtypes_matches_torch(ka, kb):
    torch = pytest.importorskip("torch")
    stored = [n for n in ALL if n != "bfloat16"]
    for a, b in itertools.product(stored, stored):
        ta, tb = _small_operand(torch, ka, a), _small_operand(torch, kb, b)
        na, nb = _small_operand(ng, ka, a), _small_operand(ng, kb, b)
        expected = str(torch.result_type(ta, tb)).removeprefix("torch.")
        assert ng.result_type(na, nb).name == expected, (ka, a, kb, b)


def _small_operand(lib, kind, name):
    if kind == "scalar":
        return {"bool": True}.get(name, 2.5 if name.startswith("float") else 3)
    data = [1, 0] if kind == "tensor" else 1
    return lib.tensor(data, dtype=getattr(lib, name))


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = ng.finfo(getattr(ng, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = ng.iinfo(getattr(ng, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min,
                                                            theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_iinfo_defaults_and_errors():
    assert ng.finfo().dtype == "float32"
    assert ng.finfo(ng.half).max == 65504.0 and ng.iinfo(ng.uint8).max == 255
    with pytest.raises(TypeError, match="requires a floating point input type"):
        ng.finfo(ng.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        ng.iinfo(ng.float16)
    with pytest.raises(TypeError, match="bool is not supported"):
        ng.iinfo(ng.bool)


def test_bfloat16_has_no_storage():
    x = ng.tensor([1.0, 2.0])
    for make in (lambda: x.bfloat16(), lambda: x.to(ng.bfloat16),
                 lambda: ng.zeros(2, dtype=ng.bfloat16),
                 lambda: ng.tensor([1.0], dtype=ng.bfloat16)):
        with pytest.raises(TypeError, match="numbagrad has no bfloat16 storage"):
            make()
    assert ng.promote_types(ng.bfloat16, ng.float16) is ng.float32


def test_default_dtype_float16():
    try:
        ng.set_default_dtype(ng.float16)
        assert ng.tensor([1.5]).dtype is ng.float16
        assert ng.arange(0.0, 1.0, 0.5).dtype is ng.float16
        assert (ng.tensor([1, 2]) * 0.5).dtype is ng.float16
    finally:
        ng.set_default_dtype(ng.float32)


CONVERSIONS = [("half", "float16"), ("short", "int16"), ("byte", "uint8"), ("char", "int8"),
               ("float", "float32"), ("double", "float64"), ("int", "int32"),
               ("long", "int64"), ("bool", "bool")]


@pytest.mark.parametrize("method,name", CONVERSIONS)
def test_conversion_methods_match_torch(method, name):
    torch = pytest.importorskip("torch")
    data = [1.75, -2.5, 0.0, 100.25]
    for src in ("float32", "float64", "int64", "float16", "int8"):
        t = getattr(torch.tensor(data, dtype=getattr(torch, src)), method)()
        n = getattr(ng.tensor(data, dtype=getattr(ng, src)), method)()
        assert n.dtype is getattr(ng, name)
        assert n.tolist() == t.tolist(), (src, method)
        assert n.type() == t.type()


def test_cast_of_float16_is_differentiable():
    x = ng.tensor([1.0, 3.1416], requires_grad=True)
    h = x.half()
    assert h.dtype is ng.float16 and h.tolist() == [1.0, 3.140625]
    h.float().sum().backward()
    assert x.grad.dtype is ng.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.to(ng.float16).to(ng.float64).dtype is ng.float64
    assert ng.tensor([300]).to(ng.uint8).tolist() == [44]  # wraps, as torch


def test_type_strings_and_conversions():
    torch = pytest.importorskip("torch")
    x, t = ng.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    for target in ["torch.LongTensor", "torch.HalfTensor", "torch.ByteTensor",
                   "torch.CharTensor", "torch.ShortTensor", "torch.BoolTensor",
                   "torch.DoubleTensor", "torch.IntTensor"]:
        assert x.type(target).type() == t.type(target).type() == target
        assert x.type(target).tolist() == t.type(target).tolist()
    assert x.type("torch.FloatTensor") is x and x.type(ng.float32) is x
    assert x.type("numbagrad.LongTensor").dtype is ng.int64
    assert x.type(ng.int8).dtype is ng.int8
    assert x.type(ng.ShortTensor).dtype is ng.int16
    with pytest.raises(ValueError, match="invalid type: 'torch.FooTensor'"):
        x.type("torch.FooTensor")
    with pytest.raises(ValueError, match="invalid type: 'float'"):
        x.type(float)
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        x.type(3)


def test_typed_tensor_classes():
    torch = pytest.importorskip("torch")
    for name in ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor", "HalfTensor", "ShortTensor", "CharTensor"]:
        t = getattr(torch, name)([1.5, 2.7, 0])
        n = getattr(ng, name)([1.5, 2.7, 0])
        assert type(n) is ng.Tensor and n.dtype.name == str(t.dtype)[6:]
        assert n.tolist() == t.tolist()
        assert isinstance(n, getattr(ng, name)) and n.type() == f"torch.{name}"
        assert getattr(ng, name)(2, 3).shape == (2, 3)
        assert getattr(ng, name)().shape == (0,)
    assert not isinstance(ng.ones(2), ng.LongTensor) and not isinstance(3, ng.FloatTensor)
    x = ng.tensor([1.0, 2.0])
    y = ng.FloatTensor(x)
    y[0] = 5.0
    assert x.tolist() == [5.0, 2.0]  # shares the data, as torch
    with pytest.raises(TypeError, match="expected a tensor of dtype numbagrad.float32"):
        ng.FloatTensor(ng.tensor([1, 2]))
    with pytest.raises(TypeError, match="size' must be tuple of ints"):
        ng.FloatTensor(2, 3.0)


def test_legacy_tensor_constructor_matches_torch():
    torch = pytest.importorskip("torch")
    assert ng.Tensor([1, 2]).dtype is ng.float32 and ng.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert ng.Tensor(2, 3).shape == (2, 3) and ng.Tensor(2, 3).dtype is ng.float32
    assert ng.Tensor((2, 3)).tolist() == torch.Tensor((2, 3)).tolist()
    assert ng.Tensor(ng.Size([2, 3])).shape == (2, 3)
    assert ng.Tensor().shape == (0,)
    assert ng.Tensor(np.array([1, 2])).dtype is ng.float32
    x = ng.tensor([1, 2])
    assert ng.Tensor(x).dtype is ng.int64  # torch.Tensor(tensor) aliases, whatever the dtype
    with pytest.raises(TypeError, match="data must be a sequence \\(got float\\)"):
        ng.Tensor(3.5)
    with pytest.raises(RuntimeError, match="negative dimension"):
        ng.Tensor(-1)
    try:
        ng.set_default_dtype(ng.float64)
        assert ng.Tensor([1]).dtype is ng.float64
    finally:
        ng.set_default_dtype(ng.float32)


def test_is_floating_point():
    assert ng.is_floating_point(ng.tensor([1.0]).half())
    assert not ng.is_floating_point(ng.tensor([1], dtype=ng.uint8))
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        ng.is_floating_point([1.0])

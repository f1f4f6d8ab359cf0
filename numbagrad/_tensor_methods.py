"""Tensor's operators, op methods, conversions and in-place methods, bound name by name.

Ops are written as functions taking the tensor first (``numbagrad.exp(x)``), and each method is
the same function (``x.exp()``). The list below is the whole method surface: one place to read
what exists.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import _enabled
from numbagrad.device import as_device
from numbagrad.ops import elementwise as ew
from numbagrad.ops import counting as counting_ops
from numbagrad.ops import diagonal as diagonal_ops
from numbagrad.ops import repeat as repeat_ops
from numbagrad.ops import (activation, binary, bitwise, comparison, division, index, linalg,
                           logic, masked, nn_ops, rearrange, reduce, scan, shape, sort,
                           statistics, unary)
from numbagrad.ops import norm as norm_ops
from numbagrad.ops import median as median_ops
from numbagrad.ops import products as products_ops
from numbagrad.ops import scatter as scatter_ops
from numbagrad.ops.inplace import inplace as _inplace
from numbagrad.ops.inplace import inplace_operator as _iop
from numbagrad.ops.inplace import operator_method as _operator
from numbagrad.random import inplace as random_inplace
from numbagrad.tensor import Tensor, _TensorType

from numbagrad import creation, like, sampling  # noqa: E402 - they import tensor, which needs the ops

# ---------------------------------------------------------------------------- conversions


def to(self, *args, **kwargs) -> Tensor:
    """Convert dtype and/or move device: ``to(dtype)``, ``to(device)``, ``to(other)``,
    ``to(device, dtype)``. Returns ``self`` when nothing changes; differentiable otherwise."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
            dtype = a
        else:
            device = a
    result = self
    if dtype is not None:
        result = ew.cast(result, dtypes.dtype_argument("to", dtype))
    if device is not None and as_device(device) != result.device:
        from numbagrad.ops.device import move

        result = move(result, as_device(device))
    if copy and result is self:
        result = shape.clone(self)
    return result


def _caster(dtype: dtypes.dtype, name: str):
    def convert(self) -> Tensor:
        return ew.cast(self, dtype)

    convert.__name__ = name
    convert.__doc__ = f"``self.to({dtype})``."
    return convert


def _type_name(d: dtypes.dtype) -> str:
    return f"{dtypes.scalar_name(d)}Tensor"


_BY_TYPE_NAME = {_type_name(d): d for d in dtypes._BY_NAME.values()}


def type_or_convert(self, dtype=None, non_blocking: bool = False, **kwargs):
    """Without ``dtype``: torch's type string (``'torch.FloatTensor'``,
    ``'torch.cuda.LongTensor'``). With one (a dtype, a type string such as
    ``'torch.DoubleTensor'``, or a class such as ``numbagrad.DoubleTensor``): ``self``
    converted to it (``self`` when nothing changes).

    Raises
    ------
    ValueError
        For a string that names no tensor type.
    TypeError
        For anything else that is not a type.
    """
    if dtype is None:
        return ("torch.cuda." if self.is_cuda else "torch.") + _type_name(self.dtype)
    device = None
    if isinstance(dtype, str):
        name = dtype
        for prefix in ("torch.", "numbagrad."):
            if name.startswith(prefix):
                rest = name[len(prefix):]
                device = "cuda" if rest.startswith("cuda.") else "cpu"
                target = _BY_TYPE_NAME.get(rest.removeprefix("cuda."))
                break
        else:
            target = None
        if target is None:
            raise ValueError(f"invalid type: '{name}'")
        dtype = target
    elif isinstance(dtype, _TensorType):
        dtype, device = dtype.dtype, "cpu"
    elif not isinstance(dtype, dtypes.dtype):
        if isinstance(dtype, type):
            raise ValueError(f"invalid type: '{dtype.__name__}'")
        raise TypeError("dtype must be a type, str, or dtype object")
    return to(self, dtype) if device is None else to(self, device, dtype)


type_or_convert.__name__ = "type"


def cpu(self) -> Tensor:
    """This tensor on the CPU (``self`` if already there)."""
    return to(self, "cpu")


def cuda(self, device=None) -> Tensor:
    """This tensor on a GPU (``cuda:0`` unless ``device`` says otherwise)."""
    return to(self, as_device("cuda" if device is None else device))


def type_as(self, other: Tensor) -> Tensor:
    """``self`` converted to ``other``'s dtype."""
    return ew.cast(self, other.dtype)


# ---------------------------------------------------------------------------- in-place


def _overwrite(self: Tensor, value: Tensor) -> Tensor:
    """Replace every element by ``value`` (broadcast, converted to ``self``'s dtype); the old
    values get no gradient."""
    return _inplace(self, _replaced_by, ew.cast(value, self.dtype))


def _replaced_by(old: Tensor, value: Tensor) -> Tensor:
    """``value`` broadcast to ``old``'s shape, recorded so that ``old`` gets a zero gradient."""
    if (tuple(value.shape) == tuple(old.shape) and not (
            _enabled.get() and (old.requires_grad or value.requires_grad))):
        # Nothing is recorded (initialisation, copy_ under no_grad): the values themselves,
        # without a pass over them (a first parallel kernel costs a second of loading).
        return value
    keep_none = Tensor._make(old._backend().zeros((), np.bool_), old._device)
    return ew.where(keep_none, old, value)


_replaced_by.__name__ = "copy"  # error messages name the in-place op "copy_"


def add_(self, other, *, alpha=1) -> Tensor:
    """``self += alpha * other`` in place."""
    return _inplace(self, ew.add, other, alpha=alpha)


def sub_(self, other, *, alpha=1) -> Tensor:
    """``self -= alpha * other`` in place."""
    return _inplace(self, ew.sub, other, alpha=alpha)


def mul_(self, other) -> Tensor:
    """``self *= other`` in place."""
    return _inplace(self, ew.mul, other)


def pow_(self, exponent) -> Tensor:
    """``self **= exponent`` in place."""
    return _inplace(self, ew.pow, exponent)


def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
    """Clamp in place to ``[min, max]``."""
    return _inplace(self, ew.clamp, min, max)


def relu_(self) -> Tensor:
    """ReLU in place."""
    return _inplace(self, ew.relu)


def zero_(self) -> Tensor:
    """Fill with zeros in place."""
    return fill_(self, 0)


def fill_(self, value) -> Tensor:
    """Fill with ``value`` in place."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        return _overwrite(self, value)
    if not isinstance(value, ew.NUMBERS):
        raise TypeError(f"fill_() received an invalid combination of arguments - got "
                        f"({type(value).__name__}), but expected (Tensor value) or "
                        "(Number value)")
    if self._data.dtype.kind in "iub" or self._data.dtype.itemsize == 2:
        value = creation.scalar_to(value, self.dtype)  # torch's range check and wrapping
    if not (_enabled.get() and self.requires_grad):
        self._backend().assign(self._data, value)
        self._version.value += 1
        return self
    return _overwrite(self, Tensor._make(self._backend().full((), value, self._data.dtype),
                                         self._device))


def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted) into ``self``; the gradient flows to ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src.device != self.device:
        src = to(src, self.device)
    return _overwrite(self, ew.cast(src, self.dtype))


def _fill_random(self: Tensor, values: np.ndarray) -> Tensor:
    return _overwrite(self, Tensor._make(
        self._backend().from_host(values.astype(self._data.dtype)), self._device))


# ---------------------------------------------------------------------------- operators


def _rsub(self, other):
    return ew.rsub(self, other)


def _add(self, other, *, alpha=1):
    return ew.add(self, other, alpha=alpha)


def _sub(self, other, *, alpha=1):
    return ew.sub(self, other, alpha=alpha)


_METHODS = {
    # arithmetic
    "__add__": _operator(ew.add, "__add__"), "__radd__": _operator(ew.add, "__radd__", True),
    "__sub__": _operator(ew.sub, "__sub__"), "__rsub__": _operator(_rsub, "__rsub__"),
    "__mul__": _operator(ew.mul, "__mul__"), "__rmul__": _operator(ew.mul, "__rmul__", True),
    "__truediv__": _operator(ew.div, "__truediv__"),
    "__rtruediv__": _operator(ew.div, "__rtruediv__", True),
    "__pow__": _operator(ew.pow, "__pow__"), "__rpow__": _operator(ew.pow, "__rpow__", True),
    "__matmul__": linalg.matmul, "__rmatmul__": _operator(linalg.matmul, "__rmatmul__", True),
    "__neg__": ew.neg, "__abs__": ew.abs,
    "__iadd__": _iop(add_, "__iadd__"), "__isub__": _iop(sub_, "__isub__"),
    "__imul__": _iop(mul_, "__imul__"),
    "__getitem__": index.getitem, "__setitem__": index.setitem,
    "add": _add, "sub": _sub, "subtract": _sub, "mul": ew.mul, "multiply": ew.mul,
    "div": ew.div, "divide": ew.div, "pow": ew.pow, "neg": ew.neg,
    "negative": ew.negative, "square": ew.square,
    # math and activations
    "exp": ew.exp, "log": ew.log, "sqrt": ew.sqrt, "abs": ew.abs, "sign": ew.sign,
    "clamp": ew.clamp, "clip": ew.clamp,
    "relu": ew.relu, "sigmoid": ew.sigmoid, "tanh": ew.tanh,
    "softmax": nn_ops.softmax, "log_softmax": nn_ops.log_softmax,
    # reductions
    "sum": reduce.sum, "mean": reduce.mean, "var": reduce.var, "std": reduce.std,
    "prod": reduce.prod, "max": reduce.max, "min": reduce.min, "amax": reduce.amax,
    "amin": reduce.amin, "argmax": reduce.argmax, "argmin": reduce.argmin,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm,
    # shape
    "reshape": shape.reshape, "view": shape.view, "view_as": shape.view_as,
    "reshape_as": shape.reshape_as, "flatten": shape.flatten, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "transpose": shape.transpose, "t": shape.t,
    "permute": shape.permute, "expand": shape.expand, "expand_as": shape.expand_as,
    "split": shape.split, "chunk": shape.chunk, "clone": shape.clone,
    "contiguous": shape.contiguous, "gather": index.gather,
    # conversions
    "to": to, "cpu": cpu, "cuda": cuda, "type_as": type_as,
    "float": _caster(dtypes.float32, "float"), "double": _caster(dtypes.float64, "double"),
    "long": _caster(dtypes.int64, "long"), "int": _caster(dtypes.int32, "int"),
    "bool": _caster(dtypes.bool_, "bool"), "half": _caster(dtypes.float16, "half"),
    "bfloat16": _caster(dtypes.bfloat16, "bfloat16"), "short": _caster(dtypes.int16, "short"),
    "char": _caster(dtypes.int8, "char"), "byte": _caster(dtypes.uint8, "byte"),
    "type": type_or_convert,
    # creation
    "new_tensor": like.new_tensor, "new_zeros": like.new_zeros, "new_ones": like.new_ones,
    "new_empty": like.new_empty, "new_full": like.new_full,
    "multinomial": sampling.multinomial,
    # in place
    "add_": add_, "sub_": sub_, "mul_": mul_, "pow_": pow_, "clamp_": clamp_,
    "relu_": relu_, "zero_": zero_, "fill_": fill_, "copy_": copy_,
    "uniform_": random_inplace.uniform_, "normal_": random_inplace.normal_,
    "random_": random_inplace.random_, "bernoulli_": random_inplace.bernoulli_,
    "exponential_": random_inplace.exponential_, "cauchy_": random_inplace.cauchy_,
    "log_normal_": random_inplace.log_normal_, "geometric_": random_inplace.geometric_,
    "bernoulli": sampling.bernoulli,
}

# Each op family lists its own methods, in-place forms and operators (``METHODS``).
for _family in (comparison, unary, binary, division, bitwise, logic, activation, statistics,
                counting_ops, diagonal_ops, repeat_ops, products_ops,
                scan, sort, rearrange, masked, scatter_ops, norm_ops,
                median_ops):
    _METHODS.update(_family.METHODS)

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)



def _reversed_dims(self) -> Tensor:
    return shape.permute(self, *range(self.ndim - 1, -1, -1))


def _last_two_swapped(self) -> Tensor:
    return shape.transpose(self, -2, -1)


Tensor.T = property(_reversed_dims, doc="The tensor with its dimensions reversed.")
Tensor.mT = property(_last_two_swapped, doc="The last two dimensions swapped.")

# DLPack, for torch.from_dlpack / np.from_dlpack (numbagrad.from_dlpack is the import side).
from numbagrad import dlpack as _dlpack  # noqa: E402 - it imports tensor, as the ops do

Tensor.__dlpack__ = property(_dlpack.dlpack_attribute, doc=_dlpack.dlpack.__doc__)
Tensor.__dlpack_device__ = _dlpack.dlpack_device

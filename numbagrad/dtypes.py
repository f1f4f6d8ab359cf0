"""Tensor element types and torch's type-promotion rules.

numbagrad stores tensors as NumPy (or Numba device) arrays, so each ``dtype`` wraps the NumPy
type that holds its elements. The names and the promotion rules are torch's.
"""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """The element type of a tensor (``numbagrad.float32``, ``numbagrad.int64``, ...).

    Parameters
    ----------
    name : str
        torch's name for the type, e.g. ``"float32"``.
    np_type : numpy.dtype
        The NumPy type that stores the elements.
    category : int
        0 for bool, 1 for integers, 2 for floating point; promotion climbs categories.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.float32.is_floating_point
    True
    """

    __slots__ = ("name", "np_type", "category", "itemsize")

    def __init__(self, name: str, np_type: np.dtype, category: int) -> None:
        self.name = name
        self.np_type = np.dtype(np_type)
        self.category = category
        self.itemsize = self.np_type.itemsize

    @property
    def is_floating_point(self) -> bool:
        """True for float32 and float64."""
        return self.category == 2

    @property
    def is_signed(self) -> bool:
        """True for every type but bool."""
        return self.category > 0

    def __repr__(self) -> str:
        return f"numbagrad.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)

# torch's aliases
float = float32  # noqa: A001 - torch.float is float32
double = float64
long = int64
int = int32  # noqa: A001 - torch.int is int32

_BY_NP = {d.np_type: d for d in (float32, float64, int32, int64, bool_)}
_BY_NAME = {d.name: d for d in (float32, float64, int32, int64, bool_)}

_default_float = float32


def from_name(name: str) -> dtype:
    """The dtype called ``name`` (used when unpickling)."""
    return _BY_NAME[name]


def from_numpy_dtype(np_type) -> dtype:
    """The numbagrad dtype that stores NumPy type ``np_type``.

    Raises
    ------
    TypeError
        If numbagrad has no tensor type for it.
    """
    d = _BY_NP.get(np_type)  # the hot path: a NumPy dtype instance
    if d is None:
        d = _BY_NP.get(np.dtype(np_type))
    if d is None:
        supported = ", ".join(str(t) for t in _BY_NP)
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_type)}; "
            f"the only supported types are: {supported}"
        )
    return d


def as_dtype(value) -> dtype:
    """Accept a numbagrad dtype, a NumPy dtype or a Python type (``float``, ``int``, ``bool``)."""
    if isinstance(value, dtype):
        return value
    if value is builtins.float:
        return float64  # torch reads the Python type float as double, whatever the default
    if value is builtins.int:
        return int64
    if value is builtins.bool:
        return bool_
    return from_numpy_dtype(value)


def get_default_dtype() -> dtype:
    """The floating type of new tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the floating type of new tensors made from Python floats.

    Raises
    ------
    TypeError
        If ``d`` is not a floating point type.
    """
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported, got {d}")
    _default_float = d


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python number: bool, int64 or the default float.

    NumPy scalars count as Python numbers of their kind, as in torch
    (``np.float64(2) * float32_tensor`` is float32).
    """
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool_
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    return get_default_dtype()


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "int32": "Int", "int64": "Long",
                 "bool": "Bool"}


def scalar_name(d: dtype) -> str:
    """torch's C++ name of a dtype, used in its error messages (``Float``, ``Long``...)."""
    return _SCALAR_NAMES[d.name]


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return a if a.itemsize >= b.itemsize else b


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to, as ``torch.promote_types``."""
    return _promote_pair(as_dtype(a), as_dtype(b))


def result_type(*operands) -> dtype:
    """torch's result type of an operation on tensors and Python numbers.

    Operands fall into three tiers: tensors with dimensions, zero-dimensional tensors, and Python
    numbers. The result is the promotion within the highest tier, unless a lower tier holds a
    higher category (bool < integer < floating), which then decides: ``int_tensor * 2.5`` is
    float32, ``float32_tensor * 2.5`` stays float32, ``float32_tensor + float64_scalar_tensor``
    stays float32.
    """
    tiers: list[dtype | None] = [None, None, None]
    for x in operands:
        if hasattr(x, "_data"):
            tier, d = (0 if x._data.ndim else 1), x.dtype
        else:
            tier, d = 2, scalar_dtype(x)
        tiers[tier] = d if tiers[tier] is None else _promote_pair(tiers[tier], d)
    result = None
    for d in tiers:
        if d is None:
            continue
        if result is None or d.category > result.category:
            result = d
    return result

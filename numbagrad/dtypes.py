"""Tensor element types and torch's type-promotion rules.

numbagrad stores tensors as NumPy (or Numba device) arrays, so each ``dtype`` wraps the NumPy
type that holds its elements. The names and the promotion rules are torch's. ``bfloat16`` exists
as a dtype (for promotion and ``finfo``) but has no storage: NumPy has no bfloat16 type.
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
    >>> torch.float16.is_floating_point, torch.uint8.is_signed, torch.int16.itemsize
    (True, False, 2)
    """

    __slots__ = ("name", "np_type", "category", "itemsize", "_signed")

    def __init__(self, name: str, np_type, category: int) -> None:
        self.name = name
        self.np_type = np.dtype(np_type)
        self.category = category
        self.itemsize = self.np_type.itemsize
        self._signed = category > 0 and self.np_type.kind != "u"

    @property
    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64."""
        return self.category == 2

    @property
    def is_signed(self) -> bool:
        """True for every type but bool and uint8 (as torch)."""
        return self._signed

    @property
    def is_complex(self) -> bool:
        """False: numbagrad has no complex types."""
        return False

    def __repr__(self) -> str:
        return f"numbagrad.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


class _UnstoredDtype(dtype):
    """A dtype with a name and promotion rules but no NumPy storage (bfloat16)."""

    __slots__ = ()

    def __init__(self, name: str, itemsize: int, category: int) -> None:
        self.name = name
        self.category = category
        self.itemsize = itemsize
        self._signed = True

    @property
    def np_type(self):
        raise TypeError(
            f"numbagrad has no {self.name} storage (NumPy has no {self.name} type), so no "
            f"tensor can be made or converted to {self!r}; use numbagrad.float16 or "
            "numbagrad.float32 instead"
        )


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
bfloat16 = _UnstoredDtype("bfloat16", 2, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)

# torch's aliases
half = float16
float = float32  # noqa: A001 - torch.float is float32
double = float64
short = int16
int = int32  # noqa: A001 - torch.int is int32
long = int64

_STORED = (float64, float32, float16, int64, int32, int16, int8, uint8, bool_)
_BY_NP = {d.np_type: d for d in _STORED}
_BY_NAME = {d.name: d for d in (*_STORED, bfloat16)}

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
        supported = ", ".join(d.name for d in _STORED[:-1]) + ", and bool"
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_type)}. "
            f"The only supported types are: {supported}."
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


def dtype_argument(op: str, value) -> dtype:
    """``value`` given as an op's ``dtype=`` argument: a dtype, a NumPy dtype or ``float``/
    ``int``/``bool``; anything else (a string such as ``'float'``) is torch's TypeError."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"dtype={type(value).__name__}, but expected a numbagrad.dtype")
    return as_dtype(value)


def get_default_dtype() -> dtype:
    """The floating type of new tensors made from Python floats (float32 unless changed).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.get_default_dtype()
    numbagrad.float32
    """
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
        raise TypeError("only floating-point types are supported as the default type "
                        f"(set_default_dtype got {d})")
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


_SCALAR_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                 "float64": "Double", "uint8": "Byte", "int8": "Char", "int16": "Short",
                 "int32": "Int", "int64": "Long", "bool": "Bool"}


def scalar_name(d: dtype) -> str:
    """torch's C++ name of a dtype, used in its error messages (``Float``, ``Long``...)."""
    return _SCALAR_NAMES[d.name]


_C_TYPE_NAMES = {"float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
                 "float64": "double", "uint8": "unsigned char", "int8": "signed char",
                 "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def c_type_name(d: dtype) -> str:
    """The C type name of a dtype, as other torch messages print it (``float``, ``long int``)."""
    return _C_TYPE_NAMES[d.name]


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == 2:
        if a.itemsize == b.itemsize:
            return float32  # float16 with bfloat16: neither holds the other
        return a if a.itemsize > b.itemsize else b
    if a._signed == b._signed:
        return a if a.itemsize >= b.itemsize else b
    # uint8 with a signed type: the signed type if wider, else int16 holds both (as torch)
    signed = a if a._signed else b
    return signed if signed.itemsize > 1 else int16


def _check_dtype(value, op: str, arg: str, position: builtins.int) -> dtype:
    if not isinstance(value, dtype):
        raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be torch.dtype, "
                        f"not {type(value).__name__}")
    return value


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to, as ``torch.promote_types``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.promote_types(torch.uint8, torch.int8)
    numbagrad.int16

    Raises
    ------
    TypeError
        If an argument is not a dtype.
    """
    return _promote_pair(_check_dtype(type1, "promote_types", "type1", 1),
                         _check_dtype(type2, "promote_types", "type2", 2))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether torch's casting rules allow ``from_`` into ``to`` (in-place ops, ``out=``):
    floating point never goes into integers, and nothing but bool into bool.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.can_cast(torch.float32, torch.int32), torch.can_cast(torch.int64, torch.float16)
    (False, True)
    """
    _check_dtype(from_, "can_cast", "from_", 1)
    _check_dtype(to, "can_cast", "to", 2)
    return from_.category <= to.category


def result_type(*operands) -> dtype:
    """torch's result type of an operation on tensors and Python numbers.

    Operands fall into three tiers: tensors with dimensions, zero-dimensional tensors, and Python
    numbers. The result is the promotion within the highest tier, unless a lower tier holds a
    higher category (bool < integer < floating), which then decides: ``int_tensor * 2.5`` is
    float32, ``float32_tensor * 2.5`` stays float32, ``float32_tensor + float64_scalar_tensor``
    stays float32.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.result_type(torch.tensor([1], dtype=torch.uint8), 5)
    numbagrad.uint8
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


class finfo:
    """Machine limits of a floating point dtype (the default dtype when omitted), as
    ``torch.finfo``.

    Attributes
    ----------
    bits : int
    eps : float
        The difference between 1 and the next representable number.
    max, min : float
        The largest and smallest (most negative) finite numbers.
    tiny, smallest_normal : float
        The smallest positive normal number.
    resolution : float
        ``10 ** -precision``, the decimal resolution.
    dtype : str
        The dtype's name, e.g. ``"float32"``.

    Raises
    ------
    TypeError
        For a dtype that is not floating point.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.finfo(torch.float16).max
    65504.0
    """

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - torch's name
        d = get_default_dtype() if type is None else as_dtype(type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        if d is bfloat16:
            info = (16, 2.0 ** -7, 3.3895313892515355e+38, 2.0 ** -126, 0.01)
        else:
            f = np.finfo(d.np_type)
            info = (f.bits, builtins.float(f.eps), builtins.float(f.max),
                    builtins.float(f.smallest_normal), 10.0 ** -builtins.int(f.precision))
        self.bits, self.eps, self.max, self.tiny, self.resolution = info
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``.

    Attributes
    ----------
    bits, max, min : int
    dtype : str
        The dtype's name, e.g. ``"uint8"``.

    Raises
    ------
    TypeError
        For bool and floating point dtypes.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.iinfo(torch.int8).min
    -128
    """

    def __init__(self, type: dtype) -> None:  # noqa: A002 - torch's name
        d = as_dtype(type)
        if d is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.category != 1:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        i = np.iinfo(d.np_type)
        self.bits, self.max, self.min = i.bits, builtins.int(i.max), builtins.int(i.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

"""Creating tensors: from data, and filled with constants.

The other creation families use the helpers here: ``ranges.py`` (``arange``, ``linspace``,
``logspace``), ``sampling.py`` (``rand``, ``randn``, ...) and ``like.py`` (the ``*_like``
functions and ``Tensor.new_*``, tensors made after another).
"""
from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.backends import get as get_backend
from numbagrad.device import CPU, DEFAULT_DEVICE, as_device
from numbagrad.tensor import Tensor


def _to_array(data, dtype=None) -> np.ndarray:
    """A new NumPy array holding ``data`` with torch's dtype inference.

    Arrays, tensors and NumPy scalars keep their dtype; Python floats take the default float
    type, ints int64, bools bool; a sequence takes the promotion of its elements' types, where
    tensors inside it count as numbers (they must have one element, as in torch).
    """
    if isinstance(data, Tensor):
        array = np.array(data._backend().to_host(data._data), copy=True)
    elif isinstance(data, (list, tuple)):
        leaves = list(_flatten(data))
        _check_leaves(leaves)
        if any(isinstance(x, Tensor) for x in leaves):
            data = _numbers(data)
        array = np.array(data, copy=True)
        if dtype is None and array.dtype.kind in "biuf":
            array = array.astype(_infer(leaves).np_type, copy=False)
    else:
        if not isinstance(data, (np.ndarray, np.generic)):
            _check_leaves([data])
        array = np.array(data, copy=True)
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            if array.dtype.kind in "biuf":
                array = array.astype(dtypes.scalar_dtype(data).np_type, copy=False)
    if array.dtype.kind not in "biuf":
        raise TypeError("tensor(): could not infer a numeric dtype from "
                        f"{type(data).__name__} data")
    if dtype is not None:
        d = dtypes.as_dtype(dtype)
        if d.category == 1 and array.dtype.kind in "iuf" and array.size and not isinstance(
                data, (Tensor, np.ndarray, np.generic)):
            _check_fits(array, d)
        with np.errstate(over="ignore", invalid="ignore"):
            return array.astype(d.np_type, copy=False)
    dtypes.from_numpy_dtype(array.dtype)  # TypeError for types numbagrad does not hold
    return array


def _check_leaves(leaves: list) -> None:
    """torch's refusals of Python data: ValueError for an int beyond int64, TypeError for a
    string, RuntimeError for any other object that is not a number."""
    for x in leaves:
        if isinstance(x, int) and not -2**63 <= x < 2**63:
            raise ValueError(f"Overflow when unpacking long long: {x} does not fit int64")
        if isinstance(x, str):
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
        if not isinstance(x, (numbers.Number, np.generic, np.ndarray, Tensor)):
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _check_fits(values: np.ndarray, d: dtypes.dtype) -> None:
    """torch's check of Python numbers going into an integer type: RuntimeError when one does
    not fit (an unsigned type also takes negative numbers down to ``-max``, wrapping them)."""
    info = np.iinfo(d.np_type)
    low = int(info.min) if d.is_signed else -int(info.max)
    if values.min() < low or values.max() > int(info.max):
        raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")


def _numbers(data):
    """``data`` with each tensor replaced by its one value (torch reads tensors in a sequence
    as numbers)."""
    if isinstance(data, (list, tuple)):
        return [_numbers(x) for x in data]
    if isinstance(data, Tensor):
        if data.numel() != 1:
            if data.dtype.is_floating_point:
                raise ValueError("only one element tensors can be converted to Python scalars")
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return data.item()
    return data


def _infer(leaves: list) -> dtypes.dtype:
    """torch's type of a sequence: the promotion of its elements' types (an empty one is float)."""
    result = None
    for x in leaves:
        if isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, (np.ndarray, np.generic)):
            d = dtypes.from_numpy_dtype(x.dtype)
        else:
            d = dtypes.scalar_dtype(x)
        result = d if result is None else dtypes.promote_types(result, d)
    return dtypes.get_default_dtype() if result is None else result


def _flatten(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def legacy_array(op: str, args: tuple, dtype, strict: bool):
    """The array and device of torch's legacy constructors (``Tensor(...)``, ``FloatTensor(...)``).

    No argument: empty; sizes (ints, or one ``Size``): uninitialised; a sequence or array: its
    values converted to ``dtype`` (the default float type when None); a tensor: its own data,
    shared. ``strict`` is torch's rule (a tensor must already have ``dtype``; a number is not
    data); without it, ``data`` may be anything :func:`tensor` takes, and a tensor is copied.

    Raises
    ------
    TypeError
        For a number given as data, sizes that are not ints, or (strict) a tensor of another
        dtype.
    """
    target = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if not args:
        return np.empty(0, target.np_type), CPU
    from numbagrad.tensor import Size

    data = args[0]
    if len(args) == 1 and isinstance(data, Tensor):
        if dtype is None or data.dtype is target:
            return data._data, data._device
        if strict:
            raise TypeError(f"{op}(): expected a tensor of dtype {target} (got {data.dtype}); "
                            f"convert it with .to({target}) first")
    sizes = tuple(data) if len(args) == 1 and isinstance(data, Size) else args
    if sizes is args and len(args) == 1 and (not strict or isinstance(data, (list, tuple, np.ndarray))):
        return _to_array(data, target), CPU
    if all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool)
           for a in sizes):
        shape = _size(sizes, op)
        with allocating(op, shape, target.np_type):
            return np.empty(shape, target.np_type), CPU
    if len(args) == 1:
        raise TypeError(f"{op}(): data must be a sequence (got {type(data).__name__})")
    bad = next(a for a in args if not isinstance(a, (numbers.Integral, np.integer)))
    raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                    f"{type(bad).__name__}")


def _finish(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    """The host ``array`` as a new tensor, moved to ``device``; a leaf that requires grad if
    asked."""
    t = Tensor._make(array)
    if device is None:
        device = DEFAULT_DEVICE[0]
    if device is not None and as_device(device) != CPU:
        t = t.to(device)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, NumPy arrays or tensors).

    Python floats give float32, ints int64, bools bool; NumPy arrays keep their dtype.

    Raises
    ------
    TypeError
        For strings in ``data``, or a ``dtype`` that is a string or a number.
    ValueError
        For ragged nested sequences, tensors of several elements inside a sequence, or Python
        ints beyond int64 (they never wrap around).
    RuntimeError
        For other data with no numeric dtype (None, a dict, an object), or Python numbers that
        do not fit an integer ``dtype``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1, 2], [3, 4]]).dtype
    numbagrad.int64
    """
    if dtype is not None:
        _dtype(dtype)
    return _finish(_to_array(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor when possible.

    Raises
    ------
    TypeError, ValueError, RuntimeError
        For data that :func:`tensor` refuses.
    """
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtypes.as_dtype(dtype)):
        return data if device is None else data.to(device)
    if isinstance(data, np.ndarray) and (
            dtype is None or data.dtype == dtypes.as_dtype(dtype).np_type):
        return _finish(from_numpy(data)._data, device, False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (writes show through both ways).

    Raises
    ------
    TypeError
        If ``array`` is not a NumPy array or has a dtype numbagrad does not support.
    ValueError
        If ``array`` has a negative stride.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    if any(s < 0 for s in array.strides):
        raise ValueError(
            "from_numpy: At least one stride in the given numpy array is negative, and tensors "
            "with negative strides are not currently supported. (You can probably work around "
            "this by making a copy of your array with array.copy().)"
        )
    return Tensor._make(array)


def _size(size: tuple, op: str = "size") -> tuple:
    """A shape from sizes (ints or 0-d integer tensors, or one sequence of them); TypeError for
    other sizes, RuntimeError for negative ones and for a storage too large to count in int64
    bytes, in torch's words; ``op`` names the caller in the messages."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    sizes = []
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0 and not s.dtype.is_floating_point:
            s = s.item()
        if not isinstance(s, (numbers.Integral, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__}")
        sizes.append(int(s))
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: "
                               f"{sizes}")
    if math.prod(sizes) * 8 >= 2**63:  # 8: the widest element; torch counts bytes in int64
        raise RuntimeError(f"{op}: Storage size calculation overflowed with sizes={sizes}")
    return tuple(sizes)


@contextlib.contextmanager
def allocating(op: str, shape: tuple, np_dtype):
    """Turns NumPy's MemoryError for an allocation the machine cannot hold into torch's
    RuntimeError (a user catches the same class from both)."""
    try:
        yield
    except MemoryError:
        nbytes = math.prod(shape) * np.dtype(np_dtype).itemsize
        raise RuntimeError(f"{op}: DefaultCPUAllocator: not enough memory: you tried to "
                           f"allocate {nbytes} bytes") from None


def _dtype(dtype, default=None, op: str = "tensor") -> np.dtype:
    """The NumPy type of ``dtype``, else of ``default``, else of the default float type;
    TypeError, naming ``op``, for a string or a number given as the dtype."""
    if isinstance(dtype, (str, numbers.Number)):
        raise TypeError(f"{op}(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")
    if dtype is None:
        return (default or dtypes.get_default_dtype()).np_type
    return dtypes.as_dtype(dtype).np_type


def _finish_gpu(array, device, requires_grad: bool) -> Tensor:
    """The GPU ``array`` (made on ``device``) as a new tensor; a leaf that requires grad if
    asked."""
    from numbagrad.ops.device import resolve

    if device is None:
        device = DEFAULT_DEVICE[0]
    t = Tensor._make(array, resolve(as_device(device)))
    if requires_grad:
        t.requires_grad = True
    return t


_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "float32": "float", "float64": "double"}


def scalar_to(value, d: dtypes.dtype):
    """``value`` converted to ``d`` as torch's ``Scalar.to<T>()``: integers wrap (an unsigned
    type takes negative ints down to ``-max``), floats truncate toward zero, and a finite value
    out of range is a RuntimeError."""
    if d is dtypes.bool_:
        return bool(value)
    if d.is_floating_point:
        info = np.finfo(d.np_type)
        low, high = float(info.min), float(info.max)
    else:
        info = np.iinfo(d.np_type)
        low = int(info.min) if d.is_signed else (-int(info.max) if isinstance(
            value, numbers.Integral) else 0)
        high = int(info.max)
    if (math.isfinite(value) or d.category == 1) and not low <= value <= high:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[d.name]} without "
                           "overflow")
    if d.is_floating_point:
        return d.np_type.type(value)
    return int(np.array(int(value)).astype(d.np_type))


def _filled(shape: tuple, value, np_dtype, device, requires_grad: bool) -> Tensor:
    """A tensor of ``shape`` filled with ``value`` (uninitialised for None), made on its device
    (nothing is copied from the host)."""
    if device is None:
        device = DEFAULT_DEVICE[0]
    if device is None or as_device(device) == CPU:
        with allocating("empty" if value is None else "full", shape, np_dtype):
            array = (np.empty(shape, np_dtype) if value is None
                     else np.full(shape, value, np_dtype))
        return _finish(array, CPU, requires_grad)
    from numbagrad.ops.device import resolve

    be = get_backend(resolve(as_device(device)).type)
    array = be.empty(shape, np_dtype) if value is None else be.full(shape, value, np_dtype)
    return _finish_gpu(array, device, requires_grad)


def _shape(op: str, args: tuple, size) -> tuple:
    """The shape given as ``op(2, 3)``, ``op((2, 3))``, ``op([2, 3])`` or ``op(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        args = (size,)
    return _size(args, op)


def _out(op: str, result: Tensor, out) -> Tensor:
    """``result``, or, given torch's ``out=`` tensor, ``result`` written into it."""
    if out is None:
        return result
    from numbagrad.ops.elementwise import write_out

    return write_out(op, result, out)


def _out_dtype(dtype, out):
    """torch's factories with ``out=`` and no ``dtype`` make values of ``out``'s dtype."""
    return out.dtype if dtype is None and isinstance(out, Tensor) else dtype


def _constant_function(name: str, value, what: str):
    """The public function ``name(*size, out=None, dtype=None, device=None,
    requires_grad=False)``: a tensor filled with ``value`` (uninitialised for None), of
    ``dtype``, else ``out``'s, else the default float type."""
    def function(*args, size=None, out=None, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
        shape = _shape(name, args, size)
        return _out(name, _filled(shape, value, _dtype(_out_dtype(dtype, out), op=name), device,
                                  requires_grad), out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"""{what} of shape ``size`` (``{name}(2, 3)``, ``{name}((2, 3))``,
    ``{name}(size=(2, 3))``).

    Raises
    ------
    TypeError
        For sizes that are not ints, or a size given both ways.
    RuntimeError
        For a negative size, a storage too large to count, or memory the machine cannot give.
    """
    return function


zeros = _constant_function("zeros", 0, "A tensor of zeros")
ones = _constant_function("ones", 1, "A tensor of ones")
empty = _constant_function("empty", None, "An uninitialised tensor")


def full(size, fill_value, *, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype inferred from the value).

    Raises
    ------
    TypeError
        For sizes that are not ints, or a ``fill_value`` that is not a number.
    RuntimeError
        For a negative size, a storage too large to count, memory the machine cannot give, or
        a ``fill_value`` out of the dtype's range.
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    check_fill_value("full", fill_value)
    d = dtypes.as_dtype(_out_dtype(dtype, out) or dtypes.scalar_dtype(fill_value))
    if isinstance(fill_value, numbers.Real):
        fill_value = scalar_to(fill_value, d)
    return _out("full", _filled(_size((size,), "full"), fill_value, d.np_type, device, requires_grad),
                out)


def check_fill_value(op: str, value) -> None:
    """torch's TypeError for a fill value that is not a number (None, a string)."""
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"{op}(): argument 'fill_value' (position 2) must be Number, not "
                        f"{type(value).__name__}")


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix.

    Raises
    ------
    TypeError
        If ``n`` or ``m`` is not an int.
    RuntimeError
        If ``n`` or ``m`` is negative.
    """
    for position, name, v in ((1, "n", n), (2, "m", m)):
        if v is not None and (not isinstance(v, (numbers.Integral, np.integer))
                              or isinstance(v, bool)):
            raise TypeError(f"eye(): argument '{name}' (position {position}) must be int, not "
                            f"{type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, n if m is None else m, dtype=_dtype(dtype)), device, requires_grad)

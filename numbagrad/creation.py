"""Creating tensors: from data, filled with constants, ranges and random numbers."""
from __future__ import annotations

import math
import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.backends import get as get_backend
from numbagrad.device import CPU, as_device
from numbagrad.random import rng
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
        if any(isinstance(x, Tensor) for x in leaves):
            data = _numbers(data)
        array = np.array(data, copy=True)
        if dtype is None and array.dtype.kind in "biuf":
            array = array.astype(_infer(leaves).np_type, copy=False)
    else:
        array = np.array(data, copy=True)
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            if array.dtype.kind in "biuf":
                array = array.astype(dtypes.scalar_dtype(data).np_type, copy=False)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor(): could not infer a numeric dtype from {type(data).__name__} data")
    if dtype is not None:
        d = dtypes.as_dtype(dtype)
        if d.category == 1 and array.dtype.kind in "iuf" and array.size and not isinstance(
                data, (Tensor, np.ndarray, np.generic)):
            _check_fits(array, d)
        with np.errstate(over="ignore", invalid="ignore"):
            return array.astype(d.np_type, copy=False)
    dtypes.from_numpy_dtype(array.dtype)  # TypeError for types numbagrad does not hold
    return array


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
    if len(args) == 1 and isinstance(data, Size):
        return np.empty(_size(tuple(data)), target.np_type), CPU
    if len(args) == 1 and (not strict or isinstance(data, (list, tuple, np.ndarray))):
        return _to_array(data, target), CPU
    if all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool)
           for a in args):
        return np.empty(_size(args), target.np_type), CPU
    if len(args) == 1:
        raise TypeError(f"{op}(): data must be a sequence (got {type(data).__name__})")
    bad = next(a for a in args if not isinstance(a, (numbers.Integral, np.integer)))
    raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                    f"{type(bad).__name__}")


def _finish(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    if device is not None and as_device(device) != CPU:
        t = t.to(device)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, NumPy arrays or tensors).

    Python floats give float32, ints int64, bools bool; NumPy arrays keep their dtype.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1, 2], [3, 4]]).dtype
    numbagrad.int64
    """
    return _finish(_to_array(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor when possible."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtypes.as_dtype(dtype)):
        return data if device is None else data.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype).np_type):
        return _finish(from_numpy(data)._data, device, False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (writes show through both ways).

    Raises
    ------
    TypeError
        If ``array`` is not a NumPy array or has a dtype numbagrad does not support.
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


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    sizes = []
    for s in size:
        if isinstance(s, Tensor) and s.ndim == 0 and not s.dtype.is_floating_point:
            s = s.item()
        if not isinstance(s, (numbers.Integral, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
        sizes.append(int(s))
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {sizes}")
    return tuple(sizes)


def _dtype(dtype, default=None) -> np.dtype:
    if dtype is None:
        return (default or dtypes.get_default_dtype()).np_type
    return dtypes.as_dtype(dtype).np_type


def _on_gpu(device, generator, op: str) -> bool:
    """Whether random numbers for ``device`` are drawn on a GPU (by its own generator)."""
    if device is None or as_device(device).type != "cuda":
        return False
    if generator is not None:
        raise RuntimeError(f"{op}(): a CPU Generator cannot draw numbers on {device}; leave "
                           "generator=None to use the GPU's (seeded by manual_seed)")
    return True


def _finish_gpu(array, device, requires_grad: bool) -> Tensor:
    from numbagrad.ops.device import resolve

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
    if device is None or as_device(device) == CPU:
        array = np.empty(shape, np_dtype) if value is None else np.full(shape, value, np_dtype)
        return _finish(array, None, requires_grad)
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
    return _size(args)


def _out(op: str, result: Tensor, out) -> Tensor:
    if out is None:
        return result
    from numbagrad.ops.elementwise import write_out

    return write_out(op, result, out)


def _out_dtype(dtype, out):
    """torch's factories with ``out=`` and no ``dtype`` make values of ``out``'s dtype."""
    return out.dtype if dtype is None and isinstance(out, Tensor) else dtype


def zeros(*args, size=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (``zeros(2, 3)``, ``zeros((2, 3))``,
    ``zeros(size=(2, 3))``)."""
    dtype = _out_dtype(dtype, out)
    return _out("zeros", _filled(_shape("zeros", args, size), 0, _dtype(dtype), device,
                                 requires_grad), out)


def ones(*args, size=None, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (``ones(2, 3)``, ``ones((2, 3))``,
    ``ones(size=(2, 3))``)."""
    dtype = _out_dtype(dtype, out)
    return _out("ones", _filled(_shape("ones", args, size), 1, _dtype(dtype), device,
                                requires_grad), out)


def empty(*args, size=None, out=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` (``empty(2, 3)``, ``empty(size=(2, 3))``)."""
    dtype = _out_dtype(dtype, out)
    return _out("empty", _filled(_shape("empty", args, size), None, _dtype(dtype), device,
                                 requires_grad), out)


def full(size, fill_value, *, out=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype inferred from the value)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = dtypes.as_dtype(_out_dtype(dtype, out) or dtypes.scalar_dtype(fill_value))
    if isinstance(fill_value, numbers.Real):
        fill_value = scalar_to(fill_value, d)
    return _out("full", _filled(_size((size,)), fill_value, d.np_type, device, requires_grad),
                out)


def _like(input: Tensor, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return (input.shape, dtype if dtype is not None else input.dtype,
            device if device is not None else input.device)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Uninitialised, with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Uniform samples on [0, 1) with the shape (and by default dtype and device) of ``input``.

    Raises
    ------
    NotImplementedError
        For integer and bool dtypes, as torch.
    """
    shape, dtype, device = _like(input, dtype, device)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Standard normal samples with the shape (and by default dtype and device) of ``input``.

    Raises
    ------
    NotImplementedError
        For integer and bool dtypes, as torch.
    """
    shape, dtype, device = _like(input, dtype, device)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``), with the shape (and by default dtype) of ``input``.

    Raises
    ------
    RuntimeError
        If ``low >= high``.
    """
    if high is None:
        low, high = 0, low
    shape, dtype, device = _like(input, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad)


def _number(value, op: str, arg: str):
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): argument '{arg}' must be Number, not {type(value).__name__}")
    return value


def _check_range_dtype(d: dtypes.dtype, op: str) -> None:
    if d is dtypes.bool_:
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'Bool\'')


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``: ``arange(end)``,
    ``arange(start, end)``, ``arange(start, end, step)``; tensors of one element count as
    numbers.

    int64 when all arguments are integers, else the default float type. The length is torch's,
    ``ceil((end - start) / step)`` in double precision (in int64 for an int64 result, whose
    bounds are truncated first), so ``arange(0., 1, .1)`` has 10 values.

    Raises
    ------
    RuntimeError
        For a zero step, a step whose sign does not lead from ``start`` to ``end``, or
        infinite or nan bounds.
    ValueError
        For an int64 result whose step truncates to zero (``arange(0, 5, 0.5, dtype=long)``).
    NotImplementedError
        For a bool result, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> len(torch.arange(0., 1, .1))
    10
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    dtype = _out_dtype(dtype, out)
    is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    d = dtypes.as_dtype(dtype) if dtype is not None else (
        dtypes.int64 if is_int else dtypes.get_default_dtype())
    _check_range_dtype(d, "arange")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not d.is_floating_point:
        # torch computes integer ranges from truncated bounds (int64 arithmetic).
        istart, istep = int(start), int(step)
        if istep == 0 and d is dtypes.int64:
            raise ValueError("step must be nonzero")
        span = (int(end) - istart) if d is dtypes.int64 else (end - start)
        n = -(-span // istep) if d is dtypes.int64 else math.ceil(span / step)
        if (end - start) * step < 0:
            n = -1
        values = istart + istep * np.arange(max(n, 0), dtype=np.int64)
    else:
        n = math.ceil((end - start) / step)
        values = _float_range(float(start), float(step), max(n, 0), d.np_type)
    if n < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign "
                           f"(arange: start={start}, end={end}, step={step})")
    return _out("arange", _finish(_cast(values, d), device, requires_grad), out)


def _cast(values: np.ndarray, d: dtypes.dtype) -> np.ndarray:
    """``values`` in ``d``; values out of its range become inf (or wrap) silently, as torch."""
    with np.errstate(over="ignore", invalid="ignore"):
        return values.astype(d.np_type)


def _fma(a, b, c):
    """``a * b + c`` rounded once (float64 arrays), as the fused multiply-add of torch's
    kernels: the product's rounding error is recovered exactly by Dekker's splitting."""
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b
        split = 134217729.0  # 2**27 + 1
        ah = a * split - (a * split - a)
        bh = b * split - (b * split - b)
        error = ((ah * bh - p) + ah * (b - bh) + (a - ah) * bh) + (a - ah) * (b - bh)
        total = p + c
        virtual = total - p
        rounding = (p - (total - virtual)) + (c - virtual)
        fused = total + (rounding + error)
    return np.where(np.isfinite(fused), fused, total)  # the error terms of inf are nan


def _float_range(start: float, step: float, n: int, np_dtype) -> np.ndarray:
    """torch's CPU arange values: 256-bit vectors of ``lanes`` values, each counted from a base
    rounded to the result type (``base + k * step`` in the accumulation type: double, float for
    float16), two vectors at a time, and the tail one by one. Matches torch bit for bit up to
    its parallel grain (32768 values)."""
    itemsize = np.dtype(np_dtype).itemsize
    acc = np.float32 if itemsize == 2 else np.float64
    start, step = np.float64(acc(start)), np.float64(acc(step))
    lanes = 32 // itemsize
    i = np.arange(n, dtype=np.float64)
    first = i - i % lanes
    with np.errstate(over="ignore"):
        base = _fma(step, first, start).astype(acc).astype(np_dtype).astype(np.float64)
    vectorized = _fma(i - first, step, base).astype(acc)
    scalar = _fma(step, i, start).astype(acc)
    return np.where(i < n - n % (2 * lanes), vectorized, scalar)


def _steps(steps, op: str) -> int:
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (numbers.Integral, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{op}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _spaced(start, end, steps: int, d: dtypes.dtype) -> np.ndarray:
    """torch's CPU linspace values, in float64 to be rounded to ``d``: the first half counted up
    from ``start``, the second half down from ``end`` (so both ends are exact), each value one
    fused multiply-add in ``d``'s arithmetic (float16: float arithmetic rounded to half at each
    step, as torch's ``Half``; integer types: double)."""
    if steps == 1:
        return np.array([float(scalar_to(start, d))])
    i = np.arange(steps, dtype=np.float64)
    up = i < steps // 2
    count = np.where(up, i, steps - i - 1)
    start, end = scalar_to(start, d), scalar_to(end, d)
    if not d.is_floating_point:
        step = (end - start) / (steps - 1)
        return np.where(up, start + step * i, end - step * count)
    np_type = d.np_type
    if d is dtypes.float16:
        half, single = np.float16, np.float32
        step = half(single(half(single(end) - single(start))) / single(steps - 1))
        offset = (single(step) * count.astype(half).astype(single)).astype(half)
        offset = offset.astype(single)
        return np.where(up, single(start) + offset, single(end) - offset).astype(half)
    step = np_type.type(np_type.type(end - start) / np_type.type(steps - 1))
    step, start, end = float(step), float(start), float(end)
    return np.where(up, _fma(np.float64(step), count, np.float64(start)),
                    _fma(np.float64(-step), count, np.float64(end)))


def linspace(start, end, steps, *, out=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (the default float
    type unless ``dtype`` says otherwise; integer types truncate toward zero).

    Raises
    ------
    RuntimeError
        If ``steps`` is negative.
    TypeError
        If ``steps`` is not an int.
    """
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    steps = _steps(steps, "linspace")
    d = dtypes.as_dtype(_out_dtype(dtype, out) or dtypes.get_default_dtype())
    if steps > 1:
        _check_range_dtype(d, "linspace")
    values = _spaced(start, end, steps, d)
    return _out("linspace", _finish(_cast(values, d), device, requires_grad), out)


def _pow(base: float, exponent: float) -> float:
    """C's ``pow`` (which torch calls; NumPy's own differs in the last bit)."""
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf if base > 0 or exponent % 2 == 0 else -math.inf
    except ValueError:
        return math.nan


def logspace(start, end, steps, base: float = 10.0, *, out=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values spaced evenly on a log scale.

    Raises
    ------
    RuntimeError
        If ``steps`` is negative.
    """
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    steps = _steps(steps, "logspace")
    d = dtypes.as_dtype(_out_dtype(dtype, out) or dtypes.get_default_dtype())
    if steps > 1:
        _check_range_dtype(d, "logspace")
    start, end = scalar_to(start, d), scalar_to(end, d)
    if steps == 1:
        exponents = np.array([float(start)])
    else:
        # torch: the span in the result type, the exponents and the power in double
        span = end - start if d.category == 1 else float(
            d.np_type.type(np.float32(end) - np.float32(start)) if d is dtypes.float16
            else end - start)
        step = span / (steps - 1)
        count = np.arange(steps, dtype=np.float64)
        up = count < steps // 2
        count = np.where(up, count, steps - count - 1)
        exponents = np.where(up, start + step * count, end - step * count)
    values = np.array([_pow(float(base), x) for x in exponents.tolist()])
    return _out("logspace", _finish(_cast(values, d), device, requires_grad), out)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix.

    Raises
    ------
    RuntimeError
        If ``n`` or ``m`` is negative.
    """
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, n if m is None else m, dtype=_dtype(dtype)), device, requires_grad)


def _float_dtype(dtype, op: str) -> np.dtype:
    """The NumPy type of a random float tensor; integer types raise as torch's kernels do."""
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise NotImplementedError(f'"{op}" not implemented for \'{dtypes.scalar_name(d)}\'')
    return d.np_type


def randn(*args, size=None, generator=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution, of shape ``size``."""
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    size = _shape("randn", args, size)
    if _on_gpu(device, generator, "randn"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.normal(size, np_dtype), device, requires_grad)
    values = rng(generator).standard_normal(size, dtype=np.float64).astype(np_dtype)
    return _finish(values, device, requires_grad)


def rand(*args, size=None, generator=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1), of shape ``size``."""
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    size = _shape("rand", args, size)
    if _on_gpu(device, generator, "rand"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.uniform(size, np_dtype), device, requires_grad)
    values = rng(generator).random(size, dtype=np.float64).astype(np_dtype)
    return _finish(values, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), of shape ``size`` (int64 by default)."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = rng(generator).integers(low, high, _size((size,)), dtype=np.int64)
    return _finish(values.astype(_dtype(dtype, dtypes.int64)), device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    _size((n,))
    values = rng(generator).permutation(n).astype(_dtype(dtype, dtypes.int64))
    return _finish(values, device, False)


def normal(mean: float, std: float, size, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std**2), of shape ``size``.

    Raises
    ------
    RuntimeError
        If ``std`` is negative.
    """
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    values = rng(generator).normal(mean, std, _size((size,))).astype(_dtype(dtype))
    return _finish(values, device, requires_grad)


# ---------------------------------------------------------------------------- Tensor.new_*


def _new_like(self: Tensor, dtype, device):
    return (self.dtype if dtype is None else dtype,
            self.device if device is None else device)


def new_tensor(self: Tensor, data, *, dtype=None, device=None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor copying ``data``, of ``self``'s dtype and device unless given."""
    dtype, device = _new_like(self, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size``, of ``self``'s dtype and device unless given."""
    dtype, device = _new_like(self, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size``, of ``self``'s dtype and device unless given."""
    dtype, device = _new_like(self, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size``, of ``self``'s dtype and device unless given."""
    dtype, device = _new_like(self, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` in a tensor of shape ``size``, of ``self``'s dtype and device unless
    given."""
    dtype, device = _new_like(self, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

"""Creating tensors: from data, filled with constants, ranges and random numbers."""
from __future__ import annotations

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
    type, ints int64, bools bool; a sequence takes the promotion of its elements' types.
    """
    if isinstance(data, Tensor):
        array = np.array(data._backend().to_host(data._data), copy=True)
    elif isinstance(data, (list, tuple)):
        leaves = list(_flatten(data))
        if any(isinstance(x, Tensor) for x in leaves):
            array = np.array([_to_array(x) for x in data])
        else:
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
        return array.astype(dtypes.as_dtype(dtype).np_type, copy=False)
    dtypes.from_numpy_dtype(array.dtype)  # TypeError for types numbagrad does not hold
    return array


def _infer(leaves: list) -> dtypes.dtype:
    """torch's type of a sequence: the promotion of its elements' types (an empty one is float)."""
    result = None
    for x in leaves:
        if isinstance(x, (Tensor, np.ndarray, np.generic)):
            d = dtypes.from_numpy_dtype(np.asarray(x).dtype)
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


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    return _filled(_size(size), 0, _dtype(dtype), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _filled(_size(size), 1, _dtype(dtype), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _filled(_size(size), None, _dtype(dtype), device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype inferred from the value)."""
    default = dtypes.scalar_dtype(fill_value)
    return _filled(_size((size,)), fill_value, _dtype(dtype, default), device, requires_grad)


def _like(input: Tensor, dtype, device):
    return (input.shape, dtype if dtype is not None else input.dtype,
            device if device is not None else input.device)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised, with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype) of ``input``."""
    shape, dtype, device = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``.

    int64 when all arguments are integers, else the default float type.
    """
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    is_int = all(isinstance(v, (numbers.Integral, np.integer)) for v in (start, end, step))
    default = dtypes.int64 if is_int else dtypes.get_default_dtype()
    np_dtype = _dtype(dtype, default)
    n = int(np.ceil((end - start) / step))
    values = (start + step * np.arange(n, dtype=np.float64)) if not is_int else np.arange(start, end, step)
    return _finish(values.astype(np_dtype), device, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_dtype(dtype)), device, requires_grad)


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


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution, of shape ``size``."""
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    if _on_gpu(device, generator, "randn"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.normal(_size(size), np_dtype), device, requires_grad)
    values = rng(generator).standard_normal(_size(size), dtype=np.float64).astype(np_dtype)
    return _finish(values, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1), of shape ``size``."""
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    if _on_gpu(device, generator, "rand"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.uniform(_size(size), np_dtype), device, requires_grad)
    values = rng(generator).random(_size(size), dtype=np.float64).astype(np_dtype)
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

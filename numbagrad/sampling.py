"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm`` and ``normal``.

Numbers are drawn from numbagrad's generators (``random.py``) on the host and moved to their
device, except ``rand`` and ``randn`` on a GPU, which draw there from the GPU's own generator.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import _dtype, _finish, _finish_gpu, _shape, _size
from numbagrad.device import as_device
from numbagrad.ops.elementwise import not_implemented
from numbagrad.random import rng
from numbagrad.tensor import Tensor


def _on_gpu(device, generator, op: str) -> bool:
    """Whether random numbers for ``device`` are drawn on a GPU (by its own generator)."""
    if device is None or as_device(device).type != "cuda":
        return False
    if generator is not None:
        raise RuntimeError(f"{op}(): a CPU Generator cannot draw numbers on {device}; leave "
                           "generator=None to use the GPU's (seeded by manual_seed)")
    return True


def _float_dtype(dtype, op: str) -> np.dtype:
    """The NumPy type of a random float tensor; integer types raise as torch's kernels do."""
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise not_implemented(op, d)
    return d.np_type


def randn(*args, size=None, generator=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution, of shape ``size``.

    Raises
    ------
    NotImplementedError
        For integer and bool dtypes, as torch.
    TypeError
        For sizes that are not ints.
    RuntimeError
        For a negative size, or a ``generator`` given with a CUDA ``device`` (the GPU draws
        from its own).
    """
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    size = _shape("randn", args, size)
    if _on_gpu(device, generator, "randn"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.normal(size, np_dtype), device, requires_grad)
    values = rng(generator).standard_normal(size, dtype=np.float64).astype(np_dtype)
    return _finish(values, device, requires_grad)


def rand(*args, size=None, generator=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1), of shape ``size``.

    Raises
    ------
    NotImplementedError
        For integer and bool dtypes, as torch.
    TypeError
        For sizes that are not ints.
    RuntimeError
        For a negative size, or a ``generator`` given with a CUDA ``device`` (the GPU draws
        from its own).
    """
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    size = _shape("rand", args, size)
    if _on_gpu(device, generator, "rand"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.uniform(size, np_dtype), device, requires_grad)
    values = rng(generator).random(size, dtype=np.float64).astype(np_dtype)
    return _finish(values, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), of shape ``size`` (int64 by default).

    Raises
    ------
    TypeError
        If ``size`` is missing.
    RuntimeError
        If ``low >= high``, or for a negative size.
    """
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError("random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    values = rng(generator).integers(low, high, _size((size,)), dtype=np.int64)
    return _finish(values.astype(_dtype(dtype, dtypes.int64)), device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of ``0 .. n-1``.

    Raises
    ------
    RuntimeError
        If ``n`` is negative.
    """
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

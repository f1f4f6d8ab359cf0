"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm`` and ``normal``.

Numbers are drawn from numbagrad's generators (``random.py``) on the host and moved to their
device, except ``rand`` and ``randn`` on a GPU, which draw there from the GPU's own generator.
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import _dtype, _finish, _finish_gpu, _shape, _size, allocating
from numbagrad.device import DEFAULT_DEVICE, as_device
from numbagrad.ops.elementwise import not_implemented
from numbagrad.random import rng
from numbagrad.tensor import Tensor


def _on_gpu(device, generator, op: str) -> bool:
    """Whether random numbers for ``device`` are drawn on a GPU (by its own generator)."""
    if device is None:
        device = DEFAULT_DEVICE[0]
    if device is None or as_device(device).type != "cuda":
        return False
    if generator is not None:
        raise RuntimeError(f"{op}(): a CPU Generator cannot draw numbers on {device}; leave "
                           "generator=None to use the GPU's (seeded by manual_seed)")
    return True


def _sizes_given(op: str, args: tuple, size) -> tuple:
    """``args``, after torch's TypeError for a call with no size at all (``randn()``)."""
    if not args and size is None:
        raise TypeError(f"{op}() missing required argument 'size' (a tuple of ints, or ints)")
    return args


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
        For sizes that are not ints, or no size at all.
    RuntimeError
        For a negative size, memory the machine cannot give, or a ``generator`` given with a
        CUDA ``device`` (the GPU draws from its own).
    """
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    size = _shape("randn", _sizes_given("randn", args, size), size)
    if _on_gpu(device, generator, "randn"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.normal(size, np_dtype), device, requires_grad)
    with allocating("randn", size, np.float64):
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
        For sizes that are not ints, or no size at all.
    RuntimeError
        For a negative size, memory the machine cannot give, or a ``generator`` given with a
        CUDA ``device`` (the GPU draws from its own).
    """
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    size = _shape("rand", _sizes_given("rand", args, size), size)
    if _on_gpu(device, generator, "rand"):
        from numbagrad.backends.cuda import random

        return _finish_gpu(random.uniform(size, np_dtype), device, requires_grad)
    with allocating("rand", size, np.float64):
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
    shape = _size((size,), "randint")
    with allocating("randint", shape, np.int64):
        values = rng(generator).integers(low, high, shape, dtype=np.int64)
    return _finish(values.astype(_dtype(dtype, dtypes.int64)), device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of ``0 .. n-1``.

    Raises
    ------
    RuntimeError
        If ``n`` is negative.
    TypeError
        If ``n`` is not an int.
    """
    if not isinstance(n, (numbers.Integral, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    _size((n,), "randperm")
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


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """``num_samples`` category indices drawn from each row of the weights ``input`` (1-D or
    2-D, non-negative, not necessarily summing to 1), int64.

    With ``replacement`` each draw is independent (inverse of the cumulative weights); without,
    as torch, the categories with the largest ``weight / Exp(1)`` keys are taken, so zero
    weights come last.

    Raises
    ------
    RuntimeError
        For an input that is not floating point or not 1-D/2-D, a weight that is negative, inf
        or nan, a row of zeros, ``num_samples <= 0``, or more samples than categories without
        replacement (torch's messages).
    """
    from numbagrad.ops.elementwise import check_tensor, write_out

    check_tensor("multinomial", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{dtypes.scalar_name(input.dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not isinstance(num_samples, (numbers.Integral, np.integer)) or isinstance(num_samples,
                                                                                   bool):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    weights = np.asarray(input.detach().cpu(), dtype=np.float64).reshape(-1, categories)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    draw = rng(generator)
    if replacement:
        cdf = np.cumsum(weights / totals[:, None], axis=1)
        u = draw.random((weights.shape[0], num_samples))
        picks = np.stack([np.minimum(np.searchsorted(c, row, side="right"), categories - 1)
                          for c, row in zip(cdf, u)])
    else:
        keys = weights / draw.exponential(size=weights.shape)
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    picks = picks.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    result = _finish(picks, input.device, False)
    return result if out is None else write_out("multinomial", result, out)

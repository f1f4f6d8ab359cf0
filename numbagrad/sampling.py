"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``
and ``multinomial``.

Numbers are drawn on the host by :mod:`numbagrad.random.draw`, as torch's CPU kernels draw them
(the same seed gives the same values), and moved to their device; ``rand`` and ``randn`` on a
GPU draw there instead, from numbagrad's own GPU generator (a stream of its own).
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import _dtype, _finish, _finish_gpu, _shape, _size, allocating
from numbagrad.device import DEFAULT_DEVICE, as_device
from numbagrad.ops.elementwise import not_implemented
from numbagrad.random import draw
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
    with allocating("randn", size, np_dtype):
        values = draw.normal(draw.resolve(generator), size, np_dtype)
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
    with allocating("rand", size, np_dtype):
        values = draw.uniform(draw.resolve(generator), size, np_dtype)
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
    np_dtype = _dtype(dtype, dtypes.int64)
    with allocating("randint", shape, np.int64):
        values = draw.random_range(draw.resolve(generator), shape, np_dtype, int(low), int(high))
    return _finish(values, device, requires_grad)


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
    values = draw.randperm(draw.resolve(generator), int(n), _dtype(dtype, dtypes.int64))
    return _finish(values, device, False)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False, out=None) -> Tensor:
    """Samples of N(mean, std**2): of shape ``size`` for numbers ``mean`` and ``std``, else of
    the broadcast shape of the tensors among them, as torch (a standard normal tensor scaled by
    ``std``, then shifted by ``mean``).

    Raises
    ------
    RuntimeError
        If ``std`` (or an element of it) is negative.
    """
    from numbagrad.ops.elementwise import write_out

    gen = draw.resolve(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        values = draw.normal(gen, _size((size,), "normal"), _dtype(dtype), mean, std)
        result = _finish(values, device, requires_grad)
        return result if out is None else write_out("normal", result, out)
    result = _normal_tensors(gen, mean, std)
    return result if out is None else write_out("normal", result, out)


def _normal_tensors(gen, mean, std) -> Tensor:
    """torch's ``normal`` with a tensor mean and/or std: ``normal_(0, std) + mean`` for a number
    std, else ``normal_(0, 1) * std + mean``, each step rounded in the result's dtype."""
    like = mean if isinstance(mean, Tensor) else std
    np_dtype = like.dtype.np_type
    if isinstance(std, Tensor):
        s = std.detach().cpu().numpy()
        if np.any(s < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        m = mean.detach().cpu().numpy() if isinstance(mean, Tensor) else mean
        shape = np.broadcast_shapes(np.shape(m), s.shape)
        values = draw.normal(gen, shape, np_dtype) * s.astype(np_dtype) + np.asarray(
            m, dtype=np_dtype)
    else:
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        m = mean.detach().cpu().numpy()
        values = draw.normal(gen, m.shape, np_dtype, 0.0, std) + m
    return _finish(np.ascontiguousarray(values, dtype=np_dtype), like.device, False)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with the probabilities in ``input`` (or the number ``p``), in ``input``'s
    dtype and shape, as ``torch.bernoulli``.

    Raises
    ------
    RuntimeError
        For a probability outside [0, 1].
    """
    from numbagrad.ops.elementwise import check_tensor, write_out

    check_tensor("bernoulli", input)
    gen = draw.resolve(generator)
    np_dtype = input.dtype.np_type
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        values = draw.bernoulli_scalar(gen, tuple(input.shape), np_dtype, p)
    else:
        # The array itself on the CPU: a compiled step replays the kernel that reads it.
        probs = input._data if input._device.type == "cpu" else input.detach().cpu().numpy()
        if np.any(~((probs >= 0) & (probs <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        values = draw.bernoulli_tensor(gen, probs, np_dtype)
    result = _finish(values, input.device, False)
    return result if out is None else write_out("bernoulli", result, out)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """``num_samples`` category indices drawn from each row of the weights ``input`` (1-D or
    2-D, non-negative, not necessarily summing to 1), int64.

    As torch: with ``replacement`` (and more than one sample) each draw is independent (inverse
    of the cumulative weights); otherwise the categories with the largest ``weight / Exp(1)``
    keys are taken, so zero weights come last.

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
    if input.dtype.np_type not in (np.float16, np.float32, np.float64):
        weights = weights.astype(np.float32)  # integer weights (float16 ranks in float16)
    else:
        weights = np.ascontiguousarray(input.detach().cpu().numpy().reshape(-1, categories))
    picks = draw.multinomial(draw.resolve(generator), weights, num_samples, replacement)
    picks = picks.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    result = _finish(picks, input.device, False)
    return result if out is None else write_out("multinomial", result, out)

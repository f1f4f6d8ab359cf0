"""Drawing torch's numbers: each function returns a new C-contiguous NumPy array and consumes
the generator exactly as torch 2.13's CPU kernel does for a contiguous tensor of that shape and
dtype, so a numbagrad program and a torch program seeded alike see the same values.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.random import _normal_kernels, _topk, kernels
from numbagrad.random.generator import Generator, default_generator

_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def from_double(values: np.ndarray, np_dtype) -> np.ndarray:
    """Doubles cast to ``np_dtype`` as torch's ``static_cast``: a float16 is built from a
    float32 (``c10::Half(float)``), so a double reaches float16 through float32, rounded
    twice (which differs from one rounding for about one value in 15000)."""
    np_dtype = np.dtype(np_dtype)
    with np.errstate(over="ignore"):  # beyond the dtype's range is inf, as in torch
        if np_dtype == np.float16:
            values = values.astype(np.float32)
        return values.astype(np_dtype, copy=False)


def resolve(generator) -> Generator:
    """The generator to draw from: ``generator``, or the default one when None.

    Raises
    ------
    TypeError
        If ``generator`` is not a :class:`Generator`.
    """
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a numbagrad.Generator as 'generator', got "
                        f"{type(generator).__name__}")
    return generator


def _count(shape) -> int:
    return int(math.prod(shape))


def uniform(gen: Generator, shape, np_dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """U(low, high) as ``Tensor.uniform_``: one 32-bit draw per float32 value (24 bits), one
    64-bit draw per float64 value (53 bits), ``low`` and ``high`` first rounded to the dtype;
    a value that rounds to ``high`` becomes ``low``. float16 values are float32 ones (bounds
    rounded to float32 only) rounded to float16, with the same rule."""
    np_dtype = np.dtype(np_dtype)
    n = _count(shape)
    if np_dtype == np.float64:
        out = np.empty(n, dtype=np.float64)
        kernels.uniform_float64(gen._engine, out, float(low), float(high))
        return out.reshape(shape)
    out = np.empty(n, dtype=np.float32)
    bounds = np.array([low, high], dtype=np.float32 if np_dtype == np.float16 else np_dtype)
    lo, hi = bounds.astype(np.float32)
    kernels.uniform_float32(gen._engine, out, lo, hi, 24)
    if np_dtype == np.float32:
        return out.reshape(shape)
    rounded = out.astype(np_dtype)
    rounded[rounded == np_dtype.type(hi)] = np_dtype.type(lo)
    return rounded.reshape(shape)


def normal(gen: Generator, shape, np_dtype, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """N(mean, std**2) as ``Tensor.normal_``: at least 16 values of a contiguous tensor are
    filled by torch's block Box-Muller (``normal_fill``; float16 computed in float32 and
    rounded); fewer, or a non-contiguous tensor's (``contiguous=False``), are drawn one by one
    with the generator's cached second value."""
    np_dtype = np.dtype(np_dtype)
    n = _count(shape)
    blocks = contiguous and n >= 16
    if blocks and np_dtype == np.float32:
        out = np.empty(n, dtype=np.float32)
        _normal_kernels.normal_fill_float32(gen._engine, out, np.float32(mean),
                                            np.float32(std))
    elif blocks and np_dtype == np.float16:
        out = np.empty(n, dtype=np.float32)
        _normal_kernels.normal_fill_float16(gen._engine, out, np.float32(mean),
                                            np.float32(std))
    elif blocks and np_dtype == np.float64:
        out = np.empty(n, dtype=np.float64)
        _normal_kernels.normal_fill_float64(gen._engine, out, float(mean), float(std))
    else:
        # Doubles stored into float32 round as from_double's cast does: the kernel writes the
        # dtype itself (a compiled step replays it); float16 goes through float32 after.
        wide = np_dtype if np_dtype in (np.float32, np.float64) else np.dtype(np.float64)
        out = np.empty(n, dtype=wide)
        _normal_kernels.normal_serial(gen._engine, gen._normal_double, out, float(mean),
                                      float(std))
    return from_double(out, np_dtype).reshape(shape)


def _float_bounds(np_dtype: np.dtype, low: int, high: int) -> tuple:
    """torch's ``update_from`` / ``update_to``: for a float dtype, bounds that the dtype cannot
    hold exactly move inwards to ones it can, which changes the range drawn from."""
    digits = _DIGITS[np_dtype]
    low_plus_1 = int(np.array(low + 1, dtype=np.float64).astype(np_dtype))
    if low_plus_1 < low:
        low = low_plus_1 + (1 << (abs(low + 1).bit_length() - 1 - digits + 1))
    high_minus_1 = int(np.array(high - 1, dtype=np.float64).astype(np_dtype))
    if high_minus_1 >= high:
        high = high_minus_1 - (1 << (abs(high - 1).bit_length() - 1 - digits + 1))
    return low, high


def random_range(gen: Generator, shape, np_dtype, low: int, high: int) -> np.ndarray:
    """Integers of [low, high) as ``randint`` / ``Tensor.random_(from, to)``: ``low + v %
    (high - low)``, ``v`` a 64-bit draw when the range reaches 2**28 (torch's released builds,
    whatever the dtype), else a 32-bit one. Float bounds are first moved as torch does."""
    np_dtype = np.dtype(np_dtype)
    low, high = int(low), int(high)
    if np_dtype in _DIGITS:
        low, high = _float_bounds(np_dtype, low, high)
    span = high - low
    if np_dtype.kind in "iuf" and np_dtype != np.float16:
        # One kernel draws, offsets and converts (a compiled step replays it): a store of an
        # int64 converts as NumPy's astype does (wrapping, or rounding to nearest).
        out = np.empty(_count(shape), dtype=np_dtype)
        kernels.random_range_into(gen._engine, out, np.uint64(span), span >= 2 ** 28,
                                  np.uint64(low % 2 ** 64))
        return out.reshape(shape)
    out = np.empty(_count(shape), dtype=np.uint64)
    kernels.random_mod(gen._engine, out, np.uint64(span), span >= 2 ** 28)
    # (v + low) wraps modulo 2**64 as torch's int64 arithmetic does.
    values = (out + np.uint64(low % 2 ** 64)).view(np.int64)
    return values.astype(np_dtype).reshape(shape)


def random_full(gen: Generator, shape, np_dtype) -> np.ndarray:
    """``Tensor.random_()``: integers of [0, 2**digits] for floats (mantissa digits), of
    [0, max] for integers, 0/1 for bool; 64-bit draws for int64 and float64 only."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype == np.bool_:
        modulus = 2
    elif np_dtype.kind == "f":
        modulus = 2 ** _DIGITS[np_dtype] + 1
    else:
        modulus = int(np.iinfo(np_dtype).max) + 1
    wide = np_dtype in (np.dtype(np.int64), np.dtype(np.float64))
    out = np.empty(_count(shape), dtype=np.uint64)
    kernels.random_mod(gen._engine, out, np.uint64(modulus), wide)
    return out.astype(np_dtype).reshape(shape)


def randperm(gen: Generator, n: int, np_dtype) -> np.ndarray:
    """A permutation of 0..n-1 as torch's ``randperm_cpu``."""
    out = np.empty(int(n), dtype=np.int64)
    if n < (2 ** 32 - 1) // 20:
        kernels.randperm_small(gen._engine, out)
    else:
        kernels.randperm_large(gen._engine, out)
    return out.astype(np_dtype, copy=False)


def bernoulli_scalar(gen: Generator, shape, np_dtype, p: float) -> np.ndarray:
    """0/1 values, 1 with probability ``p``, as ``Tensor.bernoulli_(p)``: torch 2.13 draws one
    53-bit uniform per value and keeps ``u < p`` (its MKL path is not taken by this build)."""
    if np.dtype(np_dtype) != np.float16:
        # One kernel draws and writes the 0/1 values (a compiled step replays it).
        return bernoulli_select(gen, shape, np_dtype, p, (0, 1))
    keep = uniform(gen, shape, np.float64) < float(p)
    return keep.astype(np_dtype)


def bernoulli_tensor(gen: Generator, p_array: np.ndarray, np_dtype) -> np.ndarray:
    """0/1 values of ``p_array``'s shape, as ``torch.bernoulli(p)``: for float64
    probabilities a 53-bit uniform per value compared in double, for other floats a 24-bit
    uniform compared in float32."""
    if (p_array.dtype in (np.float32, np.float64) and np.dtype(np_dtype) != np.float16):
        # One kernel reads the probabilities and draws (a compiled step replays it).
        out = np.empty(p_array.shape, dtype=np_dtype)
        kernel = (kernels.bernoulli_probs64 if p_array.dtype == np.float64
                  else kernels.bernoulli_probs32)
        kernel(gen._engine, p_array, out)
        return out
    p_array = np.ascontiguousarray(p_array)
    if p_array.dtype == np.float64:
        u = uniform(gen, p_array.shape, np.float64)
        keep = u < p_array
    else:
        u = uniform(gen, p_array.shape, np.float32)
        keep = u < p_array.astype(np.float32)
    return keep.astype(np_dtype)


def exponential(gen: Generator, shape, np_dtype, lambd: float = 1.0) -> np.ndarray:
    """Exp(lambd) as ``Tensor.exponential_``: computed in double from one 64-bit draw per
    value, then rounded to the dtype."""
    # The kernel stores its doubles in float32 as from_double's cast would (a compiled step
    # replays it); float16 goes through float32 after.
    np_dtype = np.dtype(np_dtype)
    wide = np_dtype if np_dtype in (np.float32, np.float64) else np.dtype(np.float64)
    out = np.empty(_count(shape), dtype=wide)
    kernels.exponential_float64(gen._engine, out, float(lambd))
    return from_double(out, np_dtype).reshape(shape)


def multinomial(gen: Generator, probs_2d: np.ndarray, num_samples: int,
                replacement: bool) -> np.ndarray:
    """Category indices, int64 of shape (rows, num_samples), as ``torch.multinomial`` on
    valid weights (checked by the caller). Without replacement, or for one sample, torch
    takes the largest ``p / q`` with ``q ~ Exp(1)`` drawn in the weights' dtype (argmax for
    one sample, top-k in torch's order of ties otherwise); with replacement, inverse-CDF
    sampling per row (float16 weights summed in float32)."""
    probs = np.ascontiguousarray(probs_2d)
    rows, categories = probs.shape
    if not replacement or num_samples == 1:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            keys = probs / exponential(gen, probs.shape, probs.dtype, 1.0)
        if num_samples == 1:
            return np.argmax(keys, axis=1).astype(np.int64).reshape(rows, 1)
        # torch compares float16 keys as float32 (exactly), in its unstable top-k order.
        keys = np.ascontiguousarray(keys, dtype=np.float64 if keys.dtype == np.float64
                                    else np.float32)
        out = np.empty((rows, int(num_samples)), dtype=np.int64)
        _topk.topk_rows(keys, int(num_samples), out)
        return out
    if probs.dtype == np.float16:
        probs = probs.astype(np.float32)  # torch sums float16 weights in float32
    out = np.empty((rows, int(num_samples)), dtype=np.int64)
    kernels.multinomial_replacement(gen._engine, probs, int(num_samples), out)
    return out


def bernoulli_select(gen: Generator, shape, np_dtype, p: float, values) -> np.ndarray:
    """``values[k]`` for each ``k`` of :func:`bernoulli_scalar` (``p``, ``shape``), drawn and
    mapped by one kernel: ``values`` = (the value for 0, the value for 1) in ``np_dtype``, the
    results of an elementwise map of the 0/1 values (dropout's scaling), so the result equals
    the map applied to :func:`bernoulli_scalar`'s. Not for float16 (no Numba type)."""
    out = np.empty(_count(shape), dtype=np_dtype)
    kind = np.dtype(np_dtype).type
    kernels.bernoulli_select(gen._engine, out, float(p), kind(values[0]), kind(values[1]))
    return out.reshape(shape)


def bernoulli_select_ordered(gen: Generator, shape, order, np_dtype, p: float,
                             values) -> np.ndarray:
    """:func:`bernoulli_select` drawn in the memory order of a dense permuted tensor (``order``:
    its dimensions from the outermost in memory to the innermost, as torch's ``empty_like``
    lays out the noise it fills in memory order), returned C-contiguous in ``shape``. The copy
    goes through the CPU backend's ``contiguous``, which a compiled step records."""
    from numbagrad import backends

    stored = bernoulli_select(gen, tuple(shape[d] for d in order), np_dtype, p, values)
    return backends.get("cpu").contiguous(stored.transpose(np.argsort(order)))


def bernoulli_select2(gen: Generator, shape, np_dtype, p: float, values,
                      values2) -> tuple:
    """:func:`bernoulli_select` with two maps of the same draws; both arrays."""
    out = np.empty(_count(shape), dtype=np_dtype)
    out2 = np.empty(_count(shape), dtype=np_dtype)
    kind = np.dtype(np_dtype).type
    kernels.bernoulli_select2(gen._engine, out, float(p), kind(values[0]), kind(values[1]),
                              out2, kind(values2[0]), kind(values2[1]))
    return out.reshape(shape), out2.reshape(shape)


def rrelu_slopes(gen: Generator, values: np.ndarray, low: float, high: float) -> np.ndarray:
    """rrelu's training slopes for ``values`` (a host array of any layout, float32 or
    float64), a new C-contiguous array of its shape and dtype: see
    :func:`~numbagrad.random.kernels.rrelu_slopes`; ``low`` and ``high`` are already rounded
    to the opmath type."""
    out = np.empty(values.shape, dtype=values.dtype)
    kernels.rrelu_slopes(gen._engine, values, out, float(low), float(high))
    return out

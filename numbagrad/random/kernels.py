"""The per-distribution kernels: each advances an engine state (see :mod:`.mt19937`) exactly as
torch 2.13's CPU kernel does for a contiguous tensor and writes its output buffer in order.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.backends.cpu._jit import jit
from numbagrad.random._llvm import fma, mul_rounded
from numbagrad.random.mt19937 import fill_words, random32, random64

# Draws are taken from the engine in blocks of this many 32-bit words (fast bulk generation, see
# mt19937.fill_words) and transformed from the block, which stays in the L1 cache.
BLOCK = 2048
MASK53 = np.uint64(0x1FFFFFFFFFFFFF)  # the 53 bits of a 64-bit draw a double uniform keeps


@jit
def join64(words, j):
    """The ``j``-th 64-bit draw of a block of words: ``(first << 32) | second``."""
    return (np.uint64(words[2 * j]) << np.uint64(32)) | np.uint64(words[2 * j + 1])


@jit
def uniform_double(state):
    """One 53-bit uniform double of [0, 1) from a 64-bit draw."""
    return np.float64(random64(state) & np.uint64(0x1FFFFFFFFFFFFF)) * 1.1102230246251565e-16


@jit
def uniform_float32(state, out, low, high, digits):
    """``out[i]`` = torch's float ``uniform_real_distribution``: ``digits`` random bits of a
    32-bit draw (24: torch draws float16 values as float32 ones) times 2**-digits, scaled as
    ``x * (high - low) + low`` in float32 (contracted to one FMA, as torch's build does).
    ``low`` and ``high`` are float32 already. A value that rounds up to ``high`` becomes
    ``low``, as torch keeps the interval half-open."""
    span = high - low
    mask = np.uint32((1 << digits) - 1)
    scale = np.float32(1.0 / (1 << digits))
    words = np.empty(BLOCK, dtype=np.uint32)
    for start in range(0, out.size, BLOCK):
        m = min(BLOCK, out.size - start)
        fill_words(state, words[:m])
        for j in range(m):
            r = fma(np.float32(words[j] & mask) * scale, span, low)
            out[start + j] = low if r == high else r


@jit
def uniform_float64(state, out, low, high):
    """As :func:`uniform_float32` for double: 53 bits of a 64-bit draw times 2**-53."""
    span = high - low
    words = np.empty(BLOCK, dtype=np.uint32)
    half = BLOCK // 2
    for start in range(0, out.size, half):
        m = min(half, out.size - start)
        fill_words(state, words[:2 * m])
        for j in range(m):
            v = join64(words, j) & np.uint64(0x1FFFFFFFFFFFFF)
            r = fma(np.float64(v) * 1.1102230246251565e-16, span, low)
            out[start + j] = low if r == high else r


@jit
def random_mod(state, out, modulus, wide):
    """``out[i]`` = (a 64-bit draw if ``wide`` else a 32-bit draw) % ``modulus`` (uint64 out);
    the common core of ``random_()``, ``random_(from, to)`` and ``randint``."""
    words = np.empty(BLOCK, dtype=np.uint32)
    per = BLOCK // 2 if wide else BLOCK
    for start in range(0, out.size, per):
        m = min(per, out.size - start)
        fill_words(state, words[:2 * m if wide else m])
        for j in range(m):
            v = join64(words, j) if wide else np.uint64(words[j])
            out[start + j] = v % modulus


@jit
def randperm_small(state, out):
    """torch's ``randperm_cpu`` for ``n < 2**32 / 20``: a Fisher-Yates pass from the front, each
    swap partner ``i + random() % (n - i)``."""
    n = out.size
    for i in range(n):
        out[i] = i
    for i in range(n - 1):
        z = np.int64(np.uint64(random32(state)) % np.uint64(n - i))
        t = out[i]
        out[i] = out[z + i]
        out[z + i] = t


@jit
def randperm_large(state, out):
    """torch's ``randperm_cpu`` for ``n >= 2**32 / 20``: the inside-out shuffle on 64-bit
    draws."""
    for i in range(out.size):
        z = np.int64(random64(state) % np.uint64(i + 1))
        out[i] = out[z]
        out[z] = i


@jit
def exponential_float64(state, out, lambd):
    """torch's CPU ``exponential_distribution<double>``: ``-1 / lambd * log1p(-u)`` for a
    53-bit uniform ``u``, one 64-bit draw per value (cast to the tensor's dtype after)."""
    scale = 1.1102230246251565e-16
    mask = np.uint64(0x1FFFFFFFFFFFFF)
    factor = -1.0 / lambd
    words = np.empty(BLOCK, dtype=np.uint32)
    half = BLOCK // 2
    for start in range(0, out.size, half):
        m = min(half, out.size - start)
        fill_words(state, words[:2 * m])
        for j in range(m):
            u = np.float64(join64(words, j) & mask) * scale
            out[start + j] = factor * math.log1p(-u)


@jit
def multinomial_replacement(state, probs, samples, out):
    """torch's ``multinomial_with_replacement_apply``: per row, the running sum of the weights
    in their own dtype, divided by the total (the last bucket set to 1), then per sample a
    53-bit uniform located by binary search (first bucket whose value is not below it)."""
    rows, categories = probs.shape
    cum = np.empty(categories, dtype=probs.dtype)
    for i in range(rows):
        total = probs[i, 0] - probs[i, 0]  # a zero of the weights' dtype
        for j in range(categories):
            total += probs[i, j]
            cum[j] = total
        for j in range(categories):
            cum[j] /= total
        cum[categories - 1] = 1
        for j in range(samples):
            u = uniform_double(state)
            left = 0
            right = categories
            while right - left > 0:
                mid = left + (right - left) // 2
                if cum[mid] < u:
                    left = mid + 1
                else:
                    right = mid
            out[i, j] = left


@jit
def cauchy_float64(state, out, median, sigma):
    """torch's ``cauchy_distribution<double>``: ``median + sigma * tan(pi * (u - 0.5))``."""
    for i in range(out.size):
        u = uniform_double(state)
        out[i] = fma(sigma, math.tan(math.pi * (u - 0.5)), median)


@jit
def geometric(state, out, p):
    """torch's ``geometric_distribution<double>``: ``ceil(log(u) / log1p(-p))``."""
    for i in range(out.size):
        u = uniform_double(state)
        out[i] = math.ceil(math.log(u) / math.log1p(-p))


@jit
def bernoulli_select(state, out, threshold, if_drop, if_keep):
    """``out[i]`` = ``if_keep`` where a 53-bit uniform double ``u`` (one 64-bit draw) is below
    ``threshold``, else ``if_drop``: torch's ``bernoulli_(p)`` on a contiguous tensor (``u <
    p``, as :func:`uniform_float64` on [0, 1) draws ``u``) followed by any elementwise map of its
    0/1 values, the map's two results given. One kernel draws and maps, so a compiled step
    replays both. ``out`` is C-contiguous."""
    flat = out.reshape(-1)
    words = np.empty(BLOCK, dtype=np.uint32)
    half = BLOCK // 2
    for start in range(0, out.size, half):
        m = min(half, out.size - start)
        fill_words(state, words[:2 * m])
        for j in range(m):
            u = np.float64(join64(words, j) & MASK53) * 1.1102230246251565e-16
            flat[start + j] = if_keep if u < threshold else if_drop


@jit
def bernoulli_select2(state, out, threshold, if_drop, if_keep, out2, if_drop2, if_keep2):
    """:func:`bernoulli_select` writing two maps of the same draws (alpha dropout's scale and
    shift)."""
    flat, flat2 = out.reshape(-1), out2.reshape(-1)
    words = np.empty(BLOCK, dtype=np.uint32)
    half = BLOCK // 2
    for start in range(0, out.size, half):
        m = min(half, out.size - start)
        fill_words(state, words[:2 * m])
        for j in range(m):
            u = np.float64(join64(words, j) & MASK53) * 1.1102230246251565e-16
            if u < threshold:
                flat[start + j] = if_keep
                flat2[start + j] = if_keep2
            else:
                flat[start + j] = if_drop
                flat2[start + j] = if_drop2


@jit
def rrelu_slopes(state, values, out, low, high):
    """rrelu's training slopes, as torch's ``_rrelu_with_noise_train``: in ``values``' C order,
    for each element ``x <= 0`` one 64-bit draw gives ``u`` (53 bits) and the slope ``u *
    (high - low) + low`` in double, rounded twice (that kernel has no fused multiply-add), then
    to ``out``'s dtype; 1 elsewhere (NaN included). ``out`` is C-contiguous, ``values`` any
    layout."""
    flat = out.reshape(-1)
    span = high - low
    i = 0
    for x in values.flat:
        if x <= 0:
            u = np.float64(random64(state) & MASK53) * 1.1102230246251565e-16
            flat[i] = mul_rounded(u, span) + low
        else:
            flat[i] = 1
        i += 1


@jit
def _check_probs(probs):
    """torch's check of ``bernoulli(p)``, before any draw: the Python front end makes it in
    eager mode, this one raises in a compiled step, which skips that front end."""
    for p in probs.flat:
        if not (p >= 0 and p <= 1):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


@jit
def bernoulli_probs64(state, probs, out):
    """``out[i]`` = 1 where a 53-bit uniform double (one 64-bit draw) is below ``probs[i]``
    (float64, C order of any layout), else 0: ``torch.bernoulli(p)`` for double ``p``."""
    _check_probs(probs)
    flat = out.reshape(-1)
    i = 0
    for p in probs.flat:
        flat[i] = 1 if uniform_double(state) < p else 0
        i += 1


@jit
def bernoulli_probs32(state, probs, out):
    """As :func:`bernoulli_probs64` for float32 ``p``: a 24-bit float32 uniform (one 32-bit
    draw) compared in float32."""
    _check_probs(probs)
    flat = out.reshape(-1)
    scale = np.float32(1.0 / (1 << 24))
    i = 0
    for p in probs.flat:
        u = np.float32(random32(state) & np.uint32(0xFFFFFF)) * scale
        flat[i] = 1 if u < p else 0
        i += 1


@jit
def random_range_into(state, out, modulus, wide, low):
    """:func:`random_mod` plus ``low`` (uint64, wrapping modulo 2**64 as torch's int64
    arithmetic does), read as int64 and stored in ``out``'s dtype (C-contiguous): ``randint``
    in one kernel, which a compiled step replays."""
    flat = out.reshape(-1)
    words = np.empty(BLOCK, dtype=np.uint32)
    per = BLOCK // 2 if wide else BLOCK
    for start in range(0, out.size, per):
        m = min(per, out.size - start)
        fill_words(state, words[:2 * m if wide else m])
        for j in range(m):
            v = join64(words, j) if wide else np.uint64(words[j])
            flat[start + j] = np.int64(v % modulus + low)

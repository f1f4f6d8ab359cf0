"""torch's CPU Mersenne Twister (``at::mt19937``), over a NumPy state a kernel can update.

The engine state is one ``uint32[626]`` array: the 624 words of the twister, then ``left`` and
``next`` (torch's ``left_`` and ``next_``), so a kernel receives the whole engine as one argument
and advances it in place. ``random()`` is torch's tempered 32-bit draw; ``random64()`` joins two
draws as ``(first << 32) | second``, as ``CPUGeneratorImpl::random64`` does.
"""
from __future__ import annotations

import numpy as np

from numbagrad.backends.cpu._jit import jit

N = 624
M = 397
MATRIX_A = 0x9908B0DF
UPPER_MASK = 0x80000000
LOWER_MASK = 0x7FFFFFFF
LEFT = N          # index of ``left_`` in the state array
NEXT = N + 1      # index of ``next_``
STATE_WORDS = N + 2


def seeded_state(seed: int) -> np.ndarray:
    """A fresh engine state for ``seed``, as ``mt19937::init_with_uint32``: only the low 32
    bits of the seed count, as in torch."""
    state = np.empty(STATE_WORDS, dtype=np.uint32)
    x = int(seed) & 0xFFFFFFFF
    state[0] = x
    for j in range(1, N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        state[j] = x
    state[LEFT] = 1
    state[NEXT] = 0
    return state


@jit
def _twist(u, v):
    mixbits = (u & np.uint32(UPPER_MASK)) | (v & np.uint32(LOWER_MASK))
    mag = np.uint32(MATRIX_A) if (v & np.uint32(1)) else np.uint32(0)
    return (mixbits >> np.uint32(1)) ^ mag


@jit
def next_state(state):
    """Regenerate the 624 words (``mt19937::next_state``) and reset ``left``/``next``."""
    state[LEFT] = np.uint32(N)
    state[NEXT] = np.uint32(0)
    for j in range(N - M):
        state[j] = state[j + M] ^ _twist(state[j], state[j + 1])
    for j in range(N - M, N - 1):
        state[j] = state[j + M - N] ^ _twist(state[j], state[j + 1])
    state[N - 1] = state[M - 1] ^ _twist(state[N - 1], state[0])


@jit
def random32(state):
    """One tempered 32-bit draw, as a uint32 (``mt19937::operator()``)."""
    state[LEFT] -= np.uint32(1)
    if state[LEFT] == np.uint32(0):
        next_state(state)
    k = state[NEXT]
    state[NEXT] = k + np.uint32(1)
    y = state[k]
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


@jit
def random64(state):
    """Two draws joined as ``(first << 32) | second`` (``CPUGeneratorImpl::random64``)."""
    hi = np.uint64(random32(state))
    lo = np.uint64(random32(state))
    return (hi << np.uint64(32)) | lo


@jit
def fill_words(state, out):
    """``out[i]`` = the i-th next 32-bit draw, as ``out.size`` calls of :func:`random32` would
    give, but in runs between regenerations with ``left``/``next`` kept in registers (several
    times faster than one call per word)."""
    n = out.size
    left = np.int64(state[LEFT])
    k = np.int64(state[NEXT])
    i = 0
    while i < n:
        if left == 1:
            next_state(state)
            left = N + 1  # the run after a regeneration holds N words
            k = 0
        m = min(left - 1, n - i)
        for j in range(m):
            y = state[k + j]
            y ^= y >> np.uint32(11)
            y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
            y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
            y ^= y >> np.uint32(18)
            out[i + j] = y
        k += m
        left -= m
        i += m
    state[LEFT] = np.uint32(left)
    state[NEXT] = np.uint32(k)



@jit
def fill_random64(state, out):
    """``out[i]`` = the i-th next :func:`random64` draw (``out`` uint64)."""
    for i in range(out.size):
        out[i] = random64(state)

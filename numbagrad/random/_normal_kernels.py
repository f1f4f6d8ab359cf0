"""Normal kernels: torch's ``normal_fill`` (Box-Muller in blocks of 16) and the serial
``normal_distribution<double>`` with its cached second value.

On a CPU with AVX2 or AVX-512, torch fills float32 tensors with ``normal_fill_AVX2``, whose
logarithm and sine/cosine are the Cephes polynomials of ``avx_mathfun.h`` (torch registers no
AVX-512 normal kernel, so AVX-512 machines run the AVX2 one). :func:`_log_avx` and
:func:`_sincos_avx` repeat those polynomials operation by operation in float32, with a fused
multiply-add wherever torch's compiler contracts ``a * b + c`` into one; found against torch 2.13
(10**5 values, several seeds and (mean, std) pairs, identical bits).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from numbagrad.backends.cpu._jit import jit, run_parallel
from numbagrad.random._llvm import bits_float, float_bits, fma
from numbagrad.random.kernels import uniform_double, uniform_float32, uniform_float64

_F = np.float32
# Above this many values the Box-Muller blocks are shared among threads.
PARALLEL_MIN_SIZE = 1 << 15


@jit
def _log_avx(x):
    """``log256_ps`` of one float32 in (0, 1], step by step (no branches)."""
    bits = float_bits(x)
    e = _F((bits >> 23) - 0x7F) + _F(1.0)
    x = bits_float((bits & ~0x7F800000) | 0x3F000000)  # the mantissa, in [0.5, 1)
    small = x < _F(0.707106781186547524)
    e = e - (_F(1.0) if small else _F(0.0))
    x = x - _F(1.0) + (x if small else _F(0.0))
    z = x * x
    y = _F(7.0376836292E-2)
    y = fma(y, x, _F(-1.1514610310E-1))
    y = fma(y, x, _F(1.1676998740E-1))
    y = fma(y, x, _F(-1.2420140846E-1))
    y = fma(y, x, _F(1.4249322787E-1))
    y = fma(y, x, _F(-1.6668057665E-1))
    y = fma(y, x, _F(2.0000714765E-1))
    y = fma(y, x, _F(-2.4999993993E-1))
    y = fma(y, x, _F(3.3333331174E-1))
    y = y * x
    y = fma(y, z, e * _F(-2.12194440e-4))
    y = fma(-z, _F(0.5), y)
    x = x + y
    return fma(e, _F(0.693359375), x)


@jit
def _sincos_avx(x):
    """``sincos256_ps`` of one float32 in [0, 2 pi): (sin, cos), step by step (no branches)."""
    j = np.int32(x * _F(1.27323954473516))
    j = (j + 1) & ~1
    y = _F(j)
    sin_sign = (j & 4) << 29
    cos_sign = ((~(j - 2)) & 4) << 29
    cos_poly = (j & 2) != 0
    x = fma(y, _F(-0.78515625), x)
    x = fma(y, _F(-2.4187564849853515625e-4), x)
    x = fma(y, _F(-3.77489497744594108e-8), x)
    z = x * x
    yc = fma(_F(2.443315711809948E-005), z, _F(-1.388731625493765E-003))
    yc = fma(yc, z, _F(4.166664568298827E-002))
    yc = yc * z
    yc = fma(yc, z, -(z * _F(0.5)))
    yc = yc + _F(1.0)
    ys = fma(_F(-1.9515295891E-4), z, _F(8.3321608736E-3))
    ys = fma(ys, z, _F(-1.6666654611E-1))
    ys = ys * z
    ys = fma(ys, x, x)
    s = yc if cos_poly else ys
    c = ys if cos_poly else yc
    return bits_float(float_bits(s) ^ sin_sign), bits_float(float_bits(c) ^ cos_sign)


@jit
def _fill16_float32(data, start, mean, std):
    """``normal_fill_16_AVX2`` on ``data[start:start + 16]`` (uniforms in, normals out)."""
    two_pi = _F(2.0 * math.pi)
    for j in range(8):
        u1 = _F(1.0) - data[start + j]
        u2 = data[start + j + 8]
        radius = np.sqrt(_F(-2.0) * _log_avx(u1))
        s, c = _sincos_avx(two_pi * u2)
        data[start + j] = fma(radius * c, std, mean)
        data[start + j + 8] = fma(radius * s, std, mean)


def _blocks_float32(out, mean, std):
    """:func:`_fill16_float32` on every whole block of ``out``; the blocks are independent."""
    for b in numba.prange(out.size // 16):
        _fill16_float32(out, 16 * b, mean, std)


def normal_fill_float32(state, out, mean, std):
    """torch's ``normal_fill_AVX2`` (float32, at least 16 values): every value drawn uniform,
    transformed 16 at a time; a last partial block is redrawn from 16 fresh uniforms and
    written over the tail."""
    n = out.size
    uniform_float32(state, out, _F(0.0), _F(1.0), 24)
    _run_blocks(_BLOCKS_FLOAT32, out, mean, std)
    if n % 16 != 0:
        uniform_float32(state, out[n - 16:], _F(0.0), _F(1.0), 24)
        _fill16_float32(out, n - 16, mean, std)


def normal_fill_float16(state, out, mean, std):
    """torch 2.13's ``normal_fill`` for float16 (at least 16 values), in float32 into ``out``
    (rounded to float16 by the caller): as :func:`normal_fill_float32` with float32 ``mean``
    and ``std``, except that uniforms are drawn for the whole blocks only, so a last partial
    block's 16 fresh uniforms follow them directly (16 * ceil(n / 16) draws in all). Found
    against torch 2.13 (10**5 values, several seeds, sizes and (mean, std) pairs, identical
    bits), not from its source."""
    n = out.size
    whole = n - n % 16
    uniform_float32(state, out[:whole], _F(0.0), _F(1.0), 24)
    _run_blocks(_BLOCKS_FLOAT32, out[:whole], mean, std)
    if n % 16 != 0:
        uniform_float32(state, out[n - 16:], _F(0.0), _F(1.0), 24)
        _fill16_float32(out, n - 16, mean, std)


@jit
def _fill16_float64(data, start, mean, std):
    """``normal_fill_16<double>`` on ``data[start:start + 16]``."""
    for j in range(8):
        u1 = 1.0 - data[start + j]
        u2 = data[start + j + 8]
        radius = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        data[start + j] = fma(radius * math.cos(theta), std, mean)
        data[start + j + 8] = fma(radius * math.sin(theta), std, mean)


def _blocks_float64(out, mean, std):
    """:func:`_fill16_float64` on every whole block of ``out``."""
    for b in numba.prange(out.size // 16):
        _fill16_float64(out, 16 * b, mean, std)


def normal_fill_float64(state, out, mean, std):
    """torch's ``normal_fill<double>`` (at least 16 values), as :func:`normal_fill_float32`
    with glibc's double log/cos/sin."""
    n = out.size
    uniform_float64(state, out, 0.0, 1.0)
    _run_blocks(_BLOCKS_FLOAT64, out, mean, std)
    if n % 16 != 0:
        uniform_float64(state, out[n - 16:], 0.0, 1.0)
        _fill16_float64(out, n - 16, mean, std)


# The uniforms are drawn in order, one generator; the transform of each block of 16 depends on
# that block alone, so large fills share it among threads (same numbers, in any order).
_BLOCKS_FLOAT32 = (jit(_blocks_float32), jit(_blocks_float32, parallel=True))
_BLOCKS_FLOAT64 = (jit(_blocks_float64), jit(_blocks_float64, parallel=True))


def _run_blocks(kernels: tuple, out, mean, std) -> None:
    serial, parallel = kernels
    if out.size >= PARALLEL_MIN_SIZE:
        run_parallel(parallel, out, mean, std)
    else:
        serial(out, mean, std)


@jit
def normal_serial(state, cache, out, mean, std):
    """torch's ``normal_distribution<double>`` once per value (tensors under 16 values): a
    Box-Muller pair per two values, the second kept in ``cache`` = [is_valid, value] (the
    generator's ``next_double_normal_sample``) for the next call."""
    for i in range(out.size):
        if cache[0] != 0.0:
            cache[0] = 0.0
            ret = cache[1]
        else:
            u1 = uniform_double(state)
            u2 = uniform_double(state)
            r = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            cache[0] = 1.0
            cache[1] = r * math.sin(theta)
            ret = r * math.cos(theta)
        out[i] = fma(ret, std, mean)


@jit
def log_normal(state, cache, out, mean, std):
    """torch's ``lognormal_distribution<double>``: ``exp`` of :func:`normal_serial`'s values
    (one by one whatever the size, the cached second value included)."""
    normal_serial(state, cache, out, mean, std)
    for i in range(out.size):
        out[i] = math.exp(out[i])

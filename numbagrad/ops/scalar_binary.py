"""Scalar formulas of the binary ops (``ops/binary.py``) and of the rounding divisions
(``ops/division.py``), each with its derivative just below it; see ``ops/scalar.py`` for the
conventions. Each formula is self-contained, as the backends compile each one alone: fmax and
fmin, div_floor and div_trunc spell out their like tests rather than call a shared helper.

Numba's CPU target has no ``math.fmod``, ``math.floor`` or ``math.trunc`` that stay floats, so
the rounding divisions use Python's float ``%`` and ``//`` (Numba and the CUDA target keep
CPython's algorithm, which is also torch's ``div_floor``): ``abs(a) % abs(b)`` of two
non-negative numbers is C's exact ``fmod``. Integer tensors get formulas of their own
(``*_int``), so that int64 results never pass through a float. Divisions by zero are written
out where plain Python would raise (``NUMBA_DISABLE_JIT=1``, the CUDA simulator).
"""
import math


def atan2(a, b):
    return math.atan2(a, b)


def atan2_vjp(a, b, out, g):
    # torch: no gradient where a**2 + b**2 is exactly 0 (at the origin, or after underflow).
    r = a * a + b * b
    recip = 1.0 / r if r != 0 else 0.0
    return g * b * recip, g * -a * recip


def copysign(a, b):
    return math.copysign(a, b)


def copysign_vjp(a, b, out, g):
    # d/da = out / a: +1 or -1 by the sign agreement, 0 at a = 0 (as torch), nan at a = inf.
    return g * (out / a if a != 0 else 0.0), 0.0


def fmod(a, b):
    """C's fmod: the remainder of truncated division, with the sign of ``a``."""
    if b == 0:
        return math.nan
    return math.copysign(abs(a) % abs(b), a)


def fmod_int(a, b):
    r = a % b
    if r != 0 and (r < 0) != (a < 0):
        r = r - b
    return r


def remainder(a, b):
    """Python's modulo (the sign of ``b``), but a zero result keeps the sign of ``a`` (torch)."""
    if b == 0:
        return math.nan
    r = a % b
    return r if r != 0 else math.copysign(r, a)


def remainder_int(a, b):
    return a % b


def div_floor(a, b):
    """torch's ``div_floor``: CPython's float floor division, the IEEE quotient for ``b = 0``."""
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a // b


def div_floor_int(a, b):
    return a // b


def div_trunc(a, b):
    """``trunc(a / b)``, the sign of zero kept."""
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    q = a / b
    if q - q != 0:
        return q  # inf or nan
    return math.copysign(abs(q) - abs(q) % 1.0, q)


def div_trunc_int(a, b):
    q = a // b
    if q < 0 and q * b != a:
        q = q + 1
    return q


def logaddexp(a, b):
    # torch's form: max + log1p(exp(-|a - b|)), and equal infinities returned as they are.
    if a == b and a - a != 0:
        return a
    m = b if a < b else a
    return m + math.log1p(math.exp(-abs(a - b)))


def logaddexp_vjp(a, b, out, g):
    return g / (1 + math.exp(b - a)), g / (1 + math.exp(a - b))


def logaddexp2(a, b):
    if a == b and a - a != 0:
        return a
    m = b if a < b else a
    return m + math.log1p(2.0 ** -abs(a - b)) * 1.4426950408889634  # 1 / log(2)


def logaddexp2_vjp(a, b, out, g):
    return g / (1 + 2.0 ** (b - a)), g / (1 + 2.0 ** (a - b))


def hypot(a, b):
    return math.hypot(a, b)


def hypot_vjp(a, b, out, g):
    if out == 0:
        return math.nan, math.nan  # 0 / 0, as torch
    return g * a / out, g * b / out


def xlogy(x, y):
    if y != y:
        return y
    if x == 0:
        return 0.0
    return x * (math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan))


def xlogy_vjp(x, y, out, g):
    # torch: d/dx = log(y), but 0 where x = 0 and y <= 0 (log would be -inf or nan); d/dy = x / y.
    if y != y:
        gx = y
    elif x == 0 and y <= 0:
        gx = 0.0
    else:
        gx = g * (math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan))
    gx_y = g * x
    if y != 0:
        gy = gx_y / y
    elif gx_y == 0 or gx_y != gx_y:
        gy = math.nan
    else:
        gy = math.copysign(math.inf, gx_y) * math.copysign(1.0, y)
    return gx, gy


def fmax(a, b):
    # The number wins over nan; nan only when both are.
    if a != a:
        return b
    if b != b:
        return a
    return b if a < b else a


def fmax_vjp(a, b, out, g):
    # As torch: a tie sends all to a; a nan b sends all to a.
    if a >= b or b != b:
        return g, 0.0
    return 0.0, g


def fmin(a, b):
    if a != a:
        return b
    if b != b:
        return a
    return b if b < a else a


def fmin_vjp(a, b, out, g):
    if a <= b or b != b:
        return g, 0.0
    return 0.0, g


def lerp(a, b, w):
    # torch's two-sided form: exact at both ends (w = 0 gives a, w = 1 gives b).
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1 - w)


def lerp_vjp_input(w, g):
    return g * (1 - w)

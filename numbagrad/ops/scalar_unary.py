"""Scalar formulas of the unary ops (see ``ops/scalar.py`` for the conventions), each with its
derivative just below it.

Arguments outside a function's domain return nan (and poles return infinities) explicitly where
Python's ``math`` would raise, so that a formula gives IEEE's (and torch's) answers compiled and
run as plain Python alike.
"""
import math


def sin(x):
    return math.sin(x)


def sin_vjp(x, out, g):
    return g * math.cos(x)


def cos(x):
    return math.cos(x)


def cos_vjp(x, out, g):
    return -g * math.sin(x)


def tan(x):
    return math.tan(x)


def tan_vjp(x, out, g):
    return g * (1.0 + out * out)


def asin(x):
    return math.asin(x) if -1 <= x <= 1 else math.nan


def asin_vjp(x, out, g):
    # 1 / sqrt(1 - x**2): inf at x = +-1 and nan outside, as torch's rsqrt gives.
    d = 1.0 - x * x
    return g / math.sqrt(d) if d >= 0 else g * math.nan


def acos(x):
    return math.acos(x) if -1 <= x <= 1 else math.nan


def acos_vjp(x, out, g):
    d = 1.0 - x * x
    return -g / math.sqrt(d) if d >= 0 else g * math.nan


def atan(x):
    return math.atan(x)


def atan_vjp(x, out, g):
    return g / (1.0 + x * x)


def sinh(x):
    return math.sinh(x)


def sinh_vjp(x, out, g):
    return g * math.cosh(x)


def cosh(x):
    return math.cosh(x)


def cosh_vjp(x, out, g):
    return g * math.sinh(x)


def asinh(x):
    return math.asinh(x)


def asinh_vjp(x, out, g):
    return g / math.sqrt(x * x + 1.0)


def acosh(x):
    return math.acosh(x) if x >= 1 else math.nan


def acosh_vjp(x, out, g):
    d = x * x - 1.0
    return g / math.sqrt(d) if d >= 0 else g * math.nan


def atanh(x):
    if -1 < x < 1:
        return math.atanh(x)
    if x == 1 or x == -1:
        return math.copysign(math.inf, x)
    return math.nan


def atanh_vjp(x, out, g):
    return g / (1.0 - x * x)


def exp2(x):
    return 2.0 ** x


def exp2_vjp(x, out, g):
    return g * out * 0.6931471805599453  # ln 2


def expm1(x):
    return math.expm1(x)


def expm1_vjp(x, out, g):
    return g * (out + 1.0)


def log2(x):
    if x > 0:
        return math.log2(x)
    return -math.inf if x == 0 else math.nan


def log2_vjp(x, out, g):
    return g / (x * 0.6931471805599453)  # ln 2


def log10(x):
    if x > 0:
        return math.log10(x)
    return -math.inf if x == 0 else math.nan


def log10_vjp(x, out, g):
    return g / (x * 2.302585092994046)  # ln 10


def log1p(x):
    if x > -1:
        return math.log1p(x)
    return -math.inf if x == -1 else math.nan


def log1p_vjp(x, out, g):
    return g / (x + 1.0)


def rsqrt(x):
    # sqrt(-0.0) is -0.0, so rsqrt(-0.0) is -inf, as torch's.
    return 1.0 / math.sqrt(x) if x >= 0 else math.nan


def rsqrt_vjp(x, out, g):
    return -0.5 * g * out * out * out


def reciprocal(x):
    return 1.0 / x


def reciprocal_vjp(x, out, g):
    return -g * out * out


# Rounding. Python's math.floor and friends return integers (and raise on inf and nan), so
# values that are already integral (|x| >= 2**52, inf, nan) are returned as they are, and the
# sign of x is put back on a zero result: floor(-0.0), ceil(-0.5) and trunc(-0.5) are -0.0.
# A formula is compiled on its own and cannot call another (its source alone is its kernels'
# cache key), so that guard and the half-to-even step are written into each formula needing them.


def floor(x):
    if not -4503599627370496.0 < x < 4503599627370496.0:
        return x
    return math.copysign(float(math.floor(x)), x)


def ceil(x):
    if not -4503599627370496.0 < x < 4503599627370496.0:
        return x
    return math.copysign(float(math.ceil(x)), x)


def trunc(x):
    if not -4503599627370496.0 < x < 4503599627370496.0:
        return x
    # floor or ceil, not math.trunc: NumPy's float32 (the CUDA simulator's scalars) has no
    # __trunc__.
    return math.copysign(float(math.floor(x) if x >= 0 else math.ceil(x)), x)


def round(x):  # noqa: A001 - torch's name
    # Half to even (C's nearbyint), as torch: round(0.5) = 0, round(1.5) = 2, round(-0.5) = -0.0.
    if not -4503599627370496.0 < x < 4503599627370496.0:
        return x
    r = float(math.floor(x))
    d = x - r
    if d > 0.5 or (d == 0.5 and r % 2 != 0):
        r += 1.0
    return math.copysign(r, x)


def round_decimals(x, p):
    """torch's ``round(x, decimals=d)``: nearbyint(x * p) / p with ``p = 10**d`` for d > 0, and
    nearbyint(x / q) * q for d < 0 (passed as ``p = -q``, ``q = 10**-d``). The scaling of x is
    done in x's own precision, as torch does, so that float32 ties round as torch's do."""
    y = x * p if p > 0 else x / -p
    if not -4503599627370496.0 < y < 4503599627370496.0:
        r = y + 0.0
    else:
        r = float(math.floor(y))
        d = y - r
        if d > 0.5 or (d == 0.5 and r % 2 != 0):
            r += 1.0
        r = math.copysign(r, y)
    return r / p if p > 0 else r * -p


def round_decimals_vjp(x, p, out, g):
    return 0.0, 0.0


def zero_vjp(x, out, g):
    """The derivative of a piecewise constant function (floor, ceil, round, trunc): 0, also at
    its jumps, as torch."""
    return 0.0


def frac(x):
    # x - trunc(x) as torch computes it: frac(+-inf) is nan, frac(-0.0) is 0.0.
    if not -4503599627370496.0 < x < 4503599627370496.0:
        return x - x
    return x - math.copysign(float(math.floor(x) if x >= 0 else math.ceil(x)), x)


def frac_vjp(x, out, g):
    return g


def erf(x):
    return math.erf(x)


def erf_vjp(x, out, g):
    return g * 1.1283791670955126 * math.exp(-x * x)  # 2 / sqrt(pi)


def erfc(x):
    return math.erfc(x)


def erfc_vjp(x, out, g):
    return -g * 1.1283791670955126 * math.exp(-x * x)


def erfinv(x):
    # Pavlis' rational approximation to a few digits, then Newton steps, each of which doubles
    # the number of correct digits. In the tails the steps solve erfc(y) = 1 - |x| rather than
    # erf(y) = x: 1 - |x| is exact there, while erf(y) rounds to 1.
    ax = abs(x)
    if not ax < 1:
        return math.copysign(math.inf, x) if ax == 1 else math.nan
    if ax <= 0.7:
        z = x * x
        num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
        dem = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0
        y = x * num / dem
        y = y - (math.erf(y) - x) / (1.1283791670955126 * math.exp(-y * y))  # 2 / sqrt(pi)
        y = y - (math.erf(y) - x) / (1.1283791670955126 * math.exp(-y * y))
        return y
    r = 1.0 - ax
    z = math.sqrt(-math.log(r / 2.0))
    num = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454
    y = num / ((1.637067800 * z + 3.543889200) * z + 1.0)
    for _ in range(3):  # the approximation is poorer far out: one step more
        y = y + (math.erfc(y) - r) / (1.1283791670955126 * math.exp(-y * y))
    return math.copysign(y, x)


def erfinv_vjp(x, out, g):
    return g * 0.886226925452758 * math.exp(out * out)  # sqrt(pi) / 2


def logit(x, eps):
    """log(x / (1 - x)), with x first clamped to [eps, 1 - eps] unless eps < 0 (no eps)."""
    if eps >= 0:
        hi = 1.0 - eps
        x = eps if x < eps else (hi if x > hi else x)
    if x == 1:
        return math.inf
    z = x / (1.0 - x)
    if z > 0:
        return math.log(z)
    return -math.inf if z == 0 else math.nan


def logit_vjp(x, eps, out, g):
    # torch's: 0 outside [eps, 1 - eps] (where the clamp holds x), nan outside [0, 1] without
    # eps, and an infinite slope at 0 and 1.
    if eps >= 0:
        if x < eps or x > 1.0 - eps:
            return 0.0, 0.0
    elif x < 0 or x > 1:
        return g * math.nan, 0.0
    if x == 0 or x == 1:
        return g * math.inf, 0.0
    return g / (x * (1.0 - x)), 0.0


def nan_to_num(x, nan, posinf, neginf):
    if x != x:
        return nan
    if x == math.inf:
        return posinf
    return neginf if x == -math.inf else x


def nan_to_num_vjp(x, g):
    # The gradient passes where x was finite, as torch's (grad * isfinite(x)).
    return g if x - x == 0 else 0.0


def signbit(x):
    return math.copysign(1.0, x) < 0


def i0(x):
    """The modified Bessel function of the first kind of order 0: sum over k of
    ((x/2)**k / k!)**2. Every term is positive, so the sum carries no cancellation; it stops
    when a term no longer changes it."""
    if x - x != 0:
        return x - x  # nan for +-inf and nan, as torch's
    # torch computes i0 as exp(|x|) times a series, so it overflows where exp does: past 709.78,
    # and past 88.72 for float32 (math.exp of a float32 is float32 in compiled code).
    ax = abs(x)
    if ax > 709.782712893384 or math.exp(ax) == math.inf:
        return math.inf
    q = x * x / 4.0
    term = 1.0
    total = 1.0
    k = 1
    while term > total * 1e-17:
        term *= q / (k * k)
        total += term
        k += 1
    return total


def i0_vjp(x, out, g):
    # d i0 / dx = i1(x) = sum over k of (x/2)**(2k+1) / (k! (k+1)!), summed as in i0.
    if x - x != 0:
        return g * (x - x)
    ax = abs(x)
    if ax > 709.782712893384 or math.exp(ax) == math.inf:
        return g * math.copysign(math.inf, x)
    q = x * x / 4.0
    term = ax / 2.0
    total = term
    k = 1
    while term > total * 1e-17:
        term *= q / (k * (k + 1))
        total += term
        k += 1
    return g * (total if x >= 0 else -total)

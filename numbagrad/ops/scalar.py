"""Scalar formulas of the elementwise ops, each with its derivative just below it.

Plain Python functions of scalars using ``math.*`` only: the CPU backend compiles them with
``numba.njit`` inside its loop templates, the CUDA backend with ``cuda.jit(device=True)``, and
with ``NUMBA_DISABLE_JIT=1`` they run as ordinary Python. The math exists once.

A derivative ``<name>_vjp`` takes the forward's inputs, its output ``out`` and the incoming
gradient ``g``, and returns the gradient of each input (a tuple for two inputs). Zero gradients
are written ``0.0``, never ``0 * g``, which would turn an infinite ``g`` into nan.
"""
import math


def identity(x):
    """A copy (or, into a buffer of another dtype, a conversion)."""
    return x


def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b


def mul_vjp(a, b, out, g):
    return g * b, g * a


def div(a, b):
    return a / b


def ieee_div(a, b):
    """``a / b`` with IEEE's answers for ``b = 0`` also in plain Python, which raises there
    (0 / 0 is nan, as torch's mean over nothing)."""
    if b != 0:
        return a / b
    return math.nan if a == 0 or a != a else math.copysign(math.inf, a)


def div_vjp(a, b, out, g):
    # d(a/b)/db = -a/b**2 = -out/b, which stays finite where a/b is finite.
    return g / b, -g * out / b


def pow(a, b):  # noqa: A001 - torch's name
    return a ** b


def pow_vjp(a, b, out, g):
    # torch's rules: d/da = b * a**(b-1), none through a zero exponent (0 * inf would be nan);
    # d/db = a**b * log(a), none where a = 0 and b >= 0 (0 * -inf would be nan).
    if b == 0:
        ga = 0.0
    elif a == 0 and b < 1:
        # 0 ** (b - 1) is infinite (IEEE pow): -inf for -0.0 under an odd integer power.
        odd = (b - 1) % 2 == 1
        ga = g * (b * (-math.inf if odd and math.copysign(1.0, a) < 0 else math.inf))
    else:
        ga = g * (b * a ** (b - 1))
    if a == 0 and b >= 0:
        gb = 0.0
    else:
        gb = g * (out * (math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)))
    return ga, gb


def maximum(a, b):
    if a != a or b != b:
        return a + b  # NaN in, NaN out
    return a if a > b else b


def maximum_vjp(a, b, out, g):
    # A tie splits the gradient evenly, as torch does.
    if a == b:
        return g / 2, g / 2
    return (g, 0.0) if a > b else (0.0, g)


def minimum(a, b):
    if a != a or b != b:
        return a + b
    return a if a < b else b


def minimum_vjp(a, b, out, g):
    if a == b:
        return g / 2, g / 2
    return (g, 0.0) if a < b else (0.0, g)


def clamp_min(x, lo):
    # A nan bound gives nan, as torch; a nan x fails the test and passes through.
    if lo != lo:
        return lo
    return lo if x < lo else x


def clamp_min_vjp(x, lo, out, g):
    # The gradient goes to x at the boundary itself (x == lo), to the bound only below it.
    return (g if x >= lo else 0.0), (g if x < lo else 0.0)


def clamp_max(x, hi):
    if hi != hi:
        return hi
    return hi if x > hi else x


def clamp_max_vjp(x, hi, out, g):
    return (g if x <= hi else 0.0), (g if x > hi else 0.0)


def clamp(x, lo, hi):
    """``min(max(x, lo), hi)``: ``hi`` where ``lo > hi``, nan where a bound is nan."""
    if lo != lo:
        return lo
    if hi != hi:
        return hi
    y = lo if x < lo else x
    return hi if y > hi else y


def clamp_vjp_input(x, lo, hi, g):
    return g if (x >= lo and x <= hi) else 0.0


def clamp_vjp_min(x, lo, hi, g):
    # torch: the lower bound wins only where it is strictly below the upper one.
    return g if (x < lo and lo < hi) else 0.0


def clamp_vjp_max(x, lo, hi, g):
    return g if (x > hi or hi < lo) else 0.0


def leaky_relu(x, slope):
    return x if x > 0 else x * slope


def leaky_relu_vjp(x, slope, out, g):
    return (g if x > 0 else g * slope), 0.0


def neg(x):
    return -x


def exp(x):
    return math.exp(x)


def exp_vjp(x, out, g):
    return g * out


def log(x):
    if x < 0:
        return math.nan  # math.log raises on negatives; IEEE says nan
    if x == 0:
        return -math.inf
    return math.log(x)


def log_vjp(x, out, g):
    return g / x


def sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


def sqrt_vjp(x, out, g):
    return g / (2 * out)


def abs(x):  # noqa: A001 - torch's name
    # 0 - x, not -x: abs(-0.0) must be +0.0 (1 / abs(-0.0) is +inf in torch).
    return x if x > 0 else 0 - x


def abs_vjp(x, out, g):
    # sign(0) = 0: no gradient at the kink, as torch.
    return g if x > 0 else (-g if x < 0 else 0.0)


def sign(x):
    # torch's sign is (0 < x) - (x < 0): sign(nan) = 0 and sign(-0.0) = +0.0.
    return 1 if x > 0 else (-1 if x < 0 else 0)


def sign_vjp(x, out, g):
    return 0.0


def relu(x):
    # Tested as x < 0 so that nan and -0.0 pass through unchanged, as torch's relu does.
    return 0 if x < 0 else x


def relu_vjp(x, out, g):
    # A comparison, not max(x, 0) style: the gradient at 0 must be exactly 0, as torch's; and
    # tested as out <= 0, as torch does, so that a nan input passes its gradient through.
    return 0.0 if out <= 0 else g


def sigmoid(x):
    # Two branches keep exp's argument non-positive: no overflow for large |x|.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_vjp(x, out, g):
    return g * out * (1.0 - out)


def tanh(x):
    return math.tanh(x)


def tanh_vjp(x, out, g):
    return g * (1.0 - out * out)


def where(c, a, b):
    return a if c else b


def eq(a, b):
    return a == b


def ne(a, b):
    return a != b


def lt(a, b):
    return a < b


def le(a, b):
    return a <= b


def gt(a, b):
    return a > b


def ge(a, b):
    return a >= b


def logical_not(x):
    return not x

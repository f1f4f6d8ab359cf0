"""Scalar formulas of the activation ops (see ``ops/scalar.py`` for the conventions), each with its
derivative just below it.

Ops with scalar parameters (``elu``'s alpha, ``softplus``'s beta and threshold, ...) receive them
as extra operands of the input's dtype; their derivative takes ``(x, *params, g)`` and returns the
gradient of ``x`` alone (the parameters get none). Each formula is self-contained: sigmoid and
softplus are written out where they are needed, in the forms that do not overflow. Where torch's
gradient at a kink is a convention, the comment says which one.
"""
import math

# Constants are written into each formula (Numba freezes globals, and the formula's source is
# its cache key): 0.7071067811865476 = 1/sqrt(2), 0.3989422804014327 = 1/sqrt(2 pi),
# 0.7978845608028654 = sqrt(2/pi), selu's alpha 1.6732632423543772 and scale 1.0507009873554805.
# torch's hardsigmoid backward multiplies by 1/6 rounded to float32 (0.1666666716337204) in every
# dtype; the same constant gives its float64 gradients to the last bit.


def gelu(x):
    # x * Phi(x) through erf, as torch's approximate='none'.
    return x * 0.5 * (1.0 + math.erf(x * 0.7071067811865476))


def gelu_vjp(x, out, g):
    cdf = 0.5 * (1.0 + math.erf(x * 0.7071067811865476))
    pdf = math.exp(-0.5 * x * x) * 0.3989422804014327
    return g * (cdf + x * pdf)


def gelu_tanh(x):
    inner = 0.7978845608028654 * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + math.tanh(inner))


def gelu_tanh_vjp(x, out, g):
    t = math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))
    left = 0.5 * (1.0 + t)
    right = 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x)
    return g * (left + right)


def silu(x):
    # x * sigmoid(x) with exp's argument kept non-positive: no overflow for large |x|.
    if x >= 0:
        return x / (1.0 + math.exp(-x))
    e = math.exp(x)
    return x * e / (1.0 + e)


def silu_vjp(x, out, g):
    if x >= 0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return g * s * (1.0 + x * (1.0 - s))


def mish(x):
    # x * tanh(softplus(x)), softplus as max(x, 0) + log1p(exp(-|x|)): no overflow.
    sp = (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))
    return x * math.tanh(sp)


def mish_vjp(x, out, g):
    sp = (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))
    t = math.tanh(sp)
    if x >= 0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return g * (t + x * s * (1.0 - t * t))


def elu(x, alpha):
    return x if x > 0 else alpha * math.expm1(x)


def elu_vjp(x, alpha, g):
    # Tested as torch does, x <= 0: x = 0 takes the exponential side (the gradient there is
    # alpha) and a nan input takes the linear one, passing its gradient through.
    return g * alpha * math.exp(x) if x <= 0 else g


def celu(x, alpha):
    return x if x > 0 else alpha * math.expm1(x / alpha)


def celu_vjp(x, alpha, g):
    # torch's celu is elu with input scale 1/alpha: slope exp(x / alpha), 1 at x = 0; nan
    # takes the linear side, as in elu_vjp.
    return g * math.exp(x / alpha) if x <= 0 else g


def selu(x):
    # scale 1.0507009873554805, scale * alpha = 1.0507009873554805 * 1.6732632423543772
    return 1.0507009873554805 * x if x > 0 else 1.7580993408473766 * math.expm1(x)


def selu_vjp(x, out, g):
    # x = 0 takes the exponential side, as torch: scale * alpha there; nan the linear one.
    return g * 1.7580993408473766 * math.exp(x) if x <= 0 else g * 1.0507009873554805


def softplus(x, beta, threshold):
    # Linear above the threshold, as torch; below it log1p(exp(z)) written as
    # max(z, 0) + log1p(exp(-|z|)), which neither overflows nor loses small values.
    z = x * beta
    if z > threshold:
        return x
    return ((z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z)))) / beta


def softplus_vjp(x, beta, threshold, g):
    z = x * beta
    if z > threshold:
        return g
    if z >= 0:
        return g / (1.0 + math.exp(-z))
    e = math.exp(z)
    return g * e / (1.0 + e)


def logsigmoid(x):
    # log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): finite for every finite x.
    return (x if x < 0 else 0.0) - math.log1p(math.exp(-abs(x)))


def logsigmoid_vjp(x, out, g):
    # 1 - sigmoid(x), with exp's argument non-positive.
    e = math.exp(-abs(x))
    return g / (1.0 + e) if x < 0 else g * e / (1.0 + e)


def hardtanh(x, lo, hi):
    # Comparisons that nan fails, so nan passes through; integers stay integers.
    return lo if x < lo else (hi if x > hi else x)


def hardtanh_vjp(x, lo, hi, g):
    # No gradient at the bounds themselves (torch: x <= min or x >= max gives 0), unlike clamp.
    return 0.0 if (x <= lo or x >= hi) else g


def hardsigmoid(x):
    t = x + 3.0
    t = 0.0 if t < 0 else (6.0 if t > 6 else t)  # nan passes
    return t / 6.0


def hardsigmoid_vjp(x, out, g):
    # Zero at -3 and 3 themselves, as torch.
    return g * 0.1666666716337204 if (x > -3.0 and x < 3.0) else 0.0


def hardswish(x):
    t = x + 3.0
    t = 0.0 if t < 0 else (6.0 if t > 6 else t)
    return x * t / 6.0


def hardswish_vjp(x, out, g):
    # torch's choice at the kinks: 0 at x = -3, 1 at x = 3; a nan input falls through both
    # tests and passes its gradient, as in torch.
    if x <= -3.0:
        return 0.0
    if x < 3.0:
        return g * (x / 3.0 + 0.5)
    return g


def hardshrink(x, lambd):
    return 0.0 if (x >= -lambd and x <= lambd) else x


def hardshrink_vjp(x, lambd, g):
    # The band [-lambd, lambd] includes its ends: no gradient at +-lambd, as torch.
    return 0.0 if (x >= -lambd and x <= lambd) else g


def softshrink(x, lambd):
    if x > lambd:
        return x - lambd
    if x < -lambd:
        return x + lambd
    # The band gives +0.0, as torch's vectorised loop (its scalar one gives x * 0); nan stays nan.
    return 0.0 if x == x else x


# The same band as hardshrink's, ends included (no gradient at +-lambd, as torch): one kernel.
softshrink_vjp = hardshrink_vjp


def threshold(x, threshold, value):
    # Integers stay integers (the parameters come in the input's dtype).
    return value if x <= threshold else x


def threshold_vjp(x, threshold, value, g):
    # x equal to the threshold is replaced, so it gets no gradient (torch: x <= threshold).
    return 0.0 if x <= threshold else g


def prelu(x, w):
    return x if x > 0 else w * x


def prelu_vjp(x, w, out, g):
    # x = 0 is on the weight's side, as torch (x > 0 passes g): slope w, and x * g = 0 for w.
    if x > 0:
        return g, 0.0
    return g * w, g * x

"""Scalar formulas of the bitwise and logical ops (``ops/bitwise.py``) and the predicates
(``ops/logic.py``); see ``ops/scalar.py`` for the conventions.

None of these ops has a derivative: their results are bool or integer tensors. The bitwise
formulas see integer or bool operands of one dtype; Numba computes integers narrower than 64
bits in 64 bits, and storing into the output's dtype keeps the low bits, which is two's
complement wraparound, as in torch.
"""
import math


def bitwise_and(a, b):
    return a & b


def bitwise_or(a, b):
    return a | b


def bitwise_xor(a, b):
    return a ^ b


def bitwise_not(x):
    return ~x


def bitwise_left_shift(a, b):
    # torch gives 0 for a negative count or one of the bit width or more. A shift by 64 or more
    # (or by a negative count) is undefined in LLVM, so such counts shift twice by 32 instead,
    # which clears every bit; counts from the width of a narrower type up to 63 clear its bits
    # once the result is stored in that type.
    if b < 0 or b > 63:
        return (a << 32) << 32
    return a << b


def bitwise_right_shift(a, b):
    # torch fills with the sign bit for a negative count or one of the bit width or more: that
    # is a shift by 63 of the 64-bit value (0 for unsigned types), and never an undefined shift.
    return a >> (b if b >= 0 and b < 64 else 63)


def logical_and(a, b):
    return a != 0 and b != 0


def logical_or(a, b):
    return a != 0 or b != 0


def logical_xor(a, b):
    return (a != 0) != (b != 0)


def isnan(x):
    return x != x


def isinf(x):
    return x == math.inf or x == -math.inf


def isposinf(x):
    return x == math.inf


def isneginf(x):
    return x == -math.inf


def isfinite(x):
    return -math.inf < x < math.inf  # nan fails both comparisons


def isclose(a, b, rtol, atol):
    # torch's test, in the operands' own precision (rtol and atol arrive in their dtype): equal
    # values (infinities included) are close; otherwise the error must be finite and within
    # atol + rtol * |b|.
    if a == b:
        return True
    error = abs(a - b)
    return error < math.inf and error <= atol + abs(rtol * b)

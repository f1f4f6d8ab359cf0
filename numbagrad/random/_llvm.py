"""LLVM operations that plain Numba arithmetic cannot express, for the kernels that repeat
torch's floating-point steps exactly.

* :func:`fma`: ``a * b + c`` with one rounding (``llvm.fma``). torch's CPU kernels are compiled
  with FMA instructions and floating-point contraction, so where its C++ reads ``x * y + z``
  the machine often computes a fused multiply-add; matching its bits needs the same single
  rounding.
* :func:`float_bits` / :func:`bits_float`: a float32 reinterpreted as its int32 bit pattern and
  back (``_mm256_castps_si256``), so the vector math of ``avx_mathfun.h`` can be written without
  branches, which lets LLVM vectorise it as torch's AVX2 code is.
* :func:`mul_rounded`: a product that is never fused with the addition after it, for torch
  kernels compiled without contraction.
"""
from __future__ import annotations

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` rounded once; all three arguments of one float type."""
    if not (a == b == c):
        return None
    sig = a(a, b, c)

    def codegen(context, builder, signature, args):
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [ty], ir.FunctionType(ty, [ty] * 3))
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def float_bits(typingctx, x):
    """The bits of a float32 as an int32."""
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(x), codegen


@intrinsic
def bits_float(typingctx, i):
    """The float32 whose bits are the low 32 bits of the integer ``i`` (Numba widens int32
    arithmetic to int64)."""
    if not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        low = args[0]
        if low.type.width > 32:
            low = builder.trunc(low, ir.IntType(32))
        return builder.bitcast(low, ir.FloatType())

    return types.float32(i), codegen


@intrinsic
def mul_rounded(typingctx, a, b):
    """``a * b`` as an LLVM multiplication without fast-math flags, so that it is rounded on
    its own and never contracted with an addition that follows into a fused multiply-add
    (the kernels compile with contraction allowed); both arguments of one float type."""
    if not (a == b and isinstance(a, types.Float)):
        return None

    def codegen(context, builder, signature, args):
        product = builder.fmul(args[0], args[1])
        # The fence keeps the backend from fusing across it (a flag-free fmul is not enough).
        ty = product.type
        fence = builder.module.declare_intrinsic("llvm.arithmetic.fence", [ty],
                                                 ir.FunctionType(ty, [ty]))
        return builder.call(fence, [product])

    return a(a, b), codegen

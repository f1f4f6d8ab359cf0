"""Denormal numbers flushed to zero on the CPU (``torch.set_flush_denormal``).

Arithmetic on denormal floats (below 1.2e-38 in float32) is many times slower on x86 CPUs.
Training drives some values there: an 8-layer Adam MLP's squared-gradient averages hold
thousands of them after about 600 steps, and its step then takes twice as long. The x86 control
register MXCSR has two flags that trade them for zeros: FTZ (results that would be denormal are
zero) and DAZ (denormal inputs read as zero). They belong to each thread, so
:func:`set_flush_denormal` sets them in the calling thread (where serial kernels, NumPy and
Python floats run) and in each of Numba's worker threads (where ``parallel=True`` kernels run).
BLAS's own threads keep theirs.
"""
from __future__ import annotations

import platform

from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from numbagrad.backends.cpu._jit import run_parallel

_FTZ_DAZ = (1 << 15) | (1 << 6)
SUPPORTED = platform.machine().lower() in ("x86_64", "amd64")


@intrinsic
def _mxcsr_flags(typingctx, on):
    """Set (``on``) or clear FTZ and DAZ in this thread's MXCSR; returns the new MXCSR."""
    if not isinstance(on, types.Boolean):
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        slot = cgutils.alloca_once(builder, i32)
        fnty = ir.FunctionType(ir.VoidType(), [slot.type])
        module = builder.module
        store = cgutils.get_or_insert_function(module, fnty, "llvm.x86.sse.stmxcsr")
        load = cgutils.get_or_insert_function(module, fnty, "llvm.x86.sse.ldmxcsr")
        builder.call(store, [slot])
        old = builder.load(slot)
        new = builder.select(args[0], builder.or_(old, ir.Constant(i32, _FTZ_DAZ)),
                             builder.and_(old, ir.Constant(i32, ~_FTZ_DAZ & 0xFFFFFFFF)))
        builder.store(new, slot)
        builder.call(load, [slot])
        return builder.zext(new, ir.IntType(64))

    return types.int64(on), codegen


@njit(cache=True)
def _this_thread(on):
    return _mxcsr_flags(on)


@njit(cache=True, parallel=True)
def _worker_threads(on, n):
    # Several iterations per thread: every worker of the pool runs at least one.
    for i in prange(n):
        _mxcsr_flags(on)


def set_flush_denormal(mode: bool) -> bool:
    """Flush denormal floats to zero (``mode`` True) or keep them (False), in this thread and
    Numba's worker threads. Returns False where the CPU has no such flags (not x86-64)."""
    if not SUPPORTED:
        return False
    import numba

    on = bool(mode)
    run_parallel(_worker_threads, on, 64 * numba.get_num_threads())
    _this_thread(on)
    return True

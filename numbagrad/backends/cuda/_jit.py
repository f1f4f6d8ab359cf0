"""How the CUDA backend compiles and launches: one place for ``numba.cuda``'s options.

* :func:`kernel` compiles a kernel with ``cache=True`` (falling back to in-memory compiling when
  no cache location is writable), :func:`device_function` compiles a plain scalar formula from
  ``ops/scalar.py`` for use inside kernels: the same source the CPU backend compiles with
  ``njit``.
* :func:`launch` runs a grid-stride kernel over ``n`` elements with :data:`THREADS` threads per
  block and at most :data:`MAX_BLOCKS` blocks, and counts launches (:func:`launches`), so the
  number of launches per training step can be measured.

``NUMBAGRAD_CUDA_THREADS`` and ``NUMBAGRAD_CUDA_MAX_BLOCKS`` change the launch shape (256 and 4096
by default; 32 and 4 under the CUDA simulator). The tests
shrink both, so that tiny arrays under the CUDA simulator still span several blocks and several
grid-stride turns. Kernels whose shared-memory sizes depend on them are built by factories that
take the sizes as closure values: Numba's cache key includes closure values but not module
globals, so a kernel cached under one setting is never loaded under another.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import warnings

from numba import cuda
from numba.core import config

# Under the CUDA simulator every thread is a Python thread: a small default launch shape keeps
# it usable.
_SIMULATED = bool(config.ENABLE_CUDASIM)
THREADS = int(os.environ.get("NUMBAGRAD_CUDA_THREADS", "32" if _SIMULATED else "256"))
# Enough blocks to fill a large GPU several times over; grid-stride loops cover the rest.
MAX_BLOCKS = int(os.environ.get("NUMBAGRAD_CUDA_MAX_BLOCKS", "4" if _SIMULATED else "4096"))

_launches = 0
_cache_warning_given = False
_device_functions: dict = {}
_built: dict = {}


def kernel(fn):
    """Compile ``fn`` as a CUDA kernel (``numba.cuda.jit``), cached on disk when possible."""
    global _cache_warning_given
    try:
        return cuda.jit(cache=True)(fn)
    except RuntimeError as err:  # no writable cache location
        if not _cache_warning_given:
            _cache_warning_given = True
            warnings.warn(f"numbagrad: Numba cannot cache CUDA kernels ({err}); they are "
                          "compiled in every process. Set NUMBA_CACHE_DIR to keep them.",
                          RuntimeWarning, stacklevel=2)
        return cuda.jit(cache=False)(fn)


def once(key, build):
    """``build()``, called the first time ``key`` is asked for and remembered after: kernels
    made by factories compile once per process. ``key`` starts with the factory (or another
    object of the calling module), so keys of different modules never meet."""
    found = _built.get(key)
    if found is None:
        found = _built[key] = build()
    return found


def device_function(fn):
    """``fn`` (a scalar formula, ``math.*`` only) compiled for calls from kernels, once."""
    compiled = _device_functions.get(fn)
    if compiled is None:
        compiled = _device_functions[fn] = cuda.jit(device=True)(fn)
    return compiled


def digest(*fns) -> str:
    """A hash of the formulas' source. Kernel factories keep it in a closure value, where it
    enters Numba's cache key: editing a formula recompiles the kernels that inline it."""
    return hashlib.sha1("".join(inspect.getsource(fn) for fn in fns).encode()).hexdigest()


def blocks(n: int, threads: int = 0) -> int:
    """Blocks for a grid-stride loop over ``n`` items (at least one, at most MAX_BLOCKS)."""
    threads = threads or THREADS
    return max(1, min((n + threads - 1) // threads, MAX_BLOCKS))


def launch(compiled, n: int, *args, threads: int = 0, grid: int = 0) -> None:
    """Run ``compiled[grid, threads](*args)``; by default a grid-stride launch over ``n`` items."""
    global _launches
    threads = threads or THREADS
    compiled[grid or blocks(n, threads), threads](*args)
    _launches += 1


def launches() -> int:
    """How many kernels :func:`launch` has started in this process."""
    return _launches

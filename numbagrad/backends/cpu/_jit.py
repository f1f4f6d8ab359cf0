"""How the CPU backend compiles: one place for Numba's options, the on-disk cache and threads.

Every CPU kernel is made with :func:`jit`, which

* asks for ``cache=True`` so a second process loads compiled code in milliseconds, and falls
  back to compiling in memory, with one warning, when no cache location is writable (Numba
  otherwise raises at decoration time). Set ``NUMBA_CACHE_DIR`` to choose where the cache lives;
* picks a thread-safe threading layer for ``parallel=True`` kernels. Numba's default fallback,
  ``workqueue``, aborts the process when two Python threads enter parallel code at once, so when
  neither OpenMP nor TBB can be loaded the parallel kernels run under a lock;
* loads SciPy's BLAS module for Numba without the rest of ``scipy.linalg`` (see
  :mod:`numbagrad.backends.cpu._scipy_blas`);
* makes Numba's on-disk cache safe between processes (:func:`_lock_cache_files`);
* makes OpenMP's idle threads sleep almost at once (``GOMP_SPINCOUNT``, unless set already).
  By default they spin 300,000 times (libgomp's documented default) after each parallel region,
  on the cores where the BLAS threads of the next matmul then have to run: on 2 cores, a training step that alternates
  parallel kernels and BLAS calls ran 2-3x slower (MLP batch 1024: 25-45 ms per step against
  11-12 ms with a spin count of 1000; CNN: 19-36 ms against 8 ms).
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import re
import threading
import types
import warnings

from numbagrad.backends.cpu import _scipy_blas

# Before Numba's CPU target starts, which imports the BLAS module.
_scipy_blas.load()

import numba
from numba import njit
from numba.extending import register_jitable

_cache_warning_given = False
# Set when only the workqueue layer exists: parallel kernels then must not run concurrently.
parallel_lock: threading.Lock | None = None


# Read by libgomp when it loads, which the omppool import below triggers.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")


def _choose_threading_layer() -> None:
    global parallel_lock
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return  # the user chose; respect it
    for module in ("numba.np.ufunc.tbbpool", "numba.np.ufunc.omppool"):
        try:
            __import__(module)
        except Exception:  # noqa: BLE001 - an unloadable layer raises various errors
            continue
        numba.config.THREADING_LAYER = "threadsafe"
        return
    numba.config.THREADING_LAYER = "workqueue"
    parallel_lock = threading.Lock()


_choose_threading_layer()


@contextlib.contextmanager
def _file_lock(path: str):
    """An exclusive lock on ``path`` between processes (POSIX ``flock``); no lock where one
    cannot be taken (no ``fcntl``, a read-only cache directory)."""
    try:
        import fcntl

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _lock_cache_files() -> None:
    """Hold a lock per cached function while Numba reads or writes its cache entries.

    Numba numbers a new entry's data file after the entries its index lists when it saves, and
    writes the index before the data: two processes compiling different signatures of one
    kernel at once (pytest-xdist workers, DataLoader workers, two jobs on a fresh install) can
    then both take the same number, and a later load can run one signature's machine code for
    another's arguments ("can't unbox array", or wrong numbers). With the lock, an entry is
    read or written by one process at a time.
    """
    from numba.core import caching

    cls = caching.IndexDataCacheFile
    if getattr(cls, "_numbagrad_locked", False):
        return

    def locked(method):
        def wrapper(self, *args, **kwargs):
            with _file_lock(self._index_path + ".lock"):
                return method(self, *args, **kwargs)

        wrapper.__doc__ = method.__doc__
        return wrapper

    cls.save = locked(cls.save)
    cls.load = locked(cls.load)
    cls._numbagrad_locked = True


_lock_cache_files()


def jit(fn=None, *, parallel: bool = False, reassoc: bool = False):
    """Compile ``fn`` as a CPU kernel (``numba.njit``) with the project's options.

    Parameters
    ----------
    fn : callable
        The kernel's Python source.
    parallel : bool
        Compile ``prange`` loops as parallel loops.
    reassoc : bool
        Let LLVM reorder floating-point additions (vectorised reductions). NaN and inf checks
        are kept: only ``reassoc`` and ``contract`` are enabled, never full ``fastmath``.

    Returns
    -------
    numba.core.registry.CPUDispatcher
    """
    if fn is None:
        return lambda f: jit(f, parallel=parallel, reassoc=reassoc)
    global _cache_warning_given
    # error_model="numpy": x / 0 gives inf or nan as IEEE (and torch) say; Numba's default
    # "python" model raises ZeroDivisionError inside the kernel instead.
    options = {"parallel": parallel, "error_model": "numpy",
               "fastmath": {"contract", "reassoc"} if reassoc else {"contract"}}
    fn = _variant(fn, options)
    try:
        return njit(cache=True, **options)(fn)
    except RuntimeError as err:  # "cannot cache function ...: no locator available"
        if not _cache_warning_given:
            _cache_warning_given = True
            warnings.warn(
                f"numbagrad: Numba cannot write its kernel cache ({err}); kernels are compiled "
                "in memory and recompiled in every process. Set NUMBA_CACHE_DIR to a writable "
                "directory to keep them.",
                RuntimeWarning,
                stacklevel=2,
            )
        return njit(cache=False, **options)(fn)


def _closure_text(fn, depth: int = 0) -> str:
    """Text naming what a kernel made by a factory closes over (its formula, flags, digests),
    the same in every process.

    Closures of one factory share a qualified name, and Numba names their machine code after it.
    Called from one compiled function (the compiled step links the kernels it calls), two such
    kernels, loaded from the cache with names their compiling processes gave them, can carry
    one symbol name: the link then resolves both calls to one of them (seen: a compiled ``add``
    running ``mul``'s code). Their closure in the name keeps the names apart.
    """
    parts = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            parts.append("<empty>")
            continue
        py = getattr(value, "py_func", value)
        if isinstance(py, types.FunctionType):
            code = py.__code__
            parts.append(f"{py.__module__}.{py.__qualname__}:{code.co_code.hex()}:"
                         f"{code.co_consts!r}")
            if depth < 4:
                parts.append(_closure_text(py, depth + 1))
        else:
            parts.append(f"{type(value).__name__}:{value!r}")
    # Default reprs name addresses, which differ between processes and would defeat the cache.
    return re.sub(r" at 0x[0-9a-fA-F]+", "", "|".join(parts))


def _variant(fn, options: dict):
    """A copy of ``fn`` whose qualified name carries its compile options and, for a kernel
    made by a factory, what it closes over (:func:`_closure_text`).

    Numba files cached code under the function's qualified name and signature, not its options:
    without this, the serial and parallel versions of one function would load each other's code
    from the cache (seen: a serial kernel running the parallel code, 100x slower), and code
    compiled under old options would survive a change of options.
    """
    tag = hashlib.sha1((repr(sorted((k, sorted(v) if isinstance(v, set) else v)
                                    for k, v in options.items())) + _closure_text(fn)
                        ).encode()).hexdigest()[:10]
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__qualname__ = f"{fn.__qualname__}__{tag}"
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


_formulas: set = set()


def formulas(*fns) -> str:
    """Make the plain scalar formulas ``fns`` callable from kernels, and hash their source.

    Each formula is registered once per process (twice would give Numba two overloads of one
    function). Kernel factories put the hash in a closure value, where it enters Numba's cache
    key: editing a formula in ``ops/scalar.py`` then recompiles the kernels that inline it.
    """
    for fn in fns:
        if fn not in _formulas:
            register_jitable(fn)
            _formulas.add(fn)
    return hashlib.sha1("".join(inspect.getsource(fn) for fn in fns).encode()).hexdigest()


def run_parallel(kernel, *args):
    """Call a ``parallel=True`` kernel, serialised only when the threading layer is not thread-safe."""
    if parallel_lock is None:
        return kernel(*args)
    with parallel_lock:
        return kernel(*args)

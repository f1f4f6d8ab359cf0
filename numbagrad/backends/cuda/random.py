"""Random numbers made on the GPU: one xoroshiro128+ stream per thread (``numba.cuda.random``).

The GPU counterpart of :mod:`numbagrad.random`, with its names: a :class:`Generator` with
``manual_seed``, ``seed``, ``initial_seed``, ``get_state`` and ``set_state``, a
``default_generator``, and module-level ``manual_seed`` & co. acting on it (what
``numbagrad.cuda.manual_seed`` calls; a seed it was given before this module was loaded is
applied on import). The draws themselves: :func:`uniform`, :func:`normal`,
:func:`bernoulli_mask` and :func:`dropout_mask`, each returning a new C-contiguous device array.

Streams. A generator holds :data:`N_STATES` xoroshiro128+ states in device memory, seeded from
one 64-bit seed by Numba's ``init_xoroshiro128p_states``: state ``k`` is state 0 jumped ahead
``k * 2**64`` draws, so no two threads' streams overlap. Thread ``t`` of a launch owns state
``t`` and draws, in a grid-stride loop, the values of elements ``t, t + gridsize, ...``; it
advances its state in place, so the next call continues every stream. The numbers therefore
depend on the seed, on the sequence of calls since seeding, and on the launch shape
(``NUMBAGRAD_CUDA_THREADS``, ``NUMBAGRAD_CUDA_MAX_BLOCKS``): the same program under the same
settings repeats them exactly. They are not the numbers the CPU generator or torch give.

The states are created and seeded lazily, on the first draw after ``manual_seed``: seeding is
free until the GPU is used, and re-seeding reuses the device memory. Seeding runs on the host
(Numba's jump-ahead is sequential) and copies the states to the GPU once: about 4 MiB.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from numba import cuda, float32, uint64
from numba.core.errors import NumbaWarning
from numba.cuda.random import (
    init_xoroshiro128p_states,
    xoroshiro128p_dtype,
    xoroshiro128p_next,
    xoroshiro128p_uniform_float64,
)

from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import (
    MAX_BLOCKS,
    THREADS,
    blocks,
    device_function,
    kernel,
    launch,
    once,
)

DEFAULT_SEED = 67280421310721  # torch's default initial seed, as numbagrad.random uses
# Enough threads to fill a large GPU (an H100 holds about 270,000 resident threads); bigger
# arrays are covered by the grid-stride loops. 1024 blocks of 256 threads: 4 MiB of states.
STATE_BLOCKS = min(MAX_BLOCKS, 1024)
N_STATES = STATE_BLOCKS * THREADS
_TWO_TO_MINUS_24 = np.float32(2.0 ** -24)
_SEED_MASK = (1 << 64) - 1


class Generator:
    """A source of random numbers on the GPU, as ``torch.Generator(device="cuda")``.

    Parameters
    ----------
    device : str
        The device the numbers are made on.

    Examples
    --------
    >>> from numbagrad.backends.cuda import random
    >>> g = random.Generator().manual_seed(0)
    >>> random.uniform((2, 3), "float32", g).shape
    (2, 3)
    """

    def __init__(self, device: str = "cuda") -> None:
        self.device = device
        self._seed = DEFAULT_SEED
        self._states = None  # the device array of N_STATES states, made on first use
        self._seeded = False  # whether _states holds the streams of _seed, unused since

    def manual_seed(self, seed: int) -> Generator:
        """Restart every stream from ``seed`` (taken modulo 2**64, so -1 is 2**64 - 1, as in
        torch) and return ``self``."""
        self._seed = int(seed) & _SEED_MASK
        self._seeded = False
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy) % (2**63))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the streams started from."""
        return self._seed

    def get_state(self) -> dict:
        """The generator's state, copied to the host (restore it with ``set_state``)."""
        return {"seed": self._seed, "states": _array.to_host(self.states())}

    def set_state(self, state: dict) -> Generator:
        """Restore a state from ``get_state``."""
        states = np.ascontiguousarray(state["states"], dtype=xoroshiro128p_dtype)
        if states.shape != (N_STATES,):
            raise ValueError(f"set_state: expected {N_STATES} xoroshiro128+ states, got an "
                             f"array of shape {states.shape} (saved under another launch "
                             "shape?)")
        self._seed = int(state["seed"])
        self._allocate().copy_to_device(states)
        self._seeded = True
        return self

    def states(self):
        """The device array of per-thread states (``xoroshiro128p_dtype``, ``N_STATES`` long),
        seeded now if ``manual_seed`` was called since the last draw."""
        if not self._seeded:
            with warnings.catch_warnings():
                # Numba compiles its host-side seeding in object mode and says so; the states
                # are right all the same (checked by the tests).
                warnings.simplefilter("ignore", NumbaWarning)
                # Under the simulator the seeding runs in Python, where NumPy warns about the
                # uint64 wraparound the algorithm relies on.
                warnings.simplefilter("ignore", RuntimeWarning)
                init_xoroshiro128p_states(self._allocate(), np.uint64(self._seed))
            self._seeded = True
        return self._states

    def _allocate(self):
        if self._states is None:
            self._states = _array.empty((N_STATES,), xoroshiro128p_dtype)
        return self._states


default_generator = Generator()


def _seed_given_before_import() -> None:
    """Apply a seed that ``numbagrad.cuda.manual_seed`` kept before this module was loaded (it
    seeds the default generator directly once the module is loaded)."""
    from numbagrad import cuda as numbagrad_cuda

    seed = getattr(numbagrad_cuda, "_state", {}).get("seed")
    if seed is not None:
        default_generator.manual_seed(seed)


_seed_given_before_import()


def manual_seed(seed: int) -> Generator:
    """Seed the default GPU generator (what ``numbagrad.cuda.manual_seed`` does)."""
    return default_generator.manual_seed(seed)


manual_seed_all = manual_seed  # one GPU


def seed() -> int:
    """Reseed the default GPU generator from the operating system's entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default GPU generator."""
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    """The default GPU generator's state, on the host."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the default GPU generator's state."""
    default_generator.set_state(state)


def states(generator: Generator | None):
    """The device states behind ``generator`` (the default one when None)."""
    return (generator or default_generator).states()


# ---------------------------------------------------------------- device functions


def _uniform_float32(states, t):
    """A float32 uniform on [0, 1) from stream ``t``: the draw's top 24 bits times 2**-24.

    Numba's ``xoroshiro128p_uniform_float32`` rounds a 53-bit float64 to float32, which gives
    exactly 1.0 about once in 2**25 draws; 24 bits fit a float32 exactly, so 1.0 never occurs.
    """
    return float32(xoroshiro128p_next(states, t) >> uint64(40)) * _TWO_TO_MINUS_24


_UNIFORM = {np.dtype(np.float32): device_function(_uniform_float32),
            np.dtype(np.float64): xoroshiro128p_uniform_float64}  # 53 bits, exact in float64


# ---------------------------------------------------------------- kernels


def _uniform_template(unit):
    def uniform_kernel(states, out, low, width):
        """``out[e] = low + width * U[0, 1)``; thread ``t`` draws from ``states[t]`` for
        elements ``t, t + gridsize, ...`` (coalesced writes)."""
        t = cuda.grid(1)
        e = t
        while e < out.shape[0]:
            out[e] = low + width * unit(states, t)
            e += cuda.gridsize(1)

    return uniform_kernel


def _normal_template(unit, one, minus_two, two_pi):
    def normal_kernel(states, out, mean, std):
        """``out = mean + std * N(0, 1)`` by Box-Muller: iteration ``k`` of thread ``t`` draws
        two uniforms from ``states[t]`` and writes both normals they give, to elements ``2k``
        and ``2k + 1``, for ``k = t, t + gridsize, ...``."""
        t = cuda.grid(1)
        n = out.shape[0]
        k = t
        while 2 * k < n:
            # 1 - U lies in (0, 1]: the logarithm never sees 0.
            radius = math.sqrt(minus_two * math.log(one - unit(states, t)))
            angle = two_pi * unit(states, t)
            out[2 * k] = mean + std * (radius * math.cos(angle))
            if 2 * k + 1 < n:
                out[2 * k + 1] = mean + std * (radius * math.sin(angle))
            k += cuda.gridsize(1)

    return normal_kernel


def mask_kernel(states, out, p, below, above):
    """``out[e] = below if U[0, 1) < p else above``, with a 53-bit float64 uniform as NumPy's
    ``random()``; thread ``t`` draws from ``states[t]`` for elements ``t, t + gridsize, ...``."""
    t = cuda.grid(1)
    e = t
    while e < out.shape[0]:
        out[e] = below if xoroshiro128p_uniform_float64(states, t) < p else above
        e += cuda.gridsize(1)




def _kernel(name: str, dtype: np.dtype):
    """The compiled kernel ``name`` for outputs of ``dtype``, built on first use. The constants
    are closure values of that dtype, so float32 arithmetic stays float32; the mask kernel
    draws in float64 whatever the output, so one dispatcher serves both dtypes."""
    def build():
        if name == "uniform":
            return kernel(_uniform_template(_UNIFORM[dtype]))
        if name == "normal":
            return kernel(_normal_template(_UNIFORM[dtype], dtype.type(1), dtype.type(-2),
                                           dtype.type(2 * math.pi)))
        return kernel(mask_kernel)

    return once((_kernel, name, None if name == "mask" else dtype), build)


def _float_dtype(dtype, name: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in _UNIFORM:
        raise TypeError(f"{name}: random floats on the GPU are float32 or float64, not {dtype}")
    return dtype


def _draw(name: str, shape: tuple, dtype: np.dtype, generator, items: int, *args):
    """A new array of ``shape``, filled by kernel ``name`` in a launch over ``items`` work
    items, no more threads than there are states."""
    out = _array.empty(tuple(shape), dtype)
    n = out.size
    if n:
        launch(_kernel(name, dtype), items, states(generator),
               _array.reshape_contiguous(out, (n,)), *args,
               grid=min(blocks(items), STATE_BLOCKS))
    return out


# ---------------------------------------------------------------- draws


def uniform(shape: tuple, dtype, generator: Generator | None = None, low: float = 0.0,
            high: float = 1.0):
    """Samples of the uniform distribution on ``[low, high)``, as ``torch.rand`` and
    ``Tensor.uniform_``.

    Parameters
    ----------
    shape : tuple of int
    dtype : float32 or float64
    generator : Generator, optional
        The default GPU generator when None.
    low, high : float
        The bounds, computed as ``low + (high - low) * U`` in ``dtype``.

    Returns
    -------
    A C-contiguous device array of ``shape`` and ``dtype``.

    Raises
    ------
    TypeError
        For a dtype other than float32 and float64.
    """
    dtype = _float_dtype(dtype, "uniform")
    n = int(np.prod(shape, dtype=np.int64))
    return _draw("uniform", shape, dtype, generator, n, dtype.type(low),
                 dtype.type(high - low))


def normal(shape: tuple, dtype, generator: Generator | None = None, mean: float = 0.0,
           std: float = 1.0):
    """Samples of N(mean, std**2), as ``torch.randn`` and ``Tensor.normal_``.

    Parameters and result as :func:`uniform`; ``mean + std * z`` is computed in ``dtype``.
    """
    dtype = _float_dtype(dtype, "normal")
    n = int(np.prod(shape, dtype=np.int64))
    return _draw("normal", shape, dtype, generator, (n + 1) // 2, dtype.type(mean),
                 dtype.type(std))


def bernoulli_mask(shape: tuple, dtype, p: float, generator: Generator | None = None):
    """Ones with probability ``p``, zeros otherwise, as ``torch.bernoulli`` of a constant ``p``.

    Parameters and result as :func:`uniform`; ``p`` in ``[0, 1]``.
    """
    dtype = _float_dtype(dtype, "bernoulli_mask")
    n = int(np.prod(shape, dtype=np.int64))
    return _draw("mask", shape, dtype, generator, n, np.float64(p), dtype.type(1),
                 dtype.type(0))


def dropout_mask(shape: tuple, dtype, p: float, generator: Generator | None = None):
    """Dropout's multiplier: ``0`` with probability ``p``, else ``1 / (1 - p)``.

    The values ``numbagrad.nn.functional.dropout`` builds on the host (``U >= p`` keeps an
    element, the scale rounded once into ``dtype``), drawn on the GPU. ``p = 1`` gives zeros.

    Parameters and result as :func:`uniform`; ``p`` in ``[0, 1]``.
    """
    dtype = _float_dtype(dtype, "dropout_mask")
    n = int(np.prod(shape, dtype=np.int64))
    scale = dtype.type(0.0 if p == 1 else 1.0 / (1.0 - p))
    return _draw("mask", shape, dtype, generator, n, np.float64(p), dtype.type(0), scale)

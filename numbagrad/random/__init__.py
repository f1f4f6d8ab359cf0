"""Random number generation with torch's CPU numbers: the same seed gives the same values as
torch 2.13 on the CPU, bit for bit (its Mersenne Twister and the transforms of each
distribution, :mod:`numbagrad.random.draw`).

The reference is torch as built for x86-64 with AVX2 or AVX-512 (its kernels contract
``a * b + c`` into fused multiply-adds, and float32 normals use its AVX2 polynomials); run with
``ATEN_CPU_CAPABILITY=default`` torch itself gives other last bits for uniform and float32
normal values, and those are not matched.

A CUDA device draws from numbagrad's own GPU generator (:mod:`numbagrad.backends.cuda.random`),
whose numbers are not torch's CUDA numbers.
"""
from __future__ import annotations

import contextlib

from numbagrad.random.generator import Generator, default_generator

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and with it ``randn``, ``rand``, ``randint``, ``normal_``...)
    and the GPU's, as torch does.

    Examples
    --------
    >>> import numbagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.randint(0, 10, (3,)).tolist()
    [4, 9, 3]
    """
    from numbagrad import cuda

    seed = int(seed)  # as torch: 1.5 seeds with 1, 'a' is int's ValueError
    default_generator.manual_seed(seed)
    cuda.manual_seed(default_generator.initial_seed())
    return default_generator


def seed() -> int:
    """Reseed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state: torch's 5056 state bytes (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from :func:`get_rng_state` (or torch's)."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, **kwargs):
    """Within the block, draw freely; on leaving, the default generator's state is restored
    (``torch.random.fork_rng`` for the CPU)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


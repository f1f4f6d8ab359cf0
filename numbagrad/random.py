"""Random number generation: seeded, reproducible streams (``manual_seed``).

numbagrad draws from NumPy's PCG64 generator. The same seed gives the same numbers in every
numbagrad run, but not the numbers torch's Mersenne Twister gives for that seed.
"""
from __future__ import annotations

import numpy as np


class Generator:
    """A source of random numbers, as ``torch.Generator``.

    Parameters
    ----------
    device : str
        Where the numbers are used; the stream itself is produced on the host.

    Examples
    --------
    >>> import numbagrad as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(2, generator=g).shape
    numbagrad.Size([2])
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._seed = 67280421310721  # torch's default initial seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` and return ``self``."""
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy) % (2**63))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    def get_state(self) -> dict:
        """The generator's state (restore it with ``set_state``)."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        """Restore a state from ``get_state``."""
        self._rng.bit_generator.state = state
        return self

    @property
    def rng(self) -> np.random.Generator:
        """The NumPy generator that produces the numbers."""
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and with it ``randn``, ``rand``, ``randint``, ``normal_``...)
    and the GPU's, as torch does."""
    from numbagrad import cuda

    cuda.manual_seed(seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from the operating system's entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    """The default generator's state."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(state)


def rng(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default one when None).

    Raises
    ------
    TypeError
        If ``generator`` is not a :class:`Generator` (torch's class).
    """
    if generator is None:
        return default_generator.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a numbagrad.Generator as 'generator', got "
                        f"{type(generator).__name__}")
    return generator.rng

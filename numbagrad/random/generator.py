"""``Generator``: torch's CPU generator (``CPUGeneratorImpl``) with its seeding, its stream and
its state bytes.

A generator owns an engine state (``uint32[626]``, see :mod:`.mt19937`) and the two Box-Muller
values torch caches between calls (``next_double_normal_sample`` and
``next_float_normal_sample``). The kernels of :mod:`.draw` advance the engine in place.
"""
from __future__ import annotations

import os

import numpy as np

from numbagrad.random import mt19937

DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val


class Generator:
    """A source of random numbers, as ``torch.Generator``: the same seed gives the same
    numbers as torch's CPU generator.

    Parameters
    ----------
    device : str
        Where the numbers are used; the stream itself is produced on the host (a CUDA device
        draws from numbagrad's own GPU generator instead, a stream of its own).

    Examples
    --------
    >>> import numbagrad as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(2, generator=g).shape
    numbagrad.Size([2])
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._restart(DEFAULT_SEED)

    def _restart(self, seed: int) -> None:
        self._initial_seed = seed
        self._load(mt19937.seeded_state(seed), np.zeros(2, dtype=np.float64), None)

    def _load(self, engine: np.ndarray, normal_double: np.ndarray, normal_float) -> None:
        """Take a new state. The arrays are written in place, never replaced: a compiled step
        holds their addresses and replays its draws on them, so a ``manual_seed`` or
        ``set_state`` between its calls restarts its stream too, as in eager mode."""
        if not hasattr(self, "_engine"):
            self._engine = np.empty(mt19937.STATE_WORDS, dtype=np.uint32)
            # [is_valid, value] of torch's next_double_normal_sample; kernels update it in place.
            self._normal_double = np.zeros(2, dtype=np.float64)
        self._engine[...] = engine
        self._normal_double[...] = normal_double
        # torch's next_float_normal_sample: no kernel here draws with it (it is only carried in
        # the state bytes), so it may stay a Python value.
        self._normal_float: float | None = normal_float

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (torch keeps its low 64 bits; the engine uses the
        low 32) and return ``self``.

        Raises
        ------
        RuntimeError
            If ``seed`` is not an int (torch's class for it).
        ValueError
            If ``seed`` is outside [-2**63, 2**64).
        """
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._restart(seed % 2 ** 64)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self._restart(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._initial_seed

    def get_state(self):
        """The state as torch's ``CPUGeneratorImplState`` bytes: a uint8 tensor of 5056
        values that ``torch.Generator().set_state`` accepts too."""
        from numbagrad.creation import from_numpy
        from numbagrad.random import state_bytes

        return from_numpy(state_bytes.encode(self))

    def set_state(self, new_state) -> Generator:
        """Restore a state from ``get_state`` (numbagrad's or torch's).

        Raises
        ------
        TypeError
            If ``new_state`` is not a uint8 tensor.
        RuntimeError
            If it does not hold 5056 bytes (torch's message).
        """
        from numbagrad.random import state_bytes

        state_bytes.decode(self, new_state)
        return self

    def __repr__(self) -> str:
        return f"<numbagrad.Generator object at {id(self):#x}>"


default_generator = Generator()

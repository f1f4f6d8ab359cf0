"""A generator's state as torch's ``CPUGeneratorImplState`` bytes (5056 of them), so a state
saved by either library restores the same stream in the other.

Layout (x86-64, little-endian, C alignment), from torch's ``CPUGeneratorImpl.cpp``::

    0     uint64  the_initial_seed
    8     int32   left
    12    int32   seeded
    16    uint64  next
    24    uint64  state[624]          (each a 32-bit word widened)
    5016  double  normal_x, normal_y, normal_rho   (normal_y: next_double_normal_sample)
    5040  int32   normal_is_valid
    5048  float   next_float_normal_sample
    5052  bool    is_next_float_normal_sample_valid
"""
from __future__ import annotations

import numpy as np

from numbagrad.random import mt19937

SIZE = 5056
_LAYOUT = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho",
              "normal_is_valid", "float_sample", "float_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", mt19937.N), "<f8", "<f8", "<f8", "<i4",
                "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": SIZE,
})


def encode(gen) -> np.ndarray:
    """The state bytes of ``gen`` (uint8[5056])."""
    record = np.zeros(1, dtype=_LAYOUT)
    engine = gen._engine
    record["seed"] = gen._initial_seed
    record["left"] = engine[mt19937.LEFT]
    record["seeded"] = 1
    record["next"] = engine[mt19937.NEXT]
    record["state"][0] = engine[:mt19937.N]
    if gen._normal_double[0] != 0.0:
        record["normal_is_valid"] = 1
        record["normal_y"] = gen._normal_double[1]
    if gen._normal_float is not None:
        record["float_valid"] = 1
        record["float_sample"] = gen._normal_float
    return record.view(np.uint8).copy()


def decode(gen, new_state) -> None:
    """Load state bytes (a uint8 tensor) into ``gen``, with torch's checks.

    Raises
    ------
    TypeError
        If ``new_state`` is not a tensor, or not uint8 (torch's "RNG state must be a
        torch.ByteTensor").
    RuntimeError
        For a size other than 5056, or an engine state torch calls invalid.
    """
    from numbagrad import dtypes
    from numbagrad.tensor import Tensor

    if not isinstance(new_state, Tensor):
        raise TypeError(f"set_state(): argument 'new_state' (position 1) must be Tensor, not "
                        f"{type(new_state).__name__}")
    if new_state.dtype != dtypes.uint8 or new_state.device.type != "cpu":
        raise TypeError("RNG state must be a torch.ByteTensor")
    raw = np.ascontiguousarray(new_state.detach().numpy()).reshape(-1)
    if raw.size != SIZE:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {SIZE} but found the "
                           f"input RNG state size to be {raw.size}")
    record = raw.view(_LAYOUT)[0]
    left, nxt = int(record["left"]), int(record["next"]) & 0xFFFFFFFF
    if not (record["seeded"] and 0 < left <= mt19937.N and nxt <= mt19937.N):
        raise RuntimeError("Invalid mt19937 state")
    engine = np.empty(mt19937.STATE_WORDS, dtype=np.uint32)
    engine[:mt19937.N] = record["state"].astype(np.uint32)  # torch keeps the low 32 bits
    engine[mt19937.LEFT] = left
    engine[mt19937.NEXT] = nxt
    gen._initial_seed = int(record["seed"])
    gen._load(engine, np.array([1.0 if record["normal_is_valid"] else 0.0,
                                float(record["normal_y"]) if record["normal_is_valid"] else 0.0]),
              float(record["float_sample"]) if record["float_valid"] else None)

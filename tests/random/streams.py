"""What the stream tests share: where a generator stands, read the same way in both libraries."""
from __future__ import annotations

import numpy as np

import numbagrad


def next_draws(lib, generator=None) -> list:
    """Three U(0, 1) float32 draws from ``generator`` (the default one when None): equal in
    both libraries only when both left the stream at the same place."""
    if lib is numbagrad:
        from numbagrad.random import draw

        return draw.uniform(draw.resolve(generator), (3,), np.dtype(np.float32)).tolist()
    return lib.rand(3, generator=generator).tolist()

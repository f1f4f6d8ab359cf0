"""``numbagrad.backends.mps``: Apple's Metal backend, which numbagrad does not have."""
from __future__ import annotations


def is_available() -> bool:
    """Whether the MPS device can be used: never in numbagrad."""
    return False


def is_built() -> bool:
    """Whether numbagrad was built with MPS support: no."""
    return False

"""``numbagrad.backends.cudnn``: torch's cuDNN switches, kept as plain flags.

numbagrad's GPU kernels are its own Numba code, not cuDNN: programs may set ``benchmark``,
``deterministic`` and ``enabled`` as they do with torch, and nothing changes.
"""
from __future__ import annotations

benchmark: bool = False
deterministic: bool = False
enabled: bool = True
allow_tf32: bool = True


def is_available() -> bool:
    """Whether cuDNN can be used: never (numbagrad does not call cuDNN)."""
    return False


def version() -> None:
    """cuDNN's version: None, as torch reports without cuDNN."""
    return None

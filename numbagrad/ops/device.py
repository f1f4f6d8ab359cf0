"""Moving tensors between devices."""
from __future__ import annotations

from numbagrad.cuda import _NO_CUDA


def move(input, device):
    """``input`` on ``device``.

    Raises
    ------
    RuntimeError
        For a GPU: numbagrad has no CUDA backend yet.
    """
    if device.type == "cpu" and input.device.type == "cpu":
        return input
    raise RuntimeError(f"to({device}): {_NO_CUDA}")

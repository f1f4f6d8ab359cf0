"""``numbagrad.cuda``: what tutorial programs ask before choosing a device.

This version of numbagrad computes on the CPU only: its CUDA backend (``numba.cuda`` kernels
twinning ``backends/cpu``) is not part of it yet. So ``is_available()`` is False, and the usual
``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`` picks the CPU.
"""
from __future__ import annotations


def is_available() -> bool:
    """Whether tensors can be moved to a GPU: False, numbagrad has no CUDA backend yet."""
    return False


def device_count() -> int:
    """The number of GPUs numbagrad can use: 0."""
    return 0


def synchronize(device=None) -> None:
    """Wait for GPU work to finish: nothing to wait for without a CUDA backend."""


def manual_seed(seed: int) -> None:
    """Seed the GPU generators: there are none, so this only checks the argument, as torch
    accepts the call on CPU-only machines."""
    int(seed)


manual_seed_all = manual_seed


def current_device() -> int:
    """The current GPU's number.

    Raises
    ------
    RuntimeError
        Always: numbagrad has no CUDA backend yet.
    """
    raise RuntimeError(_NO_CUDA)


_NO_CUDA = ("numbagrad has no CUDA backend yet: torch.cuda.is_available() is False; keep "
            "tensors and models on the CPU")

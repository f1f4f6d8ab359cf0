"""``numbagrad.accelerator``: the device-agnostic view of the GPU, as ``torch.accelerator``.

numbagrad's accelerator is CUDA when ``numba.cuda`` sees a GPU (or, with
``NUMBA_ENABLE_CUDASIM=1``, Numba's CUDA simulator); otherwise there is none and
:func:`current_accelerator` returns None, as torch does on a CPU-only machine.
"""
from __future__ import annotations

from numbagrad import cuda as _cuda
from numbagrad.device import device as _device

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "device_count",
           "is_available", "set_device_idx", "set_device_index", "synchronize"]


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU) is available.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.accelerator.is_available() == torch.cuda.is_available()
    True
    """
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """The accelerator's device type, ``device(type='cuda')``, or None without one.

    Parameters
    ----------
    check_available : bool
        Accepted as in torch: numbagrad only reports an accelerator that is available.
    """
    return _device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices there are (0 without an accelerator)."""
    return _cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device: 0 (numbagrad uses one GPU)."""
    _require("current_device_index()")
    return 0


current_device_idx = current_device_index


def set_device_index(device) -> None:
    """Select the accelerator device; numbagrad uses one GPU, so only index 0 is accepted.

    Raises
    ------
    RuntimeError
        Without an accelerator, or for another index.
    """
    _require("set_device_index()")
    index = device.index if isinstance(device, _device) else device
    if index not in (None, 0, -1):
        raise RuntimeError(f"set_device_index(): numbagrad uses one GPU (index 0), got {index}")


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    """Wait for every kernel launched on the accelerator (no-op without one)."""
    _cuda.synchronize(device)


def _require(what: str) -> None:
    if not _cuda.is_available():
        raise RuntimeError(f"{what}: no accelerator is available to numbagrad (numba.cuda sees "
                           "no GPU)")

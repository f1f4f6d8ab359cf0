"""From a device to the backend that computes on it.

A backend is a module of functions with the same names and signatures on every device
(``backends/cpu``, ``backends/cuda``): arrays in, arrays out, no autograd. Backends are imported
on first use, so ``import numbagrad`` does not import Numba.
"""
from __future__ import annotations

import importlib
from types import ModuleType

_loaded: dict[str, ModuleType] = {}


def get(device_type: str) -> ModuleType:
    """The backend module for ``device_type`` (``"cpu"`` or ``"cuda"``), imported on first use."""
    backend = _loaded.get(device_type)
    if backend is None:
        if device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"numbagrad has no backend for device type {device_type!r}")
        backend = _loaded[device_type] = importlib.import_module(f"numbagrad.backends.{device_type}")
    return backend

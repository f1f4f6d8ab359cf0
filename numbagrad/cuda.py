"""``numbagrad.cuda``: what tutorial programs ask before choosing a device, and GPU utilities.

``numba.cuda`` is imported only when one of these functions is first called (``import
numbagrad`` stays fast and the CPU path never loads it). With ``NUMBA_ENABLE_CUDASIM=1`` in the
environment before Python starts, Numba's CUDA simulator stands in for a GPU: kernels run as
Python threads on the CPU, slowly, with bounds checks; the tests use it.
"""
from __future__ import annotations

import sys

_state: dict = {"checked": False, "available": False, "seed": None}


def _numba_cuda():
    """``numba.cuda`` if it can be imported (the ``numba-cuda`` package), else None."""
    try:
        from numba import cuda
    except ImportError:
        return None
    return cuda


def is_available() -> bool:
    """Whether a GPU (or the CUDA simulator) can run numbagrad's CUDA kernels."""
    if not _state["checked"]:
        cuda = _numba_cuda()
        try:
            _state["available"] = bool(cuda is not None and cuda.is_available())
        except Exception:  # noqa: BLE001 - a missing driver raises various errors
            _state["available"] = False
        _state["checked"] = True
    return _state["available"]


def device_count() -> int:
    """The number of GPUs numbagrad can use."""
    if not is_available():
        return 0
    return len(_numba_cuda().gpus)


def current_device() -> int:
    """The number of the GPU that new CUDA tensors go to: 0 (numbagrad uses one GPU)."""
    _require("current_device()")
    return 0


def get_device_name(device=None) -> str:
    """The GPU's name, as the driver reports it."""
    _require("get_device_name()")
    name = getattr(_numba_cuda().get_current_device(), "name", "CUDA simulator")
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    """Wait until every kernel launched so far has finished (no-op without a GPU, as torch)."""
    if _state["available"]:
        _numba_cuda().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's random number generator (``numbagrad.manual_seed`` calls this too).

    Accepted without a GPU, as torch accepts it: the seed is kept for when one is used.
    """
    seed = int(seed)
    _state["seed"] = seed
    random = sys.modules.get("numbagrad.backends.cuda.random")
    if random is not None:  # else the module reads the seed when it is first imported
        random.manual_seed(seed)


manual_seed_all = manual_seed


def launches() -> int:
    """How many CUDA kernels numbagrad has launched in this process (for measuring launches
    per training step)."""
    module = sys.modules.get("numbagrad.backends.cuda._jit")
    return module.launches() if module is not None else 0


def _require(what: str) -> None:
    if not is_available():
        raise RuntimeError(f"{what}: {NO_CUDA}")


NO_CUDA = ("no GPU is available to numbagrad: numbagrad.cuda.is_available() is False (it needs "
           "an NVIDIA GPU with its driver and the numba-cuda package: pip install "
           "'numbagrad[cuda]'); keep tensors and models on the CPU")

"""Process-wide settings under torch's names: the default device, the number of CPU threads,
the deterministic-algorithms flag and the flushing of denormal numbers."""
from __future__ import annotations

import warnings

from numbagrad.device import CPU, DEFAULT_DEVICE, as_device, device

__all__ = ["are_deterministic_algorithms_enabled", "get_default_device", "get_num_threads",
           "is_deterministic_algorithms_warn_only_enabled", "set_default_device",
           "set_flush_denormal", "set_num_threads", "use_deterministic_algorithms"]


def set_default_device(device) -> None:
    """Make creation functions (``tensor``, ``zeros``, ``ones``, ``empty``, ``full``, ``eye``,
    ``arange``, ``linspace``, ``logspace``, ``rand``, ``randn``, ``randint``, ``randperm``, ...)
    put tensors on ``device`` when they are given no ``device``.

    Parameters
    ----------
    device : device, str, int or None
        ``"cpu"``, ``"cuda"``, ``"cuda:0"``; None restores the CPU.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.set_default_device("cpu")
    >>> torch.get_default_device()
    device(type='cpu')
    """
    if device is None:
        DEFAULT_DEVICE[0] = None
        return
    d = as_device(device)
    DEFAULT_DEVICE[0] = None if d == CPU else d


def get_default_device() -> device:
    """The device creation functions use when given none (``device(type='cpu')`` by default)."""
    d = DEFAULT_DEVICE[0]
    if d is None:
        return CPU
    if d.type == "cuda" and d.index is None:
        return device("cuda", 0)  # torch reports the current device's index
    return d


def get_num_threads() -> int:
    """The number of threads Numba's parallel CPU kernels use."""
    import numba

    return numba.get_num_threads()


def set_num_threads(num: int) -> None:
    """Set the number of threads of Numba's parallel CPU kernels.

    Numba cannot start more threads than ``NUMBA_NUM_THREADS`` (the core count unless set
    before Numba loads): a larger ``num`` is reduced to it, with a warning.

    Raises
    ------
    RuntimeError
        For a number below 1, or not an int (torch's messages).
    """
    if isinstance(num, bool) or not isinstance(num, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    import numba

    limit = numba.config.NUMBA_NUM_THREADS
    if num > limit:
        warnings.warn(f"set_num_threads({num}): Numba was started with {limit} threads "
                      f"(NUMBA_NUM_THREADS); using {limit}", stacklevel=2)
        num = limit
    numba.set_num_threads(num)


def set_flush_denormal(mode: bool) -> bool:
    """Read and make denormal floats as zeros on the CPU (``mode`` True), or not (False).

    Arithmetic on denormals (float32 values below 1.2e-38) is slow on x86 CPUs, and long
    training runs make some (Adam's squared-gradient averages): with this on, such a run keeps
    its speed, at the cost of values that tiny becoming 0. Applies to the calling thread and
    Numba's worker threads, as torch's applies to its CPU threads.

    Returns
    -------
    bool
        True where the CPU supports it (x86-64), else False (nothing changed).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.set_flush_denormal(True)
    True
    >>> torch.tensor([1e-323], dtype=torch.float64) * 1
    tensor([0.], dtype=numbagrad.float64)
    >>> torch.set_flush_denormal(False)
    True
    """
    from numbagrad.backends.cpu.denormal import set_flush_denormal as set_flags

    return set_flags(mode)


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms. numbagrad's kernels are deterministic on the CPU and
    the flag is recorded for :func:`are_deterministic_algorithms_enabled`.

    Raises
    ------
    TypeError
        If ``mode`` or ``warn_only`` is not a bool (torch's message).
    """
    for position, (name, value) in enumerate((("mode", mode), ("warn_only", warn_only)), 1):
        if not isinstance(value, bool):
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name}' (position "
                            f"{position}) must be bool, not {type(value).__name__}")
    _deterministic["mode"] = mode
    _deterministic["warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` turned deterministic mode on."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether deterministic mode only warns."""
    return _deterministic["warn_only"]

"""DLPack: tensors shared with torch, NumPy, JAX or CuPy without a copy.

A CPU tensor's data is a NumPy array (possibly a strided view), and NumPy speaks DLPack: export
hands out the capsule of that array, so the consumer sees the tensor's shape, strides and offset
and keeps its memory alive. Import reads the capsule's header (device and dtype) first, so that
data numbagrad cannot hold is refused with a clear error before anything is consumed, then lets
NumPy take the capsule and wraps the array as :func:`numbagrad.from_numpy` does.

CUDA tensors are refused both ways for now: numba-cuda's device arrays have no DLPack export, and
an export written by hand could not be tested on the simulator (whose "device" memory is host
memory). ``__cuda_array_interface__`` shares CUDA tensors with CuPy and torch meanwhile, and a
CUDA tensor has no ``__dlpack__`` attribute at all: numba-cuda's kernel launch tries
``__dlpack__`` before ``__cuda_array_interface__`` whenever the attribute exists, so a method
that refused would break passing tensors to users' own kernels.
"""
from __future__ import annotations

import ctypes
import enum
import types

import numpy as np

from numbagrad import dtypes
from numbagrad.device import as_device
from numbagrad.tensor import Tensor


class DLDeviceType(enum.IntEnum):
    """DLPack's device codes (``dlpack.h``), as ``torch.utils.dlpack.DLDeviceType``."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


# Devices whose memory the CPU reads directly (NumPy imports these, and so do we).
_HOST_READABLE = (DLDeviceType.kDLCPU, DLDeviceType.kDLCUDAHost, DLDeviceType.kDLROCMHost,
                  DLDeviceType.kDLCUDAManaged)

# (type code, bits) of DLPack's DLDataType -> the numbagrad dtype that stores it.
_DL_CODES = {0: "kDLInt", 1: "kDLUInt", 2: "kDLFloat", 3: "kDLOpaqueHandle", 4: "kDLBfloat",
             5: "kDLComplex", 6: "kDLBool"}
_FROM_DL = {(0, 8): dtypes.int8, (0, 16): dtypes.int16, (0, 32): dtypes.int32,
            (0, 64): dtypes.int64, (1, 8): dtypes.uint8, (2, 16): dtypes.float16,
            (2, 32): dtypes.float32, (2, 64): dtypes.float64, (6, 8): dtypes.bool_}

_USED_CAPSULE = ("from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
                 "consumed only once, so you might have already constructed a tensor from it once.")


# ---------------------------------------------------------------------------- export


def dlpack_device(self: Tensor) -> tuple:
    """``Tensor.__dlpack_device__()``: ``(DLDeviceType, index)`` of the tensor's data."""
    if self._device.type == "cuda":
        return DLDeviceType.kDLCUDA, self._device.index or 0
    return DLDeviceType.kDLCPU, 0


def dlpack_attribute(self: Tensor):
    """``Tensor.__dlpack__``: :func:`dlpack` bound to a CPU tensor; a CUDA tensor has none
    (AttributeError, as a CPU tensor has no ``__cuda_array_interface__``)."""
    if self._device.type != "cpu":
        raise _not_exportable(self, "__dlpack__", AttributeError)
    return types.MethodType(dlpack, self)


def dlpack(self: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    """``Tensor.__dlpack__``: a DLPack capsule sharing this tensor's memory (``from_dlpack`` of
    torch, NumPy, JAX or CuPy calls it).

    Parameters
    ----------
    stream : int or None
        A CUDA stream of the consumer; only None or -1 (no stream) for CPU data, as torch.
    max_version : tuple of two ints, optional
        The newest DLPack version the consumer reads: ``(1, x)`` gets a versioned capsule (which
        can flag read-only data, such as an expanded tensor's), None the legacy ``"dltensor"``.
    dl_device : tuple, optional
        The device the consumer wants the data on; only the CPU.
    copy : bool or None
        True exports a copy, False refuses to copy, None copies only if needed (never here).

    Returns
    -------
    PyCapsule
        ``"dltensor"`` or ``"dltensor_versioned"``; it keeps the memory alive until consumed.

    Raises
    ------
    BufferError
        If the tensor requires grad (``detach()`` it first, as torch asks), or is on a GPU
        (where the attribute ``Tensor.__dlpack__`` is missing: AttributeError).
    TypeError
        If ``stream`` is not an int or None.

    Examples
    --------
    >>> import numpy as np
    >>> import numbagrad as torch
    >>> t = torch.arange(3)
    >>> a = np.from_dlpack(t)
    >>> a[0] = 7
    >>> t
    tensor([7, 1, 2])
    """
    # BufferError, as torch; numba-cuda's typeof also catches it and tries other protocols.
    if self._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if stream is not None and type(stream) is not int:
        raise TypeError("stream must be ``int`` or ``none``")
    if self._device.type != "cpu":
        raise _not_exportable(self, "__dlpack__", BufferError)
    if stream is not None and stream != -1:
        raise BufferError(f"__dlpack__: stream should be None or -1 for a CPU tensor, got {stream}")
    return _capsule(self._data, max_version, dl_device, copy)


def to_dlpack(tensor: Tensor):
    """A legacy ``"dltensor"`` capsule sharing ``tensor``'s memory, as
    ``torch.utils.dlpack.to_dlpack`` (which, unlike ``__dlpack__``, exports a tensor that
    requires grad: the capsule carries only the data).

    Parameters
    ----------
    tensor : Tensor
        A CPU tensor.

    Returns
    -------
    PyCapsule
        To be consumed once by a ``from_dlpack``.

    Raises
    ------
    TypeError
        If ``tensor`` is not a tensor.
    BufferError
        If the tensor is on a GPU.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.utils.dlpack import from_dlpack, to_dlpack
    >>> t = torch.tensor([1.0, 2.0])
    >>> from_dlpack(to_dlpack(t)).add_(1)
    tensor([2., 3.])
    >>> t
    tensor([2., 3.])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a Tensor, got {type(tensor).__name__}")
    if tensor._device.type != "cpu":
        raise _not_exportable(tensor, "to_dlpack", BufferError)
    return _capsule(tensor._data, None, None, None)


def _not_exportable(t: Tensor, op: str, error: type) -> Exception:
    return error(f"{op}: numbagrad cannot export {t._device} tensors through DLPack yet; use "
                 "__cuda_array_interface__ (torch.as_tensor, cupy.asarray read it) or copy to "
                 "the CPU with .cpu() first")


def _capsule(array: np.ndarray, max_version, dl_device, copy):
    legacy = max_version is None or max_version[0] < 1
    if legacy and not array.flags.writeable and not copy:
        # An expanded tensor is a read-only NumPy view, and the legacy capsule cannot flag read-
        # only data, so NumPy refuses it; torch exports such tensors with their zero strides.
        array = _writeable_alias(array)
    return array.__dlpack__(max_version=max_version, dl_device=dl_device, copy=copy)


class _Interface:
    """Holds an ``__array_interface__`` and, through ``base``, the memory it points at."""

    def __init__(self, interface: dict, base: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.base = base


def _writeable_alias(array: np.ndarray) -> np.ndarray:
    interface = dict(array.__array_interface__)
    interface["data"] = (interface["data"][0], False)
    return np.asarray(_Interface(interface, array))


# ---------------------------------------------------------------------------- import


def from_dlpack(ext_tensor, *, device=None, copy=None) -> Tensor:
    """A tensor sharing memory with ``ext_tensor`` (a torch tensor, a NumPy array, any object
    with ``__dlpack__``, or a DLPack capsule from ``to_dlpack``), as ``torch.from_dlpack``.

    Writes through either side show in the other, and the producer's memory stays alive as long
    as the tensor does, even after the producer object is deleted.

    Parameters
    ----------
    ext_tensor : object with ``__dlpack__``, or PyCapsule
        The data to share; a capsule can be consumed only once.
    device : device or str, optional
        Where the result should be; another device than the data's means a copy.
    copy : bool or None
        True always copies, False refuses to (a device change then raises ValueError), None
        copies only for a device change.

    Returns
    -------
    Tensor
        On the CPU (with ``device``, on that device), not requiring grad.

    Raises
    ------
    TypeError
        If ``ext_tensor`` is neither a DLPack producer nor a capsule, or holds a dtype numbagrad
        does not store (complex, bfloat16, uint16...).
    BufferError
        If the data is on a device numbagrad cannot import from (a GPU, for now).
    RuntimeError
        If the capsule was already consumed (torch's message).
    ValueError
        If the data has negative strides (as :func:`numbagrad.from_numpy`).

    Examples
    --------
    >>> import numpy as np
    >>> import numbagrad as torch
    >>> a = np.zeros(3, dtype=np.float32)
    >>> t = torch.from_dlpack(a)
    >>> t[1] = 5
    >>> a
    array([0., 5., 0.], dtype=float32)
    """
    if hasattr(ext_tensor, "__dlpack__"):
        source = DLDeviceType.kDLCPU
        if hasattr(ext_tensor, "__dlpack_device__"):
            source = ext_tensor.__dlpack_device__()[0]
        if source not in _HOST_READABLE:
            _refuse_device(source)
        capsule, copied = _ask(ext_tensor, copy)
    elif _is_capsule(ext_tensor):
        if device is not None or copy is not None:
            raise ValueError("from_dlpack: device and copy are not supported when ext_tensor is "
                             "already a DLPack capsule")
        capsule, copied = ext_tensor, False
    elif isinstance(ext_tensor, Tensor):  # a CUDA tensor: it has no __dlpack__
        raise _not_exportable(ext_tensor, "from_dlpack", BufferError)
    else:
        raise TypeError("from_dlpack: expected an object with __dlpack__ (a tensor or array) or "
                        f"a DLPack capsule, got {type(ext_tensor).__name__}")
    t = _wrap_capsule(capsule)
    if copy and not copied:
        t = t.clone()
    if device is not None and as_device(device) != t.device:
        if copy is False:
            raise ValueError(f"from_dlpack: cannot move DLPack data from cpu to "
                             f"{as_device(device)} without copying. Set copy=None or copy=True.")
        t = t.to(device)
    return t


def _ask(ext_tensor, copy) -> tuple:
    """The producer's capsule, and whether it honoured ``copy``: asked for DLPack 1.0 first,
    then with fewer keywords for producers that take fewer (as torch's ``from_dlpack``)."""
    tries = [{"max_version": (1, 0)}, {}]
    if copy is not None:
        tries = [{"max_version": (1, 0), "copy": copy}, {"copy": copy}] + tries
    for kwargs in tries[:-1]:
        try:
            return ext_tensor.__dlpack__(**kwargs), "copy" in kwargs
        except TypeError:
            continue
    return ext_tensor.__dlpack__(), False


def _wrap_capsule(capsule) -> Tensor:
    device_type, code, bits, lanes, versioned = _header(capsule)
    if device_type not in _HOST_READABLE:
        _refuse_device(device_type)
    if lanes != 1 or (code, bits) not in _FROM_DL:
        kind = _DL_CODES.get(code, f"code {code}")
        stored = ", ".join(x.name for x in _FROM_DL.values())
        raise TypeError(f"from_dlpack: numbagrad has no dtype for DLPack data of type {kind} "
                        f"with {bits} bits and {lanes} lanes; it stores {stored}")
    array = np.from_dlpack(_Capsule(capsule, device_type))
    if not versioned and not array.flags.writeable:
        # NumPy marks legacy imports read-only; that capsule has no read-only flag, and its
        # producers (torch.utils.dlpack.to_dlpack) hand out memory meant to be written.
        array = _writeable_alias(array)
    if any(s < 0 for s in array.strides):
        raise ValueError("from_dlpack: the data has a negative stride, which numbagrad tensors "
                         "do not support; copy it first")
    return Tensor._make(array)


def _refuse_device(device_type) -> None:
    try:
        name = DLDeviceType(device_type).name
    except ValueError:
        name = f"device type {device_type}"
    raise BufferError(f"from_dlpack: numbagrad cannot import {name} data through DLPack yet; "
                      "copy it to the CPU first (for a torch tensor, .cpu())")


class _Capsule:
    """A consumed-once capsule dressed as a producer, for ``np.from_dlpack``."""

    def __init__(self, capsule, device_type) -> None:
        self._capsule, self._device = capsule, (int(device_type), 0)

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self) -> tuple:
        return self._device


# ---------------------------------------------------------------------------- capsule header

class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensorVersioned(ctypes.Structure):
    # DLPackVersion (two uint32), manager_ctx, deleter, flags, then the DLTensor.
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]


_api = ctypes.pythonapi
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetName.restype = ctypes.c_char_p
_api.PyCapsule_GetName.argtypes = [ctypes.py_object]


def _is_capsule(obj) -> bool:
    return type(obj).__name__ == "PyCapsule"


def _header(capsule) -> tuple:
    """``(device type, dtype code, bits, lanes, versioned)`` of an unconsumed capsule, read in
    place.

    A DLManagedTensor starts with its DLTensor; a DLManagedTensorVersioned keeps it after the
    version, the manager and the flags.
    """
    if not _is_capsule(capsule):
        raise TypeError(f"from_dlpack: __dlpack__ returned {type(capsule).__name__}, not a "
                        "DLPack capsule")
    name = _api.PyCapsule_GetName(capsule)
    if _api.PyCapsule_IsValid(capsule, b"dltensor"):
        tensor = _DLTensor.from_address(_api.PyCapsule_GetPointer(capsule, b"dltensor"))
    elif _api.PyCapsule_IsValid(capsule, b"dltensor_versioned"):
        managed = _DLManagedTensorVersioned.from_address(
            _api.PyCapsule_GetPointer(capsule, b"dltensor_versioned"))
        tensor = managed.dl_tensor
    else:
        if name in (b"used_dltensor", b"used_dltensor_versioned"):
            raise RuntimeError(_USED_CAPSULE)
        raise TypeError(f"from_dlpack: a capsule named {name!r} is not a DLPack capsule")
    dtype = tensor.dtype
    return (tensor.device.device_type, dtype.code, dtype.bits, dtype.lanes,
            name == b"dltensor_versioned")

"""numbagrad's versions of torch's rebuild functions (``torch._utils._rebuild_tensor_v2`` and
friends), called by the unpicklers, and the storages they view.

A storage is the bytes of one ``data/<key>`` record; every tensor of the file that names the
key is a strided view of the same NumPy array, so tensors that shared memory when torch saved
them share it again. Each argument is checked before a view is made: a view never reaches past
its storage.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from numbagrad import dtypes
from numbagrad.tensor import Tensor

# numpy arrays have at most 64 dimensions; torch's own limit is lower in practice.
MAX_DIMS = 64


class StorageType:
    """``torch.FloatStorage`` and friends, as named in a file: a name and its element type."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: dtypes.dtype) -> None:
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


STORAGE_TYPES = {
    name: StorageType(name, d) for name, d in (
        ("DoubleStorage", dtypes.float64), ("FloatStorage", dtypes.float32),
        ("HalfStorage", dtypes.float16), ("LongStorage", dtypes.int64),
        ("IntStorage", dtypes.int32), ("ShortStorage", dtypes.int16),
        ("CharStorage", dtypes.int8), ("ByteStorage", dtypes.uint8),
        ("BoolStorage", dtypes.bool_), ("UntypedStorage", dtypes.uint8))
}
STORAGE_NAMES = {t.dtype: name for name, t in STORAGE_TYPES.items() if name != "UntypedStorage"}


class Storage:
    """The elements of one storage record and where torch kept them.

    Parameters
    ----------
    array : numpy.ndarray
        The record's elements as a 1-D array of ``dtype`` (writable, or a copy-on-write
        memory map), in the file's byte order.
    dtype : dtype
        The element type the file declares.
    location : str
        The device torch saved it from (``"cpu"``, ``"cuda:0"``).
    big_endian : bool
        Whether the file's ``byteorder`` record says ``big``.
    place : callable
        ``place(tensor, location)``: applies ``map_location`` to a rebuilt tensor.
    """

    def __init__(self, array: np.ndarray, dtype: dtypes.dtype, location: str, big_endian: bool,
                 place: Callable[[Tensor, str], Tensor]) -> None:
        self.dtype = dtype
        self.location = location
        self.place = place
        if big_endian and dtype.itemsize > 1:
            array = array.view(array.dtype.newbyteorder(">")).astype(dtype.np_type)
        self.array = array
        self._typed: dict[dtypes.dtype, np.ndarray] = {dtype: array}

    def typed(self, d: dtypes.dtype) -> np.ndarray:
        """The elements as a 1-D array of ``d`` (one array per type, so views stay shared);
        another type than the declared one reinterprets the bytes (``_rebuild_tensor_v3``)."""
        array = self._typed.get(d)
        if array is None:
            raw = self.array.view(np.uint8)
            array = raw[:raw.size - raw.size % d.itemsize].view(d.np_type)
            self._typed[d] = array
        return array


def _damaged(what: str) -> RuntimeError:
    return RuntimeError(f"load: damaged torch save file: {what}")


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > MAX_DIMS:
        raise _damaged(f"a tensor's {what} is {str(value)[:80]!r}, not a tuple of at most "
                       f"{MAX_DIMS} ints")
    if not all(type(v) is int and 0 <= v < sys.maxsize for v in value):
        raise _damaged(f"a tensor's {what} {tuple(value)!r} holds a value that is not an int in "
                       f"[0, {sys.maxsize})")
    return tuple(value)


def _view(storage: Any, d: dtypes.dtype, offset: Any, size: Any, stride: Any) -> Tensor:
    if not isinstance(storage, Storage):
        raise _damaged(f"a tensor's storage is a {type(storage).__name__}, not a storage record")
    size = _ints(size, "size")
    stride = _ints(stride, "stride")
    if len(size) != len(stride):
        raise _damaged(f"a tensor's size {size} and stride {stride} differ in length")
    if type(offset) is not int or offset < 0:
        raise _damaged(f"a tensor's storage offset {offset!r} is not an int >= 0")
    base = storage.typed(d)
    numel = 1
    for n in size:
        numel *= n
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if numel == 0:
        if offset > base.size:
            raise _damaged(f"a tensor's storage offset {offset} is beyond its storage of "
                           f"{base.size} elements")
        array = np.zeros(size, dtype=d.np_type)
    elif last >= base.size:
        raise _damaged(f"a tensor of size {size}, stride {stride} and offset {offset} reaches "
                       f"element {last}, beyond its storage of {base.size} elements")
    else:
        # An ndarray over ``base`` (not as_strided, whose result hides its base), so views
        # of one storage keep one root, as saving them again needs.
        item = base.itemsize
        array = np.ndarray(size, dtype=base.dtype, buffer=base, offset=offset * item,
                           strides=tuple(s * item for s in stride))
    return storage.place(Tensor._make(array), storage.location)


def rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """``torch._utils._rebuild_tensor``: a view of a storage."""
    d = storage.dtype if isinstance(storage, Storage) else None
    return _view(storage, d, storage_offset, size, stride)


def _finish(t: Tensor, requires_grad: Any) -> Tensor:
    if type(requires_grad) is not bool:
        raise _damaged(f"requires_grad is {requires_grad!r}, not a bool")
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                      backward_hooks=None, metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: a view of a storage with requires_grad.

    Backward hooks cannot be pickled by torch without ``weights_only=False``; an empty
    ``OrderedDict`` is what torch writes, and anything else is ignored, as torch warns.
    """
    return _finish(rebuild_tensor(storage, storage_offset, size, stride), requires_grad)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      dtype, metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: an untyped storage viewed as ``dtype``."""
    if not isinstance(dtype, dtypes.dtype) or dtype is dtypes.bfloat16:
        raise RuntimeError(f"load: numbagrad has no storage for dtype {dtype!r}")
    return _finish(_view(storage, dtype, storage_offset, size, stride), requires_grad)


def rebuild_parameter(data, requires_grad, backward_hooks=None):
    """``torch._utils._rebuild_parameter``: a Parameter around a rebuilt tensor."""
    from numbagrad.nn.parameter import Parameter

    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise _damaged("a Parameter is not rebuilt from a tensor and a bool")
    return Parameter(data.detach(), requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks=None, state=None):
    """``torch._utils._rebuild_parameter_with_state``: as :func:`rebuild_parameter`; the
    Python attributes in ``state`` are not set (numbagrad's Parameter has no ``__dict__``)."""
    return rebuild_parameter(data, requires_grad, backward_hooks)


def rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2`` for plain tensors and Parameters (torch writes
    it for a tensor with Python attributes; numbagrad tensors have none, so ``state`` is
    dropped)."""
    from numbagrad.nn.parameter import Parameter

    if func not in (rebuild_tensor_v2, rebuild_tensor, rebuild_parameter) or \
            type(args) is not tuple:
        raise _damaged(f"_rebuild_from_type_v2 of {func!r}")
    t = func(*args)
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t, t.requires_grad)
    return t


def empty_hooks() -> OrderedDict:
    """The backward-hooks argument torch writes: an empty OrderedDict."""
    return OrderedDict()

"""The pickler of torch's ``data.pkl``: numbagrad objects written with torch's names.

Tensors become ``torch._utils._rebuild_tensor_v2`` calls over storages that are persistent ids
(``('storage', torch.FloatStorage, key, location, numel)``), Parameters
``torch._utils._rebuild_parameter``, dtypes ``torch.float32`` and so on. Those globals are
written as ``GLOBAL`` opcodes by name, so torch is never imported; everything else is pickled as
Python pickles it.
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from typing import Any

import numpy as np

from numbagrad import dtypes
from numbagrad.device import device
from numbagrad.serialization._rebuild import STORAGE_NAMES
from numbagrad.tensor import Size, Tensor


class TorchGlobal:
    """A global of torch's, written by name and never imported."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args):
        # pickle asks reduce functions to be callable; this one only names torch's.
        raise TypeError(f"{self.module}.{self.name} is torch's, written by name only")


_REBUILD_TENSOR = TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = TorchGlobal("torch._utils", "_rebuild_parameter")
_SIZE = TorchGlobal("torch", "Size")
_DEVICE = TorchGlobal("torch", "device")
_STORAGE_GLOBALS = {d: TorchGlobal("torch", name) for d, name in STORAGE_NAMES.items()}
_DTYPE_GLOBALS = {d: TorchGlobal("torch", d.name) for d in dtypes._BY_NAME.values()}


class SavedStorage:
    """One storage to write: a C-contiguous NumPy array on the host, and where it lived."""

    __slots__ = ("key", "array", "location")

    def __init__(self, key: str, array: np.ndarray, location: str) -> None:
        self.key = key
        self.array = array
        self.location = location


class _PlainTensor:
    """A Parameter's data, pickled as a plain tensor inside ``_rebuild_parameter``."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


class TorchPickler(pickle._Pickler):
    """Pickles ``obj`` for ``data.pkl``; the storages it met are in ``storages`` afterwards.

    A tensor whose data is a view of a C-contiguous NumPy array is saved as a view of that
    whole array (torch saves whole storages too), so views of one tensor stay views of one
    storage; any other tensor (a CUDA tensor, negative strides, a type-punned view) is saved
    from a contiguous copy of its own.
    """

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol: int = 2) -> None:
        super().__init__(file, protocol=protocol)
        self.storages: list[SavedStorage] = []
        self._by_root: dict[int, SavedStorage] = {}
        self._roots: list[np.ndarray] = []  # keeps ids in _by_root from being reused

    def persistent_id(self, obj: Any):
        if type(obj) is SavedStorage:
            return ("storage", _STORAGE_GLOBALS[dtypes.from_numpy_dtype(obj.array.dtype)],
                    obj.key, obj.location, int(obj.array.size))
        return None

    def reducer_override(self, obj: Any):
        kind = type(obj)
        if kind is _PlainTensor:
            # torch pickles a Parameter's detached data inside _rebuild_parameter.
            return self._reduce_tensor(obj.tensor, False)
        if isinstance(obj, Tensor):
            from numbagrad.nn.parameter import Parameter

            if isinstance(obj, Parameter):
                return (_REBUILD_PARAMETER, (_PlainTensor(obj), obj.requires_grad, OrderedDict()))
            return self._reduce_tensor(obj, obj.requires_grad)
        if kind is Size:
            return (_SIZE, (tuple(obj),))
        if kind is device:
            return (_DEVICE, (str(obj),))
        return NotImplemented

    def _reduce_tensor(self, t: Tensor, requires_grad: bool):
        storage, offset, stride = self._storage_of(t)
        return (_REBUILD_TENSOR, (storage, offset, tuple(t.shape), stride, requires_grad,
                                  OrderedDict()))

    def _storage_of(self, t: Tensor) -> tuple[SavedStorage, int, tuple[int, ...]]:
        if t.device.type == "cpu":
            found = self._view_of_root(t._data)
            if found is not None:
                return found
        array = np.ascontiguousarray(np.asarray(t.detach())).reshape(-1)
        return self._new_storage(array, str(t.device)), 0, _contiguous_strides(tuple(t.shape))

    def _view_of_root(self, array: np.ndarray):
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = array.dtype.itemsize
        if (array.size == 0 or root.dtype != array.dtype or not root.flags.c_contiguous
                or any(s < 0 or s % item for s in array.strides)):
            return None
        start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        if start < 0 or start % item or start // item >= root.size:
            return None
        storage = self._by_root.get(id(root))
        if storage is None:
            storage = self._new_storage(root.reshape(-1), "cpu")
            self._by_root[id(root)] = storage
            self._roots.append(root)
        return storage, start // item, tuple(s // item for s in array.strides)

    def _new_storage(self, flat: np.ndarray, location: str) -> SavedStorage:
        storage = SavedStorage(str(len(self.storages)), flat, location)
        self.storages.append(storage)
        return storage

    def _save_torch_global(self, obj: TorchGlobal) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    def _save_dtype(self, obj: dtypes.dtype) -> None:
        self.save(_DTYPE_GLOBALS[obj])

    dispatch[TorchGlobal] = _save_torch_global
    dispatch[dtypes.dtype] = _save_dtype
    dispatch[dtypes._UnstoredDtype] = _save_dtype


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))

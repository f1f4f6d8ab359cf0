"""The unpicklers of torch's ``data.pkl``: a restricted one that runs no code from the file
(``weights_only=True``, torch's default since 2.6) and a full one for trusted files.

The restricted unpickler is Python's own pickle machine (``pickle._Unpickler``) with every
opcode that could reach code replaced: a global is looked up in a fixed table of torch's names,
each mapped to a numbagrad function or value (the same names torch's weights-only unpickler
allows, less those numbagrad cannot represent), and nothing is ever imported. ``REDUCE`` calls
only callables from that table, ``NEWOBJ`` makes only Parameters, ``BUILD`` only sets
attributes of an ``OrderedDict`` (torch's ``state_dict()._metadata``), ``APPEND``/``SETITEM``
only fill lists, sets and dicts, and the text protocol's ``PERSID``, ``INST``, ``OBJ`` and the
extension registry are refused. Neither torch nor any module named by the file is imported.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import io
import pickle
from collections import Counter, OrderedDict
from typing import Any, Callable

from numbagrad import dtypes
from numbagrad.serialization import _rebuild
from numbagrad.tensor import Size

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source."
)

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")

# torch's names that its weights-only unpickler allows but that have no numbagrad meaning.
_UNREPRESENTABLE = {
    "torch._utils._rebuild_qtensor": "quantized tensors",
    "torch._utils._rebuild_sparse_tensor": "sparse tensors",
    "torch._utils._rebuild_nested_tensor": "nested tensors",
    "torch._utils._rebuild_meta_tensor_no_storage": "meta tensors",
    "torch._utils._rebuild_wrapper_subclass": "tensor subclasses",
    "torch._utils._rebuild_device_tensor_from_numpy": "device tensors pickled as NumPy arrays",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor": "device tensors pickled from CPU",
    "torch.serialization._get_layout": "sparse layouts",
}


def _torch_device(*args) -> Any:
    from numbagrad.device import device

    return device(*args)


def _bytearray(source=b"", *encoding) -> bytearray:
    """``bytearray`` of bytes or text the file holds: ``bytearray(n)`` would allocate a size
    the file merely claims."""
    if type(source) not in (bytes, bytearray, str):
        raise pickle.UnpicklingError(f"load: bytearray of a {type(source).__name__} refused "
                                     "(only bytes held by the file)")
    return bytearray(source, *encoding)


def _size(values=()) -> Size:
    return Size(tuple(values))


def _build_allowed() -> dict[str, Any]:
    from numbagrad.nn.parameter import Parameter
    from numbagrad.tensor import Tensor

    table: dict[str, Any] = {
        "torch.Tensor": Tensor,  # a value for _rebuild_from_type_v2, never called
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": _size,
        "torch.device": _torch_device,
        "_codecs.encode": codecs.encode,  # bytes, at protocol 2
        "builtins.bytearray": _bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": _rebuild.rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild.rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild.rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild.rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild.rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild.rebuild_from_type_v2,
    }
    for d in dtypes._BY_NAME.values():
        table[f"torch.{d.name}"] = d
    for name, storage_type in _rebuild.STORAGE_TYPES.items():
        table[f"torch.{name}"] = storage_type
        table[f"torch.storage.{name}"] = storage_type
    table["torch.storage.UntypedStorage"] = _rebuild.STORAGE_TYPES["UntypedStorage"]
    return table


_ALLOWED: dict[str, Any] = {}


def allowed() -> dict[str, Any]:
    """The table of allowed globals, built on first use (it needs nn.Parameter)."""
    if not _ALLOWED:
        _ALLOWED.update(_build_allowed())
    return _ALLOWED


def _callables() -> set[int]:
    """What REDUCE may call: not Tensor, whose legacy constructor ``Tensor(n)`` would
    allocate a size the file claims."""
    from numbagrad.tensor import Tensor

    return {id(v) for v in allowed().values() if callable(v) and v is not Tensor}


def map_name(module: str, name: str) -> tuple[str, str]:
    """Python 2 names (``__builtin__.set``, written by protocol 2) to Python 3's, as torch."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def unsupported_global(full: str) -> pickle.UnpicklingError:
    """torch's error for a global that weights_only loading refuses."""
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, "
        "do those steps only if you trust the source of the checkpoint. "
        f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) numbagrad has no allowlist of extra globals: "
        "save a state dict instead.\n\tWeightsUnpickler error: "
        f"Unsupported global: GLOBAL {full} was not an allowed global by default.")


def _refuse(what: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(
        f"Weights only load failed. {UNSAFE_MESSAGE}\n\nWeightsUnpickler error: {what}")


def lookup_torch_name(module: str, name: str) -> Any:
    """The numbagrad value for a torch global, or raise (for both unpicklers)."""
    full = f"{module}.{name}"
    if full in _UNREPRESENTABLE:
        raise RuntimeError(f"load: the file holds {_UNREPRESENTABLE[full]} ({full}), "
                           "which numbagrad cannot represent")
    if full in allowed():
        return allowed()[full]
    if module == "torch" and (name.endswith("Storage") or name.startswith(
            ("complex", "uint", "float8", "int1", "int2", "int3", "int4", "int5", "int6",
             "int7", "qint", "quint", "cfloat", "cdouble", "chalf", "bits"))):
        raise RuntimeError(f"load: the file holds {full}, a type numbagrad lacks "
                           "(numbagrad has float16/32/64, int8/16/32/64, uint8, bool)")
    return None


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickles torch's ``data.pkl`` running nothing but numbagrad's rebuild functions.

    Parameters
    ----------
    data : bytes
        The pickle.
    persistent_load : callable
        ``persistent_load(pid)`` for ``('storage', type, key, location, numel)`` ids.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data: bytes, persistent_load: Callable[[tuple], Any]) -> None:
        super().__init__(io.BytesIO(data), encoding="bytes")
        self._persistent = persistent_load
        self._allowed_callables = _callables()

    def find_class(self, module: str, name: str) -> Any:
        module, name = map_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise _refuse(f"Trying to load unsupported GLOBAL {full} whose module {module} is "
                          "blocked.")
        value = lookup_torch_name(module, name)
        if value is None:
            raise unsupported_global(full)
        return value

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is not tuple:
            raise _refuse(f"persistent_load id must be tuple, but got {type(pid).__name__}")
        return self._persistent(pid)

    def _reduce(self) -> None:
        args = self.stack.pop()
        func = self.stack[-1]
        if id(func) not in self._allowed_callables or type(args) is not tuple:
            raise _refuse(f"Trying to call reduce for unrecognized function {func!r}")
        self.stack[-1] = func(*args)

    def _newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls is not allowed()["torch.nn.parameter.Parameter"] or type(args) is not tuple:
            raise _refuse(f"Can only create new object for nn.Parameter, but got {cls!r}")
        self.append(cls(*args))

    def _build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not OrderedDict:
            raise _refuse(f"Can only build OrderedDict, but got {type(inst).__name__}")
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if type(state) is not dict or not all(type(k) is str for k in state):
            raise _refuse("Can only build an OrderedDict from a dict of attributes")
        for key, value in state.items():
            if key.startswith("__"):
                raise _refuse(f"Refusing to set attribute {key!r}")
            inst.__dict__[key] = value

    def _append(self) -> None:
        item = self.stack.pop()
        if type(self.stack[-1]) is not list:
            raise _refuse(f"Can only append to lists, but got {type(self.stack[-1]).__name__}")
        self.stack[-1].append(item)

    def _appends(self) -> None:
        items = self.pop_mark()
        if type(self.stack[-1]) is not list:
            raise _refuse(f"Can only extend lists, but got {type(self.stack[-1]).__name__}")
        self.stack[-1].extend(items)

    def _dict_target(self, opcode: str) -> dict:
        target = self.stack[-1]
        if type(target) not in (dict, OrderedDict, Counter):
            raise _refuse(f"Can only {opcode} for dict, collections.OrderedDict, "
                          f"collections.Counter, but got {type(target).__name__}")
        return target

    def _setitem(self) -> None:
        value = self.stack.pop()
        key = self.stack.pop()
        self._dict_target("SETITEM")[key] = value

    def _setitems(self) -> None:
        items = self.pop_mark()
        target = self._dict_target("SETITEMS")
        if len(items) % 2:
            raise _refuse("SETITEMS with an odd number of items")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _additems(self) -> None:
        items = self.pop_mark()
        if type(self.stack[-1]) is not set:
            raise _refuse(f"Can only add items to sets, but got {type(self.stack[-1]).__name__}")
        self.stack[-1].update(items)

    def _forbidden(self) -> None:
        raise _refuse("Unsupported operand: this file uses a pickle opcode that can run code "
                      "(INST, OBJ, PERSID or an extension code)")

    dispatch[pickle.REDUCE[0]] = _reduce
    dispatch[pickle.NEWOBJ[0]] = _newobj
    dispatch[pickle.NEWOBJ_EX[0]] = _forbidden
    dispatch[pickle.BUILD[0]] = _build
    dispatch[pickle.APPEND[0]] = _append
    dispatch[pickle.APPENDS[0]] = _appends
    dispatch[pickle.SETITEM[0]] = _setitem
    dispatch[pickle.SETITEMS[0]] = _setitems
    dispatch[pickle.ADDITEMS[0]] = _additems
    for _opcode in (pickle.INST, pickle.OBJ, pickle.PERSID, pickle.EXT1, pickle.EXT2,
                    pickle.EXT4, pickle.NEXT_BUFFER, pickle.READONLY_BUFFER):
        dispatch[_opcode[0]] = _forbidden
    del _opcode


def full_unpickler(pickle_module, data: bytes, persistent_load, **kwargs):
    """An ordinary unpickler of ``pickle_module`` (``weights_only=False``: runs the file's code)
    whose torch names are numbagrad's and which never imports torch."""

    class _Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            module, name = map_name(module, name)
            value = lookup_torch_name(module, name)
            if value is not None:
                return value
            if module == "torch" or module.startswith("torch."):
                raise RuntimeError(
                    f"load: the file holds {module}.{name}, a torch object numbagrad cannot "
                    "rebuild (save the model's state_dict() with torch and load that)")
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return persistent_load(pid)

    return _Unpickler(io.BytesIO(data), **kwargs)

"""numbagrad's own save format: a zip of ``.npy`` files that cannot run code when it is read.

``numbagrad.save`` writes torch's format (see :mod:`numbagrad.serialization.torch_format`);
files in this format, written by earlier numbagrad versions or by :func:`save` here, are still
read by ``numbagrad.load``.

A save file is a zip archive holding ``numbagrad.json`` (the structure: dicts, lists, tuples,
numbers, strings, None, with a reference for each tensor) and one ``.npy`` file per tensor,
read back with ``allow_pickle=False``. torch's format is a pickle, and unpickling a file from
someone else can execute whatever they put in it; nothing in this format is ever unpickled.

Writing to a path is atomic (see :mod:`numbagrad.serialization._atomic`).

Reading trusts nothing in the file: every damaged or hostile file (a flipped byte, a ``.npy``
header that claims more data than its member holds, a malformed header, a manifest nested
beyond reason) raises the one documented ``RuntimeError``, naming the file and what is wrong,
before anything of the claimed size is allocated.
"""
from __future__ import annotations

import io
import json
import math
import os
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Union

import numpy as np

from numbagrad import dtypes
from numbagrad.creation import from_numpy
from numbagrad.device import as_device, device
from numbagrad.serialization._atomic import check_target, write_atomically
from numbagrad.tensor import Tensor

__all__ = ["load_archive", "save"]

FORMAT = "numbagrad.save"
VERSION = 1
_MANIFEST = "numbagrad.json"
MANIFEST_NAME = _MANIFEST
# Containers nested deeper than this in a manifest are refused (a hostile file could otherwise
# exhaust the interpreter's stack); a state dict is a few levels deep.
MAX_DEPTH = 200

FileLike = Union[str, os.PathLike, BinaryIO]


# ---------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns an object into JSON-ready data, collecting each distinct tensor once."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._tensor_keys: dict[int, str] = {}
        self._active: set[int] = set()

    def encode(self, obj: Any, path: str):
        if obj is None or isinstance(obj, (bool, str, int, float)):
            return obj
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, np.ndarray):
            return {"$": "ndarray", "key": self._array(obj, path)}
        if isinstance(obj, (np.bool_, np.integer, np.floating)):
            return obj.item()
        if isinstance(obj, dtypes.dtype):
            return {"$": "dtype", "name": obj.name}
        if isinstance(obj, device):
            return {"$": "device", "name": str(obj)}
        if type(obj) in (dict, OrderedDict):
            return self._container(obj, path, lambda: {
                "$": "dict", "ordered": type(obj) is OrderedDict,
                "items": [[self._key(k, path), self.encode(v, f"{path}[{k!r}]")]
                          for k, v in obj.items()]})
        if type(obj) in (list, tuple):
            return self._container(obj, path, lambda: {
                "$": type(obj).__name__,
                "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]})
        raise TypeError(
            f"save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__} "
            f"at {path}: numbagrad.save stores tensors, NumPy arrays, numbers, strings, None and "
            "dicts, lists and tuples of them (save model.state_dict(), not the model)"
        )

    def _container(self, obj, path: str, build: Callable[[], dict]) -> dict:
        if id(obj) in self._active:
            raise ValueError(f"save: {path} contains itself (a circular reference)")
        self._active.add(id(obj))
        try:
            return build()
        finally:
            self._active.discard(id(obj))

    def _key(self, key, path: str):
        if key is None or isinstance(key, (bool, str, int, float)):
            return key
        if isinstance(key, tuple):
            return {"$": "tuple", "items": [self._key(k, path) for k in key]}
        raise TypeError(f"save: cannot save a dict key of type {type(key).__name__} at {path}: "
                        "keys must be strings, numbers, None, bools or tuples of them")

    def _array(self, array: np.ndarray, path: str) -> str:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot save a NumPy array of dtype {array.dtype} at {path}")
        self.arrays.append(array)
        return f"tensors/{len(self.arrays) - 1}.npy"

    def _tensor(self, t: Tensor) -> dict:
        from numbagrad.nn.parameter import Parameter

        key = self._tensor_keys.get(id(t))
        if key is None:
            key = self._array(np.asarray(t), "a tensor")
            self._tensor_keys[id(t)] = key
        return {"$": "tensor", "key": key, "device": str(t.device),
                "requires_grad": t.requires_grad, "parameter": isinstance(t, Parameter)}


def _write_archive(stream: BinaryIO, manifest: dict, arrays: list[np.ndarray]) -> None:
    # Stored, not deflated: tensors compress poorly and loading stays a plain read.
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        for i, array in enumerate(arrays):
            with archive.open(f"tensors/{i}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj: Any, f: FileLike) -> None:
    """Save a state dict (or any nesting of tensors, numbers, strings, None, lists, tuples and
    dicts) to a file.

    Parameters
    ----------
    obj : object
        E.g. ``model.state_dict()`` or ``optimizer.state_dict()``, or a dict holding several.
    f : str, os.PathLike or binary file object
        A path is written atomically (a temporary file, fsync, then a rename), so an interrupted
        save leaves the previous file intact. A file object is written in one call, from the
        current position.

    Raises
    ------
    TypeError
        For an object that is not one of the types above (a whole Module, a lambda, ...); the
        message names the type and where it sits inside ``obj``, e.g. ``obj['opt'][2]``.
    RuntimeError
        For a path whose directory does not exist, or a path that is a directory.
    ValueError
        For a container that contains itself.

    Notes
    -----
    A tensor that appears several times is stored once and loaded as one object; views of the
    same data saved as different tensors are loaded as separate copies.

    Examples
    --------
    >>> import numbagrad as torch, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
    >>> torch.save({"w": torch.ones(2), "step": 3}, path)
    >>> torch.load(path)["step"]
    3
    """
    encoder = _Encoder()
    manifest = {"format": FORMAT, "version": VERSION, "root": encoder.encode(obj, "obj")}
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        check_target(path)
        write_atomically(path, lambda stream: _write_archive(stream, manifest, encoder.arrays))
        return
    if not hasattr(f, "write"):
        raise TypeError(f"save: f must be a path or a binary file object, not {type(f).__name__}")
    buffer = io.BytesIO()
    _write_archive(buffer, manifest, encoder.arrays)
    f.write(buffer.getvalue())
    if hasattr(f, "flush"):
        f.flush()


# ---------------------------------------------------------------------------- decoding
class _Decoder:
    """Rebuilds objects from a manifest, reading each tensor once and placing it per
    ``map_location``."""

    def __init__(self, archive: zipfile.ZipFile, name: str, map_location) -> None:
        self.archive = archive
        self.name = name
        self.map_location = map_location
        self._tensors: dict[str, Tensor] = {}

    def fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: {self.name} is a damaged numbagrad save file: {what}")

    def decode(self, node, depth: int = 0):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if depth > MAX_DEPTH:
            raise self.fail(f"containers nested more than {MAX_DEPTH} deep")
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict) or not isinstance(node.get("$"), str):
            raise self.fail(f"unexpected entry {str(node)[:80]!r}")
        kind = node["$"]
        if kind == "dict":
            items = [(self._key(k, depth), self.decode(v, depth + 1)) for k, v in self._items(node)]
            return OrderedDict(items) if node.get("ordered") else dict(items)
        if kind == "list":
            return [self.decode(v, depth + 1) for v in self._items(node)]
        if kind == "tuple":
            return tuple(self.decode(v, depth + 1) for v in self._items(node))
        if kind == "tensor":
            return self._tensor(node)
        if kind == "ndarray":
            return np.array(self._read(node.get("key")))
        if kind == "dtype":
            try:
                return dtypes.from_name(node.get("name"))
            except KeyError:
                raise self.fail(f"unknown dtype {node.get('name')!r}") from None
        if kind == "device":
            return as_device(str(node.get("name")))
        raise self.fail(f"unknown entry type {kind!r}")

    def _items(self, node: dict) -> list:
        items = node.get("items")
        if not isinstance(items, list):
            raise self.fail(f"a {node['$']} entry has no item list")
        if node["$"] == "dict" and not all(isinstance(p, list) and len(p) == 2 for p in items):
            raise self.fail("a dict entry is not a list of key-value pairs")
        return items

    def _key(self, node, depth: int):
        if depth > MAX_DEPTH:
            raise self.fail(f"dict keys nested more than {MAX_DEPTH} deep")
        if isinstance(node, dict) and node.get("$") == "tuple":
            return tuple(self._key(k, depth + 1) for k in self._items(node))
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        raise self.fail(f"a dict key of unexpected form {str(node)[:80]!r}")

    def _read(self, key) -> np.ndarray:
        if not isinstance(key, str) or not key.startswith("tensors/"):
            raise self.fail(f"bad tensor reference {key!r}")
        try:
            info = self.archive.getinfo(key)
        except KeyError:
            raise self.fail(f"it has no {key}") from None
        # save stores members uncompressed: then the sizes the archive claims are bytes the
        # file really holds, and nothing read below can be larger than the file.
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise self.fail(f"{key} is compressed; numbagrad stores tensors uncompressed")
        with self.archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(member, max_header_size=10_000)
            except Exception as err:  # noqa: BLE001 - NumPy raises many kinds for a bad header
                raise self.fail(f"{key} has no valid .npy header ({type(err).__name__}: "
                                f"{err})") from None
            if dtype.kind not in "biuf" or dtype.hasobject:
                # Object arrays, which would need unpickling, are refused here too.
                raise self.fail(f"{key} holds dtype {dtype}")
            count = math.prod(shape)
            available = info.file_size - member.tell()
            if count * dtype.itemsize != available:
                raise self.fail(f"{key}'s header claims shape {shape} of {dtype} "
                                f"({count * dtype.itemsize} bytes) but the member holds "
                                f"{available} bytes of data")
            data = member.read(available)
        array = np.frombuffer(data, dtype=dtype, count=count)
        return array.reshape(shape, order="F" if fortran else "C")

    def _tensor(self, node: dict) -> Tensor:
        key = node.get("key")
        if key in self._tensors:
            return self._tensors[key]
        array = self._read(key)
        if not (array.flags.writeable and array.flags.c_contiguous):
            # Arrays read from an archive member wrap an immutable buffer; tensors must be writable.
            array = np.array(array, order="C")
        try:
            t = from_numpy(array)
        except TypeError as err:
            raise self.fail(f"{key}: {err}") from None
        t = self._place(t, str(node.get("device", "cpu")))
        if node.get("parameter"):
            from numbagrad.nn.parameter import Parameter

            t = Parameter(t, requires_grad=bool(node.get("requires_grad")))
        elif node.get("requires_grad"):
            t.requires_grad_(True)
        self._tensors[key] = t
        return t

    def _place(self, t: Tensor, location: str) -> Tensor:
        target = self.map_location
        if target is None:
            return t.to(location) if location != "cpu" else t
        if callable(target) and not isinstance(target, (str, dict)):
            placed = target(t, location)
            return t if placed is None else placed
        if isinstance(target, dict):
            target = target.get(location, location)
        return t.to(target) if as_device(target) != t.device else t


def load_archive(archive: zipfile.ZipFile, name: str, map_location) -> Any:
    """Read an opened native archive (one holding ``numbagrad.json``)."""
    with archive:
        names = set(archive.namelist())
        if _MANIFEST not in names:
            hint = ""
            if any(n.endswith("data.pkl") for n in names):
                hint = ("; it looks like a torch.save file, which is a pickle: numbagrad never "
                        "unpickles, because unpickling can run arbitrary code")
            raise RuntimeError(f"load: {name} is not a numbagrad save file (a zip archive "
                               f"without {_MANIFEST}{hint})")
        try:
            manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            raise RuntimeError(f"load: {name} is a damaged numbagrad save file: {_MANIFEST} is "
                               f"not valid JSON ({err})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise RuntimeError(f"load: {name} is not a numbagrad save file ({_MANIFEST} does "
                               f"not declare format {FORMAT!r})")
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise RuntimeError(f"load: {name} has format version {version!r}; this numbagrad "
                               f"reads versions up to {VERSION} (upgrade numbagrad)")
        return _Decoder(archive, name, map_location).decode(manifest.get("root"))

"""torch's save format (``torch.save`` since 1.6), read and written without importing torch.

A file is a zip archive whose records sit in one folder, the archive name (the file name's
stem, ``archive`` for a stream): ``data.pkl`` (the pickled object, tensors as calls of
``torch._utils._rebuild_tensor_v2`` over persistent storage ids), ``data/<key>`` (the raw bytes
of each storage), ``byteorder``, ``version``, ``.format_version``, ``.storage_alignment`` and
``.data/serialization_id``. Records are stored uncompressed, each starting at a multiple of 64
bytes, as torch's ``PyTorchStreamWriter`` lays them out.

Reading trusts nothing in the file: the pickle goes through the restricted unpickler of
:mod:`numbagrad.serialization._unpickler` (``weights_only=True``), every storage is checked
against the bytes its record really holds before anything is allocated, and every tensor
against its storage.
"""
from __future__ import annotations

import io
import os
import secrets
import struct
import sys
import zipfile
from typing import Any, BinaryIO, Callable

import numpy as np

from numbagrad.serialization import _rebuild
from numbagrad.serialization._pickler import SavedStorage, TorchPickler
from numbagrad.serialization._unpickler import RestrictedUnpickler, full_unpickler

ALIGNMENT = 64
VERSION = b"3\n"
_CHUNK = 1 << 24


# ---------------------------------------------------------------------------- writing
def archive_name(path: str | None) -> str:
    """torch's archive folder: the file name without its last extension (``archive`` for a
    stream)."""
    if path is None:
        return "archive"
    return os.path.splitext(os.path.basename(path))[0] or "archive"


def write_archive(obj: Any, stream: BinaryIO, name: str, protocol: int = 2) -> None:
    """Write ``obj`` to the seekable ``stream`` in torch's zip layout under folder ``name``."""
    buffer = io.BytesIO()
    pickler = TorchPickler(buffer, protocol=protocol)
    pickler.dump(obj)
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        _record(archive, f"{name}/data.pkl", [buffer.getvalue()])
        _record(archive, f"{name}/.format_version", [b"1"])
        _record(archive, f"{name}/.storage_alignment", [str(ALIGNMENT).encode()])
        _record(archive, f"{name}/byteorder", [sys.byteorder.encode()])
        for storage in pickler.storages:
            _record(archive, f"{name}/data/{storage.key}", _chunks(storage))
        _record(archive, f"{name}/version", [VERSION])
        serialization_id = "".join(str(secrets.randbelow(10)) for _ in range(40))
        _record(archive, f"{name}/.data/serialization_id", [serialization_id.encode()])


def _chunks(storage: SavedStorage):
    flat = storage.array.reshape(-1).view(np.uint8)
    for start in range(0, flat.size, _CHUNK):
        yield memoryview(flat[start:start + _CHUNK])


def _record(archive: zipfile.ZipFile, name: str, chunks) -> None:
    chunks = list(chunks)
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = sum(len(c) for c in chunks)
    # Pad the local header's extra field (id "FB", as torch) so the data starts aligned.
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
    header = 30 + len(name.encode("utf-8")) + 4 + (20 if zip64 else 0)
    pad = -(archive.start_dir + header) % ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with archive.open(info, "w") as member:
        for chunk in chunks:
            member.write(chunk)


# ---------------------------------------------------------------------------- reading
def is_torch_archive(names: list[str]) -> bool:
    """Whether a zip archive's records look like torch's layout."""
    return bool(names) and "/" in names[0] and f"{names[0].split('/')[0]}/data.pkl" in names


class _Reader:
    """Reads the storages of one archive for the unpickler's ``persistent_load``."""

    def __init__(self, archive: zipfile.ZipFile, name: str, map_location, mmap_path) -> None:
        self.archive = archive
        self.name = name
        self.prefix = archive.namelist()[0].split("/")[0]
        self.place = _placer(map_location)
        self.mmap_path = mmap_path
        self.storages: dict[str, _rebuild.Storage] = {}
        archive.fp.seek(0, os.SEEK_END)
        self.file_size = archive.fp.tell()
        self.big_endian = self._byteorder() == "big"

    def fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: {self.name} is a damaged torch save file: {what}")

    def info(self, record: str) -> zipfile.ZipInfo:
        try:
            info = self.archive.getinfo(f"{self.prefix}/{record}")
        except KeyError:
            raise self.fail(f"it has no record {self.prefix}/{record}") from None
        # Stored records: the sizes the archive claims are bytes the file really holds.
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise self.fail(f"record {info.filename} is compressed; torch stores records "
                            "uncompressed")
        if info.header_offset + info.compress_size > self.file_size:
            raise self.fail(f"record {info.filename} claims {info.file_size} bytes, more than "
                            "the file holds")
        return info

    def read_small(self, record: str) -> bytes:
        return self.archive.read(self.info(record))

    def _byteorder(self) -> str:
        if f"{self.prefix}/byteorder" not in self.archive.namelist():
            return sys.byteorder  # files written before torch 1.11 have no record: native
        order = self.read_small("byteorder").decode("ascii", "replace")
        if order not in ("little", "big"):
            raise self.fail(f"unknown byte order {order!r}")
        return order

    def persistent_load(self, pid: tuple) -> _rebuild.Storage:
        if len(pid) != 5 or pid[0] not in ("storage", b"storage"):
            raise self.fail(f"unsupported persistent id {str(pid)[:80]}")
        _, storage_type, key, location, numel = pid
        if isinstance(key, bytes) or isinstance(location, bytes):
            key, location = _text(key), _text(location)
        if not isinstance(storage_type, _rebuild.StorageType):
            raise self.fail(f"a storage of type {storage_type!r}")
        if type(key) is not str or type(location) is not str:
            raise self.fail(f"a storage key {key!r} or location {location!r} is not text")
        if type(numel) is not int or numel < 0:
            raise self.fail(f"storage {key} claims {numel!r} elements")
        storage = self.storages.get(key)
        if storage is None:
            array = self._read_storage(key, numel, storage_type.dtype.np_type)
            storage = _rebuild.Storage(array, storage_type.dtype, location, self.big_endian,
                                       self.place)
            self.storages[key] = storage
        elif storage.dtype is not storage_type.dtype:
            raise self.fail(f"storage {key} is named as {storage.dtype.name} and as "
                            f"{storage_type.dtype.name}")
        return storage

    def _read_storage(self, key: str, numel: int, np_type: np.dtype) -> np.ndarray:
        info = self.info(f"data/{key}")
        nbytes = numel * np_type.itemsize
        if info.file_size < nbytes:
            raise self.fail(f"storage {key} claims {numel} elements of {np_type} ({nbytes} "
                            f"bytes) but its record {info.filename} holds {info.file_size} bytes")
        if self.mmap_path is not None and numel > 0:
            return np.memmap(self.mmap_path, dtype=np_type, mode="c",
                             offset=self._data_offset(info), shape=(numel,))
        array = np.empty(numel, dtype=np_type)
        view = memoryview(array.view(np.uint8))
        with self.archive.open(info) as member:
            filled = 0
            while filled < nbytes:
                count = member.readinto(view[filled:])
                if not count:
                    raise self.fail(f"record {info.filename} ends early")
                filled += count
            member.read()  # to the end, so the archive checks the record's CRC
        return array

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        self.archive.fp.seek(info.header_offset)
        header = self.archive.fp.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise self.fail(f"record {info.filename} has no local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        offset = info.header_offset + 30 + name_length + extra_length
        if offset + info.file_size > self.file_size:
            raise self.fail(f"record {info.filename} reaches beyond the file")
        return offset


def _text(value: Any) -> Any:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def _placer(map_location) -> Callable:
    """``place(tensor, location)`` for torch's forms of ``map_location``."""
    from numbagrad.device import as_device

    def place(t, location: str):
        target = map_location
        if target is None:
            target = location
        elif callable(target) and not isinstance(target, (str, dict)):
            placed = target(t, location)
            return t if placed is None else placed
        elif isinstance(target, dict):
            target = target.get(location, location)
        return t if as_device(target) == t.device else t.to(target)

    return place


def load_archive(archive: zipfile.ZipFile, name: str, map_location, weights_only: bool,
                 mmap_path: str | None, pickle_module, pickle_load_args: dict) -> Any:
    """Read an opened torch archive."""
    with archive:
        reader = _Reader(archive, name, map_location, mmap_path)
        data = reader.read_small("data.pkl")
        if weights_only:
            return RestrictedUnpickler(data, reader.persistent_load).load()
        return full_unpickler(pickle_module, data, reader.persistent_load,
                              **pickle_load_args).load()

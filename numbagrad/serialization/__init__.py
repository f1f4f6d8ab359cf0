"""``save`` and ``load``: checkpoints that cross between numbagrad and torch in both directions.

:func:`save` writes torch's zip format, so ``torch.load(path, weights_only=True)`` reads a
numbagrad state dict, optimizer state or training checkpoint. :func:`load` reads torch's
format (without importing torch, and by default without running any code from the file) and
numbagrad's own earlier format (:mod:`numbagrad.serialization.native`).
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
import zlib
from typing import Any, BinaryIO, Union

from numbagrad.serialization import native, torch_format
from numbagrad.serialization._atomic import check_target, write_atomically

__all__ = ["load", "save"]

FileLike = Union[str, os.PathLike, BinaryIO]


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save an object in torch's format (a zip of a pickle and raw tensor storages).

    Parameters
    ----------
    obj : object
        Usually ``model.state_dict()``, ``optimizer.state_dict()`` or a dict holding several
        (``{"epoch": 3, "model_state_dict": ..., "optimizer_state_dict": ..., "loss": 0.1}``).
        Tensors, Parameters, dtypes, devices and sizes are written under torch's names; tensors
        that view one tensor's data are saved over one storage, strides and offsets kept.
        Other objects (a whole Module) are pickled as Python pickles them, and loading them
        needs ``load(..., weights_only=False)``.
    f : str, os.PathLike or binary file object
        A path is written atomically (a temporary file, fsync, then a rename), so an interrupted
        save leaves the previous file intact. A file object is written in one call, from the
        current position.
    pickle_module, pickle_protocol : optional
        Accepted as torch accepts them; numbagrad's pickler is Python's, at ``pickle_protocol``.
    _use_new_zipfile_serialization : bool
        Must be True: torch's legacy (pre-1.6) format is not written.
    _disable_byteorder_record : bool
        Accepted for torch's signature; the ``byteorder`` record is always written.

    Raises
    ------
    RuntimeError
        For a path whose directory does not exist, or a path that is a directory.
    NotImplementedError
        For ``_use_new_zipfile_serialization=False``.
    pickle.PicklingError, TypeError, AttributeError
        For an object pickle cannot write (a lambda, ...), as torch.

    Examples
    --------
    >>> import numbagrad as torch, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
    >>> torch.save({"w": torch.ones(2), "step": 3}, path)
    >>> torch.load(path)["step"]
    3
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("save: numbagrad writes only torch's zip format "
                                  "(_use_new_zipfile_serialization=True)")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        check_target(path)
        name = torch_format.archive_name(path)
        write_atomically(path, lambda stream: torch_format.write_archive(
            obj, stream, name, pickle_protocol))
        return
    if not hasattr(f, "write"):
        raise TypeError(f"save: f must be a path or a binary file object, not {type(f).__name__}")
    buffer = io.BytesIO()
    torch_format.write_archive(obj, buffer, "archive", pickle_protocol)
    f.write(buffer.getvalue())
    if hasattr(f, "flush"):
        f.flush()


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load an object saved by torch's or numbagrad's ``save``.

    Parameters
    ----------
    f : str, os.PathLike or binary file object
        The file: torch's zip format (any torch since 1.6, or numbagrad's :func:`save`) or
        numbagrad's earlier native format.
    map_location : str, device, dict or callable, optional
        Where tensors go: None puts each on the device it was saved from; a device (``"cpu"``)
        puts all there; a dict maps saved locations to new ones (``{"cuda:0": "cpu"}``); a
        callable ``fn(tensor, location)`` returns the placed tensor (or None to keep it).
    pickle_module : module, optional
        The pickle module for ``weights_only=False``; passing one without ``weights_only``
        means ``weights_only=False``, as torch.
    weights_only : bool, optional
        True (the default, as torch >= 2.6): only tensors, Parameters, containers, numbers,
        strings, dtypes, devices and sizes are rebuilt, and nothing in the file can run code.
        False: the file is unpickled as it is (whole objects), which can run arbitrary code;
        use it only for files you trust.
    mmap : bool, optional
        Map storages from a file path (copy-on-write) instead of reading them.
    **pickle_load_args
        Passed to the unpickler when ``weights_only=False`` (``encoding``, ...).

    Returns
    -------
    object
        The saved structure, with numbagrad tensors and Parameters.

    Raises
    ------
    pickle.UnpicklingError
        With ``weights_only=True``, for a file naming any global outside torch's weights-only
        allowlist (``os.system``, a Module class, ...) or using an opcode that could run code;
        nothing from the file is run.
    RuntimeError
        For a file that is not a save file, torch's legacy (pre-1.6) format, a damaged or
        hostile file (storage records shorter than claimed, tensors reaching beyond their
        storage, negative sizes, compressed records), or types numbagrad lacks (complex,
        bfloat16, quantized and sparse tensors). Nothing of a size the file claims is
        allocated before the claim is checked against the bytes the file holds.
    ValueError
        For ``mmap=True`` with a file object.
    FileNotFoundError
        If the path does not exist.

    Examples
    --------
    >>> import numbagrad as torch, io
    >>> buffer = io.BytesIO(); torch.save([torch.zeros(1)], buffer); _ = buffer.seek(0)
    >>> torch.load(buffer, map_location="cpu")
    [tensor([0.])]
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    pickle_module = pickle if pickle_module is None else pickle_module
    pickle_load_args.setdefault("encoding", "utf-8")
    is_path = isinstance(f, (str, os.PathLike))
    if mmap and not is_path:
        raise ValueError("f must be a file path in order to use the mmap argument")
    name = repr(os.fspath(f)) if is_path else "the file object"
    archive = _open(f, name)
    try:
        if native.MANIFEST_NAME in archive.namelist():
            return native.load_archive(archive, name, map_location)
        if torch_format.is_torch_archive(archive.namelist()):
            return torch_format.load_archive(archive, name, map_location, weights_only,
                                             os.fspath(f) if mmap else None, pickle_module,
                                             pickle_load_args)
    except (zipfile.BadZipFile, zlib.error, EOFError, RecursionError, NotImplementedError,
            ValueError, struct.error, OverflowError, KeyError, IndexError, TypeError,
            UnicodeDecodeError, AttributeError) as err:
        if not weights_only and not isinstance(err, (zipfile.BadZipFile, zlib.error)):
            raise  # the file's own code raised it
        # A flipped byte: the archive's checks (CRC, headers) or the pickle machine fail.
        raise RuntimeError(f"load: {name} is a damaged save file: "
                           f"{type(err).__name__}: {err}") from None
    finally:
        archive.close()
    raise RuntimeError(f"load: {name} is not a numbagrad or torch save file (a zip archive "
                       f"with neither {native.MANIFEST_NAME} nor <name>/data.pkl)")


def _open(f: FileLike, name: str) -> zipfile.ZipFile:
    if isinstance(f, (str, os.PathLike)):
        source = os.fspath(f)
        with open(source, "rb") as stream:
            head = stream.read(4)
    elif hasattr(f, "read"):
        source = f if hasattr(f, "seekable") and f.seekable() else io.BytesIO(f.read())
        start = source.tell()
        head = source.read(4)
        source.seek(start)
    else:
        raise TypeError(f"load: f must be a path or a binary file object, not {type(f).__name__}")
    try:
        return zipfile.ZipFile(source)
    except (ValueError, EOFError, OverflowError, NotImplementedError, struct.error) as err:
        raise RuntimeError(f"load: {name} is a damaged save file: its zip directory cannot be "
                           f"read ({type(err).__name__}: {err})") from None
    except zipfile.BadZipFile:
        if head[:1] == b"\x80":
            raise RuntimeError(
                f"load: {name} is a pickle, not a zip archive: torch's legacy format (torch "
                "< 1.6, or _use_new_zipfile_serialization=False) or a plain pickle, which "
                "numbagrad does not read; re-save it with torch >= 1.6's default torch.save"
            ) from None
        raise RuntimeError(f"load: {name} is not a numbagrad or torch save file (not a zip "
                           f"archive; it starts with {head!r})") from None

"""Atomic writes of save files: a temporary file in the target's directory, flushed to disk,
then renamed over the target, so a crash mid-save leaves the old file intact.

The temporary file is named after the target and the saving process
(``.NAME.PID.RANDOM.tmp``), so a save that was killed leaves a file that the next save to the
same path removes.
"""
from __future__ import annotations

import os
import re
import secrets
from typing import BinaryIO, Callable


def check_target(path: str) -> None:
    """Raise torch's RuntimeError for a path that cannot be written as a save file."""
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        raise RuntimeError(f"save: Parent directory {parent} does not exist.")
    if os.path.isdir(path):
        raise RuntimeError(f"save: {path} is a directory, not a file")


def write_atomically(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(stream)`` on a temporary file, fsync it and rename it to ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(directory, os.path.basename(path))
    temp = os.path.join(directory,
                        f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as open() would.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Remove what killed saves to ``name`` left behind: temporaries of processes that are gone.

    A temporary of a live process is another save in progress, and is left alone.
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]+\.tmp")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match is None or _process_alive(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is not saving to this path now: its own leftover
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep the file
    return True


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

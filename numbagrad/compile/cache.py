"""The compiled steps of one compiled function, by call key, with torch's recompile limit.

Each key holds one :class:`Entry`: a compiled step, or the note that calls with this key run
eagerly (the first call, which lets optimizers create their state; or a capture that found a
reason not to compile). After ``recompile_limit`` captures (torch's default, 8) the function
runs eagerly for good, with one warning, as torch does when ``recompile_limit`` is reached.

The entries live in memory, for the process: a compiled step holds the arrays of the objects it
was captured on, which another process does not have. The generated function's machine code is
cached on disk (:func:`load_source`), so a second process running the same program pays the
capture (milliseconds) but not Numba's compile of the step (about a second for an 8-layer MLP).
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys

RECOMPILE_LIMIT = 8  # torch._dynamo.config.recompile_limit


class Entry:
    """What to do for one call key: ``state`` is ``"warm"`` (next call captures),
    ``"eager"`` (always eager, ``reason`` says why) or ``"compiled"`` (``step`` runs)."""

    __slots__ = ("state", "reason", "step")

    def __init__(self, state, reason="", step=None):
        self.state, self.reason, self.step = state, reason, step


class StepCache:
    """Entries of one compiled function, the count of its captures and the log of its reasons
    (what :func:`numbagrad.compiler.explain` prints)."""

    def __init__(self, limit: int = RECOMPILE_LIMIT):
        self.entries: dict = {}
        self.limit = limit
        self.captures = 0
        self.log: list = []

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, entry: Entry) -> None:
        self.entries[key] = entry

    def note(self, text: str) -> None:
        self.log.append(text)

    def over_limit(self) -> bool:
        return self.captures >= self.limit

    def clear(self) -> None:
        self.entries.clear()
        self.captures = 0
        self.log.clear()


# ------------------------------------------------------------------ generated sources on disk
# A generated step is written to a file named by a hash of its source and of everything its
# kernels are built from, and compiled with Numba's ``cache=True``: a second process that
# generates the same step loads the machine code instead of compiling it (up to a second: typing
# and lowering a few hundred calls). The step holds little kernel code (it calls eager mode's
# machine code by address), yet the kernels' fingerprints stay in the name: a changed kernel
# may change the signatures the step calls it with. A file whose text is not the expected
# one (corrupt, or another step under a colliding name) is rewritten, which makes Numba's own
# index stale, so it recompiles: never runs old code.


def _kernel_fingerprint(fn) -> str:
    """Text that changes when kernel ``fn`` (a dispatcher or an ``njit`` helper) may compile
    differently: its source, its module's source, the formulas it closes over, its options."""
    py = getattr(fn, "py_func", fn)
    parts = [getattr(py, "__module__", ""), getattr(py, "__qualname__", repr(py))]
    try:
        parts.append(inspect.getsource(py))
        with open(inspect.getsourcefile(py), "rb") as f:
            parts.append(hashlib.sha1(f.read()).hexdigest())
    except (OSError, TypeError):
        parts.append(repr(py))  # unknown source: a per-process name, so no reuse
    for cell in getattr(py, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        inner = getattr(value, "py_func", value)
        try:
            parts.append(inspect.getsource(inner))
        except (OSError, TypeError):
            parts.append(repr(value))
    options = getattr(fn, "targetoptions", {})
    # Sets (fastmath flags) print in a per-process order: sorted, they name the same options.
    parts.append(repr([(k, sorted(v) if isinstance(v, (set, frozenset)) else v)
                       for k, v in sorted(options.items())]))
    return "\n".join(parts)


def cache_dir() -> str | None:
    """Where generated steps are written: ``$NUMBA_CACHE_DIR/numbagrad_compile``, else the
    user's cache directory; None when neither can be written (then nothing is cached)."""
    root = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "numbagrad")
    path = os.path.join(root, "numbagrad_compile")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def load_source(source: str, name: str, kernels: dict, namespace: dict):
    """The function ``name`` of ``source``, from a file named by the hash of the source and the
    kernels' fingerprints, with ``namespace`` (the kernels ``k<i>``, helpers) as its globals.

    Returns ``(function, cached)``: ``cached`` is False when no cache directory is writable
    (the function then comes from ``exec`` and Numba compiles it in memory).
    """
    from numbagrad import __version__

    text = source
    digest = hashlib.sha1("\n".join(
        [__version__, source] + [_kernel_fingerprint(k) for k in kernels]).encode()).hexdigest()
    directory = cache_dir()
    if directory is None:
        exec(compile(text, f"<numbagrad.compile {name}>", "exec"), namespace)
        return namespace[name], False
    path = os.path.join(directory, f"step_{digest[:24]}.py")
    try:
        with open(path) as f:
            current = f.read()
    except OSError:
        current = None
    if current != text:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(f"numbagrad_compiled_{digest[:24]}", path)
    module = sys.modules.get(spec.name)
    if module is None or getattr(module, name, None) is None:
        module = importlib.util.module_from_spec(spec)
        module.__dict__.update(namespace)
        # Importable by name: Numba's cached code finds its environment through the module.
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return getattr(module, name), True

"""One generated Python source per captured step, compiled by Numba as one ``njit`` function.

The source calls the recorded kernels in the recorded order, each under the name ``k<i>`` bound
to the very dispatcher eager mode called (kernels are ``njit`` functions, callable from ``njit``
code). Arrays arrive in one tuple ``A`` (the capture's arrays: parameters, gradients, optimizer
state and the step's own buffers, kept alive as preallocated buffers; an array that is a whole
C-contiguous view of another is not passed but made inside, ``base.reshape(shape)``, since
each array passed costs an unboxing at every call); constant scalars arrive
in a tuple ``K`` (typed as eager mode's call typed them, so the kernels' compiled versions are
reused), tuples of them (shapes, strides) are written into the source as literals; the
optimizer's scalars (learning rate, bias corrections, flags) arrive in a tuple ``S`` read at
every call, so schedulers and edited ``param_groups`` keep working. NumPy memory work that
eager mode does in Python (a fill, a copy, a conversion) becomes an assignment in ``njit``
code, which moves the same bits.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from numbagrad.compile._njit import cached_njit
from numbagrad.compile.cache import load_source


@cached_njit
def _fill(out, value):
    """``out[...] = value``: ``be.full``/``be.zeros`` of eager mode, into the step's buffer."""
    out[...] = value


@cached_njit
def _copy(src, out):
    """``out[...] = src`` (``be.copy``, ``be.contiguous``, ``be.astype`` and ``be.assign``)."""
    out[...] = src


@cached_njit
def _fill_flat(out, value):
    """``_fill`` of a C-contiguous buffer seen flat: a loop, where ``out[...] = value`` makes
    Numba compile its broadcasting assignment and error formatting (over a second each)."""
    for i in range(out.size):
        out[i] = value


@cached_njit
def _copy_flat(src, out):
    """``_copy`` of two C-contiguous buffers of one size, seen flat (as :func:`_fill_flat`);
    the assignment converts as NumPy's ``astype`` does (round to nearest)."""
    for i in range(out.size):
        out[i] = src[i]


class Program:
    """A generated step: its ``source``, the compiled ``fn``, the arrays tuple ``A``, and where
    the dynamic scalars go (``dynamic``: for each optimizer step, its call range)."""

    def __init__(self, source, fn, arrays, kernels, dynamic, constants=()):
        self.source, self.fn, self.arrays = source, fn, arrays
        self.kernels, self.dynamic = kernels, dynamic
        self.constants = constants  # the tuple ``K`` of the kernels' constant scalar arguments


def _literal(value) -> str:
    """``value`` as source text of the same Numba type."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({float(value) if value.dtype.kind == 'f' else int(value)!r})"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "None"
    raise TypeError(f"an argument of type {type(value).__name__} has no compiled form")


def _literal_tuple(values) -> str:
    return "(" + "".join(f"{int(v)}, " for v in values) + ")"


def _same_memory_view(a, base) -> bool:
    """Whether ``a`` is ``base.reshape(a.shape)``: both C-contiguous with one dtype, size,
    start and writability (so Numba types the reshape as it types ``a``), neither 0-d nor
    empty."""
    return (isinstance(base, np.ndarray) and a.size and a.ndim and base.ndim
            and a.size == base.size and a.dtype == base.dtype
            and a.flags.c_contiguous and base.flags.c_contiguous
            and a.flags.writeable == base.flags.writeable
            and a.__array_interface__["data"][0] == base.__array_interface__["data"][0])


def _has_array(value) -> bool:
    return isinstance(value, np.ndarray) or (
        isinstance(value, tuple) and any(_has_array(v) for v in value))


class _Writer:
    def __init__(self):
        self.arrays: list = []  # every array the source names, ``a<i>``, kept alive
        self.passed: list = []  # the arrays passed in ``A``
        self.unpack: list = []  # the source lines naming them
        self.index: dict = {}
        self.kernels: dict = {}
        self.n_dynamic = 0
        self.constants: list = []
        self.flats: dict = {}  # id(array) -> its flat view (kept here, alive)

    def flat(self, a) -> str:
        """The name of ``a`` viewed 1-D; ``a`` must be C-contiguous."""
        view = self.flats.get(id(a))
        if view is None:
            view = self.flats[id(a)] = (a, a.reshape(-1))
        return self.array(view[1])

    def array(self, a) -> str:
        i = self.index.get(id(a))
        if i is None:
            base = a.base
            if _same_memory_view(a, base):
                # Made inside the step from its base: every array of ``A`` costs Numba an
                # unboxing at each call (tens of nanoseconds), and most views are of
                # arrays ``A`` holds already (the optimizer's flat views of the parameters).
                line = f"{self.array(base)}.reshape({_literal_tuple(a.shape)})"
            else:
                line = f"A[{len(self.passed)}]"
                self.passed.append(a)
            i = self.index[id(a)] = len(self.arrays)
            self.arrays.append(a)
            self.unpack.append(f"    a{i} = {line}")
        return f"a{i}"

    def arg(self, value, dynamic: bool) -> str:
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, tuple) and not dynamic and not _has_array(value):
            # Tuples of shapes and strides stay literals: passed through ``K`` (as one value
            # or element by element) the broadcasting kernels gave other numbers; not
            # understood yet, and their kernels compile in well under a second.
            parts = [_literal(v) for v in value]
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if isinstance(value, tuple):
            parts = [self.arg(v, dynamic) for v in value]
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if dynamic:
            _literal(value)  # refuse what has no compiled form
            self.n_dynamic += 1
            return f"S[{self.n_dynamic - 1}]"
        return self.constant(value)

    def constant(self, value) -> str:
        """A constant scalar argument, passed in the tuple ``K`` rather
        than written as a literal: a literal is typed ``Literal[...]``, which makes Numba
        compile one more version of the kernel for each value (seconds each for the BLAS
        kernels), while a value from ``K`` has the type eager mode's call gave it, whose
        compiled version eager mode has already loaded."""
        _literal(value)  # refuse what has no compiled form
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def kernel(self, fn) -> str:
        name = self.kernels.get(fn)
        if name is None:
            name = self.kernels[fn] = f"k{len(self.kernels)}"
        return name


def flatten(calls) -> list:
    """The leaves of the calls' arguments in order: ``(kind, fn, leaves)`` per call, arrays and
    scalars in one flat list (what :func:`scalars_if_same` compares)."""
    flat = []
    for call in calls:
        leaves: list = []
        _leaves(call.args, leaves)
        flat.append((call.kind, call.fn, leaves))
    return flat


def _leaves(value, out: list) -> None:
    for v in value:
        if type(v) is tuple:
            _leaves(v, out)
        else:
            out.append(v)


def pattern(flat) -> list:
    """What a later collection must match, per call: the kernel and, per leaf, either None (a
    scalar: read as it comes) or the recorded array with its owner, whether it spans its owner
    whole (then identity of the owner, size and layout prove it is the same memory), and its
    shape, strides and dtype."""
    out = []
    for kind, fn, leaves in flat:
        items = []
        for v in leaves:
            if isinstance(v, np.ndarray):
                owner = v.base if v.base is not None else v
                whole = (isinstance(owner, np.ndarray) and v.size == owner.size
                         and v.flags.c_contiguous and owner.flags.c_contiguous)
                items.append((v, owner, whole, v.shape, v.strides, v.dtype))
            else:
                items.append(None)
        out.append((kind, fn, items))
    return out


def scalars_if_same(recorded, calls, scalars: list) -> bool:
    """Append the scalars of ``calls`` (numbered as :func:`generate` numbered them, ``S``) to
    ``scalars`` and return True when ``calls`` run the recorded kernels on the recorded memory;
    return False otherwise. The optimizer makes new flat views of its arrays every step, so a
    view counts as the same when it spans the same owner whole with the same shape and dtype,
    or else when address, shape, strides and dtype agree."""
    if len(recorded) != len(calls):
        return False
    ndarray = np.ndarray
    append = scalars.append
    for (kind, fn, items), call in zip(recorded, calls):
        if call.fn is not fn or call.kind != kind:
            return False
        leaves: list = []
        _leaves(call.args, leaves)
        if len(leaves) != len(items):
            return False
        for item, v in zip(items, leaves):
            if item is None:
                if isinstance(v, ndarray):
                    return False
                append(v)
                continue
            a, owner, whole, shape, strides, dtype = item
            if v is a:
                continue
            # The recorded array's shape, strides and dtype are read once, at the capture; the
            # cheap tests come first (identity of dtypes, equal strides imply C-contiguity
            # here), each falling back on the full test, so the answer is the same.
            if not isinstance(v, ndarray) or v.shape != shape:
                return False
            v_dtype = v.dtype
            if v_dtype is not dtype and v_dtype != dtype:
                return False
            v_strides = v.strides
            if whole and v.base is owner and (v_strides == strides or v.flags.c_contiguous):
                continue
            if (v_strides != strides or v.__array_interface__["data"][0]
                    != a.__array_interface__["data"][0]):
                return False
    return True


def generate(calls, dynamic_ranges, name: str = "step") -> Program:
    """The source of one function running ``calls`` in order, and that function compiled.

    Parameters
    ----------
    calls : list of capture.Call
    dynamic_ranges : list of (start, end)
        Call ranges whose scalar arguments are read at each call (the optimizer steps).
    """
    w = _Writer()
    dynamic = [False] * len(calls)
    for start, end in dynamic_ranges:
        for i in range(start, end):
            dynamic[i] = True
    body = []
    for i, call in enumerate(calls):
        ctx = " ".join(str(c) for c in call.ctx) if call.ctx else ""
        if call.kind in ("kernel", "tail"):
            args = ", ".join(w.arg(a, dynamic[i]) for a in call.args)
            line = f"{w.kernel(call.fn)}({args})"
            label = f"{ctx}: {call.name()}"
        elif call.kind == "fill":
            out, value = call.args
            if out.flags.c_contiguous:
                line = f"_fill_flat({w.flat(out)}, {w.arg(value, dynamic[i])})"
            else:
                line = f"_fill({w.array(out)}, {w.arg(value, dynamic[i])})"
            label = ctx
        else:  # copy, astype
            src, out = call.args
            if src.flags.c_contiguous and out.flags.c_contiguous and src.shape == out.shape:
                line = f"_copy_flat({w.flat(src)}, {w.flat(out)})"
            else:
                line = f"_copy({w.array(src)}, {w.array(out)})"
            label = f"{ctx}: {call.kind}"
        body.append(f"    {line}  # {label}")
    source = "\n".join([f"def {name}(A, S, K):"] + w.unpack + body + ["    return 0", ""])
    namespace = {"np": np, "_fill": _fill, "_copy": _copy, "_fill_flat": _fill_flat,
                 "_copy_flat": _copy_flat}
    for fn, kname in w.kernels.items():
        namespace[kname] = fn
    helpers = [_fill, _copy, _fill_flat, _copy_flat]
    py, cached = load_source(source, name, list(w.kernels) + helpers, namespace)
    fn = njit(cache=cached)(py)
    return Program(source, fn, tuple(w.passed), w.kernels, dynamic_ranges, tuple(w.constants))

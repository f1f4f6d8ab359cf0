"""One generated Python source per captured step, compiled by Numba as one ``njit`` function.

The source calls the recorded kernels in the recorded order. Its first argument ``A`` is one
array of addresses: the capture's arrays (parameters, gradients, optimizer state and the
step's own buffers, kept alive as preallocated buffers) are made inside the step from their
addresses (``v<i>(A, j)``, :func:`view_maker`: one load and one constant structure, the
array's recorded dtype, shape, strides, layout and writability), and each kernel eager mode
has compiled is called through the address of that machine code (``c<i>(A, j, ...)``,
:func:`caller_maker`), so the step runs the very code eager mode ran and Numba neither links
nor compiles the kernels again; a kernel version this process has not compiled (a helper over
a flat view) is called by name, ``k<i>``. One array unboxed per call instead of one per buffer
(tens of nanoseconds each), and a compile of the step's own few hundred lines only.
Constant scalars arrive in a tuple ``K`` (typed as eager mode's call typed them), tuples of
them (shapes, strides) are written into the source as literals; the optimizer's scalars
(learning rate, bias corrections, flags) arrive in a tuple ``S`` read at every call, so
schedulers and edited ``param_groups`` keep working. NumPy memory work that eager mode does in
Python (a fill, a copy, a conversion) becomes a helper call in ``njit`` code, which moves the
same bits. A rolled loop of steps (:mod:`.rolling`) is one iteration's calls inside
``for it in range(k)``, the optimizers' scalars read from ``S[it]`` (or ``S[0]`` in every
iteration, where they do not change between iterations).
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

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


_VIEWS: dict = {}  # (Numba array type, shape, strides) -> the intrinsic making such a view


def view_maker(arrty, shape: tuple, strides: tuple):
    """An ``intrinsic`` ``view(addresses, i)`` returning an array of Numba type ``arrty``, of
    ``shape`` and ``strides`` (in bytes), over the memory at ``addresses[i]`` (``addresses``:
    a C-contiguous array of integers); the view owns no reference (no reference count).

    The step's arrays are made inside it this way from one array of addresses: Numba unboxes
    one array per call instead of one per buffer (tens of nanoseconds each), and the compile
    neither types a tuple of a hundred arrays nor lowers a reshape per view (seconds for an
    8-layer MLP); the view is one load and one constant structure. The type is the one the
    array had when recorded (dtype, layout, read-only), so each kernel is called with the type
    eager mode called it with, and runs the same code. The memory stays alive: the
    :class:`Program` holds the arrays.
    """
    key = (arrty, tuple(shape), tuple(strides))
    fn = _VIEWS.get(key)
    if fn is not None:
        return fn
    nitems = int(np.prod(shape, dtype=np.int64))

    @intrinsic
    def view(typingctx, addresses, i):
        if not (isinstance(addresses, types.Array) and addresses.layout == "C"
                and isinstance(i, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            addresses_v, i_v = args
            table_model = context.data_model_manager[signature.args[0]]
            table_data = builder.extract_value(addresses_v,
                                               table_model.get_field_position("data"))
            address_v = builder.load(builder.gep(table_data, [i_v]))
            model = context.data_model_manager[arrty]
            ll_type = model.get_value_type()
            data_type = context.get_data_type(arrty.dtype)
            intp = context.get_value_type(types.intp)
            fields = [ir.Constant(t, None) for t in ll_type.elements]
            fields[model.get_field_position("nitems")] = ir.Constant(intp, nitems)
            fields[model.get_field_position("itemsize")] = ir.Constant(
                intp, context.get_abi_sizeof(data_type))
            fields[model.get_field_position("shape")] = ir.Constant(
                ir.ArrayType(intp, len(shape)), [ir.Constant(intp, int(n)) for n in shape])
            fields[model.get_field_position("strides")] = ir.Constant(
                ir.ArrayType(intp, len(strides)), [ir.Constant(intp, int(n)) for n in strides])
            value = ir.Constant(ll_type, fields)
            return builder.insert_value(value, builder.inttoptr(address_v, data_type.as_pointer()),
                                        model.get_field_position("data"))

        return arrty(addresses, i), codegen

    _VIEWS[key] = view
    return view


_CALLERS: dict = {}  # (a kernel's signature, star) -> the intrinsic calling it by address


def caller_maker(signature, star: bool = False):
    """An ``intrinsic`` ``call(addresses, i, *args)`` calling the compiled function whose
    address is ``addresses[i]`` and whose Numba signature is ``signature``, with ``args`` (cast
    to the signature's types, as a call of the kernel itself would), and propagating an
    exception it raises. With ``star``, the signature's last argument is the kernel's
    ``*args``: written one by one at the call, packed into its tuple here.

    The step calls each kernel's machine code this way, the very code eager mode ran, instead
    of calling the kernel by name: a call by name makes Numba link the kernel into the step,
    optimise and compile it again with the step (most of the step's compile, for each kernel),
    and LLVM may then contract ``a * b + c`` differently from eager mode's copy.
    """
    fn = _CALLERS.get((signature, star))
    if fn is not None:
        return fn
    return_type, arg_types = signature.return_type, tuple(signature.args)
    # The arguments as written at the call: a kernel's ``*args`` one by one.
    flat = arg_types[:-1] + tuple(arg_types[-1]) if star else arg_types
    packed = types.BaseTuple.from_types(flat)

    @intrinsic
    def call(typingctx, addresses, i, *args):
        if not (isinstance(addresses, types.Array) and addresses.layout == "C"
                and isinstance(i, types.Integer) and len(args) == len(flat)):
            return None

        def codegen(context, builder, sig, llargs):
            addresses_v, i_v, args_v = llargs
            model = context.data_model_manager[sig.args[0]]
            table = builder.extract_value(addresses_v, model.get_field_position("data"))
            fnty = context.call_conv.get_function_type(return_type, arg_types)
            callee = builder.inttoptr(builder.load(builder.gep(table, [i_v])),
                                      fnty.as_pointer())
            values = [builder.extract_value(args_v, k) for k in range(len(flat))]
            if star:
                fixed = len(arg_types) - 1
                values = values[:fixed] + [context.make_tuple(builder, arg_types[-1],
                                                              values[fixed:])]
            status, result = context.call_conv.call_function(
                builder, callee, return_type, arg_types, values)
            with cgutils.if_unlikely(builder, status.is_error):
                context.call_conv.return_status_propagate(builder, status)
            return result

        return return_type(addresses, i, packed), codegen

    _CALLERS[(signature, star)] = call
    return call


def _compiled(fn, values):
    """The compile result of dispatcher ``fn`` for a call with ``values`` as eager mode calls
    it (arguments typed by ``typeof``) where this process has it (eager mode ran it), else
    None. Not compiled or loaded here: a version only the step uses (a helper over a flat
    view, say) is small, and linked into the step it costs nothing once the step is cached,
    where loading it from Numba's cache would cost each new process tens of milliseconds."""
    try:
        # Folded as Numba folds a call's arguments: trailing ``*args`` become one tuple.
        _, arg_types = fn.fold_argument_types(tuple([fn.typeof_pyval(v) for v in values]), {})
        star = bool(arg_types) and isinstance(arg_types[-1],
                                              (types.StarArgTuple, types.StarArgUniTuple))
        if star:  # compiled versions are keyed with a plain tuple there
            arg_types = list(arg_types[:-1]) + [types.BaseTuple.from_types(list(arg_types[-1]))]
        cres = fn.overloads.get(tuple(arg_types))
    except Exception:  # noqa: BLE001 - a value Numba cannot type: the kernel is called by name
        return None
    if any(isinstance(t, types.Omitted) for t in arg_types):
        return None  # an argument left to its default: called by name
    if cres is None or cres.objectmode or not hasattr(cres, "fndesc"):
        return None
    return cres, star


class Program:
    """A generated step: its ``source``, the compiled ``fn``, its first argument ``arrays``
    (``A``: the addresses of the buffers, from which the step makes its arrays), and where
    the dynamic scalars go (``dynamic``: for each optimizer step, its call range).
    ``buffers`` holds the arrays themselves, alive as long as the program."""

    def __init__(self, source, fn, arrays, kernels, dynamic, constants=(), buffers=(),
                 progress=None):
        self.source, self.fn, self.arrays = source, fn, arrays
        self.kernels, self.dynamic = kernels, dynamic
        self.constants = constants  # the tuple ``K`` of the kernels' constant scalar arguments
        self.buffers = buffers
        # Where in ``arrays`` the step writes how many optimizer steps it has begun (None in
        # a rolled loop): after an error, the updates that ran are known.
        self.progress = progress


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
        self.scalars = "S"  # the name the source reads the optimizers' scalars from
        self.constants: list = []
        self.flats: dict = {}  # id(array) -> its flat view (kept here, alive)
        self.views: dict = {}  # (Numba type, shape, strides) -> its view maker's name, ``v<i>``
        self.table: list = []  # ``A``: the buffers' and the kernels' addresses
        self.callers: dict = {}  # (signature, star) -> its caller's name, ``c<i>``
        self.slots: dict = {}  # (kernel, signature) -> its address's position in ``A``
        self.compiled: list = []  # the compile results called, kept alive with their code
        self.loops: list = []  # the source texts of fused loops (:mod:`.fusion`)
        self.formulas: dict = {}  # a fused loop's formula -> its name in the source, ``F<i>``

    def flat(self, a) -> str:
        """The name of ``a`` viewed 1-D; ``a`` must be C-contiguous."""
        view = self.flats.get(id(a))
        if view is None:
            view = self.flats[id(a)] = (a, a.reshape(-1))
        return self.array(view[1])

    def array(self, a) -> str:
        i = self.index.get(id(a))
        if i is None:
            # Made inside the step from its address (see :func:`view_maker`).
            key = (numba.typeof(a), a.shape, a.strides)
            maker = self.views.get(key)
            if maker is None:
                maker = self.views[key] = f"v{len(self.views)}"
            # The comment names what the view maker builds: it is part of the text the cache
            # on disk is keyed by, so two steps differing in a view never share machine code.
            line = f"{maker}(A, {len(self.table)})  # {key[0]} {a.shape} {a.strides}"
            self.passed.append(a)
            self.table.append(a.__array_interface__["data"][0])
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
            return f"{self.scalars}[{self.n_dynamic - 1}]"
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

    def call(self, fn, values, args: str) -> str:
        """The source calling kernel ``fn`` with ``values`` (written ``args``): by the address
        of the machine code eager mode ran (:func:`caller_maker`) where Numba has it, else by
        name (the kernel is then linked into the step)."""
        found = _compiled(fn, values) if hasattr(fn, "overloads") else None
        if found is None:
            return f"{self.kernel(fn)}({args})"
        cres, star = found
        signature = cres.signature
        caller = self.callers.get((signature, star))
        if caller is None:
            caller = self.callers[(signature, star)] = f"c{len(self.callers)}"
        slot = self.slots.get((fn, signature))
        if slot is None:
            slot = self.slots[(fn, signature)] = len(self.table)
            self.table.append(cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name))
            self.compiled.append(cres)
            self.kernel(fn)  # named in the cache key
            # Part of the text the cache on disk is keyed by: what the slot's code is.
            self.unpack.append(f"    # A[{slot}]: {_name(fn)}{signature}{' *' if star else ''}")
        return f"{caller}(A, {slot}, {args})"

    def fused(self, loop) -> str:
        """The name of fused loop ``loop`` (:class:`~numbagrad.compile.fusion.FusedLoop`),
        whose definition goes before the step's."""
        names = []
        for f in loop.formulas:
            if f not in self.formulas:
                self.formulas[f] = f"F{len(self.formulas)}"
            names.append(self.formulas[f])
        name = f"fused{len(self.loops)}"
        self.loops.append(loop.source(name, names))
        return name

    def kernel(self, fn) -> str:
        name = self.kernels.get(fn)
        if name is None:
            name = self.kernels[fn] = f"k{len(self.kernels)}"
        return name


def _name(fn) -> str:
    py = getattr(fn, "py_func", fn)
    return f"{getattr(py, '__module__', '')}.{getattr(py, '__qualname__', repr(py))}"


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


def generate(calls, dynamic_ranges, name: str = "step", rolled: int = 0) -> Program:
    """The source of one function running ``calls`` in order, and that function compiled.

    Parameters
    ----------
    calls : list of capture.Call
    dynamic_ranges : list of (start, end)
        Call ranges whose scalar arguments are read at each call (the optimizer steps).
    rolled : int
        Where not 0, ``calls`` are one iteration of a loop of ``rolled`` identical steps
        (:mod:`.rolling`), which the function runs; ``S`` holds one tuple of scalars per
        iteration (of one type, so that Numba indexes it at run time), or one tuple for all.
    """
    w = _Writer()
    if rolled:
        w.scalars = "Si"
    dynamic = [False] * len(calls)
    for start, end in dynamic_ranges:
        for i in range(start, end):
            dynamic[i] = True
    body = []
    progress = None
    starts = {start: r for r, (start, _) in enumerate(dynamic_ranges)}
    if dynamic_ranges:
        progress = len(w.table)
        w.table.append(0)
    # Optimizer steps begun (read after an error), counted over a rolled loop's iterations.
    per_iteration = f"it * {len(dynamic_ranges)} + " if rolled else ""
    for i, call in enumerate(calls):
        if progress is not None and i in starts:
            body.append(f"    A[{progress}] = {per_iteration}{starts[i] + 1}")
        ctx = " ".join(str(c) for c in call.ctx) if call.ctx else ""
        if call.kind in ("kernel", "tail"):
            args = ", ".join(w.arg(a, dynamic[i]) for a in call.args)
            line = w.call(call.fn, call.args, args)
            label = f"{ctx}: {call.name()}"
        elif call.kind == "fused":
            names = ", ".join(w.array(a) for a in call.args)
            line = f"{w.fused(call.fn)}({names})"
            label = f"{ctx}: fused {call.fn.label()}"
        elif call.kind == "fill":
            out, value = call.args
            if out.flags.c_contiguous:
                flat = w.flat(out)
                line = w.call(_fill_flat, (w.flats[id(out)][1], value),
                              f"{flat}, {w.arg(value, dynamic[i])}")
            else:
                line = w.call(_fill, call.args, f"{w.array(out)}, {w.arg(value, dynamic[i])}")
            label = ctx
        else:  # copy, astype
            src, out = call.args
            if src.flags.c_contiguous and out.flags.c_contiguous and src.shape == out.shape:
                names = f"{w.flat(src)}, {w.flat(out)}"
                line = w.call(_copy_flat, (w.flats[id(src)][1], w.flats[id(out)][1]), names)
            else:
                line = w.call(_copy, call.args, f"{w.array(src)}, {w.array(out)}")
            label = f"{ctx}: {call.kind}"
        body.append(f"    {line}  # {label}")
    if rolled:
        # ``S`` holds one tuple of scalars per iteration, or a single tuple where the
        # optimizers' scalars are the same in every iteration (no step counter): unboxing a
        # hundred tuples of scalars costs Numba about 0.3 µs per iteration.
        body = [f"    for it in range({rolled}):",
                "        Si = S[it % len(S)]"] + ["    " + b for b in body]
    if progress is not None:
        body.insert(0, f"    A[{progress}] = 0")
    source = "\n".join([f"def {name}(A, S, K):"] + w.unpack + body + ["    return 0", ""])
    namespace = {"np": np, "_fill": _fill, "_copy": _copy, "_fill_flat": _fill_flat,
                 "_copy_flat": _copy_flat}
    helpers = [_fill, _copy, _fill_flat, _copy_flat]
    if w.loops:
        from numba import prange

        from numbagrad.backends.cpu import elementwise
        from numbagrad.compile.fusion import fused_jit

        source = "\n\n".join(w.loops + [source])
        namespace.update(fused_jit=fused_jit, prange=prange, BLOCK=elementwise.BLOCK,
                         _span=elementwise._span)
        namespace.update({fname: f for f, fname in w.formulas.items()})
        helpers += [fused_jit, elementwise._span] + list(w.formulas)
    for fn, kname in w.kernels.items():
        namespace[kname] = fn
    for key, vname in w.views.items():
        namespace[vname] = view_maker(*key)
    for key, cname in w.callers.items():
        namespace[cname] = caller_maker(*key)
    py, cached = load_source(source, name, list(w.kernels) + helpers, namespace)
    fn = njit(cache=cached)(py)
    addresses = np.array(w.table, dtype=np.intp)
    return Program(source, fn, addresses, w.kernels, dynamic_ranges, tuple(w.constants),
                   buffers=tuple(w.arrays) + tuple(w.flats.values()) + tuple(w.compiled),
                   progress=progress)

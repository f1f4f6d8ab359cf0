"""Recording one eager run of a step as the sequence of kernel calls it made.

While :func:`record` runs a function eagerly, every call from Python into a compiled Numba
kernel (a ``CPUDispatcher``) is kept with its arguments, and so is every array the CPU backend's
memory functions fill, copy or convert in NumPy (``be.full``, ``be.copy``, ...). Each call is
labelled with what was running: the forward or the vjp of a registry op, the engine's gradient
accumulation, the loss's seed, an optimizer's update, or a random draw (its generator's state
arrays are arrays of the step, see :mod:`~numbagrad.compile.random_capture`). The recorded
arrays are kept alive, so they become the compiled step's preallocated buffers.

Nothing here edits the library: for the length of one recording, a few attributes are swapped
for recording versions (the dispatcher's ``__call__``, each registry op's ``forward`` and
``vjp``, the engine's accumulation functions, ``Optimizer.step``) and restored after. Eager mode
outside a recording runs the untouched code.

What cannot be replayed is noted as a *reason* (a Python read of a tensor's value, a custom
``autograd.Function``, a hook, an op without a compiled form, a kernel outside any known op);
a trace with a reason is not compiled.
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager

import numpy as np
from numba import _dispatcher
from numba.core.registry import CPUDispatcher

from numbagrad.compile.covered import COVERED
from numbagrad.compile.loss_tail import loss_wrappers
from numbagrad.compile.memory import memory_wrappers, shape_wrappers


_base_call = _dispatcher.Dispatcher.__call__
_HALF = np.dtype(np.float16)
_active = None  # the Recorder of the running recording (or collection), if any


class Call:
    """One recorded step: ``kind`` is ``"kernel"`` (``fn(*args)``), ``"tail"`` (an ``njit``
    twin ``fn(*args)`` of the Python end of a backend function), ``"fill"`` (``args =
    (out, value)``), ``"copy"`` or ``"astype"`` (``args = (src, out)``); ``ctx`` says what
    ran it."""

    __slots__ = ("kind", "fn", "args", "ctx")

    def __init__(self, kind, fn, args, ctx):
        self.kind, self.fn, self.args, self.ctx = kind, fn, args, ctx

    def name(self) -> str:
        return getattr(getattr(self.fn, "py_func", None), "__qualname__", self.kind)


class Recorder:
    """What one recording saw: the calls, the reasons not to compile, and the Python objects
    (optimizers, leaves, graph roots, modules) the replay has to know about."""

    def __init__(self, collecting: bool = False):
        self.thread = threading.get_ident()
        self.collecting = collecting
        self.calls: list = []
        self.reasons: list = []
        self.ctx = None
        self.steps: list = []  # (optimizer, first call, end call)
        self.step_grads: list = []  # per step: (parameter, gradient array or None) it read
        self.leaves: dict = {}  # id -> (leaf tensor, grad array before accumulation or None)
        self.accumulated: dict = {}  # id -> the leaf's grad array after its last accumulation
        self.roots: set = set()  # nodes that backward started from
        self.modules: list = []
        # id -> (optimizer, its hyper-parameters before its first step in the recording)
        self.hyper: dict = {}
        # id -> optimizer whose class has its own ``step`` (the user's): the scalars its Python
        # reads from ``param_groups`` are constants of the step, guarded by value
        self.own_steps: dict = {}
        self.known: set = set()  # ids of the memory of arrays that exist before the step
        self.seen: set = set()  # ids of the memory recorded calls have touched
        self.keep: list = []  # what ``known`` and ``seen`` refer to, kept alive
        self.host_index: set = set()  # ids of offsets an index op computed from index values
        self.shape_index: set = set()  # ids of offsets computed from shapes only (flip, roll)
        self.shape_only = 0  # inside a function whose index positions come from shapes only
        self.tensor_index: set = set()  # ids of index tensors' int64 arrays (``x[idx]``)
        self.tables: dict = {}  # constant tables made inside the step, one per content

    def constant(self, a):
        """``a`` (a table an op made from shapes alone, which kernels only read) as a known
        constant of the step, one array per content: the iterations of a loop that make equal
        tables then read the same memory, and the loop can roll (:mod:`.rolling`)."""
        a = self.tables.setdefault((a.shape, a.dtype.str, a.tobytes()), a)
        self.note_known(a)
        return a

    def note_known(self, a) -> None:
        """Note array ``a`` as existing before the step, kept as it is: the step reads it and
        never writes it."""
        self.known.add(id(self._root(a)))
        self.keep.append(a)

    def _root(self, a):
        root = a
        # The owner of the memory: NumPy collapses chains of ndarray views, but a strided view
        # (``as_strided``: diagonal, unfold) has NumPy's helper object as its base, which holds
        # the array whose memory the view reads, and a view of it stops at the strided view.
        while getattr(root, "base", None) is not None:
            root = root.base
        if id(root) not in self.seen:
            self.keep.append(root)
        return root

    def written(self, a) -> None:
        """Note that a recorded call wrote array ``a``."""
        self.seen.add(id(self._root(a)))

    def before_kernel(self, name, args) -> list:
        """Copies of the arrays of ``args`` a recorded call touches for the first time."""
        fresh = []
        for a in _arrays(args):
            root = self._root(a)
            if id(root) not in self.seen and id(root) not in self.known and a.size:
                fresh.append((a, a.copy()))
        return fresh

    def after_kernel(self, kernel, args, fresh) -> None:
        """A first-touched array the kernel did not write was computed outside the recorded
        calls (NumPy in an op's Python code), or belongs to a tensor the capture does not know:
        either way a replay would read a stale value. An array whose bytes did not change may
        still have been written (with the value it held): the kernel, which touches nothing but
        its arguments, then runs once more on copies with that array poisoned, to see."""
        for a, before in fresh:
            floating = a.dtype.kind in "fc"
            # Integers are poisoned with zeros only: a kernel may index with them.
            if (a.tobytes() == before.tobytes() and not _writes(kernel, args, a)
                    and not (floating and _ignores(kernel, args, a))):
                self.reason(f"kernel {kernel.py_func.__qualname__} reads an array of shape "
                            f"{list(a.shape)} that no recorded call computed")
            elif floating and (_results(kernel, args, a, before)
                               != _results(kernel, args, a, None)):
                # The kernel adds into the array it was given (a zeroed accumulator made in
                # NumPy): each replay must start it from the same content.
                flat = before.reshape(-1)
                if flat.size and (flat == flat[0]).all() and not np.isnan(flat[0]):
                    init = Call("fill", None, (a, flat[0]), self.ctx)
                else:
                    self.known.add(id(self._root(before)))
                    init = Call("copy", None, (before, a), self.ctx)
                self.calls.insert(len(self.calls) - 1, init)
            self.seen.add(id(self._root(a)))

    def read(self, a, what: str) -> None:
        """``a`` is read by a recorded copy, or is an output: it must be known or written."""
        root = self._root(a)
        if id(root) not in self.seen and id(root) not in self.known and a.size:
            self.reason(f"{what} of shape {list(a.shape)} was computed outside the recorded "
                        "calls")

    def reason(self, text: str) -> None:
        ctx = self.ctx
        if (ctx is not None and ctx[0] in ("forward", "vjp") and ctx[1] not in COVERED
                and "has no compiled form yet" not in text):
            return  # the op is named already; its kernels' details add nothing
        if text not in self.reasons:
            self.reasons.append(text)

    def add(self, kind, fn, args) -> None:
        ctx = self.ctx
        if ctx is None and not self.collecting:
            self.reason(f"kernel {Call(kind, fn, args, ctx).name()} ran outside a captured op")
        elif ctx is not None and ctx[0] in ("forward", "vjp") and ctx[1] not in COVERED:
            self.reason(f"op {ctx[1]!r} has no compiled form yet ({ctx[0]})")
        self.calls.append(Call(kind, fn, args, ctx))
        if any(a.dtype == _HALF for a in _arrays(args)):
            # Eager mode converts float16 in NumPy; the compiled step would fail to compile.
            self.reason("a float16 array has no compiled form (Numba has no float16 type)")
        if not self.collecting and kind != "kernel":
            if kind != "fill":
                self.read(args[0], "an array copied")
            self.written(args[-1] if kind != "fill" else args[0])


def _run_on_copies(kernel, args, target, fill) -> tuple:
    """Run ``kernel`` on copies of its arrays, ``target``'s copy filled by ``fill(copy)``; the
    copied arguments, and the copy of ``target``."""
    filled = []

    def copy(value):
        if isinstance(value, np.ndarray):
            c = value.copy()
            if value is target:
                fill(c)
                filled.append(c)
            return c
        if isinstance(value, tuple):
            return tuple(copy(v) for v in value)
        return value

    copied = copy(tuple(args))
    _base_call(kernel, *copied)
    return copied, filled


def _pattern(byte: int):
    def fill(c):
        c.view(np.uint8).reshape(-1)[:] = byte

    return fill


def _writes(kernel, args, target) -> bool:
    """Whether ``kernel(*args)`` writes ``target`` (one of its arrays), found by running it on
    copies of its arrays with ``target``'s copy filled with a byte pattern (zeros for integers,
    which a kernel may index with: a zero writes go unseen, which only refuses a capture;
    booleans, which index nothing, with False and then True, so that no mask goes unseen)."""
    kind = target.dtype.kind
    for byte in ((0xA5,) if kind in "fc" else (0, 1) if kind == "b" else (0,)):
        _, poisoned = _run_on_copies(kernel, args, target, _pattern(byte))
        pattern = bytes([byte]) * target.nbytes
        if any(c.tobytes() != pattern for c in poisoned):
            return True
    return False


def _results(kernel, args, target, content) -> list:
    """The bytes of the arrays ``kernel(*args)`` leaves, run on copies of its arrays with
    ``target``'s copy holding ``content`` (a byte pattern when None)."""
    def fill(c):
        c[...] = content

    # 0x41 bytes read as a float are large (12.1 in float32, 2.3e6 in float64): a tiny pattern
    # would vanish in the sums it is added to.
    copied, _ = _run_on_copies(kernel, args, target, _pattern(0x41) if content is None else fill)
    return [a.tobytes() for a in _arrays(copied)]


def _ignores(kernel, args, target) -> bool:
    """Whether ``kernel(*args)`` leaves its other arrays the same whatever ``target`` holds (a
    scratch buffer a branch of the kernel does not use), found by running it on copies of its
    arrays with ``target``'s copy filled with two different byte patterns."""
    results = []
    for byte in (0x41, 0x47):  # large values as floats, so no sum absorbs them
        copied, _ = _run_on_copies(kernel, args, target, _pattern(byte))
        results.append([a.tobytes() for a, orig in zip(_arrays(copied), _arrays(tuple(args)))
                        if orig is not target])
    return results[0] == results[1]


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _arrays(v)


def _hooked_call(self, *args, **kwargs):
    rec = _active
    if rec is None or rec.thread != threading.get_ident():
        return _base_call(self, *args, **kwargs)
    if kwargs:
        rec.reason(f"kernel {self.py_func.__qualname__} called with keyword arguments")
    rec.add("kernel", self, args)
    if rec.collecting:
        return None  # the optimizer's scalars are all that a collection wants
    fresh = rec.before_kernel(self.py_func.__qualname__, args)
    result = _base_call(self, *args, **kwargs)
    rec.after_kernel(self, args, fresh)
    if result is not None:
        # A value handed back to Python (a count, a new array) would be a stale constant in a
        # replay.
        rec.reason(f"kernel {self.py_func.__qualname__} returns a value to Python")
    return result


@contextmanager
def _context(rec: Recorder, ctx):
    saved = rec.ctx
    rec.ctx = ctx
    try:
        yield
    finally:
        rec.ctx = saved


def _recording_op(op, fwd, vjp):
    def forward(be, *arrays, **attrs):
        rec = _active
        if rec is None or rec.thread != threading.get_ident():
            return fwd(be, *arrays, **attrs)
        if getattr(be, "__name__", "").rsplit(".", 1)[-1] != "cpu":
            rec.reason(f"op {op.name!r} runs on another device than the CPU: the compiled step "
                       "is CPU only (CUDA steps run eagerly)")
        with _context(rec, ("forward", op.name)):
            return fwd(be, *arrays, **attrs)

    def backward(be, grad, node):
        rec = _active
        if rec is None or rec.thread != threading.get_ident():
            return vjp(be, grad, node)
        with _context(rec, ("vjp", op.name)):
            return vjp(be, grad, node)

    return forward, backward


def _shape_tables(rec: Recorder, fn):
    """``fn`` (a backend function making index and weight tables in NumPy from shapes and
    attributes alone, which the call key guards), its arrays noted as known constants: the
    step keeps them as they are."""
    def tables(*args, **kwargs):
        out = fn(*args, **kwargs)
        if rec.thread == threading.get_ident():
            for a in _arrays(tuple(out)):
                rec.note_known(a)
        return out

    return tables


def _labelled(rec: Recorder, fn, ctx):
    """``fn`` with the kernels it runs labelled ``ctx`` (a host step of an op that a compiled
    step replays, outside the op's forward)."""
    def labelled(*args, **kwargs):
        if rec.thread != threading.get_ident():
            return fn(*args, **kwargs)
        with _context(rec, ctx):
            return fn(*args, **kwargs)

    return labelled


def _known_tensor(rec: Recorder, t):
    """``t`` (a CPU tensor made on the host from Python numbers and shapes alone, which the
    call key and the guards cover) noted as a constant of the step."""
    if rec.thread == threading.get_ident() and t._device.type == "cpu":
        rec.note_known(t._data)
    return t


def _recording_inplace(rec: Recorder, inplace):
    """``ops.inplace.inplace`` with its own copy of the old value and its write-back labelled:
    the ops it runs label their own kernels."""
    def recording(self, op, *args, **kwargs):
        if rec.thread != threading.get_ident():
            return inplace(self, op, *args, **kwargs)
        with _context(rec, ("inplace", getattr(op, "__name__", "op"))):
            return inplace(self, op, *args, **kwargs)

    return recording


def _defining(base, name: str) -> list:
    """``base`` and its subclasses, at any depth, that define ``name`` themselves (each once)."""
    classes, seen = [base], {base}
    for cls in classes:
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                classes.append(sub)
    return [cls for cls in classes if name in cls.__dict__]


def _refuse(reason: str, original):
    def refused(*args, **kwargs):
        rec = _active
        if rec is not None and rec.thread == threading.get_ident():
            rec.reason(reason)
        return original(*args, **kwargs)

    return refused


@contextmanager
def _patched(rec: Recorder):
    """Swap in the recording versions for the length of one recording."""
    global _active
    from numbagrad import backends
    from numbagrad.autograd import function, graph
    from numbagrad.nn.module import Module
    from numbagrad.ops.registry import REGISTRY
    from numbagrad.optim.optimizer import Optimizer
    from numbagrad.tensor import Tensor

    be = backends.get("cpu")
    undo = []

    def swap(obj, name, value):
        undo.append((obj, name, obj.__dict__.get(name, _MISSING)))
        if isinstance(obj, type):
            setattr(obj, name, value)
        else:
            object.__setattr__(obj, name, value)

    swap(CPUDispatcher, "__call__", _hooked_call)
    for op in REGISTRY.values():
        forward, backward = _recording_op(op, op.forward, op.vjp)
        swap(op, "forward", forward)
        swap(op, "vjp", backward)
    wrappers = memory_wrappers(be, rec, _context)
    for name, fn in wrappers.items():
        swap(be, name, fn)
    # A sum of a strided view copies it to C order in NumPy first (reduce.as_3d).
    from numbagrad.compile.memory import as_3d_wrapper

    reduce_mod = sys.modules["numbagrad.backends.cpu.reduce"]
    swap(reduce_mod, "as_3d", as_3d_wrapper(rec, reduce_mod.as_3d))
    # Products, batched matmul's batch indices and scans' layout copies, by name.
    from numbagrad.compile.memory import reduction_wrappers

    for obj, name, fn in reduction_wrappers(be, rec):
        swap(obj, name, fn)
    # linear's vjp sums a large bias gradient with the reduction module's sum, by import.
    swap(sys.modules["numbagrad.backends.cpu.linalg"], "sum_", wrappers["sum"])
    # Backend functions that end by converting a float64 accumulator, by import.
    for module in ("normalization", "pooling", "conv"):
        swap(sys.modules[f"numbagrad.backends.cpu.{module}"], "astype_", wrappers["astype"])
    pooling = sys.modules["numbagrad.backends.cpu.pooling"]
    for name in ("tables", "interp_table"):
        swap(pooling, name, _shape_tables(rec, getattr(pooling, name)))
    for name, fn in loss_wrappers(be, rec).items():
        swap(be, name, fn)
    for name, fn in shape_wrappers(be, rec).items():
        swap(be, name, fn)
    # In-place ops (``x.sigmoid_()``, ``p.sub_(...)`` under no_grad) copy and assign around
    # their op: labelled, those copies are steps of the capture.
    # Modules import the function under their own names: each reference is swapped.
    inplace = sys.modules["numbagrad.ops.inplace"].inplace
    recording_inplace = _recording_inplace(rec, inplace)
    for mod in [m for name, m in list(sys.modules.items()) if name.startswith("numbagrad.")]:
        for attr, value in list(vars(mod).items()):
            if value is inplace:
                swap(mod, attr, recording_inplace)
    # Element offsets that indexing computes on the host from an index's values (``x[idx]``,
    # ``x[idx] = v``): never a constant of the step, even of one element.
    index_mod = sys.modules["numbagrad.ops.index"]
    host_offsets = index_mod._offsets

    def r_offsets(coords, strides):
        out = host_offsets(coords, strides)
        if rec.thread == threading.get_ident():
            (rec.shape_index if rec.shape_only else rec.host_index).add(id(out))
            rec.keep.append(out)
        return out

    swap(index_mod, "_offsets", r_offsets)
    # x[idx] with integer index tensors: offsets recomputed in the step from the indices.
    from numbagrad.compile.memory import index_wrappers

    for name, fn in index_wrappers(rec, index_mod, host_offsets, _context).items():
        swap(index_mod, name, fn)
    # zeros, ones and full inside the step: a fill of the step (Python can write the tensor
    # only through recorded ops: ``.numpy()`` and ``np.asarray`` are refused).
    creation_mod = sys.modules["numbagrad.creation"]
    filled = creation_mod._filled

    def r_filled(shape, value, np_dtype, device, requires_grad):
        t = filled(shape, value, np_dtype, device, requires_grad)
        if rec.thread == threading.get_ident() and value is not None and t._device.type == "cpu":
            with _context(rec, ("creation", "full")):
                rec.add("fill", None, (t._data, t._data.dtype.type(value)))
        return t

    swap(creation_mod, "_filled", r_filled)
    # arange, linspace and logspace are made on the host from Python numbers, which the call
    # key (shapes) and the guards (globals, attributes) cover: constants of the step.
    ranges_mod = sys.modules["numbagrad.ranges"]
    range_tensor = ranges_mod._range_tensor

    def r_range_tensor(op, values, d, device, requires_grad, out):
        t = range_tensor(op, values, d, device, requires_grad, out)
        return t if out is not None else _known_tensor(rec, t)

    swap(ranges_mod, "_range_tensor", r_range_tensor)
    index_array = index_mod._index_array

    def r_index_array(a, keep_0d=False):
        out = index_array(a, keep_0d)
        if isinstance(out, int) and rec.thread == threading.get_ident():
            # A 0-d integer tensor in a key selects as an int (``x[t, :]``): its value would
            # be a constant of the step.
            rec.reason("an index tensor of one element was read into Python as an int")
        return out

    swap(index_mod, "_index_array", r_index_array)
    # flip and roll (and rot90, over flip) index with positions made from the input's shape
    # and Python ints (the call key guards both): their offsets are constants of the step.
    rearrange_mod = sys.modules["numbagrad.ops.rearrange"]
    take_fn = rearrange_mod._take

    def r_take(input, axis, positions):
        if rec.thread != threading.get_ident():
            return take_fn(input, axis, positions)
        rec.shape_only += 1
        try:
            return take_fn(input, axis, positions)
        finally:
            rec.shape_only -= 1

    swap(rearrange_mod, "_take", r_take)
    # A scatter's offsets, computed from its index's values by a kernel (ops/masked.py).
    from numbagrad.compile.memory import scatter_offsets_wrapper

    masked_mod = sys.modules["numbagrad.ops.masked"]
    swap(masked_mod, "scatter_offsets",
         scatter_offsets_wrapper(rec, masked_mod.scatter_offsets, _context))
    # Index ops' range checks (index_select, take, put, index_add, ...): one kernel over each
    # call's index, which also writes the int64 index the op goes on with; embedding_bag's
    # bags, a kernel over each call's input and offsets.
    checked_index = _labelled(rec, masked_mod.checked_index, ("index", "checked_index"))
    for name in ("masked", "scatter"):
        swap(sys.modules[f"numbagrad.ops.{name}"], "checked_index", checked_index)
    # pdist's row pairs, made from the input's row count alone: a constant of the step.
    loss_extra = sys.modules["numbagrad.ops.loss_extra"]
    pairs = loss_extra._pairs

    def r_pairs(n, device):
        return _known_tensor(rec, pairs(n, device))

    swap(loss_extra, "_pairs", r_pairs)
    embedding_mod = sys.modules["numbagrad.ops.embedding"]
    swap(embedding_mod, "bag_ids",
         _labelled(rec, embedding_mod.bag_ids, ("index", "bag_ids")))
    # ctc_loss's lengths and targets: int64 conversions and checks, kernels over each call's.
    ctc_mod = sys.modules["numbagrad.ops.ctc"]
    swap(ctc_mod, "_checked_inputs",
         _labelled(rec, ctc_mod._checked_inputs, ("inputs", "ctc_loss")))

    # Random draws: kernels over the generator's arrays, labelled, those arrays known.
    from numbagrad.compile.random_capture import random_wrappers

    for obj, name, fn in random_wrappers(rec, _context):
        swap(obj, name, fn)

    accumulate, add_into, run_backward = graph._accumulate, graph._add_into, graph.run_backward

    def r_add_into(t, grad, stealable_refs=0):
        if rec.thread != threading.get_ident():
            return add_into(t, grad, stealable_refs)
        rec.leaves.setdefault(id(t), (t, None if t.grad is None else t.grad._data))
        with _context(rec, ("accumulate",)):
            add_into(t, grad, stealable_refs)
        if t._grad is not None:  # kept: a zero_grad() later in the step may drop ``.grad``
            rec.accumulated[id(t)] = t._grad._data

    def r_run_backward(roots, *args, **kwargs):
        if rec.thread != threading.get_ident():
            return run_backward(roots, *args, **kwargs)
        rec.roots.update(node for (node, _), _, _ in roots)
        return run_backward(roots, *args, **kwargs)

    swap(graph, "_accumulate", _labelled(rec, accumulate, ("accumulate",)))
    swap(graph, "_add_into", r_add_into)
    swap(graph, "run_backward", r_run_backward)
    # sys.modules: the package attribute ``numbagrad.tensor`` is the function torch.tensor.
    swap(sys.modules["numbagrad.tensor"], "run_backward", r_run_backward)
    tensor_backward = Tensor.backward

    def r_backward(self, *args, **kwargs):
        if rec.thread != threading.get_ident():
            return tensor_backward(self, *args, **kwargs)
        with _context(rec, ("seed",)):
            if args or kwargs:
                rec.reason("backward() with arguments is not captured yet")
            return tensor_backward(self, *args, **kwargs)

    swap(Tensor, "backward", r_backward)
    # ``x[idx] = v`` outside autograd writes with backend calls of its own, labelled here.
    swap(Tensor, "__setitem__", _labelled(rec, Tensor.__setitem__, ("inplace", "setitem")))
    for name in ("item", "tolist", "numpy", "__array__", "__bool__", "__float__", "__int__",
                 "__index__", "register_hook"):
        if hasattr(Tensor, name):
            text = ("a tensor hook was registered" if name == "register_hook" else
                    "np.asarray(tensor) reads a tensor's value" if name == "__array__" else
                    f"Tensor.{name.strip('_')}() reads a tensor's value into Python")
            swap(Tensor, name, _refuse(text, getattr(Tensor, name)))
    apply = function.Function.__dict__["apply"].__func__

    def r_apply(cls, *args, **kwargs):
        if rec.thread != threading.get_ident():
            return apply(cls, *args, **kwargs)
        rec.reason(f"custom autograd.Function {cls.__name__}")
        return apply(cls, *args, **kwargs)

    swap(function.Function, "apply", classmethod(r_apply))
    module_call = Module.__call__

    def r_module_call(self, *args, **kwargs):
        if rec.thread != threading.get_ident():
            return module_call(self, *args, **kwargs)
        rec.modules.append(self)
        if (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            rec.reason(f"module {type(self).__name__} has hooks")
        return module_call(self, *args, **kwargs)

    swap(Module, "__call__", r_module_call)
    # A scheduler's ``step`` is Python that changes the learning rate: a replay would not run
    # it again (its counter and the rate would stay where the capture left them).
    from numbagrad.optim.lr_scheduler import LRScheduler
    for cls in _defining(LRScheduler, "step"):
        swap(cls, "step", _refuse(
            f"{cls.__name__}.step() inside the compiled function (a scheduler's Python "
            "state is not replayed: step it outside, after the compiled step)",
            cls.__dict__["step"]))
    step, update_all, update = Optimizer.step, Optimizer._update_all, Optimizer._update

    def own_step(original):
        def recorded(self, *args, **kwargs):
            if rec.thread == threading.get_ident():
                rec.own_steps[id(self)] = self
                if id(self) not in rec.hyper:
                    rec.hyper[id(self)] = (self, hyper_parameters(self))
            return original(self, *args, **kwargs)

        return recorded

    for cls in _defining(Optimizer, "step"):
        if cls is not Optimizer:
            swap(cls, "step", own_step(cls.__dict__["step"]))

    def r_step(self, closure=None):
        if rec.thread != threading.get_ident():
            return step(self, closure)
        if closure is not None:
            rec.reason("optimizer.step(closure) is not captured")
        if id(self) not in rec.hyper:
            rec.hyper[id(self)] = (self, hyper_parameters(self))
        start = len(rec.calls)
        # The gradients this step reads: a function stepping an optimizer twice reads the
        # first backward's gradients first (the compiled step's collection needs them).
        grads = [(p, None if p._grad is None else p._grad._data)
                 for group in self.param_groups for p in group["params"]]
        stepping.append(self)
        try:
            result = step(self, closure)
        finally:
            stepping.pop()
        rec.steps.append((self, start, len(rec.calls)))
        rec.step_grads.append(grads)
        return result

    # The optimizers whose ``step`` is running. An update outside one (``step`` reached in a
    # way the swap above does not see) would replay its learning rate and counters as
    # constants: a reason, not a silently stale step.
    stepping: list = []

    def r_update_all(self, *args):
        if rec.thread != threading.get_ident():
            return update_all(self, *args)
        if not stepping:
            rec.reason(f"{type(self).__name__}'s update ran outside Optimizer.step "
                       "(its scalars would be replayed as constants)")
        with _context(rec, ("optimizer", type(self).__name__)):
            return update_all(self, *args)

    swap(Optimizer, "step", r_step)
    swap(Optimizer, "_update_all", r_update_all)
    swap(Optimizer, "_update", staticmethod(_labelled(rec, update, ("optimizer", "update"))))
    _active = rec
    try:
        yield rec
    finally:
        _active = None
        for obj, name, old in reversed(undo):
            if old is _MISSING:
                delattr(obj, name)
            elif isinstance(obj, type):
                setattr(obj, name, old)
            else:
                object.__setattr__(obj, name, old)


_MISSING = object()
_lock = threading.Lock()


def hyper_parameters(optimizer) -> list:
    """Each of ``optimizer``'s groups' hyper-parameters (every entry but ``params``), as
    ``(key, value)`` lists: what a write inside a captured step would change."""
    return [[(k, v) for k, v in group.items() if k != "params"]
            for group in optimizer.param_groups]


def same_hyper_parameters(a: list, b: list) -> bool:
    """Whether two :func:`hyper_parameters` answers hold the same values (by identity, or
    equal values of one type)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x) != len(y):
            return False
        for (k1, v1), (k2, v2) in zip(x, y):
            if k1 != k2:
                return False
            if v1 is not v2 and (type(v1) is not type(v2) or not _equal(v1, v2)):
                return False
    return True


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # a tensor of several values, an object without ``==``
        return False


def record(fn, args: tuple, kwargs: dict, known=()):
    """Run ``fn(*args, **kwargs)`` eagerly while recording it; ``known`` are the arrays that
    exist before the step (parameters, gradients, optimizer state, inputs).

    Returns
    -------
    (result, Recorder)
    """
    rec = Recorder()
    for a in known:
        rec.known.add(id(rec._root(a)))
    with _lock, _patched(rec):
        result = fn(*args, **kwargs)
    return result, rec

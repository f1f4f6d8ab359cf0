"""The CPU backend's functions that work in NumPy rather than in a kernel, recorded.

Eager mode fills, copies and converts arrays in NumPy (``be.full``, ``be.copy``, ...), makes
constants of Python numbers (``be.from_host``), and ends ``be.map_sum`` in Python (the sum of
the per-thread partial sums, then the division). During a recording each of these is replaced
by a version that runs it and records what the compiled step must do instead: a fill, a copy,
or a call to an ``njit`` twin of the Python end (:func:`_sum_div`), which computes the same
bits.
"""
from __future__ import annotations

from threading import get_ident

import numpy as np

from numbagrad.compile._njit import cached_njit
from numbagrad.ops.scalar import ieee_div

_ieee_div = cached_njit(ieee_div)


@cached_njit
def _sum_div(partial, divisor, out):
    """The Python end of ``be.map_sum``: ``builtins.sum`` of the float64 partial sums (left to
    right from 0, as ``sum(list)``), ``ieee_div`` by ``divisor``, rounded into ``out``."""
    total = 0.0
    for v in partial:
        total += v
    out[()] = _ieee_div(total, divisor)


def _sum_tail(rec, start: int, out) -> None:
    """What ``be.sum`` did in NumPy around its one kernel call, recorded: the zeroed float64
    (or int64) accumulator it made (a fill before the kernel) and the accumulator's conversion
    to the result's type (a copy after it; NumPy's and Numba's conversions both round to
    nearest, so the bits agree). One kernel call is handled here, the path of one long row
    summed in parallel pieces by :func:`_accumulator_tail`; an empty sum gives a reason."""
    from numbagrad.compile.capture import Call

    _integer_accumulators(rec, start)
    new = rec.calls[start:]
    kernels = [c for c in new if c.kind == "kernel"]
    # A copy before the kernel is the recorded C-contiguous copy of a strided input
    # (:func:`as_3d_wrapper`).
    if not (len(kernels) == 1 and "_sum_kernel" in kernels[0].name()
            and all(c.kind in ("fill", "copy") for c in new if c is not kernels[0])):
        # Several kernel calls: a long row summed in parallel pieces.
        _accumulator_tail(rec, start, out, "_sum_kernel", 0, "sum")
        return
    acc = kernels[0].args[1]
    if not any(c.kind == "fill" for c in new):  # the capture found no need to zero it
        at = rec.calls.index(kernels[0], start)
        rec.calls.insert(at, Call("fill", None, (acc, acc.dtype.type(0)), new[0].ctx))
    root = out.base if out.base is not None else out
    if root is not acc and not (out is acc):
        target = out.reshape(acc.shape)
        rec.add("astype", None, (acc, target))


def as_3d_wrapper(rec, as_3d):
    """A recording version of ``reduce.as_3d``: the C-contiguous copy it makes in NumPy of a
    strided input (a transposed, sliced or expanded view) becomes a recorded copy from that
    view, so a replay copies the view's current values."""
    def r_as_3d(x, axes):
        if rec.thread != get_ident():
            return as_3d(x, axes)
        out = as_3d(x, axes)
        if x.size and not np.may_share_memory(out, x):
            src = x
            if not (len(axes) <= 1 or all(b == a + 1 for a, b in zip(axes, axes[1:]))):
                src = x.transpose([d for d in range(x.ndim) if d not in axes] + list(axes))
            # ``out`` is a C-contiguous copy of ``src`` in C order: the same elements in
            # ``src``'s shape.
            rec.add("copy", None, (src, out.reshape(src.shape)))
        return out

    return r_as_3d


@cached_njit
def _check_range(index, n):
    """Raise where an index of ``index`` (1-D) lies outside ``[0, n)``: eager mode checks
    gather's index on the host, with torch's message, before the kernel runs."""
    for i in range(index.size):
        if index[i] < 0 or index[i] >= n:
            raise RuntimeError("gather(): index out of bounds (in a compiled step)")


@cached_njit
def _scatter_offsets_checked(index, outer_offsets, inner_offsets, stride, n, out):
    """``index._scatter_offsets_kernel`` for a compiled step: the same offsets, and an index
    outside ``[0, n)`` raises (eager mode raises torch's message on the host)."""
    outer, m, inner = index.shape
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                v = index[o, j, i]
                if v < 0 or v >= n:
                    raise RuntimeError("scatter(): index out of bounds (in a compiled step)")
                out[o, j, i] = outer_offsets[o] + v * stride + inner_offsets[i]


def scatter_offsets_wrapper(rec, scatter_offsets, context):
    """A recording version of ``scatter_offsets`` (the element offsets a scatter writes, from
    its index's values): the index's int64 copy becomes a recorded conversion and the offsets
    a recorded kernel over it, so a replay recomputes them from the index's new values; the
    per-dimension offset tables depend on shapes only and stay as constants of the step."""
    def r_scatter_offsets(index, axis, shape):
        if rec.thread != get_ident():
            return scatter_offsets(index, axis, shape)
        if not index.size or ((index < 0) | (index >= shape[axis])).any():
            return scatter_offsets(index, axis, shape)  # nothing to scatter; or eager raises
        bad = -1
        jshape = index.shape
        strides, step = [0] * len(shape), 1
        for d in range(len(shape) - 1, -1, -1):
            strides[d] = step
            step *= shape[d]
        outer = np.zeros(1, np.int64)
        for d in range(axis):
            outer = (outer[:, None] + np.arange(jshape[d]) * strides[d]).reshape(-1)
        inner = np.zeros(1, np.int64)
        for d in range(axis + 1, len(jshape)):
            inner = (inner[:, None] + np.arange(jshape[d]) * strides[d]).reshape(-1)
        for table in (outer, inner):
            rec.known.add(id(rec._root(table)))
        with context(rec, ("index", "scatter_offsets")):
            index3 = np.empty(index.shape, np.int64)
            rec.add("astype", None, (index, index3))
            index3[...] = index
            out = np.full(index3.shape, -1, np.int64)  # -1, no offset: seen written if all 0
            _scatter_offsets_checked(index3.reshape(outer.size, jshape[axis], inner.size),
                                     outer, inner, int(strides[axis]), int(shape[axis]),
                                     out.reshape(outer.size, jshape[axis], inner.size))
        rec.keep.append(out)
        return out.reshape(jshape), bad

    return r_scatter_offsets


def shape_wrappers(be, rec) -> dict:
    """Recording versions of the CPU backend's shape functions that move memory in NumPy:
    ``be.cat`` (``np.concatenate``) becomes one copy per input into its slab of the result,
    and ``be.reshape`` of an array whose strides allow no view (a copy in C order) a copy
    into the result seen in the input's shape; ``be.gather`` gains a range check of its index
    in the step (:func:`_check_range`)."""
    cat, reshape, gather = be.cat, be.reshape, be.gather

    def r_gather(x3, index3):
        if rec.thread == get_ident() and index3.size:
            # gather checks its index's range on the host before the op: a replay checks it
            # in the step (the kernel itself reads unchecked).
            _check_range(index3.reshape(-1), x3.shape[1])
        return gather(x3, index3)

    def r_cat(arrays, axis):
        if rec.thread != get_ident():
            return cat(arrays, axis)
        out = cat(arrays, axis)
        start = 0
        for a in arrays:
            stop = start + a.shape[axis]
            if a.size:
                rec.add("copy", None, (a, out[(slice(None),) * axis + (slice(start, stop),)]))
            start = stop
        return out

    def r_reshape(x, shape):
        if rec.thread != get_ident():
            return reshape(x, shape)
        out = reshape(x, shape)
        if x.size and not np.may_share_memory(out, x):
            rec.add("copy", None, (x, out.reshape(x.shape)))
        return out

    return {"cat": r_cat, "reshape": r_reshape, "gather": r_gather}


def _empty_ctx(rec, out):
    """The label of a fill of ``out``: the running op's; outside any op, an empty or
    one-element array (an op's Python front end passing "no mask" to a kernel, or a zero to
    fill with) is a constant, as ``from_host`` makes one of a Python number. A larger one made
    there keeps no label (the capture refuses it: Python code outside the ops may write it in
    NumPy)."""
    if rec.ctx is None and out.size <= 1:
        return ("constant",)
    return rec.ctx


def memory_wrappers(be, rec, context) -> dict:
    """Recording versions (into ``rec``) of the CPU backend's functions that compute in NumPy,
    by name; ``context(rec, ctx)`` labels the calls."""
    full, copy, astype = be.full, be.copy, be.astype
    contiguous, zeros, assign = be.contiguous, be.zeros, be.assign
    from_host = be.from_host

    def r_from_host(x):
        if rec.thread != get_ident():
            return from_host(x)
        # A Python number made an operand (``x * 0.5``): a constant the step writes each time.
        out = from_host(x)
        if isinstance(x, np.ndarray) and id(rec._root(x)) in rec.seen:
            return out  # an index a recorded kernel computed: an array of the step already
        if id(x) in getattr(rec, "shape_index", ()):
            # Offsets made from shapes only: an array of the step that no call writes.
            rec.known.add(id(rec._root(out)))
            return out
        # A number arrives 0-d; an array of one element may be an index made from data.
        if (isinstance(out, np.ndarray) and out.ndim == 0
                and id(x) not in getattr(rec, "host_index", ())):
            with context(rec, ("constant",)):
                rec.add("fill", None, (out, out.reshape(-1)[0]))
        else:
            rec.reason("a tensor made from host data inside the step is not captured yet")
        return out

    def r_full(shape, value, dtype):
        if rec.thread != get_ident():
            return full(shape, value, dtype)
        out = full(shape, value, dtype)
        with context(rec, _empty_ctx(rec, out)):
            rec.add("fill", None, (out, out.dtype.type(value)))
        return out

    def r_zeros(shape, dtype):
        if rec.thread != get_ident():
            return zeros(shape, dtype)
        out = zeros(shape, dtype)
        with context(rec, _empty_ctx(rec, out)):
            rec.add("fill", None, (out, out.dtype.type(0)))
        return out

    def r_copy(x):
        if rec.thread != get_ident():
            return copy(x)
        out = copy(x)
        rec.add("copy", None, (x, out))
        return out

    def r_astype(x, dtype):
        if rec.thread != get_ident():
            return astype(x, dtype)
        out = astype(x, dtype)
        rec.add("astype", None, (x, out))
        return out

    def r_contiguous(x):
        if rec.thread != get_ident():
            return contiguous(x)
        out = contiguous(x)
        if out is not x:
            rec.add("copy", None, (x, out))
        return out

    def r_assign(dst, src):
        if rec.thread != get_ident():
            return assign(dst, src)
        assign(dst, src)
        if isinstance(src, np.ndarray) and src.shape == dst.shape:
            rec.add("copy", None, (src, dst))
        elif isinstance(src, np.ndarray):
            rec.reason("a broadcast assignment (be.assign) has no compiled form yet")
        else:
            rec.add("fill", None, (dst, dst.dtype.type(src)))

    map_sum = be.map_sum

    def r_map_sum(fn, inputs, out_dtype, divisor=1):
        if rec.thread != get_ident():
            return map_sum(fn, inputs, out_dtype, divisor)
        start = len(rec.calls)
        out = map_sum(fn, inputs, out_dtype, divisor)
        new = rec.calls[start:]
        if len(new) == 1 and new[0].kind == "kernel" and "map_sum" in new[0].name():
            rec.add("tail", _sum_div, (new[0].args[-1], divisor, out))
        else:
            rec.reason("map_sum over non-contiguous operands has no compiled form yet")
        return out

    sum_ = be.sum

    def r_sum(x, axes=None, keepdims=False, dtype=None):
        if rec.thread != get_ident():
            return sum_(x, axes, keepdims, dtype)
        start = len(rec.calls)
        out = sum_(x, axes, keepdims, dtype)
        _sum_tail(rec, start, out)
        return out

    return {"from_host": r_from_host, "map_sum": r_map_sum, "sum": r_sum, "full": r_full,
            "zeros": r_zeros, "copy": r_copy, "astype": r_astype, "contiguous": r_contiguous,
            "assign": r_assign}


def _integer_accumulators(rec, start: int) -> None:
    """Withdraw the reason the capture gave for an integer accumulator of a sum (a count) that
    its kernel left at 0: the capture probes integers with zeros only (a kernel may index with
    them), so adding zeros to a zeroed int64 accumulator looks like reading memory no recorded
    call wrote. The accumulator is ``reduce._accumulate``'s own ``np.zeros``, the only 2-D
    array a sum kernel takes (its input is 3-D), and :func:`_sum_tail` records its zeroing
    before the kernel."""
    for c in rec.calls[start:]:
        if c.kind == "kernel" and "_sum_kernel" in c.name():
            acc = c.args[-1]
            text = (f"kernel {c.fn.py_func.__qualname__} reads an array of shape "
                    f"{list(acc.shape)} that no recorded call computed")
            if acc.ndim == 2 and acc.dtype.kind == "i" and text in rec.reasons:
                rec.reasons.remove(text)


def _accumulator_tail(rec, start: int, out, kernel: str, identity: int, what: str) -> None:
    """What a sum or product of the CPU backend (``reduce._accumulate``) did in NumPy around
    its kernel calls, recorded: the accumulators it made holding the identity (fills before
    the first kernel) and the last accumulator's conversion to the result's type (a copy after
    it). Besides the one-call path this takes the path of a single long row, whose parallel
    pieces go to a partial-results array that one more call reduces: the capture's own check
    inserts a fill only for the first view of that array it sees, so the fills of every
    accumulator are made here, whole, in place of those it inserted."""
    from numbagrad.compile.capture import Call

    new = rec.calls[start:]
    kernels = [c for c in new if c.kind == "kernel"]
    if not kernels or not all(kernel in c.name() for c in kernels) or not all(
            c.kind in ("fill", "copy") for c in new if c.kind != "kernel"):
        rec.reason(f"a {what} that is empty or not made of {kernel} calls has no compiled "
                   "form yet")
        return
    roots: dict = {}
    for c in kernels:
        acc = c.args[-1]
        root = acc.base if acc.base is not None else acc
        roots.setdefault(id(root), root)
    kept = [c for c in new if not (c.kind == "fill" and id(
        c.args[0].base if c.args[0].base is not None else c.args[0]) in roots)]
    first = next(i for i, c in enumerate(kept) if c.kind == "kernel")
    fills = [Call("fill", None, (r, r.dtype.type(identity)), kernels[0].ctx)
             for r in roots.values()]
    rec.calls[start:] = kept[:first] + fills + kept[first:]
    acc = kernels[-1].args[-1]
    root = out.base if out.base is not None else out
    if root is not acc and out is not acc:
        rec.add("astype", None, (acc, out.reshape(acc.shape)))


def reduction_wrappers(be, rec) -> list:
    """Recording versions of the reductions' NumPy steps outside ``be.sum``, as ``(object,
    name, function)`` to swap in: ``be.prod`` (its accumulator and conversion, as
    :func:`_accumulator_tail`), the batch indices of a broadcast batched ``matmul`` (made by
    ``np.arange`` from the shapes alone, which the step's guards fix: a constant of the step),
    the C-contiguous copies ``matmul`` makes of strided operands (``linalg._stack`` and
    ``linalg._blas_ready``), the copy of the first k of sorted rows by ``be.topk`` (a k too
    large for its selection kernel), and the layout copy of a strided input to a scan
    (``scan.as_3d``, as :func:`as_3d_wrapper`)."""
    import sys

    linalg = sys.modules["numbagrad.backends.cpu.linalg"]
    scan = sys.modules["numbagrad.backends.cpu.scan"]
    prod, batch_index = be.prod, linalg._batch_index
    stack, blas_ready = linalg._stack, linalg._blas_ready

    def r_prod(x, axes=None, keepdims=False, dtype=None):
        if rec.thread != get_ident():
            return prod(x, axes, keepdims, dtype)
        start = len(rec.calls)
        out = prod(x, axes, keepdims, dtype)
        _accumulator_tail(rec, start, out, "_prod_kernel", 1, "product")
        return out

    def r_batch_index(batch, full):
        out = batch_index(batch, full)
        if rec.thread == get_ident():
            rec.known.add(id(rec._root(out)))
        return out

    def r_stack(x):
        out, transposed = stack(x)
        if rec.thread == get_ident() and x.size and not np.may_share_memory(out, x):
            rec.add("copy", None, (x, out.reshape(x.shape)))  # a strided batch, copied
        return out, transposed

    def r_blas_ready(x):
        out = blas_ready(x)
        if rec.thread == get_ident() and out is not x and x.size:
            rec.add("copy", None, (x, out))  # a strided matrix, copied for BLAS
        return out

    topk = be.topk

    def r_topk(x, k, descending):
        if rec.thread != get_ident():
            return topk(x, k, descending)
        start = len(rec.calls)
        values, indices = topk(x, k, descending)
        sorts = [c for c in rec.calls[start:] if c.kind == "kernel" and "_sort_kernel" in c.name()]
        if len(sorts) == 1 and values.size:
            # A large k sorts whole rows, then copies their first k in NumPy.
            whole_values, whole_indices = sorts[0].args[-2:]
            rec.add("copy", None, (whole_values[:, :k], values))
            rec.add("copy", None, (whole_indices[:, :k], indices))
        return values, indices

    return [(be, "prod", r_prod), (be, "topk", r_topk), (linalg, "_batch_index", r_batch_index),
            (linalg, "_stack", r_stack), (linalg, "_blas_ready", r_blas_ready),
            (scan, "as_3d", as_3d_wrapper(rec, scan.as_3d))]


@cached_njit
def _index_offsets(prev, pos, index, n, stride, ordinal, out):
    """One index tensor's part of ``x[idx]``'s element offsets, in a compiled step: ``out[r] =
    prev[r] + i * stride`` with ``i = index[pos[r]]`` (``pos``: which index element result
    element ``r`` reads, its broadcasting), a negative ``i`` counted from the end, and torch's
    IndexError for an ``i`` outside ``[-n, n)`` (eager mode checks on the host, in
    ``ops/index.py``'s plan, before any kernel). All arrays flat, int64; ``out`` may be
    ``prev``."""
    for r in range(out.size):
        i = index[pos[r]]
        if i < -n or i >= n:
            raise IndexError("index " + str(i) + " is out of bounds for dimension "
                             + str(ordinal) + " with size " + str(n))
        if i < 0:
            i += n
        out[r] = prev[r] + i * stride


def index_wrappers(rec, index_mod, host_offsets, context) -> dict:
    """Recording versions of ``ops/index.py``'s ``_normalize`` and ``_advanced_offsets``, so that
    ``x[idx]`` with integer index tensors is captured: eager mode computes the selected
    elements' offsets in NumPy from the indices' values, which a replay cannot reuse. Here each
    index tensor stays an array of the step (its int64 C-contiguous conversion, if needed, a
    recorded copy), the offsets' part that depends on shapes only becomes a constant, and each
    index's part is added by a recorded kernel (:func:`_index_offsets`) that reads the index's
    current values and raises torch's IndexError for one out of range. The result is checked
    against eager mode's offsets at the capture; masks, lists and other host indices keep eager
    mode's path (a reason not to compile)."""
    from numbagrad.tensor import Tensor

    normalize, advanced_offsets = index_mod._normalize, index_mod._advanced_offsets

    def r_normalize(key, keep_0d=False):
        if rec.thread != get_ident():
            return normalize(key, keep_0d)
        items = []
        for k in index_mod._as_tuple(key):
            # An index of the step: a tensor's array (an argument, persistent, or computed by a
            # recorded call), or a host array a recorded kernel wrote (an op's checked index:
            # ops/masked.py); one made from host data inside the step keeps eager mode's
            # path: a reason.
            a = k._data if isinstance(k, Tensor) else k if type(k) is np.ndarray else None
            if (a is not None and type(a) is np.ndarray and a.ndim and a.dtype.kind in "iu"
                    and a.dtype != np.uint8
                    and (id(rec._root(a)) in rec.seen or isinstance(k, Tensor)
                         and id(rec._root(a)) in rec.known)):
                if a.dtype != np.int64 or not a.flags.c_contiguous:
                    b = np.empty(a.shape, np.int64)
                    with context(rec, ("index", "offsets")):
                        rec.add("astype" if a.dtype != np.int64 else "copy", None, (a, b))
                    b[...] = a
                    a = b
                rec.tensor_index.add(id(a))
                rec.keep.append(a)
                k = a
            items.append(k)
        return normalize(tuple(items), keep_0d)

    def r_advanced_offsets(shape, p, *strides_list):
        arrays = [(v, a) for v, a in enumerate(p.advanced) if isinstance(a, np.ndarray)]
        if (rec.thread != get_ident() or not arrays
                or any(id(a) not in rec.tensor_index for _, a in arrays)):
            return advanced_offsets(shape, p, *strides_list)  # host offsets: a reason, later
        expected = advanced_offsets(shape, p, *strides_list)
        if not expected[0].size:
            return expected
        # Which dimension of the input each dimension of the basic view is (None: added).
        dims, d = [], 0
        for k in p.basic:
            if k is None:
                dims.append(None)
                continue
            if not isinstance(k, int):
                dims.append(d)
            d += 1
        dims += range(d, len(shape))
        zeros = type(p)(p.basic, tuple(np.zeros(a.shape, np.int64) if isinstance(a, np.ndarray)
                                       else a for a in p.advanced))
        zero_coords = index_mod._coordinates(shape, zeros)
        # NumPy puts the indices' broadcast shape where adjacent indices stand, else first.
        where = [v for v, _ in arrays]
        common = np.broadcast_shapes(*(a.shape for _, a in arrays))
        start = where[0] if where == list(range(where[0], where[0] + len(where))) else 0
        shape_out = expected[0].shape
        positions = []  # per index: which of its elements each result element reads
        for _, a in arrays:
            pos = np.broadcast_to(np.arange(a.size, dtype=np.int64).reshape(a.shape), common)
            positions.append(np.ascontiguousarray(np.broadcast_to(pos.reshape(
                (1,) * start + common + (1,) * (len(shape_out) - start - len(common))),
                shape_out)))
        outs = []
        positions = [rec.constant(pos) for pos in positions]
        for strides, want in zip(strides_list, expected):
            const = rec.constant(host_offsets(zero_coords, strides))
            # -1, which no offset is: the capture sees the kernel write it even where every
            # offset is 0 (an uninitialised array may hold zeros already).
            out = np.full(shape_out, -1, np.int64)
            prev = const
            for ordinal, ((v, a), pos) in enumerate(zip(arrays, positions)):
                with context(rec, ("index", "offsets")):
                    _index_offsets(prev.reshape(-1), pos.reshape(-1), a.reshape(-1),
                                   shape[dims[v]], strides[dims[v]], ordinal, out.reshape(-1))
                prev = out
            if not np.array_equal(out, want):  # not expected: leave it to eager mode's path
                rec.reason("x[index] offsets differ from eager mode's (please report)")
                return expected
            rec.keep.append(out)
            outs.append(out)
        return outs

    return {"_normalize": r_normalize, "_advanced_offsets": r_advanced_offsets}

"""Masked and index ops: masked_fill/select, index_select/add/fill/copy, take, take_along_dim,
scatter, scatter_add, nonzero and argwhere.

All but ``scatter_add`` are composites of :mod:`numbagrad.ops.index` (``getitem``,
``index_put_key``, ``gather``) and ``where``, so they get their gradients and both devices free.
``scatter_add`` is one primitive over the existing ``take``/``put_add`` kernels: its repeated
indices must add up, which ``index_put_key`` (last write wins) cannot do. Index tensors are read on
the host and every index is checked, with torch's messages, by one kernel
(:func:`numbagrad.backends.cpu.index.checked_index`) before the op's kernels run; a compiled step
runs that kernel on each call's index.
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.backends.cpu import index as host
from numbagrad.backends.cpu.index import checked_index, scatter_offsets
from numbagrad.ops.elementwise import cast, check_tensor, where, write_out
from numbagrad.ops.index import getitem, index_put_key
from numbagrad.ops.index import gather as _gather
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor, wrap_dim

_NUMBER = (bool, numbers.Number, np.number, np.bool_)


def _host_index(op: str, index, allowed: tuple, message: str, exc=RuntimeError) -> np.ndarray:
    """``index``'s values on the host, after torch's dtype check: on the CPU the index's own
    memory, not a copy, so that a compiled step's kernels read each call's index."""
    check_tensor(op, index, "index", 3)
    if index.dtype.name not in allowed:
        raise exc(message.format(dtypes.scalar_name(index.dtype)))
    return index._backend().to_host(index._data)


def _vector(op: str, idx: np.ndarray) -> np.ndarray:
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return idx.reshape(-1)


def _value(input, value, op: str):
    """A number or 0-d tensor as a 0-d tensor of ``input``'s dtype (differentiable)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        return cast(value, input.dtype)
    if not isinstance(value, _NUMBER):
        raise TypeError(f"{op}(): argument 'value' must be Number or Tensor, not "
                        f"{type(value).__name__}")
    be = input._backend()
    return Tensor._make(be.full((), value, input._data.dtype), input._device)


def _dim_key(axis: int, idx: np.ndarray) -> tuple:
    return (slice(None),) * axis + (idx,)


# ---------------------------------------------------------------------------- masks


def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor) where ``mask`` (bool, broadcastable)
    holds. d/d input = g where not mask; d/d value = sum of g where mask.

    Raises
    ------
    RuntimeError
        A mask that is not bool, or a value tensor that is not 0-d.
    """
    check_tensor("masked_fill", input)
    check_tensor("masked_fill", mask, "mask", 2)
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{dtypes.scalar_name(mask.dtype).lower()}")
    return where(mask, _value(input, value, "masked_fill_"), input)


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where ``mask`` holds (both broadcast), as a 1-D tensor.
    d/d input = g put back at the selected positions.

    Raises
    ------
    RuntimeError
        A mask that is not bool, or shapes that do not broadcast.
    """
    check_tensor("masked_select", input)
    check_tensor("masked_select", mask, "mask", 2)
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast(tuple(input.shape), tuple(mask.shape))
    x = input if tuple(input.shape) == shape else input.expand(shape)
    m = np.broadcast_to(np.asarray(mask), shape)
    return write_out("masked_select", getitem(x.reshape(-1), m.reshape(-1)), out)


def _broadcast(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q and 1 not in (p, q):
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) "
                               f"at non-singleton dimension {i}")
    return tuple(max(p, q) if 0 not in (p, q) else 0 for p, q in zip(a, b))


# ---------------------------------------------------------------------------- selection


def index_select(input, dim: int, index, *, out=None):
    """The slices of ``input`` along ``dim`` at ``index`` (1-D or 0-d, int32/int64).
    d/d input = g added back at the selected slices (repeats add up).

    Raises
    ------
    RuntimeError
        A float index, or an index out of ``[0, size)`` along a dimension other than 0.
    IndexError
        An index of more than one dimension, ``dim`` out of range, or an index out of range
        along dimension 0 (torch's classes differ by path).
    """
    check_tensor("index_select", input)
    idx = _host_index("index_select", index, ("int32", "int64"),
                      "index_select(): Expected dtype int32 or int64 for index")
    idx = _vector("index_select", idx)
    axis = wrap_dim(dim, max(input.ndim, 1), "index_select")
    if input.ndim == 0 and idx.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    x = input.reshape(1) if input.ndim == 0 else input
    # torch's class differs by path: IndexError along dim 0, else RuntimeError
    idx = checked_index(idx, x.shape[axis], False, host.SELECT_DIM0 if axis == 0 else host.SELECT)
    result = getitem(x, _dim_key(axis, idx))
    if input.ndim == 0:
        result = result.reshape(())
    return write_out("index_select", result, out)


def take(input, index):
    """``input`` read as 1-D at ``index`` (int64, any shape; negatives count from the end).
    d/d input = g added back at the read positions.

    Raises
    ------
    RuntimeError
        An index that is not int64.
    IndexError
        An index out of ``[-numel, numel)``.
    """
    check_tensor("take", input)
    idx = _host_index("take", index, ("int64",),
                      "take(): Expected a long tensor for index, but got {}", RuntimeError)
    idx = checked_index(idx, input.numel(), True, host.TAKE)
    return getitem(input.reshape(-1), idx)


def take_along_dim(input, indices, dim=None, *, out=None):
    """``gather`` with ``indices`` broadcast against ``input`` outside ``dim`` (both flattened
    when ``dim`` is None); negative indices count from the end. d/d input as ``gather``.

    Raises
    ------
    RuntimeError
        Indices that are not int64, of another rank, or out of range.
    """
    check_tensor("take_along_dim", input)
    check_tensor("take_along_dim", indices, "indices", 2)
    if indices.dtype is not dtypes.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{dtypes.scalar_name(indices.dtype)}")
    idx = indices._backend().to_host(indices._data)
    if dim is None:
        input, idx, axis = input.reshape(-1), idx.reshape(-1), 0
    else:
        if input.ndim != idx.ndim:
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of "
                f"dimensions, but got {input.ndim} dimensions for input, and {idx.ndim} "
                "dimensions for indices")
        axis = wrap_dim(dim, max(input.ndim, 1), "take_along_dim")
    if input.ndim == 0:
        input, idx = input.reshape(1), idx.reshape(1)
    a, b = list(input.shape), list(idx.shape)
    a[axis] = b[axis] = 1
    common = list(_broadcast(tuple(a), tuple(b)))
    xs, js = list(common), list(common)
    xs[axis], js[axis] = input.shape[axis], idx.shape[axis]
    idx = checked_index(np.broadcast_to(idx, js), xs[axis], True, host.TAKE_ALONG_DIM, axis)
    x = input if list(input.shape) == xs else input.expand(xs)
    j = Tensor._make(input._backend().from_host(idx), input._device)
    return write_out("take_along_dim", _gather(x, axis, j), out)


# ---------------------------------------------------------------------------- nonzero


def nonzero(input, *, out=None, as_tuple: bool = False):
    """The indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or (``as_tuple``)
    one 1-D tensor per dimension. Not differentiable."""
    check_tensor("nonzero", input)
    if not isinstance(as_tuple, (bool, np.bool_)):
        raise TypeError(f"nonzero(): argument 'as_tuple' must be bool, not "
                        f"{type(as_tuple).__name__}")
    host = np.asarray(input)
    be = input._backend()
    if as_tuple:
        parts = np.nonzero(host.reshape(1) if host.ndim == 0 else host)
        return tuple(Tensor._make(be.from_host(np.ascontiguousarray(p, np.int64)), input._device)
                     for p in parts)
    result = Tensor._make(be.from_host(np.ascontiguousarray(np.argwhere(host), np.int64)),
                          input._device)
    return write_out("nonzero", result, out)


def argwhere(input):
    """``nonzero(input)``: the ``(n, ndim)`` int64 indices of the nonzero elements."""
    check_tensor("argwhere", input)
    return nonzero(input)


# ---------------------------------------------------------------------------- scatter


def _scatter_add_forward(be, x, src, offsets):
    out = be.copy(x)
    be.put_add(out, offsets, be.contiguous(src))
    return out


def _scatter_add_vjp(be, g, node):
    """d/dx = g; d/d src = g read at the positions each src element was added to."""
    g = be.contiguous(g)
    gsrc = be.take(g, node.attrs["offsets"]) if node.needs[1] else None
    return (g if node.needs[0] else None, gsrc)


SCATTER_ADD = register(OpDef("scatter_add", _scatter_add_forward, _scatter_add_vjp,
                             kernels=("copy", "put_add", "contiguous", "take")))


def _scatter_plan(op: str, input, dim, index, src):
    """Checked ``(axis, ishape, offsets, src_view)``: the element offset in a C-contiguous
    ``input`` (of ``ishape``, 0-d read as ``(1,)``) of every index entry, in ``index``'s shape,
    and ``src`` cut to that shape."""
    check_tensor(op, input)
    check_tensor(op, index, "index", 3)
    if index.dtype.name not in ("int32", "int64"):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    axis = wrap_dim(dim, max(input.ndim, 1), op)
    ishape = tuple(input.shape) or (1,)
    jshape = tuple(index.shape) or (1,)
    if len(jshape) != len(ishape):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        sshape = tuple(src.shape) or (1,)
        if len(sshape) != len(jshape):
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as src tensor")
    else:
        sshape = jshape
    if any(j > s for j, s in zip(jshape, sshape)) or any(
            j > i for d, (j, i) in enumerate(zip(jshape, ishape)) if d != axis):
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                           f"{list(input.shape)} apart from dimension {axis} and to be no larger "
                           f"size than src {list(sshape)}")
    # The index's own memory on the CPU (not a copy through ``np.asarray(tensor)``, which a
    # capture refuses): a compiled step computes the offsets and the range check from it in
    # the step, on each call's index (compile/memory.py).
    idx = index._backend().to_host(index._data).reshape(jshape)
    offsets, bad = scatter_offsets(idx, axis, ishape)
    if bad >= 0:
        raise RuntimeError(f"index {idx.reshape(-1)[bad]} is out of bounds for dimension {axis} "
                           f"with size {ishape[axis]}")
    if isinstance(src, Tensor):
        s = src.reshape(sshape) if not src.shape else src
        if sshape != jshape:  # only the part of src that index covers is scattered
            s = getitem(s, tuple(slice(0, j) for j in jshape))
        src = s
    return axis, ishape, offsets, src


def scatter(input, dim: int, index, src=None, *, value=None):
    """``input`` with ``src[i][j]`` (or ``value``) written at ``[index[i][j]][j]`` for ``dim=0``
    (likewise for other dims). d/d input = g with the written positions zeroed; d/d src = g at
    the positions written.

    Raises
    ------
    RuntimeError
        An index that is not int64, of another rank or too large, out of range, or a ``src``
        of another dtype.
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if not isinstance(src, Tensor):
        src = _value(input, src, "scatter")
        _, _, offsets, _ = _scatter_plan("scatter", input, dim, index, None)
    else:
        _, _, offsets, src = _scatter_plan("scatter", input, dim, index, src)
    flat = input.reshape(-1)
    return index_put_key(flat, (offsets.reshape(-1),), src.reshape(-1)).reshape(input.shape)


def scatter_add(input, dim: int, index, src):
    """``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` for ``dim=0`` (likewise for
    other dims); repeated indices add up. d/d input = g; d/d src = g at the positions added to.

    Raises
    ------
    RuntimeError
        As :func:`scatter`.
    """
    check_tensor("scatter_add", src, "src", 4)
    _, _, offsets, src = _scatter_plan("scatter_add", input, dim, index, src)
    be = input._backend()
    return apply(SCATTER_ADD, (input, src), offsets=be.from_host(offsets))


# ---------------------------------------------------------------------------- index_*


def _index_dim(op: str, input, dim, index, allowed, message, exc=RuntimeError):
    check_tensor(op, input)
    idx = _vector(op, _host_index(op, index, allowed, message, exc))
    return wrap_dim(dim, max(input.ndim, 1), op), idx


def index_add(input, dim: int, index, source, *, alpha=1):
    """``input`` with ``alpha * source``'s slices along ``dim`` added at ``index``; repeated
    indices add up. d/d input = g; d/d source = alpha * g at the indexed slices.

    Raises
    ------
    RuntimeError
        A float index, a count of indices unequal to ``source.size(dim)``, another dtype, or an
        index out of range of an input of several dimensions.
    IndexError
        An index out of range of a 1-D input (torch's classes differ by path).
    """
    axis, idx = _index_dim("index_add", input, dim, index, ("int32", "int64"),
                           "index_add_(): Expected dtype int32/int64 for index but got: {}")
    check_tensor("index_add", source, "source", 4)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({dtypes.scalar_name(input.dtype)}) and source "
                           f"({dtypes.scalar_name(source.dtype)}) must have the same scalar type")
    s = source.reshape(1) if source.ndim == 0 else source
    if s.ndim <= axis:
        raise RuntimeError(f"index_add_(): Indexing dim {axis} is out of bounds of the source "
                           f"tensor with dim {s.ndim}")
    if s.shape[axis] != idx.size:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({s.shape[axis]}), for dim: {axis}")
    ishape = list(input.shape) or [1]
    if s.ndim != len(ishape) or any(p != q for d, (p, q) in enumerate(zip(ishape, s.shape))
                                    if d != axis):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    n = (tuple(input.shape) or (1,))[axis]
    # torch's class differs by path: IndexError for a 1-D input, else RuntimeError
    idx = checked_index(idx, n, True, host.INDEX_ADD_1D if input.ndim <= 1 else host.INDEX_ADD,
                        axis)
    j = Tensor._make(input._backend().from_host(idx), input._device)
    j = j.reshape((-1,) + (1,) * (s.ndim - axis - 1)).expand(tuple(s.shape))
    if alpha != 1:
        s = s * alpha
    return scatter_add(input, axis, j, s)


def index_fill(input, dim: int, index, value):
    """``input`` with ``value`` (a number or 0-d tensor) in the slices along ``dim`` at
    ``index``. d/d input = g with those slices zeroed; d/d value = their sum.

    Raises
    ------
    IndexError
        An index that is not int64 or out of range.
    """
    axis, idx = _index_dim("index_fill", input, dim, index, ("int64",),
                           "index_fill_(): Expected dtype int64 for index.", IndexError)
    v = _value(input, value, "index_fill_")
    x = input.reshape(1) if input.ndim == 0 else input
    idx = checked_index(idx, x.shape[axis], True, host.INDEX_ERROR, axis)
    return index_put_key(x, _dim_key(axis, idx), v).reshape(input.shape)


def index_copy(input, dim: int, index, source):
    """``input`` with ``source``'s slices along ``dim`` copied to ``index``. d/d input = g with
    those slices zeroed; d/d source = g at them.

    Raises
    ------
    RuntimeError
        An index that is not int64.
    IndexError
        An index out of range, or a count unequal to ``source.size(dim)``.
    """
    axis, idx = _index_dim("index_copy", input, dim, index, ("int64",),
                           "index_copy_(): Expected a long tensor for index, but got {}")
    check_tensor("index_copy", source, "source", 4)
    x = input.reshape(1) if input.ndim == 0 else input
    s = source.reshape(1) if source.ndim == 0 else source
    if source.dtype is not input.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {dtypes.scalar_name(input.dtype)} and (source) "
                           f"{dtypes.scalar_name(source.dtype)}")
    _check_slices(tuple(x.shape), tuple(s.shape), axis)
    if s.shape[axis] != idx.size:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({s.shape[axis]})")
    idx = checked_index(idx, x.shape[axis], False, host.INDEX_COPY, axis)
    return index_put_key(x, _dim_key(axis, idx), s).reshape(input.shape)


def _check_slices(dest: tuple, src: tuple, axis: int) -> None:
    """torch's index_copy check: equal ranks, and equal sizes outside ``axis``."""
    if len(dest) != len(src):
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({len(src)}), "
                         f"destination dimensionality ({len(dest)})")
    d_rest = dest[:axis] + dest[axis + 1:]
    s_rest = src[:axis] + src[axis + 1:]
    if d_rest != s_rest:
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {' '.join(map(str, d_rest))} at "
                           f"dimension {axis} and source slice shape: "
                           f"{' '.join(map(str, s_rest))} at dimension 0.")


METHODS: dict = {
    "masked_fill": masked_fill, "masked_fill_": inplace_method(masked_fill),
    "masked_select": masked_select, "index_select": index_select, "take": take,
    "take_along_dim": take_along_dim, "nonzero": nonzero, "argwhere": argwhere,
    "scatter": scatter, "scatter_": inplace_method(scatter),
    "scatter_add": scatter_add, "scatter_add_": inplace_method(scatter_add),
    "index_add": index_add, "index_add_": inplace_method(index_add),
    "index_fill": index_fill, "index_fill_": inplace_method(index_fill),
    "index_copy": index_copy, "index_copy_": inplace_method(index_copy),
}

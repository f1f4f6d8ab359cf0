"""Writes at indexed positions with torch's signatures: index_put, put, masked_scatter and
scatter_reduce (sum, prod, mean, amax, amin).

``index_put``, ``put`` and ``masked_scatter`` are composites of
:func:`numbagrad.ops.index.index_put_key` (which also accumulates, on the ``put_add`` kernels).
``scatter_reduce`` is one primitive over ``put_add`` and the ``scatter_reduce`` kernels, with
torch's gradients: ties of amax/amin share the gradient evenly (torch counts an equal ``self``
among the ties even when ``include_self=False``), and prod's gradient divides only by nonzero
factors. Every index is checked on the host, with torch's messages, before a kernel runs.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.backends.cpu.index import TAKE, checked_index
from numbagrad.ops import scalar as F
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.index import getitem, index_put_key, plan
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.masked import _broadcast, _scatter_plan
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor


def _name(t) -> str:
    return dtypes.scalar_name(t.dtype)


# ---------------------------------------------------------------------------- index_put, put


def index_put(input, indices, values, accumulate: bool = False):
    """``input`` with ``input[indices] = values`` (``indices`` a tuple of index tensors, masks
    allowed), out of place; with ``accumulate`` the values are added, repeats adding up.

    d/d input = g with the written positions zeroed (g itself when accumulating);
    d/d values = g at the written positions, summed over broadcasting.

    Raises
    ------
    TypeError
        ``indices`` holding something other than tensors, or ``values`` not a tensor.
    IndexError
        Too many indices, an index out of range, a float index, or indices that do not
        broadcast together.
    RuntimeError
        ``values`` of another dtype, or of a shape that does not broadcast to the result.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.index_put(torch.zeros(3), (torch.tensor([0, 0]),), torch.tensor([1.0, 2.0]),
    ...                 accumulate=True)
    tensor([3., 0., 0.])
    """
    check_tensor("index_put", input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' (position 2) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError("index_put(): argument 'values' (position 3) must be Tensor, not "
                        f"{type(values).__name__}")
    if not indices:
        raise RuntimeError("index_put(): expected at least one index tensor")
    if len(indices) > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got "
                         f"{len(indices)})")
    p = plan(tuple(input.shape), tuple(indices), keep_0d=True)
    return index_put_key(input, p, values, accumulate=bool(accumulate), strict=True)


def put(input, index, source, accumulate: bool = False):
    """``input`` read as 1-D with ``source``'s elements written (or, with ``accumulate``, added)
    at ``index`` (int64, negatives count from the end), out of place.

    d/d input = g with the written positions zeroed (g itself when accumulating);
    d/d source = g at the written positions.

    Raises
    ------
    RuntimeError
        An index that is not int64, or a source of another dtype.
    IndexError
        An index out of range, or unequal numbers of indices and source elements.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 2).put(torch.tensor([0, -1]), torch.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    check_tensor("put", input)
    check_tensor("put", index, "index", 2)
    check_tensor("put", source, "source", 3)
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_name(index)}")
    if source.dtype is not input.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_name(input)} and source.dtype = {_name(source)}")
    if index.numel() != source.numel():
        raise IndexError("put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source.numel()}, index.numel() = "
                         f"{index.numel()}")
    idx = checked_index(index._backend().to_host(index._data), input.numel(), True, TAKE)
    out = index_put_key(input.reshape(-1), (idx.reshape(-1),), source.reshape(-1),
                        accumulate=bool(accumulate))
    return out.reshape(input.shape)


def masked_scatter(input, mask, source):
    """``input`` (broadcast with ``mask``) with ``source``'s first elements, in order, written
    where ``mask`` holds.

    d/d input = g where not mask; d/d source = g at the masked positions, in the source's first
    elements (0 for the rest).

    Raises
    ------
    RuntimeError
        A mask that is not bool, a source of another dtype or with too few elements, or shapes
        that do not broadcast.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(4).masked_scatter(torch.tensor([True, False, True, False]),
    ...                               torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 2., 0.])
    """
    check_tensor("masked_scatter", input)
    check_tensor("masked_scatter", mask, "mask", 2)
    check_tensor("masked_scatter", source, "source", 3)
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_name(mask)}")
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_name(input)} and {_name(source)}")
    shape = _broadcast(tuple(mask.shape), tuple(input.shape))  # torch's order in its message
    x = input if tuple(input.shape) == shape else input.expand(shape)
    m = np.broadcast_to(np.asarray(mask), shape)
    count = int(np.count_nonzero(m))
    if source.numel() < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    values = getitem(source.reshape(-1), slice(0, count))
    if not shape:  # a 0-d mask would read as a bool scalar index
        return index_put_key(x.reshape(1), (m.reshape(1),), values).reshape(())
    return index_put_key(x, (m,), values)


# ---------------------------------------------------------------------------- scatter_reduce


def _is_equal(a, b):
    return 1.0 if a == b else 0.0


def _one_if_zero(a):
    return 1.0 if a == 0 else a


def _mul_div(g, a, b):
    return g * a / b


def _single_zero(src_zero, zeros_there):
    return 1.0 if src_zero == 1.0 and zeros_there == 1.0 else 0.0


def _one_where(flag, a):
    return 1.0 if flag == 1.0 else a


def _prod_src_grad(single, g_masked_result, g_result, src):
    """torch's: g * (product of the others) for a lone zero, else g * result / src."""
    if single == 1.0:
        return g_masked_result
    return g_result / (1.0 if src == 0 else src)


_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def _identity(reduce: str, dtype):
    if reduce in _IDENTITY:
        return _IDENTITY[reduce]
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    return (info.min if reduce == "amax" else info.max) if info else reduce == "amin"


def _combine(be, x, src, offsets, reduce, include_self):
    """``x`` (a copy) with ``src`` combined in at ``offsets``; unreduced for 'mean'."""
    out = be.copy(x)
    if not include_self:
        be.put(out, offsets, be.full(offsets.shape, _identity(reduce, x.dtype), x.dtype))
    if reduce in ("sum", "mean"):
        be.put_add(out, offsets, src)
    else:
        be.scatter_reduce(out, offsets, src, reduce)
    return out


def _scatter_reduce_forward(be, x, src, offsets, key, reduce, include_self, count):
    s = be.contiguous(be.basic_index(src, key))
    out = _combine(be, x, s, offsets, reduce, include_self)
    if reduce == "mean":
        floor = x.dtype.kind in "iub"
        out = be.map(_floor_div if floor else F.div, [out, count], x.dtype)
    return out


def _floor_div(a, b):
    return a // b


def _zero_written(be, gx, offsets):
    be.put(gx, offsets, be.zeros(offsets.shape, gx.dtype))
    return gx


def _scatter_reduce_vjp(be, g, node):
    """torch's ``scatter_reduce_backward``, formula by formula."""
    x, src = node.inputs
    a = node.attrs
    offsets, reduce = a["offsets"], a["reduce"]
    if node.needs[1] and tuple(node.in_shapes[1]) != tuple(offsets.shape):
        raise RuntimeError(
            "Function ScatterReduceBackward0 returned an invalid gradient at index 1 - got "
            f"{list(offsets.shape)} but expected shape compatible with {list(node.in_shapes[1])}")
    g = be.contiguous(g)
    s = be.contiguous(be.basic_index(src, a["key"]))
    dt = g.dtype
    if reduce == "sum":
        gx, gsrc = be.copy(g), be.take(g, offsets)
    elif reduce == "mean":
        gx = be.map(F.div, [g, a["count"]], dt)
        gsrc = be.take(gx, offsets)
    elif reduce == "prod":
        masked_x = be.map(_one_if_zero, [x], dt)
        gx = be.map(_mul_div, [g, _combine(be, masked_x, s, offsets, reduce, a["include_self"]),
                               masked_x], dt)
        src_zero = be.map(_is_equal, [s, be.zeros((), dt)], dt)
        zeros = be.zeros(tuple(x.shape), dt)
        be.put_add(zeros, offsets, src_zero)
        single = be.map(_single_zero, [src_zero, be.take(zeros, offsets)], dt)
        masked_result = _combine(be, x, be.map(_one_where, [single, s], dt), offsets, reduce,
                                 a["include_self"])
        g_at = be.take(g, offsets)
        gsrc = be.map(_prod_src_grad, [
            single, be.map(F.mul, [g_at, be.take(masked_result, offsets)], dt),
            be.map(F.mul, [g_at, be.take(node.output, offsets)], dt), s], dt)
    else:
        result = node.output
        x_ties = be.map(_is_equal, [x, result], dt)
        src_ties = be.map(_is_equal, [s, be.take(result, offsets)], dt)
        ties = be.copy(x_ties)
        be.put_add(ties, offsets, src_ties)
        share = be.map(F.div, [g, ties], dt)
        gx = be.map(F.mul, [x_ties, share], dt)
        gsrc = be.map(F.mul, [src_ties, be.take(share, offsets)], dt)
    if not a["include_self"]:
        gx = _zero_written(be, gx, offsets)
    if node.needs[1]:
        gsrc = be.reshape(gsrc, tuple(node.in_shapes[1]))
    return (gx if node.needs[0] else None, gsrc if node.needs[1] else None)


SCATTER_REDUCE = register(OpDef(
    "scatter_reduce", _scatter_reduce_forward, _scatter_reduce_vjp,
    kernels=("copy", "put", "full", "put_add", "scatter_reduce", "map", "basic_index",
             "contiguous", "take", "zeros", "reshape"),
    saves_inputs=True, saves_output=True))

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True,
                   out=None):
    """``input`` with each ``src[i][j]`` combined into ``[index[i][j]][j]`` for ``dim=0``
    (likewise for other dims) by ``reduce``: 'sum', 'prod', 'mean', 'amax' or 'amin'; with
    ``include_self=False`` the positions written to start from the reduction's identity.

    d/d input and d/d src as torch: sum: g (and g gathered); mean: g / count; prod:
    g * result / factor (exclusive products at zeros); amax/amin: g shared evenly by the ties.

    Raises
    ------
    RuntimeError
        An unknown ``reduce``, an index that is not int32/int64, of another rank, too large or
        out of range, or a ``src`` of another dtype; at backward, a ``src`` larger than
        ``index`` (torch refuses that gradient too).

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce(0, torch.tensor([0, 0, 2]), torch.tensor([5.0, 4.0, 1.0]), "amax")
    tensor([5., 2., 3.])
    """
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch takes these too
    if reduce not in _REDUCTIONS:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    check_tensor("scatter_reduce", src, "src", 4)
    axis, ishape, offsets, _ = _scatter_plan("scatter_reduce", input, dim, index, src)
    be = input._backend()
    count = None
    if reduce == "mean":
        n = np.bincount(offsets.reshape(-1), minlength=int(np.prod(ishape))) + bool(include_self)
        count = be.from_host(np.maximum(n, 1).reshape(ishape).astype(input._data.dtype))
    sshape = tuple(src.shape) or (1,)
    key = tuple(slice(0, j) for j in offsets.shape)
    x = input.reshape(ishape) if not input.shape else input
    s = src.reshape(sshape) if not src.shape else src
    result = apply(SCATTER_REDUCE, (x, s), offsets=be.from_host(offsets), key=key,
                   reduce=reduce, include_self=bool(include_self), count=count)
    return write_out("scatter_reduce", result.reshape(()) if not input.shape else result, out)


METHODS: dict = {
    "index_put": index_put, "index_put_": inplace_method(index_put),
    "put": put, "put_": inplace_method(put),
    "masked_scatter": masked_scatter, "masked_scatter_": inplace_method(masked_scatter),
    "scatter_reduce": scatter_reduce, "scatter_reduce_": inplace_method(scatter_reduce),
}

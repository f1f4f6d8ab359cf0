"""Indexing with gradients: ``x[...]`` (ints, slices, None, Ellipsis, masks, index arrays),
``x[...] = v`` and ``gather``.

The rules are torch's, which differ from NumPy's where a key mixes ints and index arrays.
torch walks the key left to right, applying ints (and 0-d integer tensors) as selects, slices,
None and Ellipsis to give a *basic* view; a Python bool adds a dimension of size 1 indexed by
``[0]`` (True) or ``[]`` (False). The index arrays and masks left over then index that view
with NumPy's rule for a key of slices and arrays: adjacent ones put their broadcast shape in
place, ones separated by a slice or None put it first. So an int never separates index arrays:
``x[0, :, idx]`` is ``(3, len(idx))`` for ``x`` of shape (2, 3, 4), where NumPy gives
``(len(idx), 3)``. A list holding a sequence, slice, tensor, None or Ellipsis is read as a
tuple of indices, as torch does.

A key without index arrays gives a view sharing storage (the ``slice`` primitive of
:mod:`numbagrad.ops.shape`). Otherwise the result is a copy, gathered by a kernel from flat
element offsets, and its gradient is scattered back with repeated positions adding up.

The offsets are planned on the host without allocating anything of the input's size: for each
dimension d, the coordinate ``np.arange(n_d)`` broadcast along d to the input's shape is indexed
with the two steps of the key, which gives torch's exact result layout; the coordinates times
the strides are the offsets. Every index is range-checked before that, with torch's messages
(an int's dimension is its position in the key; an index array's is its place among the index
arrays), since the kernels do not check bounds.
"""
from __future__ import annotations

import numbers
import operator
from typing import NamedTuple

import numpy as np

from numbagrad.autograd.grad_mode import _enabled
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.ops.shape import SLICE, as_view, reshape

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
              "valid indices (got {})")


def _tensor_type():
    from numbagrad.tensor import Tensor

    return Tensor


# ---------------------------------------------------------------------------- planning


def _index_array(a: np.ndarray, keep_0d: bool = False):
    """A host index array as int64 or bool; a 0-d one is a plain int or a bool scalar (torch
    selects with a 0-d integer tensor) unless ``keep_0d``. uint8 arrays are masks, as in torch."""
    if a.dtype == np.uint8:
        a = a.astype(np.bool_)
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iu":
        return int(a) if a.ndim == 0 and not keep_0d else a.astype(np.int64, copy=False)
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _slice(k: slice) -> slice:
    start = None if k.start is None else operator.index(k.start)
    stop = None if k.stop is None else operator.index(k.stop)
    step = None if k.step is None else operator.index(k.step)
    if step is not None and step == 0:
        raise ValueError("slice step cannot be zero")
    if step is not None and step < 0:
        raise ValueError("step must be greater than zero")
    return slice(start, stop, step)


def _is_sequence(k) -> bool:
    return isinstance(k, (list, tuple, range))


def _as_tuple(key) -> tuple:
    """torch's (and old NumPy's) rule: a list of fewer than 32 items holding a tensor, a sequence,
    a slice, Ellipsis or None is read as a tuple of indices; any other list is one index."""
    Tensor = _tensor_type()
    if isinstance(key, tuple):
        return key
    if isinstance(key, list) and len(key) < 32 and any(
            isinstance(k, (Tensor, slice, list, tuple, range)) or k is None or k is Ellipsis
            for k in key):
        return tuple(key)
    return (key,)


def _normalize(key, keep_0d: bool = False) -> tuple:
    """The key as a tuple of ints, slices, None, Ellipsis, 0-d bool arrays (a bool scalar) and
    int64/bool arrays."""
    Tensor = _tensor_type()
    out = []
    for k in _as_tuple(key):
        if k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, slice):
            out.append(_slice(k))
        elif isinstance(k, (bool, np.bool_)):
            out.append(np.asarray(bool(k)))
        elif isinstance(k, (numbers.Integral, np.integer)):
            out.append(int(k))
        elif isinstance(k, Tensor):
            out.append(_index_array(np.asarray(k), keep_0d))
        elif isinstance(k, np.ndarray):
            out.append(_index_array(k, keep_0d))
        elif _is_sequence(k):
            a = np.asarray([np.asarray(v) if isinstance(v, Tensor) else v for v in k])
            out.append(_index_array(a.astype(np.int64) if a.size == 0 else a))  # [] is long
        elif isinstance(k, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")  # torch's words
        else:
            raise IndexError(_BAD_INDEX.format(type(k).__name__))
    return tuple(out)


class Plan(NamedTuple):
    """A checked key in torch's two steps: ``basic`` (ints, slices, None) gives a view; then
    ``advanced`` (slices and index arrays, one entry per dimension of that view, empty when
    there are none) indexes the view with NumPy's rules, which are torch's for such a key."""
    basic: tuple
    advanced: tuple


def _width(k) -> int:
    """How many dimensions of the input an item consumes."""
    if isinstance(k, (int, slice)):
        return 1
    if isinstance(k, np.ndarray):
        return k.ndim if k.dtype == np.bool_ else 1
    return 0


def _walk(shape: tuple, items: tuple) -> tuple:
    """torch's left-to-right pass: the basic key, and each index array with the dimension of the
    basic view it indexes (a bool scalar adds a dimension of size 1 indexed by [0] or [])."""
    ndim = len(shape)
    consumed = sum(_width(k) for k in items)
    if consumed > ndim:
        if ndim == 0 and any(isinstance(k, int) for k in items):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, arrays, d, r = [], [], 0, 0
    for pos, k in enumerate(items):
        if k is None:
            basic.append(None)
            r += 1
        elif k is Ellipsis:  # each one skips the unconsumed dimensions, as torch's walk
            skip = min(ndim - consumed, ndim - d)
            basic += [slice(None)] * skip
            d += skip
            r += skip
        elif isinstance(k, slice):
            basic.append(k)
            d += 1
            r += 1
        elif isinstance(k, int):
            n = shape[d] if d < ndim else 0
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {pos} with size {n}")
            basic.append(k)
            d += 1
        elif k.ndim == 0 and k.dtype == np.bool_:
            basic.append(None)
            arrays.append((r, np.zeros(1 if k else 0, np.int64)))
            r += 1
        else:
            w = _width(k)
            basic += [slice(None)] * w
            arrays.append((r, k))
            d += w
            r += w
    return tuple(basic), arrays


def _check_arrays(view: tuple, arrays: list) -> bool:
    """Masks against the view's shape, then broadcasting, then ranges, as torch's order; False
    (ranges unchecked) when the result is empty."""
    for r, a in arrays:
        if a.dtype == np.bool_:
            for j in range(a.ndim):
                if a.shape[j] != view[r + j]:
                    raise IndexError(
                        f"The shape of the mask {list(a.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(view)} at index {r + j}")
    shapes = [s for _, a in arrays for s in (
        [(int(np.count_nonzero(a)),)] * a.ndim if a.dtype == np.bool_ else [a.shape])]
    try:
        common = np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError(
            "shape mismatch: indexing tensors could not be broadcast together with shapes "
            + ", ".join(str(list(s)) for s in shapes)) from None
    indexed = {r + j for r, a in arrays for j in range(_width(a))}
    if 0 in common or any(n == 0 for i, n in enumerate(view) if i not in indexed):
        return False  # torch checks ranges while copying, so not at all for an empty result
    ordinal = 0  # torch numbers the dimension among the index tensors, masks expanded
    for r, a in arrays:
        if a.dtype == np.bool_:
            ordinal += a.ndim
            continue
        n = view[r]
        bad = np.flatnonzero((a < -n) | (a >= n))
        if bad.size and n == 0:
            raise IndexError("index is out of bounds for dimension with size 0")
        if bad.size:
            raise IndexError(f"index {a.reshape(-1)[bad[0]]} is out of bounds for dimension "
                             f"{ordinal} with size {n}")
        ordinal += 1
    return True


def plan(shape: tuple, key, keep_0d: bool = False) -> Plan:
    """Check ``key`` against ``shape`` with torch's rules and split it into its two steps.

    An int (or 0-d integer tensor) selects before any index array applies, so it never
    separates index arrays: for ``x`` of shape (2, 3, 4), ``x[0, :, idx]`` has shape
    ``(3, len(idx))`` (NumPy gives ``(len(idx), 3)``). Index arrays that slices or None
    separate go first in the result; adjacent ones stay in place.

    Raises
    ------
    IndexError
        Too many indices, an index out of range, a mask of the wrong shape, index arrays that
        do not broadcast together, or an index of an unsupported type.
    ValueError
        A slice step that is zero or negative.
    """
    items = _normalize(key, keep_0d)
    basic, arrays = _walk(shape, items)
    if not arrays:
        return Plan(basic, ())
    view = np.broadcast_to(np.zeros((), np.int8), shape)[basic + (Ellipsis,)].shape
    if not _check_arrays(view, arrays):  # an empty result: the values do not matter
        arrays = [(r, a if a.dtype == np.bool_ or view[r] == 0 else np.zeros_like(a))
                  for r, a in arrays]
    advanced, r = [], 0
    for at, a in arrays:
        advanced += [slice(None)] * (at - r) + [a]
        r = at + _width(a)
    return Plan(basic, tuple(advanced))


def _coordinates(shape: tuple, p: Plan) -> list:
    """For each dimension, the coordinate along it of every element that plan ``p`` selects."""
    ndim = len(shape)
    grids = [np.zeros((), np.int64)] if ndim == 0 else [
        np.broadcast_to(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (ndim - d - 1)), shape)
        for d, n in enumerate(shape)]
    return [g[p.basic + (Ellipsis,)][p.advanced] for g in grids]


def _offsets(coords: list, strides: tuple) -> np.ndarray:
    """Element offsets ``sum_d coords[d] * strides[d]`` (int64, C-contiguous)."""
    total = np.zeros(coords[0].shape, np.int64)
    for c, s in zip(coords, strides):
        if s:
            total += c * s
    return total


def _advanced_offsets(shape: tuple, p: Plan, *strides: tuple) -> list:
    """The element offsets (int64, in the result's shape) of what plan ``p`` selects from an
    array of ``shape``, one array per tuple of ``strides``, from one set of coordinates (one
    function, so that a compiled step can compute them from its index tensors' values in a
    kernel: see ``numbagrad/compile/memory.py``)."""
    coords = _coordinates(shape, p)
    return [_offsets(coords, s) for s in strides]


def _c_strides(shape: tuple) -> tuple:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


# ---------------------------------------------------------------------------- x[key]


def _index_forward(be, x, offsets, grad_offsets):
    return be.take(x, offsets)


def _index_vjp(be, g, node):
    """Each selected element sends its gradient back to where it came from; repeats add up."""
    shape = node.in_shapes[0]
    acc = be.zeros((int(np.prod(shape, dtype=np.int64)),), node.in_dtypes[0])
    be.put_add(acc, node.attrs["grad_offsets"], be.contiguous(g))
    return (be.reshape(acc, shape),)


INDEX = register(OpDef("index", _index_forward, _index_vjp,
                       kernels=("take", "put_add", "zeros", "contiguous", "reshape")))


def getitem(input, index):
    """``input[index]`` with torch's indexing rules.

    Ints, slices (positive steps), None and Ellipsis give a view sharing storage; index arrays
    (tensors, NumPy arrays, lists, ranges), masks and bool scalars give a copy. An int selects
    first, so ``x[0, :, idx]`` of ``x`` shaped (2, 3, 4) is ``(3, len(idx))``. d/dx = the
    gradient put back at the selected positions (summed where an element is selected more than
    once).

    Raises
    ------
    IndexError
        An index out of range, too many indices, a mask of the wrong shape, or a float index.
    ValueError
        A negative or zero slice step.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.arange(6).reshape(2, 3)
    >>> x[1, [0, 2]]
    tensor([3, 5])
    """
    p = plan(tuple(input.shape), index)
    if not p.advanced:
        return as_view(apply(SLICE, (input,), key=p.basic), input)
    be = input._backend()
    shape = tuple(input.shape)
    # The gradient is contiguous: its offsets differ from the input's where the input is not.
    strides = [input.stride()] + ([] if input.is_contiguous() else [_c_strides(shape)])
    found = _advanced_offsets(shape, p, *strides)
    offsets, grad_offsets = found[0], found[-1]
    return apply(INDEX, (input,), offsets=be.from_host(offsets),
                 grad_offsets=be.from_host(grad_offsets))


# ---------------------------------------------------------------------------- x[key] = value


def _index_put_forward(be, x, v, key, offsets, accumulate):
    out = be.copy(x)
    if key is not None:
        be.assign(be.basic_index(out, key), v)
    elif accumulate:
        be.put_add(out, offsets, be.copy(be.expand(v, offsets.shape)))
    else:
        be.put(out, offsets, be.copy(be.expand(v, offsets.shape)))
    return out


def _index_put_vjp(be, g, node):
    """The old value's gradient is ``g`` with the written positions zeroed (all of ``g`` when
    accumulating); the value's is ``g`` at those positions, summed back over broadcasting."""
    key, offsets = node.attrs["key"], node.attrs["offsets"]
    g = be.contiguous(g)
    gx = gv = None
    if node.needs[0]:
        if node.attrs["accumulate"]:
            gx = g
        else:
            gx = be.copy(g)
            if key is not None:
                be.assign(be.basic_index(gx, key), 0)
            else:
                be.put(gx, offsets, be.zeros(offsets.shape, gx.dtype))
    if node.needs[1]:
        gv = be.basic_index(g, key) if key is not None else be.take(g, offsets)
        gv = unbroadcast(be, gv, node.in_shapes[1])
    return (gx, gv)


INDEX_PUT = register(OpDef("index_put", _index_put_forward, _index_put_vjp,
                           kernels=("copy", "assign", "basic_index", "put", "put_add", "take",
                                    "expand", "zeros", "contiguous", "sum")))


def _strip_ones(shape: tuple, target: tuple) -> tuple:
    """``shape`` without the leading size-1 dimensions beyond ``target``'s rank, as torch."""
    while len(shape) > len(target) and shape[0] == 1:
        shape = shape[1:]
    return shape


def _value_tensor(input, value, target: tuple, basic: bool = False, strict: bool = False):
    """``value`` as a tensor of ``input``'s dtype and device, checked to broadcast to ``target``.

    Leading size-1 dimensions beyond ``target``'s rank are dropped, as torch does. With
    ``strict`` a tensor of another dtype is refused (torch's ``index_put_``); otherwise it is
    converted (torch's ``copy_``).
    """
    from numbagrad import dtypes
    from numbagrad.ops.elementwise import cast

    Tensor = _tensor_type()
    be = input._backend()
    if isinstance(value, (bool, numbers.Number, np.number, np.bool_)):
        return Tensor._make(be.full((), value, input._data.dtype), input._device)
    if not isinstance(value, Tensor):
        if not isinstance(value, (np.ndarray, list, tuple)):
            raise TypeError(f"setitem: can't assign a {type(value).__name__} to a tensor")
        value = Tensor._make(be.from_host(np.asarray(value, input._data.dtype)), input._device)
    if strict and value.dtype is not input.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{dtypes.scalar_name(input.dtype)} for the destination and "
            f"{dtypes.scalar_name(value.dtype)} for the source.")
    given = dtypes.scalar_name(value.dtype)
    value = cast(value, input.dtype)
    vshape = _strip_ones(tuple(value.shape), target)
    fits = len(vshape) <= len(target) and all(
        v in (1, t) for v, t in zip(reversed(vshape), reversed(target)))
    if not fits and basic and len(vshape) > len(target):
        raise RuntimeError(
            f"expand(torch.{given}Tensor{{{list(vshape)}}}, size="
            f"{list(target)}): the number of sizes provided ({len(target)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({len(vshape)})")
    if not fits and basic:
        bad = next((len(target) - 1 - i, v, t) for i, (v, t) in enumerate(
            zip(reversed(vshape), reversed(target))) if v not in (1, t))
        raise RuntimeError(
            f"The expanded size of the tensor ({bad[2]}) must match the existing size ({bad[1]}) "
            f"at non-singleton dimension {bad[0]}.  Target sizes: {list(target)}.  Tensor "
            f"sizes: {list(vshape)}")
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")
    return value if vshape == tuple(value.shape) else reshape(value, vshape)


def _target(input, p: Plan):
    """``(key, offsets, shape)``: the basic key, or the offsets for a C-contiguous copy of input."""
    if not p.advanced:
        return p.basic, None, tuple(input._backend().basic_index(input._data, p.basic).shape)
    shape = tuple(input.shape)
    offsets = _advanced_offsets(shape, p, _c_strides(shape))[0]
    return None, offsets, offsets.shape


def index_put_key(input, index, value, accumulate: bool = False, strict: bool = False):
    """``input`` with ``input[index] = value`` applied, out of place (the recorded form of
    ``setitem``; ``index`` is any key :func:`getitem` accepts, or its :class:`Plan`). With
    ``accumulate`` (for a key holding an index array) the values are added, repeated positions
    adding up.

    d/d input = the gradient with the written positions zeroed (all of it when accumulating);
    d/d value = the gradient at those positions, summed over broadcasting.
    """
    p = index if isinstance(index, Plan) else plan(tuple(input.shape), index)
    key, offsets, shape = _target(input, p)
    v = _value_tensor(input, value, shape, basic=key is not None, strict=strict)
    be = input._backend()
    return apply(INDEX_PUT, (input, v), key=key, accumulate=accumulate,
                 offsets=None if offsets is None else be.from_host(offsets))


def _check_writable(input) -> None:
    if any(s == 0 and n > 1 for s, n in zip(input.stride(), input.shape)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")


def setitem(input, index, value) -> None:
    """``input[index] = value`` in place; ``value`` is a number or a tensor broadcastable to
    ``input[index]``'s shape (converted to ``input``'s dtype for a basic key; of ``input``'s
    dtype for an advanced key, as torch's ``index_put_``).

    The version counter is bumped. While gradients are recorded (``input`` or ``value``
    requires grad), the write is recorded as :func:`index_put_key` and follows the rules of
    every in-place op: refused on a leaf that requires grad.

    Raises
    ------
    RuntimeError
        A value that does not broadcast or has another dtype, a leaf that requires grad, or an
        expanded tensor.
    IndexError, ValueError
        As :func:`getitem`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.zeros(3)
    >>> x[[0, 2]] = 1.0
    >>> x
    tensor([1., 0., 1.])
    """
    Tensor = _tensor_type()
    _check_writable(input)
    p = plan(tuple(input.shape), index)
    if _enabled.get() and (input.requires_grad
                           or (isinstance(value, Tensor) and value.requires_grad)):
        from numbagrad.ops.inplace import inplace

        inplace(input, index_put_key, p, value, strict=bool(p.advanced))
        return
    be = input._backend()
    if p.advanced:
        offsets = _advanced_offsets(tuple(input.shape), p, input.stride())[0]
        v = _value_tensor(input, value, offsets.shape, strict=True)
        be.put(input._data, be.from_host(offsets), be.copy(be.expand(v._data, offsets.shape)))
    else:
        view = be.basic_index(input._data, p.basic)
        v = _value_tensor(input, value, tuple(view.shape), basic=True)
        be.assign(view, v._data)
    input._version.value += 1


# ---------------------------------------------------------------------------- gather


def _gather_forward(be, x, index, axis, key, layout):
    outer, n, m, inner = layout
    if x.ndim == 0:  # gather treats a scalar as one element
        x = be.reshape(x, (1,))
    x3 = be.reshape(be.contiguous(be.basic_index(x, key)), (outer, n, inner))
    # A copy in int64: one kernel signature, and later writes to ``index`` cannot reach the vjp.
    idx3 = be.reshape(be.astype(index, np.int64), (outer, m, inner))
    return be.reshape(be.gather(x3, idx3), index.shape), idx3


def _gather_vjp(be, g, node):
    """Each gathered element's gradient is added back at the position it was read from."""
    outer, n, m, inner = node.attrs["layout"]
    key = node.attrs["key"]
    shape = node.in_shapes[0]
    acc = be.zeros((outer, n, inner), node.in_dtypes[0])
    be.scatter_add(acc, node.extra, be.reshape(be.contiguous(g), (outer, m, inner)))
    full_shape = shape if shape else (1,)
    grad = be.zeros(full_shape, node.in_dtypes[0])
    part = be.basic_index(grad, key)
    be.assign(part, be.reshape(acc, part.shape))
    return (be.reshape(grad, shape), None)


GATHER = register(OpDef("gather", _gather_forward, _gather_vjp, nondiff=(1,),
                        kernels=("gather", "scatter_add", "zeros", "reshape", "contiguous",
                                 "astype", "basic_index", "assign")))


def gather(input, dim: int, index, *, sparse_grad: bool = False):
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` for ``dim=0`` (and likewise for other
    dims), as ``torch.gather``; ``out`` has ``index``'s shape.

    d/d input = the gradient added back at the gathered positions (repeats add up).

    Raises
    ------
    TypeError
        If ``index`` is not a tensor.
    RuntimeError
        If ``index`` is not int32/int64, has another rank, is larger than ``input`` in a dimension
        other than ``dim``, or holds a value outside ``[0, input.size(dim))``.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.gather(x, 1, torch.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    """
    from numbagrad.tensor import wrap_dim

    Tensor = _tensor_type()
    if not isinstance(index, Tensor):
        raise TypeError("gather(): argument 'index' (position 3) must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype.name not in ("int32", "int64"):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    axis = wrap_dim(dim, input.ndim, "gather")
    ishape = tuple(input.shape) or (1,)
    jshape = tuple(index.shape) or (1,)
    if len(ishape) != len(jshape):
        raise RuntimeError(
            "gather(): Index tensor must have the same number of dimensions as input tensor")
    for d in range(len(ishape)):
        if d != axis and jshape[d] > ishape[d]:
            raise RuntimeError(
                f"gather(): Size does not match at dimension {d} expected index "
                f"{list(index.shape)} to be no larger than self {list(input.shape)} apart from "
                f"dimension {axis}")
    n = ishape[axis]
    # Read on the host only to raise torch's error early; a compiled step repeats the check
    # inside the step on each call's index (compile/memory.py), so nothing it computes
    # depends on this read, and it goes around ``np.asarray(tensor)``, which a capture refuses.
    values = index._backend().to_host(index._data)
    bad = np.flatnonzero((values < 0) | (values >= n))
    if bad.size:
        raise RuntimeError(f"gather(): index {values.reshape(-1)[bad[0]]} is out of bounds for "
                           f"dimension {axis} with size {n}")
    key = tuple(slice(None) if d == axis else slice(0, jshape[d]) for d in range(len(ishape)))
    outer = int(np.prod(jshape[:axis], dtype=np.int64))
    inner = int(np.prod(jshape[axis + 1:], dtype=np.int64))
    return apply(GATHER, (input, index), axis=axis, key=key,
                 layout=(outer, n, jshape[axis], inner))

"""Indexing with gradients: ``x[...]`` (ints, slices, None, Ellipsis, masks, index arrays),
``x[...] = v`` and ``gather``.

The rules are NumPy's (which torch follows). A key of ints, slices, None and Ellipsis is *basic*:
the result is a view sharing storage (the ``slice`` primitive of :mod:`numbagrad.ops.shape`). A
key holding an index array or a mask is *advanced*: the result is a copy, gathered by a kernel
from flat element offsets, and its gradient is scattered back with repeated positions adding up.

The offsets are planned on the host without allocating anything of the input's size: for each
dimension d, the coordinate ``np.arange(n_d)`` broadcast along d to the input's shape is indexed
with the user's key, which gives NumPy's exact result layout; the coordinates times the strides
are the offsets. Every index is range-checked before that, with torch's messages, since the
kernels do not check bounds.
"""
from __future__ import annotations

import numbers
import operator

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


def _index_array(a: np.ndarray, what: str):
    """A host index array as int64 or bool (a 0-d integer array becomes an int, as in torch)."""
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iu":
        return int(a) if a.ndim == 0 else a.astype(np.int64, copy=False)
    if a.size == 0 and what == "list":
        return a.astype(np.int64)
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


def _normalize(key) -> tuple:
    """The key as a tuple of ints, slices, None, Ellipsis and host int64/bool arrays."""
    Tensor = _tensor_type()
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, slice):
            out.append(_slice(k))
        elif isinstance(k, (bool, np.bool_)):
            out.append(np.asarray(bool(k)))
        elif isinstance(k, (numbers.Integral, np.integer)):
            out.append(int(k))
        elif isinstance(k, Tensor):
            out.append(_index_array(np.asarray(k), "tensor"))
        elif isinstance(k, np.ndarray):
            out.append(_index_array(k, "array"))
        elif isinstance(k, (list, tuple)):
            out.append(_index_array(np.asarray([np.asarray(v) if isinstance(v, Tensor) else v
                                                for v in k]), "list"))
        else:
            raise IndexError(_BAD_INDEX.format(type(k).__name__))
    return tuple(out)


def _check_in_range(values: np.ndarray, dim: int, n: int) -> None:
    bad = np.flatnonzero((values < -n) | (values >= n))
    if bad.size:
        raise IndexError(f"index {values.reshape(-1)[bad[0]]} is out of bounds for dimension "
                         f"{dim} with size {n}")


def plan(shape: tuple, key) -> tuple:
    """Check ``key`` against ``shape``: ``(items, advanced)`` with the normalized key.

    Raises
    ------
    IndexError
        Too many indices, an index out of range, a mask of the wrong shape, index arrays that
        do not broadcast together, or an index of an unsupported type.
    ValueError
        A slice step that is zero or negative.
    """
    items = _normalize(key)
    ndim = len(shape)
    if sum(k is Ellipsis for k in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 if isinstance(k, (int, slice)) or (isinstance(k, np.ndarray)
                                                        and k.dtype != np.bool_)
                   else k.ndim if isinstance(k, np.ndarray) else 0 for k in items)
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    d, adv_shapes = 0, []
    for k in items:
        if k is None:
            continue
        if k is Ellipsis:
            d += ndim - consumed
        elif isinstance(k, slice):
            d += 1
        elif isinstance(k, int):
            _check_in_range(np.asarray(k), d, shape[d])
            d += 1
        elif k.dtype == np.bool_:
            for j in range(k.ndim):
                if k.shape[j] != shape[d + j]:
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {d + j}")
            adv_shapes.append((int(np.count_nonzero(k)),))
            d += k.ndim
        else:
            _check_in_range(k, d, shape[d])
            adv_shapes.append(k.shape)
            d += 1
    if len(adv_shapes) > 1:
        try:
            np.broadcast_shapes(*adv_shapes)
        except ValueError:
            raise IndexError(
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                + ", ".join(str(list(s)) for s in adv_shapes)) from None
    return items, bool(adv_shapes)


def _coordinates(shape: tuple, items: tuple) -> list:
    """For each dimension, the coordinate along it of every element that ``items`` selects."""
    ndim = len(shape)
    if ndim == 0:
        return [np.broadcast_to(np.zeros((), np.int64), ())[items]]
    return [np.broadcast_to(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (ndim - d - 1)),
                            shape)[items] for d, n in enumerate(shape)]


def _offsets(coords: list, strides: tuple) -> np.ndarray:
    """Element offsets ``sum_d coords[d] * strides[d]`` (int64, C-contiguous)."""
    total = np.zeros(coords[0].shape, np.int64)
    for c, s in zip(coords, strides):
        if s:
            total += c * s
    return total


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
    """``input[index]`` with NumPy/torch indexing rules.

    Ints, slices (positive steps), None and Ellipsis give a view sharing storage; index arrays
    (tensors, NumPy arrays, lists) and bool masks give a copy. d/dx = the gradient put back at
    the selected positions (summed where an element is selected more than once).

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
    items, advanced = plan(tuple(input.shape), index)
    if not advanced:
        return as_view(apply(SLICE, (input,), key=items), input)
    be = input._backend()
    shape = tuple(input.shape)
    coords = _coordinates(shape, items)
    offsets = _offsets(coords, input.stride())
    grad_offsets = offsets if input.is_contiguous() else _offsets(coords, _c_strides(shape))
    return apply(INDEX, (input,), offsets=be.from_host(offsets),
                 grad_offsets=be.from_host(grad_offsets))


# ---------------------------------------------------------------------------- x[key] = value


def _index_put_forward(be, x, v, key, offsets):
    out = be.copy(x)
    if key is not None:
        be.assign(be.basic_index(out, key), v)
    else:
        be.put(out, offsets, be.copy(be.expand(v, offsets.shape)))
    return out


def _index_put_vjp(be, g, node):
    """The old value's gradient is ``g`` with the written positions zeroed; the value's is
    ``g`` at those positions, summed back over broadcasting."""
    key, offsets = node.attrs["key"], node.attrs["offsets"]
    g = be.contiguous(g)
    gx = gv = None
    if node.needs[0]:
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
                           kernels=("copy", "assign", "basic_index", "put", "take", "expand",
                                    "zeros", "contiguous", "sum")))


def _value_tensor(input, value, target: tuple):
    """``value`` as a tensor of ``input``'s dtype and device, checked to broadcast to ``target``.

    Leading size-1 dimensions beyond ``target``'s rank are dropped, as torch does.
    """
    from numbagrad.ops.elementwise import cast

    Tensor = _tensor_type()
    be = input._backend()
    if isinstance(value, (bool, numbers.Number, np.number, np.bool_)):
        return Tensor._make(be.full((), value, input._data.dtype), input._device)
    if not isinstance(value, Tensor):
        if not isinstance(value, (np.ndarray, list, tuple)):
            raise TypeError(f"setitem: can't assign a {type(value).__name__} to a tensor")
        value = Tensor._make(be.from_host(np.asarray(value, input._data.dtype)), input._device)
    value = cast(value, input.dtype)
    vshape = tuple(value.shape)
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape = vshape[1:]
    fits = len(vshape) <= len(target) and all(
        v in (1, t) for v, t in zip(reversed(vshape), reversed(target)))
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")
    return value if vshape == tuple(value.shape) else reshape(value, vshape)


def _target(input, items: tuple, advanced: bool):
    """``(key, offsets, shape)``: the basic key, or the offsets for a C-contiguous copy of input."""
    if not advanced:
        return items, None, tuple(input._backend().basic_index(input._data, items).shape)
    shape = tuple(input.shape)
    offsets = _offsets(_coordinates(shape, items), _c_strides(shape))
    return None, offsets, offsets.shape


def index_put(input, index, value):
    """``input`` with ``input[index] = value`` applied, out of place (the recorded form of
    ``setitem``; ``index`` is any key :func:`getitem` accepts).

    d/d input = the gradient with the written positions zeroed; d/d value = the gradient at
    those positions, summed over broadcasting.
    """
    items, advanced = plan(tuple(input.shape), index)
    key, offsets, shape = _target(input, items, advanced)
    v = _value_tensor(input, value, shape)
    be = input._backend()
    return apply(INDEX_PUT, (input, v), key=key,
                 offsets=None if offsets is None else be.from_host(offsets))


def _check_writable(input) -> None:
    if any(s == 0 and n > 1 for s, n in zip(input.stride(), input.shape)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")


def setitem(input, index, value) -> None:
    """``input[index] = value`` in place; ``value`` is a number or a tensor broadcastable to
    ``input[index]``'s shape, converted to ``input``'s dtype.

    The version counter is bumped. While gradients are recorded (``input`` or ``value``
    requires grad), the write is recorded as :func:`index_put` and follows the rules of every
    in-place op: refused on a leaf that requires grad.

    Raises
    ------
    RuntimeError
        A value that does not broadcast, a leaf that requires grad, or an expanded tensor.
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
    if _enabled.get() and (input.requires_grad
                           or (isinstance(value, Tensor) and value.requires_grad)):
        from numbagrad.ops.inplace import inplace

        inplace(input, index_put, index, value)
        return
    items, advanced = plan(tuple(input.shape), index)
    be = input._backend()
    if advanced:
        offsets = _offsets(_coordinates(tuple(input.shape), items), input.stride())
        v = _value_tensor(input, value, offsets.shape)
        be.put(input._data, be.from_host(offsets), be.copy(be.expand(v._data, offsets.shape)))
    else:
        view = be.basic_index(input._data, items)
        v = _value_tensor(input, value, tuple(view.shape))
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
    values = np.asarray(index)
    bad = np.flatnonzero((values < 0) | (values >= n))
    if bad.size:
        raise RuntimeError(f"gather(): index {values.reshape(-1)[bad[0]]} is out of bounds for "
                           f"dimension {axis} with size {n}")
    key = tuple(slice(None) if d == axis else slice(0, jshape[d]) for d in range(len(ishape)))
    outer = int(np.prod(jshape[:axis], dtype=np.int64))
    inner = int(np.prod(jshape[axis + 1:], dtype=np.int64))
    return apply(GATHER, (input, index), axis=axis, key=key,
                 layout=(outer, n, jshape[axis], inner))

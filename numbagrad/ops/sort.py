"""Sorting: sort, argsort, msort, topk, kthvalue.

One primitive, ``sort`` along one dim, returns the first ``k`` sorted values and keeps their
indices on its node; its vjp sends each value's gradient back to the position it came from (a
scatter by the indices). ``argsort`` and ``msort`` are the two halves of a full sort. ``topk``
and ``kthvalue`` ask for the first ``k`` only, which the backends select without sorting the
whole row while ``k`` is small (``backends/cpu/sort.py``).

The order is torch's: nan is larger than every number, and the sort is stable (equal elements
keep their input order, also when descending), whatever ``stable`` says. torch's own ``topk``
and ``kthvalue`` may pick another of several equal elements; here they pick the first in the
stable order.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad import dtypes, return_types
from numbagrad.ops import elementwise as ew
from numbagrad.ops import shape as shape_ops
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.reduce import _is_int, _one_axis
from numbagrad.ops.registry import OpDef, apply, register


def _layout(shape: tuple, axis: int) -> tuple:
    """``(outer, n, inner)`` of an array of ``shape`` sorted along ``axis`` (0-d: one element)."""
    outer = math.prod(shape[:axis])  # math.prod: np.prod costs microseconds on a tuple
    inner = math.prod(shape[axis + 1:])
    return outer, (shape[axis] if shape else 1), inner


def _sort_forward(be, x, axis, descending, k):
    outer, n, inner = _layout(x.shape, axis)
    x3 = be.reshape(be.contiguous(x), (outer, n, inner))
    values, indices = (be.sort(x3, descending) if k == n else be.topk(x3, k, descending))
    shape = x.shape[:axis] + (k,) + x.shape[axis + 1:] if x.ndim else ()
    return be.reshape(values, shape), be.reshape(indices, shape)


def _sort_vjp(be, g, node):
    """Each sorted value's gradient goes back to the position it was taken from."""
    shape = node.in_shapes[0]
    outer, n, inner = _layout(shape, node.attrs["axis"])
    kept = (outer, node.attrs["k"], inner)
    grad = be.zeros((outer, n, inner), node.in_dtypes[0])
    be.scatter_add(grad, be.reshape(node.extra, kept), be.reshape(be.contiguous(g), kept))
    return (be.reshape(grad, shape),)


# The first k of the sorted order: all of it for sort, a selection for topk and kthvalue.
SORT = register(OpDef("sort", _sort_forward, _sort_vjp,
                      kernels=("sort", "topk", "scatter_add", "zeros", "reshape", "contiguous")))


def _sorted(op: str, input, dim, descending: bool, k: int | None = None) -> tuple:
    """``(values, indices, axis)`` of ``input`` sorted along ``dim``, recorded when needed; only
    the first ``k`` along ``dim`` when ``k`` is given."""
    from numbagrad.tensor import Tensor, grad_enabled

    check_tensor(op, input)
    (axis,) = _one_axis(op, input, dim)
    if not isinstance(descending, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument 'descending' must be bool, not "
                        f"{type(descending).__name__}")
    if k is None:
        k = input.shape[axis] if input.ndim else 1
    half = input.dtype is dtypes.float16
    x = ew.cast(input, dtypes.float32) if half else input  # the kernels have no float16 loop
    if grad_enabled() and x.requires_grad:
        values = apply(SORT, (x,), axis=axis, descending=bool(descending), k=k)
        indices = values.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the indices with the node: run the forward.
        array, indices = SORT.forward(x._backend(), x._data, axis=axis,
                                      descending=bool(descending), k=k)
        values = Tensor._make(array, x._device)
    if half:
        values = ew.cast(values, dtypes.float16)
    return values, Tensor._make(indices, x._device), axis


def _write_pair(op: str, result_type, values, indices, out):
    """``result_type(values, indices)``, written into the pair ``out`` when given."""
    if out is None:
        return result_type(values, indices)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not "
                        f"{type(out).__name__}")
    return result_type(write_out(op, values, out[0]), write_out(op, indices, out[1]))


def sort(input, dim: int = -1, descending: bool = False, *, stable: bool = False, out=None):
    """``(values, indices)`` of ``input`` sorted along ``dim``. d/dx[indices[j]] = g[j].

    Parameters
    ----------
    input : Tensor
    dim : int
        The dimension to sort (the last by default).
    descending : bool
        Largest first.
    stable : bool
        Accepted for torch's signature: the sort is always stable.
    out : tuple of (Tensor, Tensor), optional

    Returns
    -------
    numbagrad.return_types.sort
        ``values`` and ``indices`` (int64, the positions along ``dim`` the values came from).
        nan sorts as the largest value; equal elements keep their input order.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    TypeError
        If ``dim`` is not an int.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.sort(torch.tensor([3.0, 1.0, 2.0]))
    numbagrad.return_types.sort(
    values=tensor([1., 2., 3.]),
    indices=tensor([1, 2, 0]))
    """
    values, indices, _ = _sorted("sort", input, dim, descending)
    return _write_pair("sort", return_types.sort, values, indices, out)


def argsort(input, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """The indices that sort ``input`` along ``dim`` (int64, no gradient); see :func:`sort`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.argsort(torch.tensor([3.0, 1.0, 2.0]), descending=True)
    tensor([0, 2, 1])
    """
    return _sorted("argsort", input, dim, descending)[1]


def msort(input, *, out=None):
    """``input`` sorted along its first dim: ``sort(input, 0).values``. d/dx as :func:`sort`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.msort(torch.tensor([[2.0, 1.0], [0.0, 3.0]]))
    tensor([[0., 1.],
            [2., 3.]])
    """
    return write_out("msort", _sorted("msort", input, 0, False)[0], out)


def _check_k(op: str, k) -> int:
    if not _is_int(k):
        raise TypeError(f"{op}(): argument 'k' must be int, not {type(k).__name__}")
    return int(k)


def _take(t, axis: int, start: int, length: int):
    """``t[..., start:start+length, ...]`` along ``axis`` as a contiguous tensor (0-d as is)."""
    if t.ndim == 0:
        return t
    return shape_ops.contiguous(shape_ops._narrow(t, axis, start, length))


def topk(input, k: int, dim: int | None = None, largest: bool = True,
         sorted: bool = True, *, out=None):  # noqa: A002 - torch's name
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.
    d/dx[indices[j]] = g[j].

    Parameters
    ----------
    input : Tensor
    k : int
    dim : int, optional
        The last dim by default.
    largest : bool
        The largest elements (else the smallest).
    sorted : bool
        Accepted for torch's signature: the results are always in sorted order.
    out : tuple of (Tensor, Tensor), optional

    Returns
    -------
    numbagrad.return_types.topk
        Among equal elements the first ones in input order are taken (torch may take others).

    Raises
    ------
    RuntimeError
        If ``k`` is not in ``[0, input.size(dim)]``, or ``input`` is bool.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.topk(torch.tensor([1.0, 4.0, 2.0, 3.0]), 2)
    numbagrad.return_types.topk(
    values=tensor([4., 3.]),
    indices=tensor([1, 3]))
    """
    check_tensor("topk", input)
    k = _check_k("topk", k)
    if input.dtype is dtypes.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    (axis,) = _one_axis("topk", input, -1 if dim is None else dim)
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range: k = {k}, but dim {axis} "
                           f"has size {size}")
    values, indices, _ = _sorted("topk", input, axis, bool(largest), k)
    return _write_pair("topk", return_types.topk, values, indices, out)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element along ``dim`` (``k`` counts from 1) and its index.
    d/dx[index] = g.

    Parameters
    ----------
    input : Tensor
    k : int
    dim : int
    keepdim : bool
    out : tuple of (Tensor, Tensor), optional

    Returns
    -------
    numbagrad.return_types.kthvalue
        nan counts as the largest value. Among equal elements the first in input order is
        taken (torch may take another).

    Raises
    ------
    RuntimeError
        If ``k`` is not in ``[1, input.size(dim)]``.
    NotImplementedError
        If ``input`` is bool, as torch.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.kthvalue(torch.tensor([3.0, 1.0, 2.0]), 2)
    numbagrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    check_tensor("kthvalue", input)
    k = _check_k("kthvalue", k)
    if input.dtype is dtypes.bool_:
        raise ew.not_implemented("kthvalue_cpu", input.dtype)
    (axis,) = _one_axis("kthvalue", input, dim)
    size = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}: "
                           f"k = {k}, size {size}")
    values, indices, _ = _sorted("kthvalue", input, axis, False, k)
    values, indices = _take(values, axis, k - 1, 1), _take(indices, axis, k - 1, 1)
    if not keepdim and input.ndim:
        values, indices = shape_ops.squeeze(values, axis), shape_ops.squeeze(indices, axis)
    return _write_pair("kthvalue", return_types.kthvalue, values, indices, out)


METHODS: dict = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk,
                 "kthvalue": kthvalue}

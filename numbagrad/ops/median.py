"""Order statistics: median, nanmedian, mode.

All are composites of the ``sort`` primitive and ``gather`` (no kernels of their own; both
devices and the gradient come with them). Along a dim, each slice is sorted (stably, nan
last) and the wanted position is gathered from the sorted values and indices, so the gradient
of each value goes to the element at the returned index:

* ``median``: position ``(n - 1) // 2`` (the lower median, as torch), or the first nan when the
  slice holds one (nan propagates); ``nanmedian``: the lower median of the non-nan elements.
  Among equal elements the position in the stable order gives the index; torch's selection may
  name another of them in large slices.
* ``mode``: the most frequent value, the smallest among equally frequent ones, at its last
  occurrence (torch's index for slices of up to 16 elements without nan; its unstable sort
  may name another occurrence in longer ones, and a nan can split its runs). In the sorted
  slice equal values form runs; the end of the first longest run (found with a running
  maximum of run starts) is the mode. nan is unequal to everything, so each nan counts once.

Without a dim, ``median``/``nanmedian`` return the value alone and, as torch, share its
gradient evenly among the elements equal to it (the nans when it is nan): the value goes
through the ``amax`` primitive over the elements equal to it, whose vjp shares it so.
"""
from __future__ import annotations

import math

from numbagrad import dtypes, return_types
from numbagrad.autograd.grad_mode import no_grad
from numbagrad.ops import bitwise, comparison, division, logic, scan
from numbagrad.ops import elementwise as ew
from numbagrad.ops import shape as shape_ops
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.index import gather
from numbagrad.ops.reduce import AMAX, _one_axis, dim_or_axis
from numbagrad.ops.reduce import argmax as _argmax
from numbagrad.ops.reduce import sum as _sum
from numbagrad.ops.registry import apply
from numbagrad.ops.sort import _sorted, _write_pair


def _check(op: str, input, dim, bool_ok: bool = False) -> int:
    """The checked axis of ``input`` (a 0-d input counts as one element along dim 0/-1).

    torch names ``median`` in nanmedian's errors too."""
    check_tensor(op, input)
    (axis,) = _one_axis(op, input, dim)
    name = "mode" if op == "mode" else "median"
    if input.dtype is dtypes.bool_ and not bool_ok:
        raise ew.not_implemented(f"{name}_out", input.dtype)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    return axis


def _as_1d_if_scalar(input):
    return shape_ops.reshape(input, (1,)) if input.ndim == 0 else input


def _finish(op: str, result_type, input, axis: int, keepdim: bool, values, indices, out):
    """Drop the gathered dim unless ``keepdim`` (0-d inputs stay 0-d), then ``out=``."""
    if input.ndim == 0:
        values, indices = shape_ops.reshape(values, ()), shape_ops.reshape(indices, ())
    elif not keepdim:
        values, indices = shape_ops.squeeze(values, axis), shape_ops.squeeze(indices, axis)
    return _write_pair(op, result_type, values, indices, out)


def _position(x, axis: int, skip_nan: bool):
    """Where the (nan)median sits in each sorted slice of ``x`` along ``axis`` (int64, the dim
    kept with length 1); nan sorts last."""
    n = x.shape[axis]
    if not x.dtype.is_floating_point:
        lower = (n - 1) // 2
        shape = list(x.shape)
        shape[axis] = 1
        from numbagrad.creation import full

        return full(shape, lower, dtype=dtypes.int64, device=x.device)
    nans = _sum(logic.isnan(x), (axis,), True)
    if skip_nan:  # the lower median of the n - nans numbers; 0 (a nan) when there are none
        return division.floor_divide(ew.clamp(ew.sub(n - 1, nans), min=0), 2)
    return ew.where(comparison.gt(nans, 0), ew.sub(n, nans), (n - 1) // 2)


def _median_dim(op: str, result_type, input, dim, keepdim: bool, out, skip_nan: bool):
    axis = _check(op, input, dim)
    x = _as_1d_if_scalar(input)
    values, indices, _ = _sorted(op, x, axis, False)
    with no_grad():
        where = _position(x, axis, skip_nan)
    return _finish(op, result_type, input, axis, keepdim, gather(values, axis, where),
                   gather(indices, axis, where), out)


def _median_all(op: str, input, skip_nan: bool, out):
    """The (nan)median of all elements, its gradient shared by the elements equal to it."""
    check_tensor(op, input)
    if input.dtype is dtypes.bool_:
        raise ew.not_implemented("median_cpu", input.dtype)
    if input.numel() == 0:
        if not input.dtype.is_floating_point:
            raise RuntimeError(f"{op}(): the median of an empty {input.dtype} tensor is "
                               f"undefined (it would be nan)")
        return write_out(op, ew.mul(_sum(input, None, False), math.nan), out)
    flat = shape_ops.reshape(input, (-1,))
    with no_grad():
        value = _median_dim(op, return_types.median, flat, 0, False, None, skip_nan).values
    if not (input.requires_grad and input.dtype.is_floating_point):
        return write_out(op, value, out)
    tied = bitwise.logical_or(comparison.eq(flat, value),
                              bitwise.logical_and(logic.isnan(flat), logic.isnan(value)))
    return write_out(op, apply(AMAX, (ew.where(tied, flat, -math.inf),), axes=None,
                               keepdim=False, nan_ties=True), out)


def median(input, dim=None, keepdim: bool = False, *, out=None, axis=None):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``.

    Without ``dim``: d/dx_i = 1/k for the k elements equal to the median. With ``dim``: the
    gradient of each value goes to the element at its index.

    Parameters
    ----------
    input : Tensor
        Not bool.
    dim : int, optional
    keepdim : bool
    out : Tensor or tuple of (Tensor, Tensor), optional
    axis : int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor or numbagrad.return_types.median
        The element at position ``(n - 1) // 2`` of the sorted slice; nan (at the first nan's
        index) where the slice holds a nan. nan for an empty input without ``dim``.

    Raises
    ------
    NotImplementedError
        For bool input, as torch.
    IndexError
        If ``dim`` is out of range or its size is 0.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.median(torch.tensor([3.0, 1.0, 4.0, 2.0]))
    tensor(2.)
    >>> torch.median(torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]), 1)
    numbagrad.return_types.median(
    values=tensor([2., 4.]),
    indices=tensor([2, 2]))
    """
    dim = dim_or_axis("median", dim, axis)
    if dim is None:
        return _median_all("median", input, False, out)
    return _median_dim("median", return_types.median, input, dim, keepdim, out, False)


def nanmedian(input, dim=None, keepdim: bool = False, *, out=None, axis=None):
    """:func:`median` ignoring nan: the lower median of the non-nan elements (nan when all are).

    Gradients as :func:`median`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nanmedian(torch.tensor([1.0, float("nan"), 3.0, 2.0]))
    tensor(2.)
    """
    dim = dim_or_axis("nanmedian", dim, axis)
    if dim is None:
        return _median_all("nanmedian", input, True, out)
    return _median_dim("nanmedian", return_types.nanmedian, input, dim, keepdim, out, True)


def _mode_index(x, axis: int):
    """The index (along ``axis``, kept with length 1) of each slice's mode: see the module."""
    from numbagrad.creation import full
    from numbagrad.ranges import arange

    if x.dtype is dtypes.bool_:
        x = ew.cast(x, dtypes.uint8)
    n = x.shape[axis]
    s, order, _ = _sorted("mode", x, axis, False)
    starts = comparison.ne(shape_ops._narrow(s, axis, 1, n - 1),
                           shape_ops._narrow(s, axis, 0, n - 1))
    first = full([1 if d == axis else size for d, size in enumerate(x.shape)], True,
                 dtype=dtypes.bool_, device=x.device)
    starts = shape_ops.cat([first, starts], axis)
    pos = shape_ops.reshape(arange(n, device=x.device),
                            [n if d == axis else 1 for d in range(x.ndim)])
    run_start = scan.cummax(ew.where(starts, pos, 0), axis).values
    end = _argmax(ew.sub(pos, run_start), axis, keepdim=True)
    return gather(order, axis, end)


def mode(input, dim: int = -1, keepdim: bool = False, *, out=None, axis=None):
    """``(values, indices)``: the most frequent value along ``dim`` and its last index.

    Among equally frequent values the smallest is taken, as torch (whose index may be another
    occurrence in slices of over 16 elements). nan equals nothing, so each nan counts once.
    d/dx[index] = g.

    Parameters
    ----------
    input : Tensor
    dim : int
        The last dim by default.
    keepdim : bool
    out : tuple of (Tensor, Tensor), optional
    axis : int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    numbagrad.return_types.mode

    Raises
    ------
    IndexError
        If ``dim`` is out of range or its size is 0.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.mode(torch.tensor([2.0, 1.0, 2.0, 1.0, 3.0]))
    numbagrad.return_types.mode(
    values=tensor(1.),
    indices=tensor(3))
    """
    if axis is not None:
        dim = dim_or_axis("mode", None if dim == -1 else dim, axis)
    ax = _check("mode", input, dim, bool_ok=True)
    x = _as_1d_if_scalar(input)
    with no_grad():
        indices = _mode_index(x, ax)
    return _finish("mode", return_types.mode, input, ax, keepdim, gather(x, ax, indices),
                   indices, out)


METHODS: dict = {"median": median, "nanmedian": nanmedian, "mode": mode}

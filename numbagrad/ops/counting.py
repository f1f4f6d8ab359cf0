"""Sorting and counting: unique, unique_consecutive, bincount, histc, searchsorted, bucketize.

None of these is differentiable. As in torch, ``unique`` and ``unique_consecutive`` of a float
tensor that requires grad return values that require grad, whose backward raises
``NotImplementedError``; ``bincount`` with weights that require grad does the same with a
``RuntimeError``; the other results never require grad.

The kernels are ``be.unique_rows``, ``be.bincount``, ``be.histc`` and ``be.searchsorted``
(``backends/cpu/counting.py`` and its CUDA twin). Sizes that depend on the data (how many
distinct values, the largest value a bincount counts, the range of a histc over the data) are
read on the host: for a CUDA tensor, ``unique`` copies its n group-start marks to the host,
and ``bincount`` and ``histc`` copy one or two reduced numbers.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops.comparison import wrapped_ints
from numbagrad.ops.elementwise import NUMBERS, check_tensor, invalid_arguments, write_out
from numbagrad.ops.reduce import _is_int
from numbagrad.ops.registry import OpDef, apply
from numbagrad.tensor import Tensor, grad_enabled, wrap_dim


def _not_implemented_vjp(error: type, message: str):
    def vjp(be, g, node):
        raise error(message)

    return vjp


def _given(be, x, result):
    return result


# Not registered primitives: markers that give a result torch's grad_fn, whose backward raises.
_UNIQUE = OpDef("unique", _given, _not_implemented_vjp(
    NotImplementedError, "the derivative for '_unique2' is not implemented."), half=True)
_UNIQUE_DIM = OpDef("unique_dim", _given, _not_implemented_vjp(
    NotImplementedError, "the derivative for 'unique_dim' is not implemented."), half=True)
_UNIQUE_CONSECUTIVE = OpDef("unique_consecutive", _given, _not_implemented_vjp(
    NotImplementedError, "the derivative for 'unique_consecutive' is not implemented."),
    half=True)
_BINCOUNT = OpDef("bincount", _given, _not_implemented_vjp(
    RuntimeError, "derivative for aten::bincount is not implemented"), half=True)


def _marked(marker: OpDef, result: Tensor, source: Tensor) -> Tensor:
    """``result``, recorded with ``marker`` when ``source`` requires grad (as torch records
    a node whose backward raises)."""
    if grad_enabled() and source.requires_grad and result.dtype.is_floating_point:
        return apply(marker, (source,), result=result._data)
    return result


def _check_bool(op: str, name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")


# ---------------------------------------------------------------------------- unique


def _unique(op: str, input, consecutive: bool, return_inverse, return_counts, dim):
    check_tensor(op, input)
    _check_bool(op, "return_inverse", return_inverse)
    _check_bool(op, "return_counts", return_counts)
    be = input._backend()
    x = be.contiguous(input._data)
    half = x.dtype == np.float16
    if half:
        x = be.astype(x, np.float32)  # the kernels have no float16 loop; values come back exact
    shape = tuple(input.shape)
    if dim is None:
        values, inverse, counts = be.unique_rows(be.reshape(x, (x.size, 1)), consecutive, True)
        values = be.reshape(values, (values.shape[0],))
        inverse = be.reshape(inverse, shape)
        marker = _UNIQUE_CONSECUTIVE if consecutive else _UNIQUE
    else:
        if not _is_int(dim):
            where = "" if consecutive else " (position 2)"
            raise TypeError(f"{'unique_consecutive' if consecutive else 'unique_dim'}(): "
                            f"argument 'dim'{where} must be int, not {type(dim).__name__}")
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {int(dim)} but tensor has no dimensions")
        axis = wrap_dim(int(dim), input.ndim, op)
        if x.size == 0 and shape.count(0) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique "
                               "cannot be applied")
        if x.size == 0 and shape[axis] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
        order = (axis,) + tuple(d for d in range(input.ndim) if d != axis)
        rest = tuple(shape[d] for d in order[1:])
        rows = be.reshape(be.contiguous(be.permute(x, order)),
                          (shape[axis], int(np.prod(rest, dtype=np.int64))))
        values, inverse, counts = be.unique_rows(rows, consecutive, False)
        back = tuple(int(i) for i in np.argsort(order))
        values = be.contiguous(be.permute(be.reshape(values, (values.shape[0],) + rest), back))
        marker = _UNIQUE_CONSECUTIVE if consecutive else _UNIQUE_DIM
    if half:
        values = be.astype(values, np.float16)
    result = _marked(marker, Tensor._make(values, input._device), input)
    if not (return_inverse or return_counts):
        return result
    extra = []
    if return_inverse:
        extra.append(Tensor._make(inverse, input._device))
    if return_counts:
        extra.append(Tensor._make(counts, input._device))
    return (result, *extra)


def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements of ``input`` (flattened), or its distinct slices along ``dim``,
    in ascending order. Not differentiable.

    Parameters
    ----------
    input : Tensor
    sorted : bool
        Accepted for torch's signature: the result is always sorted, as torch's CPU result is.
        Flattened, nans sort last; along ``dim``, slices compare as torch's do, with ``<`` and
        ``>`` element by element (a nan decides nothing).
    return_inverse : bool
        Also return, for each element (each slice along ``dim``), the position of its value
        in the result: int64, ``input``'s shape (``(input.size(dim),)`` with ``dim``).
    return_counts : bool
        Also return how often each distinct value occurs (int64).
    dim : int, optional

    Returns
    -------
    Tensor or tuple of Tensor
        ``output``, then ``inverse_indices`` and ``counts`` when asked for. Elements are equal
        when ``==``: every nan is distinct, and nans sort last.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    RuntimeError
        If another dim than ``dim`` has size 0 while ``dim`` does not, as torch.

    Notes
    -----
    For a CUDA tensor the group-start marks (one bool per element) go through the host, to
    size the result; the sorting and the counting stay on the device.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.unique(torch.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    _check_bool("unique", "sorted", sorted)
    return _unique("unique", input, False, return_inverse, return_counts, dim)


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """``input`` (flattened, or its slices along ``dim``) with each run of equal neighbours
    kept once. Not differentiable.

    Parameters
    ----------
    input : Tensor
    return_inverse : bool
        Also return the run each element (slice) belongs to: int64, as in :func:`unique`.
    return_counts : bool
        Also return each run's length (int64).
    dim : int, optional

    Returns
    -------
    Tensor or tuple of Tensor
        ``output``, then ``inverse_indices`` and ``counts`` when asked for.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.unique_consecutive(torch.tensor([1, 1, 2, 1]), return_counts=True)
    (tensor([1, 2, 1]), tensor([2, 1, 1]))
    """
    return _unique("unique_consecutive", input, True, return_inverse, return_counts, dim)


# ---------------------------------------------------------------------------- bincount, histc


def _extremes(be, x) -> tuple:
    """``(min, max)`` of a non-empty array, as host numbers (nan-propagating)."""
    low = be.to_host(be.min(x)[0])
    high = be.to_host(be.max(x)[0])
    return np.asarray(low).item(), np.asarray(high).item()


def bincount(input, weights=None, minlength: int = 0):
    """How often each value ``0, 1, ..., max(input)`` occurs in the 1-D non-negative integer
    ``input`` (at least ``minlength`` bins), or the sum of the ``weights`` at each value.
    Not differentiable.

    Parameters
    ----------
    input : Tensor
        1-D, an integer dtype, no negative values.
    weights : Tensor, optional
        1-D, ``input``'s length.
    minlength : int

    Returns
    -------
    Tensor
        int64 counts; with weights, float32 sums for float32 weights (accumulated in float64),
        else float64.

    Raises
    ------
    RuntimeError
        If ``input`` is not 1-D or holds a negative value, if ``weights`` is not 1-D of
        ``input``'s length, or if ``minlength`` is negative.
    NotImplementedError
        If ``input`` is a float or bool tensor, as torch.
    TypeError
        If ``minlength`` is not an int.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.bincount(torch.tensor([1, 1, 3]))
    tensor([0, 2, 0, 1])
    """
    check_tensor("bincount", input)
    if not _is_int(minlength):
        raise TypeError(f"bincount(): argument 'minlength' must be int, not "
                        f"{type(minlength).__name__}")
    if weights is not None:
        check_tensor("bincount", weights, "weights", 2)
    if input.dtype.is_floating_point or input.dtype is dtypes.bool_:
        raise ew.not_implemented("bincount_cpu", input.dtype)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is not None and weights.device != input.device:
        raise RuntimeError(f"bincount: expected all tensors to be on the same device, but "
                           f"found at least two devices, {input.device} and {weights.device}!")
    be = input._backend()
    x = be.contiguous(input._data)
    nbins = int(minlength)
    if x.size:
        low, high = _extremes(be, x)
        if low < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        nbins = max(nbins, int(high) + 1)
    if weights is None:
        return Tensor._make(be.bincount(x, None, nbins), input._device)
    w = be.contiguous(weights._data)
    if w.dtype not in (np.float32, np.float64):
        w = be.astype(w, np.float64)  # torch sums other weights as float64
    sums = be.bincount(x, w, nbins)
    if w.dtype == np.float32:
        sums = be.astype(sums, np.float32)
    return _marked(_BINCOUNT, Tensor._make(sums, input._device), weights)


_CPP_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _number(value: float) -> str:
    return "%g" % value  # C++'s default float format, which torch's messages use


def histc(input, bins: int = 100, min=0, max=0, *, out=None):  # noqa: A002 - torch's names
    """The histogram of ``input`` (all elements) in ``bins`` equal bins over ``[min, max]``;
    with ``min == max``, over the data's range. Not differentiable.

    Elements outside the range and nan are not counted; the right edge belongs to the last
    bin. The bin of ``x`` is ``int((x - min) * bins / (max - min))`` computed in ``input``'s
    dtype, as torch's CPU kernel (float16 in float16 arithmetic, each step rounded).

    Parameters
    ----------
    input : Tensor
        A float tensor.
    bins : int
    min, max : number
        When equal, the data's minimum and maximum; when those are equal too, ``min - 1`` and
        ``max + 1``.
    out : Tensor, optional
        Of ``input``'s dtype.

    Returns
    -------
    Tensor
        ``(bins,)`` counts in ``input``'s dtype.

    Raises
    ------
    RuntimeError
        If ``bins <= 0``, the range is not finite or ``min > max``, or ``out``'s dtype differs.
    NotImplementedError
        For an integer or bool ``input``, as torch.
    TypeError
        If ``bins`` is not an int.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.histc(torch.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    check_tensor("histc", input)
    if not _is_int(bins):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    for name, value in (("min", min), ("max", max)):
        if not isinstance(value, NUMBERS) or isinstance(value, complex):
            raise TypeError(f"histc(): argument '{name}' must be Number, not "
                            f"{type(value).__name__}")
    if input.dtype is dtypes.bool_:
        raise ew.not_implemented("linspace_cpu", input.dtype)
    if not input.dtype.is_floating_point:
        raise ew.not_implemented("histogram_cpu", input.dtype)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    be = input._backend()
    x = be.reshape(be.contiguous(input._data), (input.numel(),))
    half = x.dtype == np.float16
    if half:
        x = be.astype(x, np.float32)  # exact; the range below is the data's, also in float16
    left, right = float(min), float(max)
    if left == right and x.size:
        left, right = _extremes(be, x)
    if left == right:
        left, right = left - 1, right + 1
    if not (math.isfinite(left) and math.isfinite(right)):
        raise RuntimeError(f"torch.histc: range of [{_number(left)}, {_number(right)}] is not "
                           "finite")
    if not left < right:
        raise RuntimeError("torch.histc: max must be larger than min")
    if out is not None:
        check_tensor("histc", out, "out", None)
        if out.dtype is not input.dtype:
            raise RuntimeError(
                f"torch.histogram: input tensor and hist tensor should have the same dtype, "
                f"but got input {_CPP_TYPES[input.dtype.name]} and hist "
                f"{_CPP_TYPES[out.dtype.name]}")
    if half:
        counts = _histc_half(input, int(bins), left, right)
    else:
        counts = be.histc(x, int(bins), left, right)
    return write_out("histc", Tensor._make(be.astype(counts, input._data.dtype),
                                           input._device), out)


def _histc_half(input: Tensor, bins: int, left: float, right: float):
    """histc's counts for a float16 ``input``, binned as torch does: in float16 arithmetic,
    each step rounded to float16. The positions ``(x - left) * bins / (right - left)`` are
    made by float16 elementwise ops (which round each result to float16, as torch), out of
    range and nan elements become nan, and the kernel bins the positions over ``[0, bins]``
    in float64, where ``s * bins / bins`` is exactly ``s``."""
    low, high = np.float16(left), np.float16(right)
    width = float(np.float16(np.float32(high) - np.float32(low)))
    flat = input.detach().reshape(-1)
    inside = (flat >= float(low)) & (flat <= float(high))
    scaled = ew.div(ew.mul(ew.sub(flat, float(low)), float(np.float16(bins))), width)
    scaled = ew.where(inside, scaled, scaled.new_full((), math.nan))
    return input._backend().histc(ew.cast(scaled, dtypes.float64)._data, bins, 0.0,
                                  float(bins))


# ---------------------------------------------------------------------------- searchsorted

_SEARCHSORTED_SIGNATURES = (
    "Tensor sorted_sequence, Tensor input, *, bool out_int32 = False, bool right = False, "
    "str side = None, Tensor sorter = None, Tensor out = None",
    "Tensor sorted_sequence, Number self, *, bool out_int32 = False, bool right = False, "
    "str side = None, Tensor sorter = None")
_BUCKETIZE_SIGNATURES = (
    "Tensor input, Tensor boundaries, *, bool out_int32 = False, bool right = False, "
    "Tensor out = None",
    "Number self, Tensor boundaries, *, bool out_int32 = False, bool right = False")


def _search(op: str, boundaries: Tensor, values, out_int32: bool, right: bool, sorter, out):
    """The insertion positions of ``values`` (a tensor or a number) in ``boundaries``."""
    scalar = not isinstance(values, Tensor) or values.ndim == 0
    if scalar and boundaries.ndim != 1:
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({boundaries.ndim}) and input "
            "value's dim(0) numel(1)")
    if boundaries.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if boundaries.ndim != 1 and (boundaries.ndim != values.ndim
                                 or boundaries.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}")
    if isinstance(values, Tensor) and values.device != boundaries.device:
        raise RuntimeError(f"{op}: expected all tensors to be on the same device, but found "
                           f"at least two devices, {boundaries.device} and {values.device}!")
    be = boundaries._backend()
    if sorter is not None:
        check_tensor(op, sorter, "sorter", None)
        if sorter.dtype is not dtypes.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype "
                               f"but got dtype {dtypes.scalar_name(sorter.dtype)}")
        if sorter.shape != boundaries.shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {list(boundaries.shape)}and got sorter tensor "
                f"{list(sorter.shape)}")
        if sorter.device != boundaries.device:
            raise RuntimeError(f"{op}: expected all tensors to be on the same device, but "
                               f"found at least two devices, {boundaries.device} and "
                               f"{sorter.device}!")
        if sorter.numel():
            low, high = _extremes(be, be.contiguous(sorter._data))
            if low < 0 or high >= boundaries.shape[-1]:
                raise RuntimeError("torch.searchsorted(): sorter index out of range")
    out_dtype = dtypes.int32 if out_int32 else dtypes.int64
    if out is not None:
        check_tensor(op, out, "out", None)
        if out.dtype is not out_dtype:
            raise RuntimeError(
                "torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                "Int(int32) or Long(int64) depending on whether out_int32 flag is True, but we "
                f"got output tensor's dtype {dtypes.scalar_name(out.dtype)} and out_int32 flag "
                f"is {bool(out_int32)}")
    boundaries, values = wrapped_ints(boundaries, values)
    common = dtypes.result_type(boundaries, values)
    if common is dtypes.bool_:
        raise ew.not_implemented("searchsorted_out_cpu", common)
    if common is dtypes.float16:
        common = dtypes.float32  # exact: float16 values compare alike in float32
    b = be.astype(be.contiguous(boundaries._data), common.np_type)
    if isinstance(values, Tensor):
        v, shape = be.astype(be.contiguous(values._data), common.np_type), tuple(values.shape)
    else:
        v, shape = be.from_host(np.asarray(values, common.np_type)), ()
    m = boundaries.shape[-1]
    rows = int(np.prod(boundaries.shape[:-1], dtype=np.int64))
    count = int(np.prod(shape, dtype=np.int64))
    k = count // rows if rows else 0
    if boundaries.ndim == 1:
        rows, k = 1, count
    s = None if sorter is None else be.reshape(be.contiguous(sorter._data), (rows, m))
    found = be.searchsorted(be.reshape(b, (rows, m)), be.reshape(v, (rows, k)), s, bool(right),
                            out_dtype.np_type)
    return write_out(op, Tensor._make(be.reshape(found, shape), boundaries._device), out)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False,  # noqa: A002
                 right: bool = False, side: str | None = None, sorter=None, out=None):
    """Where each of ``input`` would be inserted into the innermost dim of ``sorted_sequence``
    to keep it sorted. Not differentiable.

    Parameters
    ----------
    sorted_sequence : Tensor
        1-D, or N-D with ``input``'s leading dims (row ``i`` serves ``input``'s row ``i``);
        sorted along its last dim unless ``sorter`` orders it.
    input : Tensor or number
    out_int32 : bool
        int32 positions instead of int64.
    right : bool
        The last suitable position (``sorted[i-1] <= x < sorted[i]``) instead of the first
        (``sorted[i-1] < x <= sorted[i]``).
    side : {'left', 'right'}, optional
        The same choice as ``right``, by name.
    sorter : Tensor, optional
        int64 indices that sort ``sorted_sequence`` along its last dim (``argsort``'s result).
    out : Tensor, optional

    Returns
    -------
    Tensor
        ``input``'s shape (0-d for a number). Both are compared in their promoted dtype,
        with torch's binary search (a nan boundary sends every value past it).

    Raises
    ------
    RuntimeError
        For shapes that do not fit, a bad ``side``, ``side`` opposite to ``right``, a sorter
        that is not int64 of the boundaries' shape or holds an index out of range, or an
        ``out`` of the wrong dtype.
    NotImplementedError
        If both are bool, as torch.
    TypeError
        For arguments of the wrong types.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6, 9]))
    tensor([1, 3, 4])
    """
    args = (sorted_sequence, input)
    if (not isinstance(sorted_sequence, Tensor) or not isinstance(input, (Tensor, *NUMBERS))
            or not isinstance(out_int32, (bool, np.bool_))
            or not isinstance(right, (bool, np.bool_))
            or not (side is None or isinstance(side, str))):
        raise invalid_arguments("searchsorted", args, _SEARCHSORTED_SIGNATURES)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if side == "left" and right:
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
    return _search("searchsorted", sorted_sequence, input, bool(out_int32),
                   bool(right) or side == "right", sorter, out)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None):
    """The bucket of each of ``input`` between the sorted 1-D ``boundaries``:
    ``searchsorted(boundaries, input)``. Not differentiable.

    Parameters
    ----------
    input : Tensor or number
    boundaries : Tensor
        1-D, ascending.
    out_int32 : bool
    right : bool
        ``boundaries[i-1] <= x < boundaries[i]`` instead of ``boundaries[i-1] < x <=
        boundaries[i]``.
    out : Tensor, optional

    Returns
    -------
    Tensor
        int64 (int32 with ``out_int32``) of ``input``'s shape.

    Raises
    ------
    RuntimeError
        If ``boundaries`` is not 1-D, or ``out`` has the wrong dtype.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.bucketize(torch.tensor([2, 6, 9]), torch.tensor([1, 3, 5, 7]))
    tensor([1, 3, 4])
    """
    if (not isinstance(boundaries, Tensor) or not isinstance(input, (Tensor, *NUMBERS))
            or not isinstance(out_int32, (bool, np.bool_))
            or not isinstance(right, (bool, np.bool_))):
        raise invalid_arguments("bucketize", (input, boundaries), _BUCKETIZE_SIGNATURES)
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return _search("bucketize", boundaries, input, bool(out_int32), bool(right), None, out)


METHODS: dict = {"unique": unique, "unique_consecutive": unique_consecutive,
                 "bincount": bincount, "histc": histc}

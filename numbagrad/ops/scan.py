"""Scans: cumsum, cumprod, cummax, cummin, logcumsumexp, along one dim.

Primitives, each with a CPU and a CUDA kernel over the ``(outer, n, inner)`` layout and a vjp
that is itself a scan: ``cumsum``'s gradient is a reversed cumsum; ``cumprod``'s is computed
without dividing by the input (exact where it holds zeros, as torch); ``cummax``/``cummin`` send
each gradient to the index its value came from; ``logcumsumexp``'s uses a reversed scan whose
exponents never exceed 0. ``METHODS`` lists the Tensor methods and the in-place forms.
"""
from __future__ import annotations

from numbagrad import dtypes, return_types
from numbagrad.ops import elementwise as ew
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor, grad_enabled, wrap_dim


def _dim(op: str, input, dim, axis=None) -> int:
    """``dim`` (or its alias ``axis``) as a non-negative axis; a 0-d tensor scans its one
    element, as torch."""
    ew.check_tensor(op, input)
    if dim is None:
        dim = axis
    if dim is None:
        raise TypeError(f'{op}() missing 1 required positional arguments: "dim"')
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    return wrap_dim(dim, input.ndim, op) if input.ndim else wrap_dim(dim, 1, op)


def _typed(input, dtype):
    """``input`` converted to ``dtype``, or to int64 when it is bool or integer (torch's rule
    for sums and products)."""
    if dtype is not None:
        return ew.cast(input, dtypes.as_dtype(dtype))
    if not input.dtype.is_floating_point:
        return ew.cast(input, dtypes.int64)
    return input


# ---------------------------------------------------------------------------- cumsum


def _cumsum_forward(be, x, axis):
    return be.cumsum(x, axis)


def _cumsum_vjp(be, g, node):
    """d y_j / d x_k = 1 for j >= k: the gradient is ``g`` summed from the end."""
    return (be.cumsum(g, node.attrs["axis"], True),)


CUMSUM = register(OpDef("cumsum", _cumsum_forward, _cumsum_vjp, kernels=("cumsum",)))


def cumsum(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running sums along ``dim``: y_j = sum_{k <= j} x_k. dy_j/dx_k = 1 for k <= j.

    Parameters
    ----------
    input : Tensor
    dim : int
        ``axis`` is an alias.
    dtype : numbagrad.dtype, optional
        The input is converted to it first. By default floats keep their type and bool and
        integers give int64, as torch. Float32 sums accumulate in float64.
    out : Tensor, optional

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If ``dim`` is not an int.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 2, 3]).cumsum(0)
    tensor([1, 3, 6])
    """
    axis = _dim("cumsum", input, dim, axis)
    return ew.write_out("cumsum", apply(CUMSUM, (_typed(input, dtype),), axis=axis), out)


# ---------------------------------------------------------------------------- cumprod


def _cumprod_forward(be, x, axis):
    return be.cumprod(x, axis)


def _cumprod_vjp(be, g, node):
    """dy_j/dx_k = prod_{s <= j, s != k} x_s, summed against ``g`` by a reversed scan."""
    x, = node.inputs
    return (be.cumprod_vjp(x, g, node.attrs["axis"]),)


CUMPROD = register(OpDef("cumprod", _cumprod_forward, _cumprod_vjp,
                         kernels=("cumprod", "cumprod_vjp"), saves_inputs=True))


def cumprod(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running products along ``dim``: y_j = prod_{k <= j} x_k.
    dy_j/dx_k = prod_{s <= j, s != k} x_s for k <= j.

    The gradient never divides by ``x``: it is exact where the input holds zeros.

    Parameters
    ----------
    input : Tensor
    dim : int
        ``axis`` is an alias.
    dtype : numbagrad.dtype, optional
        The input is converted to it first; bool and integers give int64 by default.
    out : Tensor, optional

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If ``dim`` is not an int.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.cumprod(0).sum().backward()
    >>> x.grad
    tensor([1., 8., 0.])
    """
    axis = _dim("cumprod", input, dim, axis)
    return ew.write_out("cumprod", apply(CUMPROD, (_typed(input, dtype),), axis=axis), out)


# ---------------------------------------------------------------------------- cummax, cummin


def _cummax_forward(be, x, axis):
    return be.cummax(x, axis, True)  # (values, indices): the indices are kept for the vjp


def _cummin_forward(be, x, axis):
    return be.cummax(x, axis, False)


def _cummax_vjp(be, g, node):
    """Each value's gradient goes to the element at its index (also cummin's rule)."""
    return (be.cummax_vjp(g, node.extra, node.attrs["axis"]),)


CUMMAX = register(OpDef("cummax", _cummax_forward, _cummax_vjp,
                        kernels=("cummax", "cummax_vjp")))
CUMMIN = register(OpDef("cummin", _cummin_forward, _cummax_vjp,
                        kernels=("cummax", "cummax_vjp")))


def _write_pair(op: str, result, out):
    """``result`` (values, indices), or written into the ``out=(values, indices)`` tensors."""
    if out is None:
        return result
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not "
                        f"{type(out).__name__}")
    values = ew.write_out(op, result[0], out[0])
    indices = ew.write_out(op, result[1], out[1])
    return type(result)(values, indices)


def _cumextreme(op: OpDef, result_type, input, dim, axis, out):
    name = op.name
    axis = _dim(name, input, dim, axis)
    if grad_enabled() and input.requires_grad:
        values = apply(op, (input,), axis=axis)
        indices = values.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the indices with the node: run the forward.
        array, indices = op.forward(input._backend(), input._data, axis=axis)
        values = Tensor._make(array, input._device)
    return _write_pair(name, result_type(values, Tensor._make(indices, input._device)), out)


def cummax(input, dim=None, *, out=None, axis=None):
    """Running maximum along ``dim`` and where it is: ``(values, indices)``.
    d values_j / dx_k = 1 where k = indices_j, else 0.

    As torch, among equal values the latest index is reported, and a nan propagates (each later
    nan taking the index).

    Parameters
    ----------
    input : Tensor
    dim : int
        ``axis`` is an alias.
    out : tuple of two Tensors, optional

    Returns
    -------
    numbagrad.return_types.cummax
        ``values`` of the input's dtype, ``indices`` int64.

    Raises
    ------
    TypeError
        If ``dim`` is not an int.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 3, 3, 2]).cummax(0).indices
    tensor([0, 1, 2, 2])
    """
    return _cumextreme(CUMMAX, return_types.cummax, input, dim, axis, out)


def cummin(input, dim=None, *, out=None, axis=None):
    """Running minimum along ``dim`` and where it is; see :func:`cummax`.
    d values_j / dx_k = 1 where k = indices_j, else 0.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([2.0, 1.0, 1.0, 3.0]).cummin(0).indices
    tensor([0, 1, 2, 2])
    """
    return _cumextreme(CUMMIN, return_types.cummin, input, dim, axis, out)


# ---------------------------------------------------------------------------- logcumsumexp


def _logcumsumexp_forward(be, x, axis):
    return be.logcumsumexp(x, axis)


def _logcumsumexp_vjp(be, g, node):
    """dy_j/dx_k = exp(x_k - y_j) for k <= j."""
    x, = node.inputs
    return (be.logcumsumexp_vjp(x, node.output, g, node.attrs["axis"]),)


LOGCUMSUMEXP = register(OpDef("logcumsumexp", _logcumsumexp_forward, _logcumsumexp_vjp,
                              kernels=("logcumsumexp", "logcumsumexp_vjp"),
                              saves_inputs=True, saves_output=True))


def logcumsumexp(input, dim=None, *, out=None, axis=None):
    """y_j = log(sum_{k <= j} exp(x_k)) along ``dim``, without overflow.
    dy_j/dx_k = exp(x_k - y_j) for k <= j.

    Parameters
    ----------
    input : Tensor
        Floating.
    dim : int
        ``axis`` is an alias.
    out : Tensor, optional

    Returns
    -------
    Tensor

    Raises
    ------
    NotImplementedError
        For bool and integer inputs, as torch.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([0.0, 0.0]).logcumsumexp(0)
    tensor([0.0000, 0.6931])
    """
    axis = _dim("logcumsumexp", input, dim, axis)
    if not input.dtype.is_floating_point:
        raise ew.not_implemented("logcumsumexp_out_cpu", input.dtype)
    return ew.write_out("logcumsumexp", apply(LOGCUMSUMEXP, (input,), axis=axis), out)


def _inplace_scan(fn):
    """``cumsum_``/``cumprod_``: ``dtype=``, if given, must be the tensor's own, as torch."""
    method = inplace_method(fn)

    def scan_(self, dim=None, *, dtype=None, axis=None):
        if dtype is not None and dtypes.as_dtype(dtype) is not self.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype "
                               f"{dtypes.scalar_name(self.dtype)} and output tensor dtype "
                               f"{dtypes.scalar_name(dtypes.as_dtype(dtype))} should match")
        return method(self, dim, axis=axis)

    scan_.__name__, scan_.__doc__ = method.__name__, method.__doc__
    return scan_


METHODS: dict = {
    "cumsum": cumsum, "cumsum_": _inplace_scan(cumsum), "cumprod": cumprod,
    "cumprod_": _inplace_scan(cumprod), "cummax": cummax, "cummin": cummin,
    "logcumsumexp": logcumsumexp,
}

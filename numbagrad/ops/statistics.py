"""Statistics and logical reductions: all, any, count_nonzero, logsumexp, nansum, nanmean,
aminmax, std_mean, var_mean.

Every op here is a composite of the reductions of ``ops/reduce.py`` and elementwise ops, so each
gets its gradient and both devices from those. ``METHODS`` lists the Tensor methods of this
family; ``numbagrad/_tensor_methods.py`` binds them.
"""
from __future__ import annotations

from numbagrad import dtypes, return_types
from numbagrad.ops import comparison, logic, reduce
from numbagrad.ops import elementwise as ew
from numbagrad.ops.elementwise import check_tensor, write_out


# ---------------------------------------------------------------------------- all, any, count


def _count_where(op: str, test, input, dim, keepdim: bool):
    """``test(input, 0)`` (a bool tensor), or how many elements of each slice over ``dim`` pass
    it; ``None`` for an empty tuple ``dim``, which torch's all and any reduce over nothing."""
    if isinstance(dim, (tuple, list)) and not dim:
        return None
    return reduce._sum(test(input, 0), reduce._axes(op, input, dim), keepdim)


def _logical_result(input, result, op: str, out):
    """``result`` as torch's dtype for ``op``: bool, or uint8 for a uint8 input."""
    if input.dtype is dtypes.uint8:
        result = ew.cast(result, dtypes.uint8)
    return write_out(op, result, out)


def all(input, dim=None, keepdim: bool = False, *, out=None, axis=None):  # noqa: A001
    """True where every element of the slice over ``dim`` is nonzero (all dims when None).

    Not differentiable. nan counts as nonzero; an empty slice gives True. As torch, ``dim=()``
    reduces nothing (unlike sum's, which reduces every dim).

    Parameters
    ----------
    input : Tensor
    dim : int or tuple of int, optional
    keepdim : bool

    Returns
    -------
    Tensor
        bool (uint8 for a uint8 input, as torch).

    Raises
    ------
    IndexError
        If a dim is out of range.
    RuntimeError
        If a dim is repeated.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1, 0], [2, 3]]).all(1)
    tensor([False,  True])
    """
    check_tensor("all", input)
    dim = reduce.dim_or_axis("all", dim, axis)
    zeros = _count_where("all", comparison.eq, input, dim, keepdim)
    result = comparison.ne(input, 0) if zeros is None else comparison.eq(zeros, 0)
    return _logical_result(input, result, "all", out)


def any(input, dim=None, keepdim: bool = False, *, out=None, axis=None):  # noqa: A001
    """True where some element of the slice over ``dim`` is nonzero (all dims when None).

    Not differentiable; an empty slice gives False. Arguments as :func:`all`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[0.0, 0.0], [0.0, 2.0]]).any(1)
    tensor([False,  True])
    """
    check_tensor("any", input)
    dim = reduce.dim_or_axis("any", dim, axis)
    nonzeros = _count_where("any", comparison.ne, input, dim, keepdim)
    result = comparison.ne(input, 0) if nonzeros is None else comparison.gt(nonzeros, 0)
    return _logical_result(input, result, "any", out)


def count_nonzero(input, dim=None, *, axis=None):
    """Number of nonzero elements over ``dim`` (all dims when None), as int64.

    Not differentiable; nan counts as nonzero.

    Raises
    ------
    IndexError
        If a dim is out of range.
    RuntimeError
        If a dim is repeated.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.count_nonzero(torch.tensor([[1, 0], [2, 3]]), 0)
    tensor([2, 1])
    """
    check_tensor("count_nonzero", input)
    dim = reduce.dim_or_axis("count_nonzero", dim, axis)
    axes = reduce._axes("count_nonzero", input, dim)
    return reduce._sum(comparison.ne(input, 0), axes, False)


# ---------------------------------------------------------------------------- logsumexp


def logsumexp(input, dim=None, keepdim: bool = False, *, out=None, axis=None):
    """log(sum(exp(x))) over ``dim``, computed as m + log(sum(exp(x - m))) with m the max.

    d/dx_i = exp(x_i - logsumexp(x)) (the softmax of the slice).

    Parameters
    ----------
    input : Tensor
        Integer and bool tensors are converted to the default float type.
    dim : int or tuple of int
        Required, as torch; ``()`` reduces all dims.
    keepdim : bool

    Returns
    -------
    Tensor
        -inf for a slice that is all -inf or empty; inf for a slice holding inf.

    Raises
    ------
    TypeError
        If ``dim`` is not given.
    IndexError
        If a dim is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.logsumexp(torch.tensor([[0.0, 0.0], [1.0, 1.0]]), 1)
    tensor([0.6931, 1.6931])
    """
    check_tensor("logsumexp", input)
    dim = reduce.dim_or_axis("logsumexp", dim, axis)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    x = ew._floating(input)
    axes = reduce._axes("logsumexp", x, dim)
    if reduce._count(x, axes) == 0 or x.numel() == 0:
        m = reduce._sum(x, axes, True).detach()  # zeros: nothing to shift by
    else:
        m = reduce.amax(x.detach(), () if axes is None else axes, keepdim=True)
        # A slice whose max is +-inf or nan is not shifted: exp(x - inf) would give nan there.
        m = ew.where(logic.isfinite(m), m, 0.0)
    total = ew.log(reduce._sum(ew.exp(ew.sub(x, m)), axes, keepdim))
    if not keepdim:
        m = m.reshape(total.shape)
    return write_out("logsumexp", ew.add(total, m), out)


# ---------------------------------------------------------------------------- nansum, nanmean


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None, axis=None):
    """Sum over ``dim`` with nan counted as 0. d/dx_i = 1, and 0 where x_i is nan.

    Arguments as :func:`numbagrad.sum`.

    Raises
    ------
    IndexError
        If a dim is out of range.
    RuntimeError
        If a dim is repeated.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nansum(torch.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    check_tensor("nansum", input)
    dim = reduce.dim_or_axis("nansum", dim, axis)
    reduce._axes("nansum", input, dim)  # the dims checked in nansum's name
    if input.dtype.is_floating_point:
        input = ew.where(logic.isnan(input), 0.0, input)
    return write_out("nansum", reduce.sum(input, dim, keepdim, dtype=dtype), out)


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None, axis=None):
    """Mean over ``dim`` of the elements that are not nan. d/dx_i = 1/k for the k non-nan ones.

    Returns nan for a slice with no non-nan element; the gradient there is 0 (torch's is nan).

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, or a dim is repeated.
    IndexError
        If a dim is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nanmean(torch.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    check_tensor("nanmean", input)
    dim = reduce.dim_or_axis("nanmean", dim, axis)
    if not input.dtype.is_floating_point:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {dtypes.scalar_name(input.dtype)}")
    if dtype is not None:
        input = ew.cast(input, dtypes.as_dtype(dtype))
    axes = reduce._axes("nanmean", input, dim)
    count = reduce._sum(comparison.logical_not(logic.isnan(input)), axes, keepdim)
    return write_out("nanmean", ew.div(nansum(input, dim, keepdim), count), out)


# ---------------------------------------------------------------------------- aminmax


def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over one ``dim``, or over all elements. Tied elements share the gradient
    evenly, as :func:`numbagrad.amin` and :func:`numbagrad.amax`.

    Returns
    -------
    numbagrad.return_types.aminmax
        Named tuple ``(min, max)``.

    Raises
    ------
    TypeError
        If ``dim`` is not an int.
    IndexError
        If ``dim`` is out of range or has size 0.
    RuntimeError
        If ``input`` is empty and no ``dim`` is given.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.aminmax(torch.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=1)
    numbagrad.return_types.aminmax(
    min=tensor([1., 2.]),
    max=tensor([3., 4.]))
    """
    check_tensor("aminmax", input)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = ()
    else:
        (a,) = reduce._one_axis("aminmax", input, dim)
        if input.ndim and input.shape[a] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {a} to have non-zero size.")
        dims = a
    return return_types.aminmax(reduce.amin(input, dims, keepdim),
                                reduce.amax(input, dims, keepdim))


# ---------------------------------------------------------------------------- std_mean, var_mean


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             axis=None):
    """``(var, mean)`` over ``dim``, as :func:`numbagrad.var` and :func:`numbagrad.mean`.

    d var/dx_i = 2 (x_i - mean) / (n - correction); d mean/dx_i = 1/n.

    Returns
    -------
    tuple of Tensor

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, or a dim is repeated.
    TypeError
        If both ``unbiased`` and ``correction`` are given.
    IndexError
        If a dim is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.var_mean(torch.tensor([1.0, 3.0]))
    (tensor(2.), tensor(2.))
    """
    check_tensor("var_mean", input)
    dim = reduce.dim_or_axis("var_mean", dim, axis)
    var = reduce._var("var_mean", input, dim, unbiased, keepdim, correction)
    dim, _ = reduce._correction("var_mean", dim, unbiased, correction)
    return var, reduce.mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             axis=None):
    """``(std, mean)`` over ``dim``; arguments as :func:`var_mean`.

    d std/dx_i = (x_i - mean) / ((n - correction) std).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.std_mean(torch.tensor([1.0, 3.0]), correction=0)
    (tensor(1.), tensor(2.))
    """
    check_tensor("std_mean", input)
    dim = reduce.dim_or_axis("std_mean", dim, axis)
    var = reduce._var("std_mean", input, dim, unbiased, keepdim, correction)
    dim, _ = reduce._correction("std_mean", dim, unbiased, correction)
    return ew.sqrt(var), reduce.mean(input, dim, keepdim)


METHODS: dict = {
    "all": all, "any": any, "count_nonzero": count_nonzero, "logsumexp": logsumexp,
    "nansum": nansum, "nanmean": nanmean, "aminmax": aminmax,
}

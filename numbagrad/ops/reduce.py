"""Reductions: sum, mean, var, std, prod, max/min (with indices), amax/amin, argmax/argmin.

Primitives: ``sum``; ``prod`` (its vjp multiplies the other elements, so zeros are handled);
``amax``/``amin`` (tied elements share the gradient evenly; ``max()`` without a dim is one of
them); ``max``/``min`` along one dim, which return ``(values, indices)`` and send the gradient
to the returned index only; ``mean``, the sum divided by the count in one node (it ends most
losses, so it is worth one record rather than two). ``var`` and ``std`` are composites of ``sum``;
``argmax``/``argmin`` return indices and record nothing.

Dims follow torch: an int or a tuple of ints (an empty tuple means every dim), negative values
count from the end, out-of-range dims raise IndexError and repeated dims RuntimeError, all before
a kernel runs.
"""
from __future__ import annotations

import builtins
import warnings

import numpy as np

from numbagrad import dtypes, return_types
from numbagrad.ops import comparison
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar as F
from numbagrad.ops.registry import OpDef, apply, register


# ---------------------------------------------------------------------------- dim checks


def _is_int(d) -> bool:
    return isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_))


def _axes(op: str, input, dim) -> tuple | None:
    """``dim`` (int, tuple/list of ints or None) as sorted non-negative axes; None for all.

    Raises TypeError for other types, IndexError for dims out of range, RuntimeError for a dim
    given twice.
    """
    from numbagrad.tensor import wrap_dim

    if dim is None:
        return None
    if _is_int(dim):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)) and builtins.all(_is_int(d) for d in dim):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not "
                        f"{type(dim).__name__}")
    if not dims:
        return None
    axes: list = []
    for d in dims:
        a = wrap_dim(int(d), input.ndim, op)
        if a in axes:
            raise RuntimeError(f"{op}(): dim {a} appears multiple times in the list of dims "
                               f"{list(dims)}")
        axes.append(a)
    return tuple(sorted(axes))


def _one_axis(op: str, input, dim) -> tuple:
    """``dim`` for ops that take a single int dim, as a one-axis tuple."""
    from numbagrad.tensor import wrap_dim

    if not _is_int(dim):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return (wrap_dim(int(dim), input.ndim, op),)


def _count(input, axes) -> int:
    """How many elements each result of a reduction over ``axes`` combines."""
    shape = input.shape
    n = 1
    for d in range(input.ndim) if axes is None else axes:
        n *= shape[d] if input.ndim else 1
    return n


def _check_nonempty(op: str, input, axes) -> None:
    """IndexError if a reduced dim of a max-like reduction has size 0 (nothing to pick)."""
    for a in axes:
        if input.ndim and input.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")


def _keep(a, node):
    """``a`` (a result or its gradient) reshaped with the reduced axes kept as length 1."""
    if node.attrs["keepdim"]:
        return a
    axes = node.attrs["axes"]
    return a.reshape([1 if (axes is None or d in axes) else n
                      for d, n in enumerate(node.in_shapes[0])])


# ---------------------------------------------------------------------------- sum


def _sum_forward(be, x, axes, keepdim, dtype):
    return be.sum(x, axes, keepdim, dtype)


def _spread(be, fn, g, node, *scalars):
    """``fn(g, *scalars)`` broadcast back to the input's shape: the gradient of a reduction
    whose every input element counts alike.

    It is written into a buffer of the input's shape (map reads ``g`` with stride 0 along the
    reduced axes): no expanded view to build.
    """
    dtype = node.in_dtypes[0]
    return (be.map(fn, [_keep(g, node), *scalars], dtype,
                   out=be.empty(node.in_shapes[0], dtype)),)


def _sum_vjp(be, g, node):
    """Every input element receives the gradient of the sum it fed: a broadcast of ``g``."""
    return _spread(be, F.identity, g, node)


SUM = register(OpDef("sum", _sum_forward, _sum_vjp, kernels=("sum", "map", "empty")))


def dim_or_axis(op: str, dim, axis):
    """``dim``, or NumPy's ``axis=`` alias that torch also accepts (not both)."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}(): got both dim={dim} and axis={axis}")
    return axis


def _sum(input, axes, keepdim: bool, dtype: dtypes.dtype | None = None):
    """The sum primitive on checked ``axes``; ``dtype`` as torch (the input is cast to it)."""
    if dtype is not None and dtype is not input.dtype and not (
            dtype.is_floating_point and input.dtype.is_floating_point):
        # torch converts the input before summing (1.5 + 2.5 summed as long is 3, not 4);
        # between float types the float64 accumulator makes the copy unnecessary.
        input = ew.cast(input, dtype)
    if dtype is None:
        dtype = input.dtype if input.dtype.is_floating_point else dtypes.int64
    return apply(SUM, (input,), axes=axes, keepdim=keepdim, dtype=dtype.np_type)


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None):  # noqa: A001
    """Sum of the elements over ``dim`` (all dimensions when None). d/dx_i = 1.

    Parameters
    ----------
    input : Tensor
    dim : int or tuple of int, optional
        Dimensions to reduce; None or ``()`` reduces all of them.
    keepdim : bool
        Keep the reduced dimensions with length 1.
    dtype : numbagrad.dtype, optional
        Result type; the input is converted to it first. By default floats keep their type and
        bool and integer tensors sum to int64, as torch. Float32 sums accumulate in float64.
    axis : int or tuple of int, optional
        NumPy's name for ``dim`` (torch accepts it too; not both).

    Returns
    -------
    Tensor

    Raises
    ------
    IndexError
        If a dim is out of range.
    RuntimeError
        If a dim is repeated.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(0)
    tensor([4., 6.])
    >>> torch.tensor([True, False, True]).sum()
    tensor(2)
    """
    ew.check_tensor("sum", input)
    dim = dim_or_axis("sum", dim, axis)
    axes = _axes("sum", input, dim)
    return _sum(input, axes, keepdim, None if dtype is None else dtypes.dtype_argument("sum",
                                                                                       dtype))


# ---------------------------------------------------------------------------- mean, var, std


def _mean_forward(be, x, axes, keepdim, dtype, count):
    """The sum over ``axes`` divided by ``count`` (nan for an empty slice, as 0 / 0)."""
    total = be.sum(x, axes, keepdim, dtype)
    return be.map(F.div, [total, be.full((), count, dtype)], dtype, out=total)


def _mean_vjp(be, g, node):
    """Every input element receives ``g / count`` of the mean it fed, in one broadcasting pass."""
    return _spread(be, F.div, g, node, be.full((), node.attrs["count"], g.dtype))


MEAN = register(OpDef("mean", _mean_forward, _mean_vjp, kernels=("sum", "map", "full", "empty")))


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None):
    """Mean of the elements over ``dim`` (all dimensions when None). d/dx_i = 1/n.

    Parameters
    ----------
    input : Tensor
        Floating point, unless ``dtype`` is given.
    dim : int or tuple of int, optional
    keepdim : bool
    dtype : numbagrad.dtype, optional
        A floating type to convert the input to first.
    axis : int or tuple of int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor
        nan where a slice is empty.

    Raises
    ------
    RuntimeError
        If the result type is not floating point (``mean`` of an integer tensor), or a dim is
        repeated.
    IndexError
        If a dim is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(dim=1)
    tensor([1.5000, 4.0000])
    """
    ew.check_tensor("mean", input)
    dim = dim_or_axis("mean", dim, axis)
    out = input.dtype if dtype is None else dtypes.dtype_argument("mean", dtype)
    if not out.is_floating_point:
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(
            f"mean(): could not infer output dtype. {which} dtype must be either a floating "
            f"point or complex dtype. Got: {dtypes.scalar_name(out)}"
        )
    axes = _axes("mean", input, dim)
    if out is not input.dtype:
        input = ew.cast(input, out)
    return apply(MEAN, (input,), axes=axes, keepdim=keepdim, dtype=out.np_type,
                 count=_count(input, axes))


def _correction(op: str, dim, unbiased, correction) -> tuple:
    """``(dim, correction)`` from torch's two signatures (``correction=`` or legacy ``unbiased``)."""
    if isinstance(dim, bool):  # x.var(False): the legacy form with unbiased first
        if unbiased is not None:
            raise TypeError(f"{op}(): got unbiased={dim} positionally and unbiased={unbiased}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either correction ({correction}) or unbiased "
                        f"({unbiased}), not both")
    if unbiased is not None:
        return dim, 1 if unbiased else 0
    return dim, 1 if correction is None else correction


def _var(op: str, input, dim, unbiased, keepdim: bool, correction):
    dim, correction = _correction(op, dim, unbiased, correction)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}(): std and var only support floating point and complex "
                           f"dtypes, got {input.dtype}")
    axes = _axes(op, input, dim)
    n = _count(input, axes)
    centred = ew.sub(input, ew.div(_sum(input, axes, True), n))
    dof = builtins.max(0, n - correction)
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      f"than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return ew.div(_sum(ew.mul(centred, centred), axes, keepdim), dof)


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        axis=None):
    """Variance over ``dim``: sum((x - mean)**2) / (n - correction).

    d/dx_i = 2 (x_i - mean) / (n - correction).

    Accepts torch 2's ``var(input, dim=None, *, correction=1, keepdim=False)`` and the legacy
    forms with a bool ``unbiased`` (``x.var(0, False)``, ``x.var(False)``, ``unbiased=False``),
    where ``unbiased=False`` means ``correction=0``.

    Parameters
    ----------
    input : Tensor
        Floating point.
    dim : int or tuple of int, optional
        None or ``()`` reduces all dimensions.
    unbiased : bool, optional
        Legacy: ``correction=1`` if True, 0 if False.
    keepdim : bool
    correction : int or float, optional
        Subtracted from the number of elements (Bessel's correction); 1 by default.
    axis : int or tuple of int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor
        nan (or inf) where ``n - correction <= 0``, with a warning, as torch.

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
    >>> x = torch.tensor([[1.0, 3.0], [4.0, 2.0]])
    >>> x.var(0)
    tensor([4.5000, 0.5000])
    >>> x.var(0, False)
    tensor([2.2500, 0.2500])
    """
    dim = dim_or_axis("var", dim, axis)
    return _var("var", input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        axis=None):
    """Standard deviation over ``dim``: sqrt(var). d/dx_i = (x_i - mean) / ((n - correction) std).

    Takes the same arguments as :func:`var`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1.0, 3.0]).std()
    tensor(1.4142)
    """
    dim = dim_or_axis("std", dim, axis)
    return ew.sqrt(_var("std", input, dim, unbiased, keepdim, correction))


# ---------------------------------------------------------------------------- prod


def _prod_forward(be, x, axes, keepdim):
    return be.prod(x, axes, keepdim)


def _prod_vjp(be, g, node):
    """d prod / dx_i = product of the other elements, computed without dividing by x_i."""
    x, = node.inputs
    return (be.prod_vjp(x, _keep(g, node), node.attrs["axes"]),)


PROD = register(OpDef("prod", _prod_forward, _prod_vjp, kernels=("prod", "prod_vjp"),
                      saves_inputs=True))


def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None, axis=None):
    """Product of the elements, of all or along one ``dim``. d/dx_i = prod_{j != i} x_j.

    The gradient is exact where the slice holds zeros (it is not ``prod / x_i``).

    Parameters
    ----------
    input : Tensor
    dim : int, optional
        The dimension to reduce (one int, as torch); all when None.
    keepdim : bool
    dtype : numbagrad.dtype, optional
        Converts the input first and is the result's type. By default floats keep their type,
        bool and integers give int64.
    out : Tensor, optional
    axis : int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor
        1 for an empty product.

    Raises
    ------
    TypeError
        If ``dim`` is not an int, or ``keepdim`` is given without ``dim`` (as torch).
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.prod().backward()
    >>> x.grad
    tensor([0., 6., 0.])
    """
    dim = dim_or_axis("prod", dim, axis)
    if dim is None and keepdim:
        raise TypeError("prod(): keepdim=True needs a dim (torch has no prod(input, keepdim))")
    axes = None if dim is None else _one_axis("prod", input, dim)
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        input = ew.cast(input, dtype)
    result = apply(PROD, (input,), axes=axes, keepdim=keepdim)
    if dtype is not None and result.dtype is not dtype:  # an integer dtype narrower than int64
        result = ew.cast(result, dtype)
    return ew.write_out("prod", result, out)


# ---------------------------------------------------------------------------- amax, amin


def _is_equal(x, m):
    return 1.0 if x == m else 0.0


def _is_equal_or_both_nan(x, m):
    return 1.0 if x == m or (x != x and m != m) else 0.0


def _amax_forward(be, x, axes, keepdim, nan_ties):
    return be.max(x, axes, keepdim)[0]


def _amin_forward(be, x, axes, keepdim, nan_ties):
    return be.min(x, axes, keepdim)[0]


def _amax_vjp(be, g, node):
    """The gradient is shared evenly by the elements equal to the result (ties), 0 elsewhere.

    With ``nan_ties`` (``max()``/``min()`` without a dim) the nans of a nan result share it, as
    torch; otherwise (``amax``) a nan slice gets nan, as torch.
    """
    x, = node.inputs
    tie = _is_equal_or_both_nan if node.attrs["nan_ties"] else _is_equal
    mask = be.map(tie, [x, _keep(node.output, node)], x.dtype)
    count = be.sum(mask, node.attrs["axes"], True)
    # A nan slice of amax has no tie (count 0): g / 0 and the zero mask give nan, as torch.
    share = be.map(F.div, [_keep(g, node), count], g.dtype)
    return (be.map(F.mul, [mask, share], g.dtype),)


AMAX = register(OpDef("amax", _amax_forward, _amax_vjp, kernels=("max", "map", "sum"),
                      saves_inputs=True, saves_output=True))
AMIN = register(OpDef("amin", _amin_forward, _amax_vjp, kernels=("min", "map", "sum"),
                      saves_inputs=True, saves_output=True))


def _amax_like(op: OpDef, input, dim, keepdim: bool):
    axes = _axes(op.name, input, dim)
    if axes is None and input.numel() == 0:
        raise RuntimeError(f"{op.name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
    _check_nonempty(op.name, input, axes or ())
    return apply(op, (input,), axes=axes, keepdim=keepdim, nan_ties=False)


def amax(input, dim=(), keepdim: bool = False):
    """Maximum over ``dim`` (values only). d/dx_i = 1/k for the k elements equal to the max.

    Parameters
    ----------
    input : Tensor
    dim : int or tuple of int
        ``()`` (the default) reduces all dimensions.
    keepdim : bool

    Returns
    -------
    Tensor
        nan where a slice holds a nan.

    Raises
    ------
    IndexError
        If a dim is out of range or a reduced dim has size 0.
    RuntimeError
        If all dims are reduced and ``input`` is empty, or a dim is repeated.

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
    >>> x.amax().backward()
    >>> x.grad
    tensor([[0.0000, 0.5000],
            [0.5000, 0.0000]])
    """
    return _amax_like(AMAX, input, dim, keepdim)


def amin(input, dim=(), keepdim: bool = False):
    """Minimum over ``dim`` (values only). d/dx_i = 1/k for the k elements equal to the min.

    See :func:`amax`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1.0, 5.0], [0.0, 2.0]]).amin(1)
    tensor([1., 0.])
    """
    return _amax_like(AMIN, input, dim, keepdim)


# ---------------------------------------------------------------------------- max, min


def _max_forward(be, x, axes, keepdim):
    return be.max(x, axes, keepdim)  # (values, indices): the indices are kept for the vjp


def _min_forward(be, x, axes, keepdim):
    return be.min(x, axes, keepdim)


def _max_vjp(be, g, node):
    """The whole gradient goes to the element at the returned index (also min's rule)."""
    return (be.max_vjp(_keep(g, node), _keep(node.extra, node), node.in_shapes[0],
                       node.attrs["axes"]),)


MAX = register(OpDef("max", _max_forward, _max_vjp, kernels=("max", "max_vjp")))
MIN = register(OpDef("min", _min_forward, _max_vjp, kernels=("min", "max_vjp")))


def _extreme(op: OpDef, full: OpDef, result_type, input, dim, keepdim: bool, other, axis,
             out):
    """``max``/``min``: the value of all elements, ``(values, indices)`` along ``dim``, or the
    elementwise maximum/minimum with a tensor ``other`` (also given as the second argument)."""
    from numbagrad.tensor import Tensor, grad_enabled

    name = op.name
    if isinstance(dim, Tensor) or other is not None:  # torch.max(a, b): elementwise
        if dim is not None and other is not None:
            raise TypeError(f"{name}(): got both dim (or a second tensor) and other")
        other = dim if other is None else other
        ew.check_tensor(name, other, "other", 2)
        return (comparison.maximum if name == "max" else comparison.minimum)(input, other,
                                                                             out=out)
    dim = dim_or_axis(name, dim, axis)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        result = apply(full, (input,), axes=None, keepdim=False, nan_ties=True)
        return ew.write_out(name, result, out)
    axes = _one_axis(name, input, dim)
    _check_nonempty(name, input, axes)
    if grad_enabled() and input.requires_grad:
        values = apply(op, (input,), axes=axes, keepdim=keepdim)
        indices = values.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the indices with the node: run the forward.
        array, indices = op.forward(input._backend(), input._data, axes=axes, keepdim=keepdim)
        values = Tensor._make(array, input._device)
    indices = Tensor._make(indices, input._device)
    if out is None:
        return result_type(values, indices)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                        f"{type(out).__name__}")
    return result_type(ew.write_out(name, values, out[0]), ew.write_out(name, indices, out[1]))


def max(input, dim=None, keepdim: bool = False, *, other=None, out=None,  # noqa: A001
        axis=None):
    """Maximum of all elements, or ``(values, indices)`` along ``dim``.

    Without ``dim``: d/dx_i = 1/k for the k elements equal to the max. With ``dim``: the
    gradient of each value goes to the element at its index only. ``max(input, other)`` with a
    tensor ``other`` (second argument or ``other=``) is :func:`numbagrad.maximum`.

    Parameters
    ----------
    input : Tensor
    dim : int or Tensor, optional
        A tensor here is ``other``.
    keepdim : bool
    other : Tensor, optional
    out : Tensor or tuple of (Tensor, Tensor), optional
        A pair when ``dim`` is given.
    axis : int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor or numbagrad.return_types.max
        ``(values, indices)`` when ``dim`` is given; ``indices`` (int64) is the first
        occurrence of the maximum in each slice, or of its first nan (nan propagates).

    Raises
    ------
    RuntimeError
        If ``input`` is empty and no dim is given.
    IndexError
        If ``dim`` is out of range or has size 0.
    TypeError
        If ``dim`` is not an int.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.max(torch.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    numbagrad.return_types.max(
    values=tensor([3., 4.]),
    indices=tensor([1, 0]))
    """
    return _extreme(MAX, AMAX, return_types.max, input, dim, keepdim, other, axis, out)


def min(input, dim=None, keepdim: bool = False, *, other=None, out=None,  # noqa: A001
        axis=None):
    """Minimum of all elements, or ``(values, indices)`` along ``dim``; see :func:`max`.

    Without ``dim``: d/dx_i = 1/k for the k elements equal to the min; with ``dim``, the
    gradient goes to the returned index.

    Examples
    --------
    >>> import numbagrad as torch
    >>> values, indices = torch.tensor([[1.0, 3.0], [4.0, 2.0]]).min(0)
    >>> indices
    tensor([0, 1])
    """
    return _extreme(MIN, AMIN, return_types.min, input, dim, keepdim, other, axis, out)


# ---------------------------------------------------------------------------- argmax, argmin


def _arg_extreme(op: OpDef, name: str, input, dim, keepdim: bool):
    from numbagrad.tensor import Tensor

    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        axes = None
    else:
        axes = _one_axis(name, input, dim)
        _check_nonempty(name, input, axes)
    _, indices = op.forward(input._backend(), input._data, axes=axes, keepdim=keepdim)
    return Tensor._make(indices, input._device)


def argmax(input, dim=None, keepdim: bool = False, *, axis=None):
    """Index of the maximum along ``dim``, or into the flattened tensor when ``dim`` is None.

    Ties give the first occurrence; a nan counts as the maximum. Not differentiable.

    Parameters
    ----------
    input : Tensor
    dim : int, optional
    keepdim : bool
        With ``dim=None``, keeps every dim with length 1.
    axis : int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor
        int64.

    Raises
    ------
    IndexError
        If ``dim`` is out of range, the reduced dim is empty, or ``input`` is empty and no dim
        is given.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1.0, 7.0], [7.0, 2.0]]).argmax()
    tensor(1)
    """
    return _arg_extreme(MAX, "argmax", input, dim_or_axis("argmax", dim, axis), keepdim)


def argmin(input, dim=None, keepdim: bool = False, *, axis=None):
    """Index of the minimum along ``dim``, or into the flattened tensor; see :func:`argmax`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([[1.0, 7.0], [0.0, 2.0]]).argmin(dim=1)
    tensor([0, 0])
    """
    return _arg_extreme(MIN, "argmin", input, dim_or_axis("argmin", dim, axis), keepdim)

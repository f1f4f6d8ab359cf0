"""Diagonals, triangles and sliding windows: diagonal, diag_embed, diag, diagflat, trace,
tril/triu, tril_indices/triu_indices and ``Tensor.unfold``.

``diagonal`` and ``unfold`` are views, as in torch: strided views of the input's memory
(``be.diagonal``, ``be.unfold``), so writes through them reach the base. ``diagonal`` and
``diag_embed`` are each other's adjoint, so each one's vjp is the other's forward. ``tril`` and
``triu`` share one masking kernel (``be.triangle``); the gradient of a triangle is the same
triangle of the gradient. ``diag``, ``diagflat`` and ``trace`` are composites.
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.ops.elementwise import check_tensor, not_implemented, write_out
from numbagrad.ops.inplace import inplace_method
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.ops.shape import _narrow, as_view, clone, reshape
from numbagrad.tensor import Tensor, wrap_dim


def _int(op: str, value, arg: str, position: int) -> int:
    """``value`` as an int, or torch's TypeError naming the argument."""
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


def _two_dims(op: str, dim1, dim2, ndim: int) -> tuple:
    a, b = wrap_dim(_int(op, dim1, "dim1", 3), ndim, op), wrap_dim(_int(op, dim2, "dim2", 4),
                                                                   ndim, op)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a, b


def _write_exact(op: str, result: Tensor, out):
    """``write_out``, but as torch's tril/triu/diag: ``out`` must have the result's dtype."""
    if isinstance(out, Tensor) and out.dtype is not result.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {dtypes.c_type_name(result.dtype)}"
                           f", but got {dtypes.c_type_name(out.dtype)} instead")
    return write_out(op, result, out)


# ---------------------------------------------------------------------------- primitives


def _diagonal_forward(be, x, offset, dim1, dim2):
    return be.diagonal(x, offset, dim1, dim2)


def _diagonal_vjp(be, g, node):
    """The gradient lands on the same diagonal of a zero tensor of the input's shape."""
    a = node.attrs
    grad = be.zeros(node.in_shapes[0], node.in_dtypes[0])
    be.assign(be.diagonal(grad, a["offset"], a["dim1"], a["dim2"]), g)
    return (grad,)


DIAGONAL = register(OpDef("diagonal", _diagonal_forward, _diagonal_vjp,
                          kernels=("diagonal", "zeros", "assign")))


def _diag_embed_forward(be, x, offset, dim1, dim2, shape):
    out = be.zeros(shape, x.dtype)
    be.assign(be.diagonal(out, offset, dim1, dim2), x)
    return out


def _diag_embed_vjp(be, g, node):
    """The input's gradient is the gradient's diagonal (a view of it)."""
    a = node.attrs
    return (be.diagonal(g, a["offset"], a["dim1"], a["dim2"]),)


DIAG_EMBED = register(OpDef("diag_embed", _diag_embed_forward, _diag_embed_vjp,
                            kernels=("diagonal", "zeros", "assign")))


def _triangle_forward(be, x, diagonal, upper):
    return be.triangle(x, diagonal, upper)


def _triangle_vjp(be, g, node):
    return (be.triangle(g, node.attrs["diagonal"], node.attrs["upper"]),)


# Two ops over one kernel, so that results show torch's ``TrilBackward0`` / ``TriuBackward0``.
TRIL = register(OpDef("tril", _triangle_forward, _triangle_vjp, kernels=("triangle",)))
TRIU = register(OpDef("triu", _triangle_forward, _triangle_vjp, kernels=("triangle",)))


def _unfold_forward(be, x, dim, size, step):
    return be.unfold(x, dim, size, step)


def _unfold_vjp(be, g, node):
    """Each window's gradient is added back where the window sat; overlaps sum."""
    a = node.attrs
    return (be.unfold_backward(g, node.in_shapes[0], a["dim"], a["size"], a["step"]),)


UNFOLD = register(OpDef("unfold", _unfold_forward, _unfold_vjp,
                        kernels=("unfold", "unfold_backward")))


# ---------------------------------------------------------------------------- diagonals


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """A view of the diagonal ``offset`` of the matrices over ``dim1`` and ``dim2`` (above the
    main diagonal when positive); those two dimensions go and the diagonal comes last.

    Writes through the view reach ``input``, as in torch. d/dx = the gradient placed on the
    same diagonal of zeros.

    Raises
    ------
    IndexError
        If a dim is out of range.
    RuntimeError
        If ``dim1`` and ``dim2`` are the same dimension.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(6.).reshape(2, 3).diagonal(1)
    tensor([1., 5.])
    """
    check_tensor("diagonal", input)
    offset = _int("diagonal", offset, "offset", 2)
    a, b = _two_dims("diagonal", dim1, dim2, input.ndim)
    return as_view(apply(DIAGONAL, (input,), offset=offset, dim1=a, dim2=b), input)


_diagonal_of = diagonal  # for ``diag``, whose argument ``diagonal`` hides the function


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """A tensor whose diagonals ``offset`` over the new dimensions ``dim1`` and ``dim2`` hold
    the last dimension of ``input``, zero elsewhere (both new dimensions of size
    ``n + |offset|``).

    d/dx = the gradient's diagonal over ``dim1`` and ``dim2``.

    Raises
    ------
    IndexError
        If a dim is out of range for a result of ``input.ndim + 1`` dimensions.
    RuntimeError
        If ``dim1`` and ``dim2`` are the same dimension.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.diag_embed(torch.tensor([1., 2.])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    check_tensor("diag_embed", input)
    offset = _int("diag_embed", offset, "offset", 2)
    ndim = input.ndim + 1
    a, b = _two_dims("diag_embed", dim1, dim2, ndim)
    n = (input.shape[-1] if input.ndim else 1) + abs(offset)
    rest = iter(tuple(input.shape)[:-1])
    shape = tuple(n if d in (a, b) else next(rest) for d in range(ndim))
    x = reshape(input, (1,)) if input.ndim == 0 else input
    return apply(DIAG_EMBED, (x,), offset=offset, dim1=a, dim2=b, shape=shape)


def diag(input, diagonal: int = 0, *, out=None):
    """A 1-D ``input`` as the diagonal ``diagonal`` of a square matrix, or the diagonal
    ``diagonal`` of a 2-D ``input`` as a new 1-D tensor (a copy, unlike :func:`diagonal`).

    d/dx = the gradient's diagonal (1-D input), or the gradient placed on the diagonal (2-D).

    Raises
    ------
    RuntimeError
        If ``input`` is not 1-D or 2-D.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.diag(torch.tensor([1., 2.]), 1).shape
    numbagrad.Size([3, 3])
    """
    check_tensor("diag", input)
    diagonal = _int("diag", diagonal, "diagonal", 2)
    if input.ndim == 1:
        result = diag_embed(input, diagonal)
        if isinstance(out, Tensor) and result.dtype.category > out.dtype.category:
            raise RuntimeError(f"diag: result type {dtypes.scalar_name(result.dtype)} can't be "
                               f"cast to the desired out= type {dtypes.scalar_name(out.dtype)}")
    elif input.ndim == 2:
        result = clone(_diagonal_of(input, diagonal))
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return _write_exact("diag", result, out)


def diagflat(input, offset: int = 0):
    """``input`` flattened, as the diagonal ``offset`` of a square matrix.

    d/dx = the gradient's diagonal, reshaped to ``input``'s shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.diagflat(torch.ones(2, 2)).shape
    numbagrad.Size([4, 4])
    """
    check_tensor("diagflat", input)
    offset = _int("diagflat", offset, "offset", 2)
    return diag_embed(reshape(input, (-1,)), offset)


def trace(input):
    """The sum of the main diagonal of a matrix (int64 for integer inputs, as ``sum``).

    d/dx = the identity matrix times the gradient.

    Raises
    ------
    RuntimeError
        If ``input`` is not 2-D.
    NotImplementedError
        For a bool input, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.trace(torch.arange(4.).reshape(2, 2))
    tensor(3.)
    """
    from numbagrad.ops.reduce import sum as _sum

    check_tensor("trace", input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype is dtypes.bool_:
        raise not_implemented("trace", input.dtype)
    return _sum(diagonal(input))


# ---------------------------------------------------------------------------- triangles


def _triangle(op: str, input, diagonal, upper: bool, out):
    check_tensor(op, input)
    diagonal = _int(op, diagonal, "diagonal", 2)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    result = apply(TRIU if upper else TRIL, (input,), diagonal=diagonal, upper=upper)
    return _write_exact(op, result, out)


def tril(input, diagonal: int = 0, *, out=None):
    """The lower triangle of each matrix in the last two dimensions (elements with
    ``col - row <= diagonal``), the rest zero.

    d/dx = the same lower triangle of the gradient.

    Raises
    ------
    RuntimeError
        If ``input`` has fewer than 2 dimensions.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tril(torch.ones(2, 2)).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    return _triangle("tril", input, diagonal, False, out)


def triu(input, diagonal: int = 0, *, out=None):
    """The upper triangle of each matrix in the last two dimensions (elements with
    ``col - row >= diagonal``), the rest zero.

    d/dx = the same upper triangle of the gradient.

    Raises
    ------
    RuntimeError
        If ``input`` has fewer than 2 dimensions.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.triu(torch.ones(2, 2)).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    return _triangle("triu", input, diagonal, True, out)


def _indices(op: str, row, col, offset, dtype, device, upper: bool) -> Tensor:
    from numbagrad.creation import _finish

    row, col = _int(op, row, "row", 1), _int(op, col, "col", 2)
    offset = _int(op, offset, "offset", 3)
    d = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if np.dtype(d.np_type).kind not in "iu":
        raise not_implemented(op, d)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    pick = np.triu_indices if upper else np.tril_indices
    rows, cols = pick(row, offset, col) if row and col else (np.zeros(0), np.zeros(0))
    return _finish(np.stack([rows, cols]).astype(d.np_type), device, False)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (row, col) coordinates of the lower triangle (``col - row <= offset``) of a
    ``row`` x ``col`` matrix, as a ``(2, N)`` tensor in row-major order (int64 by default).

    Raises
    ------
    RuntimeError
        If ``row`` or ``col`` is negative.
    NotImplementedError
        For a floating ``dtype``, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tril_indices(2, 2).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    return _indices("tril_indices", row, col, offset, dtype, device, False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (row, col) coordinates of the upper triangle (``col - row >= offset``) of a
    ``row`` x ``col`` matrix, as a ``(2, N)`` tensor in row-major order (int64 by default).

    Raises
    ------
    RuntimeError
        If ``row`` or ``col`` is negative.
    NotImplementedError
        For a floating ``dtype``, as torch.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.triu_indices(2, 2).tolist()
    [[0, 0, 1], [0, 1, 1]]
    """
    return _indices("triu_indices", row, col, offset, dtype, device, True)


# ---------------------------------------------------------------------------- windows


def unfold(input, dimension: int, size: int, step: int):
    """A view of the windows of ``size`` elements every ``step`` along ``dimension``: that
    dimension counts windows and a new last dimension of ``size`` walks inside each.

    Windows may overlap (they share memory, as in torch). d/dx = each window's gradient added
    back where the window sat.

    Raises
    ------
    RuntimeError
        If ``size`` is negative or longer than the dimension, or ``step`` is not positive.
    IndexError
        If ``dimension`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(5.).unfold(0, 2, 2).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    check_tensor("unfold", input)
    dim = wrap_dim(_int("unfold", dimension, "dimension", 1), input.ndim, "unfold")
    size = _int("unfold", size, "size", 2)
    step = _int("unfold", step, "step", 3)
    n = input.shape[dim] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return _narrow(reshape(input, (1,)), 0, 0, size)
    return as_view(apply(UNFOLD, (input,), dim=dim, size=size, step=step), input)


METHODS: dict = {
    "diagonal": diagonal, "diag_embed": diag_embed, "diag": diag, "diagflat": diagflat,
    "trace": trace, "tril": tril, "triu": triu, "tril_": inplace_method(tril),
    "triu_": inplace_method(triu), "unfold": unfold,
}

"""Norms: ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm`` and ``norm``.

One primitive, ``vector_norm``, reduces ``|x|**ord`` over some dims on the existing ``map``,
``sum``, ``max`` and ``min`` kernels; its vjp is one ``map`` pass of a formula per order. The
gradient is torch's at the kinks: 0 where the norm is 0 (not the nan of ``x / 0``), 0 at
``x = 0`` for every order (the subgradient torch picks, also for ``ord < 1``), and for
``ord = ±inf`` the gradient is shared evenly by the elements whose ``|x|`` is the norm.

Matrix norms are composites: ``'fro'`` is the vector 2-norm of the matrix; ``±1`` and ``±inf``
a sum of ``|x|`` then an ``amax``/``amin``; ``2``, ``-2`` and ``'nuc'`` the largest, smallest
and sum of the singular values (:mod:`numbagrad.ops.svdvals`, a Jacobi SVD meant for small
matrices).
"""
from __future__ import annotations

import math

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import scalar as F
from numbagrad.ops import shape as shape_ops
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.reduce import _axes, _keep, amax, amin, dim_or_axis
from numbagrad.ops.reduce import sum as _sum
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.ops.svdvals import svdvals

_INF = math.inf

# ---------------------------------------------------------------------------- formulas


def _nonzero(x):
    return 1.0 if x != 0.0 else 0.0


def _square(x):
    return x * x


def _abs_pow(x, p):
    """|x|**p, with 0**p = inf for p < 0 (the limit)."""
    a = abs(x)
    if a == 0.0:
        return math.inf if p < 0.0 else 0.0
    return a ** p


def _root(s, p):
    return s ** (1.0 / p)


def _sign_times(x, g):
    """d|x|/dx * g, 0 at x = 0."""
    return g if x > 0.0 else (-g if x < 0.0 else 0.0)


def _l2_vjp(x, n, g):
    """d||x||_2/dx * g = x / n * g, and 0 where the norm is 0."""
    return 0.0 if n == 0.0 else x / n * g


def _lp_vjp(x, n, p, g):
    """d||x||_p/dx * g = sign(x) (|x| / n)**(p - 1) g, 0 at x = 0 and where the norm is 0."""
    if x == 0.0 or n == 0.0:
        return 0.0
    r = (abs(x) / n) ** (p - 1.0) * g
    return r if x > 0.0 else -r


def _is_norm(x, n):
    return 1.0 if abs(x) == n else 0.0


def _inf_vjp(x, mask, g, count):
    """sign(x) g / count where |x| is the norm (ties share the gradient), else 0."""
    if mask == 0.0 or x == 0.0:
        return 0.0
    return g / count if x > 0.0 else -g / count


# ---------------------------------------------------------------------------- vector_norm


def _vector_norm_forward(be, x, axes, keepdim, ord):
    if ord == _INF or ord == -_INF:
        a = be.map(F.abs, [x], x.dtype)
        return (be.max if ord > 0 else be.min)(a, axes, keepdim)[0]
    if ord == 0:
        return be.sum(be.map(_nonzero, [x], x.dtype), axes, keepdim, x.dtype)
    if ord == 1:
        return be.sum(be.map(F.abs, [x], x.dtype), axes, keepdim, x.dtype)
    if ord == 2:
        total = be.sum(be.map(_square, [x], x.dtype), axes, keepdim, x.dtype)
        return be.map(F.sqrt, [total], x.dtype, out=total)
    p = be.full((), ord, x.dtype)
    total = be.sum(be.map(_abs_pow, [x, p], x.dtype), axes, keepdim, x.dtype)
    return be.map(_root, [total, p], x.dtype, out=total)


def _vector_norm_vjp(be, g, node):
    """One formula per order (see the module's docstring for the choices at kinks)."""
    x, = node.inputs
    ord = node.attrs["ord"]
    dtype = x.dtype
    g = _keep(g, node)
    if ord == 0:
        return (be.zeros(x.shape, dtype),)
    if ord == 1:
        return (be.map(_sign_times, [x, g], dtype, out=be.empty(x.shape, dtype)),)
    n = _keep(node.output, node)
    if ord == 2:
        return (be.map(_l2_vjp, [x, n, g], dtype, out=be.empty(x.shape, dtype)),)
    if ord == _INF or ord == -_INF:
        mask = be.map(_is_norm, [x, n], dtype)
        count = be.sum(mask, node.attrs["axes"], True, dtype)
        return (be.map(_inf_vjp, [x, mask, g, count], dtype),)
    p = be.full((), ord, dtype)
    return (be.map(_lp_vjp, [x, n, p, g], dtype, out=be.empty(x.shape, dtype)),)


VECTOR_NORM = register(OpDef("vector_norm", _vector_norm_forward, _vector_norm_vjp,
                             kernels=("map", "sum", "max", "min", "full", "zeros", "empty"),
                             saves_inputs=True, saves_output=True))


def _as_floating(op: str, input, dtype):
    """``input`` converted to ``dtype`` (floating, not narrower), as torch's norms check it."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_floating_point:
            raise RuntimeError(f"{op}: dtype should be floating point or complex, but got "
                               f"{dtypes.scalar_name(dtype)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{dtypes.scalar_name(input.dtype)}")
    if dtype is None or dtype is input.dtype:
        return input
    if dtype.itemsize < input.dtype.itemsize:
        raise RuntimeError(f"{op}: the dtype of the input ({dtypes.scalar_name(input.dtype)}) "
                           f"should be convertible without narrowing to the specified dtype "
                           f"({dtypes.scalar_name(dtype)})")
    return ew.cast(input, dtype)


def _check_ord(op: str, ord) -> float:
    if isinstance(ord, str) or not isinstance(ord, (int, float)) and not hasattr(ord, "__float__"):
        raise TypeError(f"{op}(): argument 'ord' must be Number, not {type(ord).__name__}")
    return float(ord)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None,
                axis=None):
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None), ``(sum |x|**ord)**(1/ord)``.

    d/dx_i = sign(x_i) (|x_i| / norm)**(ord - 1); 0 where the norm is 0 or x_i = 0. ``ord=inf``
    is ``max |x|`` (ties share the gradient), ``-inf`` ``min |x|``, ``0`` the count of nonzeros
    (gradient 0).

    Parameters
    ----------
    x : Tensor
        Floating point.
    ord : int or float
    dim : int or tuple of int, optional
        None or ``()`` reduces every dim.
    keepdim : bool
    dtype : numbagrad.dtype, optional
        A floating type, not narrower than ``x``'s, to convert ``x`` to first.
    out : Tensor, optional
    axis : int or tuple of int, optional
        NumPy's name for ``dim``.

    Returns
    -------
    Tensor

    Raises
    ------
    RuntimeError
        If ``x`` or ``dtype`` is not floating point, ``dtype`` is narrower than ``x``'s, or a
        negative or infinite order reduces an empty dim (it has no identity).
    TypeError
        If ``ord`` is not a number.
    IndexError
        If a dim is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.linalg.vector_norm(torch.tensor([3.0, -4.0]))
    tensor(5.)
    >>> torch.linalg.vector_norm(torch.tensor([[1.0, -2.0], [0.0, 3.0]]), float("inf"), dim=1)
    tensor([2., 3.])
    """
    op = "linalg.vector_norm"
    check_tensor("linalg_vector_norm", x)
    ord = _check_ord("linalg_vector_norm", ord)
    x = _as_floating(op, x, dtype)
    axes = _axes(op, x, dim_or_axis(op, dim, axis))
    if ord < 0 or ord == _INF:
        name = "inf" if ord == _INF else ("-inf" if ord == -_INF else f"{ord:g}")
        if axes is None and x.numel() == 0:
            raise RuntimeError(f"{op} cannot compute the {name} norm on an empty tensor "
                               f"because the operation does not have an identity")
        for a in axes or ():
            if x.shape[a] == 0:
                raise RuntimeError(f"{op} cannot compute the {name} norm on the dimension {a} "
                                   f"because this dimension is empty and the operation does "
                                   f"not have an identity")
    result = apply(VECTOR_NORM, (x,), axes=axes, keepdim=bool(keepdim), ord=ord)
    return write_out(op, result, out)


# ---------------------------------------------------------------------------- matrix_norm


def _matrix_dims(op: str, A, dim) -> tuple:
    from numbagrad.tensor import wrap_dim

    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    d0, d1 = (wrap_dim(int(d), A.ndim, op) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dims[0]}, {dims[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None):
    """A matrix norm of ``A`` over the two dims ``dim`` (batched over the others).

    ``'fro'``: sqrt(sum x**2), d/dx = x / norm (0 at a zero matrix). ``1`` / ``-1``: the largest /
    smallest column sum of ``|x|``; ``inf`` / ``-inf``: the largest / smallest row sum; their
    gradient is sign(x) on the chosen columns (rows), shared evenly among tied ones.

    Parameters
    ----------
    A : Tensor
        Floating point, at least 2-D.
    ord : {'fro', 'nuc', 1, -1, 2, -2, inf, -inf}
        ``2`` / ``-2``: the largest / smallest singular value, ``'nuc'`` their sum;
        d/dA = sum of u_i v_i^T over the singular values taken (tied ones share it).
    dim : tuple of two ints
    keepdim : bool
    dtype : numbagrad.dtype, optional
    out : Tensor, optional

    Returns
    -------
    Tensor

    Raises
    ------
    RuntimeError
        For an unsupported ``ord``, ``A`` with fewer than 2 dims, equal dims, or a
        non-floating ``A`` or ``dtype``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> A = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> torch.linalg.matrix_norm(A, 1)
    tensor(6.)
    >>> torch.linalg.matrix_norm(A, float("inf"))
    tensor(7.)
    """
    op = "linalg.matrix_norm"
    check_tensor("linalg_matrix_norm", A)
    d0, d1 = _matrix_dims(op, A, dim)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{op}: Order {ord} not supported.")
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype, out=out)
    elif ord not in (1, -1, 2, -2, _INF, -_INF):
        raise RuntimeError(f"{op}: Order {ord:g} not supported.")
    A = _as_floating(op, A, dtype)
    if ord in ("nuc", 2, -2):
        return write_out(op, _singular_value_norm(A, ord, d0, d1, keepdim), out)
    if abs(ord) == _INF:  # row sums: the roles of the two dims swap
        d0, d1 = d1, d0
    extreme = amax if ord > 0 else amin
    result = extreme(_sum(ew.abs(A), d0, keepdim=True), d1, keepdim=True)
    if not keepdim:
        result = shape_ops.squeeze(result, (d0, d1))
    return write_out(op, result, out)


def _singular_value_norm(A, ord, d0: int, d1: int, keepdim: bool):
    """The sum (``'nuc'``), largest (2) or smallest (-2) singular value over dims (d0, d1)."""
    rest = [d for d in range(A.ndim) if d not in (d0, d1)]
    values = svdvals(shape_ops.permute(A, *rest, d0, d1))
    if ord == "nuc":
        result = _sum(values, -1)
    else:  # tied singular values share the gradient, as torch's amax/amin
        result = (amax if ord == 2 else amin)(values, -1)
    if keepdim:
        for d in sorted((d0, d1)):
            result = shape_ops.unsqueeze(result, d)
    return result


# ---------------------------------------------------------------------------- norm


def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None):
    """A vector or matrix norm, chosen as torch's ``linalg.norm`` chooses.

    An int ``dim`` or one of length 1 gives :func:`vector_norm`, a pair :func:`matrix_norm`.
    Without ``dim``: ``ord=None`` is the 2-norm of all elements; otherwise ``A`` must be 1-D
    (vector norm) or 2-D (matrix norm). Gradients are those of the norm chosen.

    Raises
    ------
    RuntimeError
        If ``dim`` has another length, or ``ord`` is given without ``dim`` for an input that
        is not 1-D or 2-D; and the errors of the norm chosen.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.linalg.norm(torch.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    op = "linalg.norm"
    check_tensor("linalg_norm", A)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got "
                               f"{list(dims)}")
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype,
                           out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or "
                           f"2D. Got {A.ndim}D.")
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (0, 1) if A.ndim == 2 else (0,), keepdim, dtype=dtype, out=out)


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """torch's legacy ``norm``: a vector norm, or a matrix norm for ``p='nuc'`` (the sum of the
    singular values over two dims, all of ``input``'s when ``dim`` is None).

    A number ``p`` (or None, meaning 2) is :func:`vector_norm` over ``dim`` (all elements when
    None, a tuple of any length otherwise); ``'fro'`` is the vector 2-norm when ``dim`` has at
    most two dims. d/dx as :func:`vector_norm`.

    Parameters
    ----------
    input : Tensor
        Floating point.
    p : int, float, 'fro' or 'nuc'
    dim : int or tuple of int, optional
    keepdim : bool
    out : Tensor, optional
    dtype : numbagrad.dtype, optional

    Returns
    -------
    Tensor

    Raises
    ------
    RuntimeError
        For a non-floating input, and the errors of :func:`vector_norm`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.norm(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    >>> torch.tensor([[3.0, 4.0], [1.0, -1.0]]).norm(1, dim=1)
    tensor([7., 2.])
    """
    dims = [dim] if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(input, p, list(range(input.ndim)) if dims is None else dims,
                           keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype, out=out)


METHODS: dict = {"norm": norm}

"""Reductions: sum, mean, var, std, prod, max/min (with indices), argmax/argmin."""
from __future__ import annotations

from numbagrad import dtypes
from numbagrad.ops.registry import OpDef, apply, register


def _axes(input, dim) -> tuple | None:
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes, range-checked."""
    from numbagrad.tensor import wrap_dim

    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(sorted({wrap_dim(d, input.ndim, "sum") for d in dims}))
    if len(axes) != len(dims):
        raise RuntimeError(f"dim {list(dims)} appears multiple times in the list of dims")
    return axes


def _sum_forward(be, x, axes, keepdim, dtype):
    return be.sum(x, axes, keepdim, dtype)


def _sum_vjp(be, g, node):
    """Every input element receives the gradient of the sum it fed: a broadcast of ``g``."""
    shape = node.in_shapes[0]
    axes = node.attrs["axes"]
    if not node.attrs["keepdim"]:
        kept = [1 if (axes is None or d in axes) else n for d, n in enumerate(shape)]
        g = g.reshape(kept)
    return (be.map(_identity, [g], node.in_dtypes[0], out=be.empty(shape, node.in_dtypes[0])),)


def _identity(x):
    return x


SUM = register(OpDef("sum", _sum_forward, _sum_vjp, kernels=("sum", "map")))


def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """Sum over ``dim`` (all dimensions when None). d/dx = 1 for each summed element.

    Bool and integer tensors sum to int64, as torch.
    """
    axes = _axes(input, dim)
    if dtype is not None:
        out_dtype = dtypes.as_dtype(dtype)
    elif input.dtype.is_floating_point:
        out_dtype = input.dtype
    else:
        out_dtype = dtypes.int64
    return apply(SUM, (input,), axes=axes, keepdim=keepdim, dtype=out_dtype.np_type)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Mean over ``dim`` (all dimensions when None)."""
    raise NotImplementedError("mean")


def var(input, dim=None, *, correction=1, keepdim: bool = False, unbiased=None):
    """Variance over ``dim`` with Bessel's ``correction``."""
    raise NotImplementedError("var")


def std(input, dim=None, *, correction=1, keepdim: bool = False, unbiased=None):
    """Standard deviation over ``dim``."""
    raise NotImplementedError("std")


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Product over ``dim``."""
    raise NotImplementedError("prod")


def max(input, dim=None, keepdim: bool = False):  # noqa: A001
    """Maximum of all elements, or ``(values, indices)`` along ``dim``."""
    raise NotImplementedError("max")


def min(input, dim=None, keepdim: bool = False):  # noqa: A001
    """Minimum of all elements, or ``(values, indices)`` along ``dim``."""
    raise NotImplementedError("min")


def amax(input, dim=(), keepdim: bool = False):
    """Maximum over ``dim`` (values only)."""
    raise NotImplementedError("amax")


def amin(input, dim=(), keepdim: bool = False):
    """Minimum over ``dim`` (values only)."""
    raise NotImplementedError("amin")


def argmax(input, dim=None, keepdim: bool = False):
    """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
    raise NotImplementedError("argmax")


def argmin(input, dim=None, keepdim: bool = False):
    """Index of the minimum (of the flattened tensor when ``dim`` is None)."""
    raise NotImplementedError("argmin")

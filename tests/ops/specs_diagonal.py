"""Specs of ``numbagrad/ops/diagonal.py`` and ``numbagrad/ops/repeat.py``: diagonals (views and
their adjoint ``diag_embed``), triangles, sliding windows and ``repeat_interleave``."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes``."""
    return lambda draw: list(shapes)


def _diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """NumPy's ``diag_embed``: the last axis of ``x`` on a diagonal of two new axes."""
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    rows = np.arange(x.shape[-1]) + max(-offset, 0)
    out[..., rows, rows + offset] = x
    ndim = x.ndim + 1
    a, b = dim1 % ndim, dim2 % ndim
    rest = [d for d in range(ndim) if d not in (a, b)]
    order = np.empty(ndim, int)
    order[rest + [a, b]] = np.arange(ndim)
    return out.transpose(order)


def _windows(x, axis, size, step):
    """Windows of ``size`` every ``step`` along ``axis``, the window's own axis last."""
    view = np.lib.stride_tricks.sliding_window_view(x, size, axis=axis)
    return view[(slice(None),) * axis + (slice(None, None, step),)]


SPECS = [
    Spec("diagonal", lambda x: x.diagonal(), lambda x: np.diagonal(x), min_dims=2),
    Spec("diagonal_offset_dims", lambda x: ng.diagonal(x, 1, 2, 0),
         lambda x: np.diagonal(x, 1, 2, 0), shapes=_fixed((3, 2, 4)), covers=("diagonal",)),
    Spec("diagonal_negative", lambda x: ng.diagonal(x, -1, -1, 0),
         lambda x: np.diagonal(x, -1, -1, 0), shapes=_fixed((4, 2, 3)), covers=("diagonal",)),
    Spec("diag_embed", lambda x: ng.diag_embed(x), _diag_embed, min_dims=1),
    Spec("diag_embed_dims", lambda x: x.diag_embed(-1, 0, 2),
         lambda x: _diag_embed(x, -1, 0, 2), shapes=_fixed((2, 3)), covers=("diag_embed",)),
    Spec("diag_vector", lambda x: ng.diag(x, 1), lambda x: np.diag(x, 1),
         shapes=_fixed((3,)), covers=("diag_embed",)),
    Spec("diag_matrix", lambda x: x.diag(-1), lambda x: np.diag(x, -1), shapes=_fixed((4, 3)),
         covers=("diagonal", "clone")),
    Spec("diagflat", lambda x: ng.diagflat(x, 1), lambda x: np.diagflat(x, 1),
         shapes=_fixed((2, 2)), covers=("diag_embed", "reshape")),
    Spec("trace", ng.trace, np.trace, shapes=_fixed((3, 4)), covers=("diagonal", "sum")),
    Spec("tril", lambda x: ng.tril(x), lambda x: np.tril(x), min_dims=2),
    Spec("tril_offset", lambda x: x.tril(1), lambda x: np.tril(x, 1), shapes=_fixed((2, 3, 4)),
         covers=("tril",)),
    Spec("triu", lambda x: ng.triu(x, -1), lambda x: np.triu(x, -1), min_dims=2),
    Spec("unfold", lambda x: x.unfold(1, 3, 1), lambda x: _windows(x, 1, 3, 1),
         shapes=_fixed((2, 5, 3))),
    Spec("unfold_step", lambda x: x.unfold(0, 2, 3), lambda x: _windows(x, 0, 2, 3),
         shapes=_fixed((8, 2)), covers=("unfold",)),
    Spec("unfold_overlap", lambda x: x.unfold(-1, 3, 2), lambda x: _windows(x, 1, 3, 2),
         shapes=_fixed((2, 7)), covers=("unfold",)),
    Spec("repeat_interleave", lambda x: x.repeat_interleave(ng.tensor([1, 0, 3]), dim=1),
         lambda x: np.repeat(x, [1, 0, 3], axis=1), shapes=_fixed((2, 3)), covers=("index",)),
    Spec("repeat_interleave_flat", lambda x: ng.repeat_interleave(x, 2),
         lambda x: np.repeat(x, 2), covers=("index", "reshape")),
]

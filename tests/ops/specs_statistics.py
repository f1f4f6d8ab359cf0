"""Specs of ``numbagrad/ops/statistics.py``.

All ops here are composites; ``covers`` names the primitives they run. nansum and nanmean get
one nan in their input (the finite-difference step leaves it nan, so its gradient is 0 on both
sides); aminmax gets tie-free inputs, as amax and amin.
"""
import numpy as np
from hypothesis.extra import numpy as hnp

import numbagrad as ng
from tests.ops.spec import Spec


def _at_least(ndim: int, min_side: int = 1, max_side: int = 4):
    """A ``shapes`` strategy: one shape of ``ndim`` to 4 dimensions."""
    def shapes(draw):
        return [draw(hnp.array_shapes(min_dims=ndim, max_dims=max(ndim, 4), min_side=min_side,
                                      max_side=max_side))]

    return shapes


def _untie(arrays):
    """The same order of values, respaced 0.05 apart: no two elements within the FD step."""
    (x,) = arrays
    ranks = np.argsort(np.argsort(x, axis=None)).reshape(x.shape)
    return [np.asarray(ranks * 0.05 - 1.0)]


def _one_nan(arrays):
    """The first element made nan (slices keep at least one other element: min_side=2)."""
    (x,) = arrays
    x = np.array(x, copy=True)
    x.flat[0] = np.nan
    return [x]


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


_LSE = ("amax", "where", "sub", "exp", "sum", "log", "add")
_NAN = ("where", "sum")
_VAR = ("sum", "sub", "mul", "div")

SPECS = [
    # logsumexp
    Spec("logsumexp_dim-1", lambda x: ng.logsumexp(x, -1), lambda x: _logsumexp(x, -1),
         covers=_LSE, min_dims=1),
    Spec("logsumexp_dims02_keepdim", lambda x: x.logsumexp((0, 2), keepdim=True),
         lambda x: _logsumexp(x, (0, 2), True), covers=_LSE, shapes=_at_least(3)),
    Spec("logsumexp_all", lambda x: x.logsumexp(()), lambda x: _logsumexp(x), covers=_LSE,
         low=-30.0, high=30.0),
    # nansum, nanmean
    Spec("nansum", lambda x: x.nansum(), lambda x: np.nansum(x), covers=_NAN,
         shapes=_at_least(1, min_side=2), fix=_one_nan),
    Spec("nansum_dim0_keepdim", lambda x: ng.nansum(x, 0, keepdim=True),
         lambda x: np.nansum(x, 0, keepdims=True), covers=_NAN, shapes=_at_least(1, min_side=2),
         fix=_one_nan),
    Spec("nanmean_dims01", lambda x: x.nanmean((0, 1)), lambda x: np.nanmean(x, (0, 1)),
         covers=_NAN + ("div",), shapes=_at_least(2, min_side=2), fix=_one_nan),
    Spec("nanmean", lambda x: ng.nanmean(x), lambda x: np.nanmean(x), covers=_NAN + ("div",),
         shapes=_at_least(1, min_side=2), fix=_one_nan),
    # aminmax: amin and amax
    Spec("aminmax_min", lambda x: ng.aminmax(x).min, lambda x: np.min(x), covers=("amin",),
         fix=_untie, min_dims=1),
    Spec("aminmax_max_dim1_keepdim", lambda x: x.aminmax(dim=1, keepdim=True).max,
         lambda x: np.max(x, 1, keepdims=True), covers=("amax",), fix=_untie,
         shapes=_at_least(2)),
    # var_mean, std_mean
    Spec("var_mean_var_dim0", lambda x: ng.var_mean(x, 0)[0], lambda x: np.var(x, 0, ddof=1),
         covers=_VAR, shapes=_at_least(1, min_side=2)),
    Spec("var_mean_mean_dim0", lambda x: ng.var_mean(x, 0)[1], lambda x: np.mean(x, 0),
         covers=("mean",), shapes=_at_least(1, min_side=2)),
    Spec("std_mean_std_dims01_correction0_keepdim",
         lambda x: ng.std_mean(x, (0, 1), correction=0, keepdim=True)[0],
         lambda x: np.std(x, (0, 1), keepdims=True), covers=_VAR + ("sqrt",),
         shapes=_at_least(2, min_side=2)),
    Spec("std_mean_mean_unbiased_false", lambda x: ng.std_mean(x, False)[1],
         lambda x: np.mean(x), covers=("mean",), shapes=_at_least(1, min_side=2)),
    # all, any, count_nonzero: bool and int64 results, no gradient
    Spec("all_dim-1", lambda x: ng.all(ng.gt(x, -2.0), -1), lambda x: np.all(x > -2.0, -1),
         covers=("gt", "eq", "sum"), min_dims=1, differentiable=False),
    Spec("any_dims01_keepdim", lambda x: ng.gt(x, 2.0).any((0, 1), keepdim=True),
         lambda x: np.any(x > 2.0, (0, 1), keepdims=True), covers=("gt", "ne", "sum"),
         shapes=_at_least(2), differentiable=False),
    Spec("count_nonzero_dim0", lambda x: ng.count_nonzero(ng.gt(x, 0.0), 0),
         lambda x: np.count_nonzero(x > 0.0, 0), covers=("gt", "ne", "sum"), min_dims=1,
         differentiable=False),
]

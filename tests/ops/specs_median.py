"""Specs of ``numbagrad/ops/median.py`` (median, nanmedian, mode: composites of sort and gather).

Inputs are tie-free (:func:`_untie`): at a tie the element chosen, hence the gradient, jumps.
Without ties every value is equally frequent, so ``mode`` is the minimum.
"""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec
from tests.ops.specs_sort import _untie


def _lower_median(x, axis=None, keepdims=False):
    if axis is None:
        x, axis = x.reshape(-1), 0
    n = x.shape[axis]
    return np.take(np.sort(x, axis), [(n - 1) // 2], axis).reshape(
        np.sum(x, axis, keepdims=keepdims).shape)


SPECS = [
    Spec("median", lambda x: ng.median(x), lambda x: _lower_median(x), covers=("sort", "amax"),
         fix=_untie),
    Spec("median_dim-1", lambda x: x.median(-1).values, lambda x: _lower_median(x, -1),
         covers=("sort", "gather"), fix=_untie, min_dims=1),
    Spec("median_dim0_keepdim", lambda x: ng.median(x, 0, keepdim=True)[0],
         lambda x: _lower_median(x, 0, True), covers=("sort", "gather"), fix=_untie,
         min_dims=1),
    Spec("nanmedian_dim1", lambda x: ng.nanmedian(x, 1).values, lambda x: _lower_median(x, 1),
         covers=("sort", "gather"), fix=_untie, min_dims=2),
    Spec("nanmedian", lambda x: x.nanmedian(), lambda x: _lower_median(x),
         covers=("sort", "amax"), fix=_untie),
    Spec("mode", lambda x: ng.mode(x).values, lambda x: np.min(x, -1),
         covers=("sort", "gather"), fix=_untie, min_dims=1),
    Spec("mode_dim0_keepdim", lambda x: x.mode(0, True)[0],
         lambda x: np.min(x, 0, keepdims=True), covers=("sort", "gather"), fix=_untie,
         min_dims=1),
]

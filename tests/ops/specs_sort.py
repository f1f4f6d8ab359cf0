"""Specs of ``numbagrad/ops/sort.py``.

Inputs are tie-free (:func:`_untie`): at a tie the sort's order, hence its gradient, jumps, so
finite differences there do not give the gradient the op chooses.
"""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _untie(arrays):
    """The same order of values, respaced 0.05 apart: no two elements within the FD step."""
    (x,) = arrays
    ranks = np.argsort(np.argsort(x, axis=None)).reshape(x.shape)
    return [np.asarray(ranks * 0.05 - 1.0)]


SPECS = [
    Spec("sort", lambda x: x.sort().values, lambda x: np.sort(x, -1), fix=_untie, min_dims=1),
    Spec("sort_dim0_descending", lambda x: ng.sort(x, 0, descending=True)[0],
         lambda x: np.flip(np.sort(x, 0), 0), covers=("sort",), fix=_untie, min_dims=1),
    Spec("msort", lambda x: ng.msort(x), lambda x: np.sort(x, 0), covers=("sort",), fix=_untie,
         min_dims=1),
    Spec("topk_1", lambda x: ng.topk(x, 1).values, lambda x: np.max(x, -1, keepdims=True),
         covers=("sort",), fix=_untie, min_dims=1),
    Spec("topk_1_smallest_dim0", lambda x: x.topk(1, 0, largest=False).values,
         lambda x: np.min(x, 0, keepdims=True), covers=("sort",), fix=_untie, min_dims=1),
    Spec("kthvalue_1", lambda x: ng.kthvalue(x, 1, 0).values, lambda x: np.min(x, 0),
         covers=("sort",), fix=_untie, min_dims=1),
]

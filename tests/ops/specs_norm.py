"""Specs of ``numbagrad/ops/norm.py`` (``linalg.vector_norm``, ``linalg.matrix_norm``, ``norm``).

Inputs stay off 0, the kink of ``|x|`` (and the pole of ``|x|**(p-1)`` for ``p < 1``). The
``±inf`` norms and the matrix 1/inf norms pick an element or a column: their inputs get distinct
magnitudes (:func:`_distinct_magnitudes`), since a tie is a kink.
"""
import numpy as np
from hypothesis.extra import numpy as hnp

import numbagrad as ng
from tests.ops.spec import Spec
from tests.ops.specs_reduce import _at_least


def _distinct_magnitudes(arrays):
    """Magnitudes 0.1 + 0.2 sqrt(rank + 2) in the input's order, with alternating signs: sums
    of square roots of distinct integers stay apart, so no two column (row) sums tie."""
    (x,) = arrays
    ranks = np.argsort(np.argsort(x, axis=None)).reshape(x.shape)
    return [np.asarray((0.1 + 0.2 * np.sqrt(ranks + 2.0)) * np.where(ranks % 2, -1.0, 1.0))]


def _separated_singular_values(arrays):
    """A small perturbation of diag(1, 2, 3, ...) in the last two dims: singular values stay
    0.3 or more apart and away from 0 (where they are not differentiable)."""
    (x,) = arrays
    m, n = x.shape[-2:]
    diagonal = np.zeros((m, n))
    for i in range(min(m, n)):
        diagonal[i, i] = i + 1.0
    return [np.asarray(diagonal + 0.05 * x / (1.0 + np.abs(x).max()))]


def _matrix(draw):
    """One 2-D shape."""
    return [draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4))]


def _lp(x, p, axis=None, keepdims=False):
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


SPECS = [
    Spec("vector_norm", lambda x: ng.linalg.vector_norm(x), lambda x: np.sqrt(np.sum(x * x)),
         kinks=(0.0,)),
    Spec("vector_norm_1_dim-1", lambda x: ng.linalg.vector_norm(x, 1, -1),
         lambda x: np.sum(np.abs(x), -1), covers=("vector_norm",), kinks=(0.0,), min_dims=1),
    Spec("vector_norm_3_dims01_keepdim", lambda x: ng.linalg.vector_norm(x, 3, (0, 1), True),
         lambda x: _lp(x, 3, (0, 1), True), covers=("vector_norm",), kinks=(0.0,),
         shapes=_at_least(2)),
    Spec("vector_norm_-1.5_dim0", lambda x: ng.linalg.vector_norm(x, -1.5, 0),
         lambda x: _lp(x, -1.5, 0), covers=("vector_norm",), kinks=(0.0,), low=0.2,
         min_dims=1, rtol=1e-4),
    Spec("vector_norm_0.5", lambda x: ng.linalg.vector_norm(x, 0.5), lambda x: _lp(x, 0.5),
         covers=("vector_norm",), kinks=(0.0,), rtol=1e-4),
    Spec("vector_norm_0_dim1", lambda x: ng.linalg.vector_norm(x, 0, 1),
         lambda x: np.sum(x != 0, 1).astype(x.dtype), covers=("vector_norm",), kinks=(0.0,),
         shapes=_at_least(2)),
    Spec("vector_norm_inf", lambda x: ng.linalg.vector_norm(x, float("inf")),
         lambda x: np.max(np.abs(x)), covers=("vector_norm",), fix=_distinct_magnitudes,
         min_dims=1),
    Spec("vector_norm_-inf_dim-1", lambda x: ng.linalg.vector_norm(x, -float("inf"), -1),
         lambda x: np.min(np.abs(x), -1), covers=("vector_norm",), fix=_distinct_magnitudes,
         min_dims=1),
    Spec("norm_p1_dim1_keepdim", lambda x: x.norm(1, 1, True),
         lambda x: np.sum(np.abs(x), 1, keepdims=True), covers=("vector_norm",), kinks=(0.0,),
         shapes=_at_least(2)),
    Spec("matrix_norm_fro", lambda x: ng.linalg.matrix_norm(x),
         lambda x: np.sqrt(np.sum(x * x, (-2, -1))), covers=("vector_norm",), kinks=(0.0,),
         shapes=_at_least(2)),
    Spec("svdvals", lambda x: ng.linalg.svdvals(x), lambda x: np.linalg.svd(x, compute_uv=False),
         fix=_separated_singular_values, shapes=_at_least(2, max_side=4)),
    Spec("matrix_norm_nuc", lambda x: ng.linalg.matrix_norm(x, "nuc"),
         lambda x: np.linalg.norm(x, "nuc", axis=(-2, -1)), covers=("svdvals", "sum"),
         fix=_separated_singular_values, shapes=_at_least(2, max_side=4)),
    Spec("matrix_norm_2_dims10_keepdim", lambda x: ng.linalg.matrix_norm(x, 2, (1, 0), True),
         lambda x: np.linalg.norm(np.moveaxis(x, (1, 0), (-2, -1)), 2, axis=(-2, -1))[
             None, None], covers=("svdvals", "amax", "permute"), fix=_separated_singular_values,
         shapes=_matrix),
    Spec("matrix_norm_-2", lambda x: ng.linalg.matrix_norm(x, -2),
         lambda x: np.linalg.norm(x, -2, axis=(-2, -1)), covers=("svdvals", "amin"),
         fix=_separated_singular_values, shapes=_at_least(2, max_side=4)),
    Spec("matrix_norm_1", lambda x: ng.linalg.matrix_norm(x, 1),
         lambda x: np.max(np.sum(np.abs(x), -2), -1), covers=("amax", "sum", "abs"),
         fix=_distinct_magnitudes, shapes=_at_least(2, max_side=3)),
    Spec("matrix_norm_-inf_dims02_keepdim",
         lambda x: ng.linalg.matrix_norm(x, -float("inf"), (0, 2), keepdim=True),
         lambda x: np.min(np.sum(np.abs(x), 2, keepdims=True), 0, keepdims=True),
         covers=("amin", "sum", "abs"), fix=_distinct_magnitudes, shapes=_at_least(3, max_side=3)),
]

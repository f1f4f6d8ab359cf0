"""Specs of ``numbagrad/ops/reduce.py``.

Each reduction appears with fixed dims (all, 0, -1, a tuple, keepdim), each spec drawing shapes
with enough dimensions for its dims. Max-like ops get tie-free inputs (:func:`_untie`): a tie is
a kink, where the finite-difference gradient is not the subgradient the op chooses.
"""
import numpy as np
from hypothesis.extra import numpy as hnp

import numbagrad as ng
from tests.ops.spec import Spec


def _at_least(ndim: int, min_side: int = 1, max_side: int = 5):
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


def _with_zeros(count: int):
    """Put ``count`` zeros in the input (the product's gradient must not divide by them)."""
    def fix(arrays):
        (x,) = arrays
        x = x.copy()
        x.flat[:count] = 0.0
        return [x]

    return fix


def _var(x, axis=None, ddof=1, keepdims=False):
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _std(x, axis=None, ddof=1, keepdims=False):
    return np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)


SPECS = [
    # sum
    Spec("sum", lambda x: x.sum(), lambda x: np.sum(x)),
    Spec("sum_dim0", lambda x: x.sum(0), lambda x: np.sum(x, 0), covers=("sum",), min_dims=1),
    Spec("sum_dim-1_keepdim", lambda x: x.sum(-1, keepdim=True),
         lambda x: np.sum(x, -1, keepdims=True), covers=("sum",), min_dims=1),
    Spec("sum_dims02_keepdim", lambda x: ng.sum(x, (0, 2), True),
         lambda x: np.sum(x, (0, 2), keepdims=True), covers=("sum",), shapes=_at_least(3)),
    Spec("sum_dtype_float64", lambda x: x.sum(1, dtype=ng.float64), lambda x: np.sum(x, 1),
         covers=("sum",), min_dims=2),
    # mean (a primitive), var and std (composites of sum)
    Spec("mean", lambda x: x.mean(), lambda x: np.mean(x), covers=("mean",)),
    Spec("mean_dim-1", lambda x: x.mean(-1), lambda x: np.mean(x, -1), covers=("mean",),
         min_dims=1),
    Spec("mean_dims02_keepdim", lambda x: x.mean((0, 2), keepdim=True),
         lambda x: np.mean(x, (0, 2), keepdims=True), covers=("mean",), shapes=_at_least(3)),
    Spec("var", lambda x: x.var(), _var, covers=("sum", "sub", "mul", "div"),
         shapes=_at_least(1, min_side=2)),
    Spec("var_dim0", lambda x: ng.var(x, 0), lambda x: _var(x, 0),
         covers=("sum", "sub", "mul", "div"), shapes=_at_least(1, min_side=2)),
    Spec("var_dim1_correction0_keepdim", lambda x: x.var(1, correction=0, keepdim=True),
         lambda x: _var(x, 1, 0, True), covers=("sum", "sub", "mul", "div"),
         shapes=_at_least(2)),
    Spec("var_unbiased_false", lambda x: x.var(0, False), lambda x: _var(x, 0, 0),
         covers=("sum", "sub", "mul", "div"), shapes=_at_least(1)),
    Spec("std", lambda x: x.std(), _std, covers=("sum", "sqrt"),
         shapes=_at_least(1, min_side=2)),
    Spec("std_dims01_keepdim", lambda x: x.std((0, 1), keepdim=True),
         lambda x: _std(x, (0, 1), keepdims=True), covers=("sum", "sqrt"),
         shapes=_at_least(2, min_side=2)),
    # prod
    Spec("prod", lambda x: x.prod(), lambda x: np.prod(x), low=-1.5, high=1.5, max_dims=3),
    Spec("prod_dim1_keepdim", lambda x: x.prod(1, keepdim=True),
         lambda x: np.prod(x, 1, keepdims=True), covers=("prod",), low=-1.5, high=1.5,
         shapes=_at_least(2)),
    Spec("prod_dim-1_one_zero", lambda x: x.prod(-1), lambda x: np.prod(x, -1),
         covers=("prod",), low=-1.5, high=1.5, min_dims=1, fix=_with_zeros(1)),
    Spec("prod_two_zeros", lambda x: x.prod(0), lambda x: np.prod(x, 0), covers=("prod",),
         low=-1.5, high=1.5, shapes=_at_least(1, min_side=2), fix=_with_zeros(2)),
    # amax, amin: ties share the gradient
    Spec("amax", lambda x: x.amax(), lambda x: np.max(x), fix=_untie),
    Spec("amax_dims0-1", lambda x: ng.amax(x, (0, -1)), lambda x: np.max(x, (0, -1)),
         covers=("amax",), fix=_untie, shapes=_at_least(2)),
    Spec("amin", lambda x: x.amin(), lambda x: np.min(x), fix=_untie),
    Spec("amin_dim1_keepdim", lambda x: x.amin(1, keepdim=True),
         lambda x: np.min(x, 1, keepdims=True), covers=("amin",), fix=_untie,
         shapes=_at_least(2)),
    # max, min: the full reduction is amax/amin; along a dim, the values
    Spec("max_all", lambda x: x.max(), lambda x: np.max(x), covers=("amax",), fix=_untie),
    Spec("min_all", lambda x: ng.min(x), lambda x: np.min(x), covers=("amin",), fix=_untie),
    Spec("max", lambda x: x.max(0).values, lambda x: np.max(x, 0), fix=_untie, min_dims=1),
    Spec("max_dim-1_keepdim", lambda x: ng.max(x, -1, keepdim=True)[0],
         lambda x: np.max(x, -1, keepdims=True), covers=("max",), fix=_untie, min_dims=1),
    Spec("min", lambda x: x.min(1).values, lambda x: np.min(x, 1), fix=_untie,
         shapes=_at_least(2)),
    # argmax, argmin: indices, no gradient
    Spec("argmax", lambda x: x.argmax(), lambda x: np.argmax(x), covers=("max",), fix=_untie,
         differentiable=False),
    Spec("argmax_dim1", lambda x: x.argmax(1), lambda x: np.argmax(x, 1), covers=("max",),
         fix=_untie, shapes=_at_least(2), differentiable=False),
    Spec("argmin_dim-1_keepdim", lambda x: ng.argmin(x, -1, keepdim=True),
         lambda x: np.argmin(x, -1, keepdims=True), covers=("min",), fix=_untie, min_dims=1,
         differentiable=False),
    Spec("max_indices_dim0", lambda x: x.max(0).indices, lambda x: np.argmax(x, 0), covers=("max",),
         fix=_untie, min_dims=1, differentiable=False),
    Spec("min_indices_dim-1", lambda x: x.min(-1)[1], lambda x: np.argmin(x, -1), covers=("min",),
         fix=_untie, min_dims=1, differentiable=False),
]

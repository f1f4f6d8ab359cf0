"""Specs of ``numbagrad/ops/masked.py``. Masks and indices are fixed (built inside each ``fn``),
so the forward reference and the finite differences see the same ones; the accumulating ops
get repeated indices."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes``."""
    return lambda draw: list(shapes)


def _t(a, like):
    return ng.tensor(a, device=like.device)


_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False,
                                                                          False]])
_ROW_MASK = np.array([True, False, False, True])
_SEL = np.array([2, 0, 2, 3])
_TAKE = np.array([[0, -1], [5, 5]])
_ALONG = np.array([[0, -1, 2], [3, 3, 0], [1, 1, 1]])
_SCATTER = np.array([[1, 0, 2], [0, 2, 1]])           # a permutation per column for scatter
_REPEAT = np.array([[1, 1, 0], [1, 2, 1]])            # repeats for scatter_add
_IDX = np.array([2, 0, 2])                            # repeats for index_add


def _scatter_add_ref(x, src):
    out = x.copy()
    for i in range(_REPEAT.shape[0]):
        for j in range(_REPEAT.shape[1]):
            out[_REPEAT[i, j], j] += src[i, j]
    return out


def _scatter_ref(x, src):
    out = x.copy()
    for i in range(_SCATTER.shape[0]):
        for j in range(_SCATTER.shape[1]):
            out[_SCATTER[i, j], j] = src[i, j]
    return out


def _index_add_ref(x, src, alpha=1.0):
    out = x.copy()
    np.add.at(out, (slice(None), _IDX), alpha * src)
    return out


def _index_copy_ref(x, src):
    out = x.copy()
    out[[2, 0]] = src
    return out


def _index_fill_ref(x, v):
    out = x.copy()
    out[:, [1, -1]] = v
    return out


SPECS = [
    Spec("masked_fill", lambda x: x.masked_fill(_t(_MASK, x), 1.5),
         lambda x: np.where(_MASK, 1.5, x), shapes=_fixed((3, 4)), covers=("where",)),
    Spec("masked_fill_tensor_value",
         lambda x, v: ng.masked_fill(x, _t(_ROW_MASK, x), v),
         lambda x, v: np.where(_ROW_MASK, v, x), 2, shapes=_fixed((3, 4), ()),
         covers=("where",)),
    Spec("masked_select", lambda x: x.masked_select(_t(_ROW_MASK, x)),
         lambda x: x[np.broadcast_to(_ROW_MASK, x.shape)], shapes=_fixed((3, 4)),
         covers=("index",)),
    Spec("index_select", lambda x: x.index_select(1, _t(_SEL, x)), lambda x: x[:, _SEL],
         shapes=_fixed((2, 4)), covers=("index",)),
    Spec("take", lambda x: ng.take(x, _t(_TAKE, x)), lambda x: np.take(x, _TAKE),
         shapes=_fixed((2, 3)), covers=("index",)),
    Spec("take_along_dim", lambda x: ng.take_along_dim(x, _t(_ALONG, x), 1),
         lambda x: np.take_along_axis(x, _ALONG % 4, 1), shapes=_fixed((3, 4)),
         covers=("gather",)),
    Spec("scatter", lambda x, s: x.scatter(0, _t(_SCATTER, x), s), _scatter_ref, 2,
         shapes=_fixed((3, 4), (2, 3)), covers=("index_put",)),
    Spec("scatter_value", lambda x: x.scatter(0, _t(_SCATTER, x), -2.0),
         lambda x: _scatter_ref(x, np.full((2, 3), -2.0)), shapes=_fixed((3, 4)),
         covers=("index_put",)),
    Spec("scatter_add", lambda x, s: x.scatter_add(0, _t(_REPEAT, x), s), _scatter_add_ref, 2,
         shapes=_fixed((3, 4), (2, 3)), covers=("scatter_add",)),
    Spec("index_add", lambda x, s: x.index_add(1, _t(_IDX, x), s, alpha=2.0),
         lambda x, s: _index_add_ref(x, s, 2.0), 2, shapes=_fixed((2, 4), (2, 3)),
         covers=("scatter_add",)),
    Spec("index_copy", lambda x, s: x.index_copy(0, _t(np.array([2, 0]), x), s),
         _index_copy_ref, 2, shapes=_fixed((3, 4), (2, 4)), covers=("index_put",)),
    Spec("index_fill", lambda x, v: x.index_fill(1, _t(np.array([1, -1]), x), v),
         _index_fill_ref, 2, shapes=_fixed((3, 4), ()), covers=("index_put",)),
]

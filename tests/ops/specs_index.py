"""Specs of ``numbagrad/ops/index.py``. Indices are built inside each ``fn`` (deterministic), so
the forward reference and the finite differences see the same ones."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes``."""
    return lambda draw: list(shapes)


def _every_third(x):
    """A bool mask of ``x``'s shape selecting every third element in C order."""
    return np.arange(x.size if isinstance(x, np.ndarray) else x.numel()).reshape(x.shape) % 3 == 0


def _put(index):
    """``fn(x, v)``: a copy of ``x`` (a non-leaf, so the write is recorded) with ``[index] = v``."""
    def fn(x, v):
        y = x.clone()
        y[index] = v
        return y

    return fn


def _put_ref(index):
    def ref(x, v):
        y = x.copy()
        y[index] = v
        return y

    return ref


_GATHER_INDEX = np.array([[0, 3, 3, 1, 0], [2, 2, 1, 0, 3]])

SPECS = [
    Spec("getitem_basic", lambda x: x[1, ::2, None, ...], lambda x: x[1, ::2, None, ...],
         shapes=_fixed((3, 4, 2)), covers=("slice",)),
    Spec("getitem_negative", lambda x: x[-1, -3:], lambda x: x[-1, -3:],
         shapes=_fixed((3, 4)), covers=("slice",)),
    Spec("getitem_int_list", lambda x: x[[0, 2, 2, -1]], lambda x: x[[0, 2, 2, -1]],
         shapes=_fixed((3, 4)), covers=("index",)),
    Spec("getitem_index_tensor", lambda x: x[ng.tensor([[0, 1], [1, 1]])],
         lambda x: x[np.array([[0, 1], [1, 1]])], shapes=_fixed((2, 3)), covers=("index",)),
    Spec("getitem_mask", lambda x: x[ng.tensor(_every_third(x))], lambda x: x[_every_third(x)],
         min_dims=1, covers=("index",)),
    Spec("getitem_mixed", lambda x: x[:, [1, 0, 1], 1:], lambda x: x[:, [1, 0, 1], 1:],
         shapes=_fixed((2, 3, 4)), covers=("index",)),
    Spec("getitem_separated", lambda x: x[[0, 1, 1], :, [1, 0, 3]],
         lambda x: x[[0, 1, 1], :, [1, 0, 3]], shapes=_fixed((2, 3, 4)), covers=("index",)),
    Spec("getitem_int_selects_first", lambda x: x[0, :, [1, 0, 3, 3]],
         lambda x: x[0][:, [1, 0, 3, 3]], shapes=_fixed((2, 3, 4)), covers=("index",)),
    Spec("setitem", _put((0, slice(1, None))), _put_ref((0, slice(1, None))), 2,
         shapes=_fixed((3, 4), (3,)), covers=("index_put",)),
    Spec("setitem_advanced", _put(([0, 2], slice(1, 3))), _put_ref(([0, 2], slice(1, 3))), 2,
         shapes=_fixed((3, 4), (1,)), covers=("index_put",)),
    Spec("gather", lambda x: ng.gather(x, 1, ng.tensor(_GATHER_INDEX, device=x.device)),
         lambda x: np.take_along_axis(x[:2], _GATHER_INDEX, 1), shapes=_fixed((3, 4))),
    Spec("gather_dim0",
         lambda x: x.gather(0, ng.tensor(_GATHER_INDEX.T[:, :2] % 3, device=x.device)),
         lambda x: np.take_along_axis(x[:, :2], _GATHER_INDEX.T[:, :2] % 3, 0),
         shapes=_fixed((3, 4)), covers=("gather",)),
]

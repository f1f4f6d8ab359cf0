"""Specs of ``numbagrad/ops/embedding.py``: lookups and bags of rows. Indices are fixed (the
forward reference and the finite differences see the same ones); ``padding_idx`` and
``scale_grad_by_freq`` change the gradient on purpose, so they are checked against torch in
``tests/nn/test_embedding.py`` instead."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec

F = ng.nn.functional
_INDEX = np.array([[1, 4, 1], [0, 2, 1]])
_BAG_INPUT = np.array([1, 2, 3, 2, 4, 0, 2])
_OFFSETS = np.array([0, 2, 2, 5])  # bags [1, 2], [], [3, 2, 4], [0, 2]


def _fixed(*shapes):
    return lambda draw: list(shapes)


def _t(values, like):
    return ng.tensor(values, device=like.device)


def _bag_ref(reduce, weights=None):
    def ref(w, psw=None):
        rows = w[_BAG_INPUT]
        if psw is not None:
            rows = rows * psw[:, None]
        ends = list(_OFFSETS[1:]) + [len(_BAG_INPUT)]
        return np.stack([reduce(rows[s:e]) if e > s else np.zeros(w.shape[1], w.dtype)
                         for s, e in zip(_OFFSETS, ends)])
    return ref


def _bag(mode):
    return lambda w: F.embedding_bag(_t(_BAG_INPUT, w), w, _t(_OFFSETS, w), mode=mode)


SPECS = [
    Spec("embedding", lambda w: F.embedding(_t(_INDEX, w), w), lambda w: w[_INDEX],
         shapes=_fixed((5, 3))),
    Spec("embedding_bag_sum", _bag("sum"), _bag_ref(lambda r: r.sum(0)), shapes=_fixed((5, 3)),
         covers=("embedding",)),
    Spec("embedding_bag_mean", _bag("mean"), _bag_ref(lambda r: r.mean(0)),
         shapes=_fixed((5, 3)), covers=("embedding",)),
    Spec("embedding_bag_max", _bag("max"), _bag_ref(lambda r: r.max(0)), shapes=_fixed((5, 3)),
         covers=("embedding", "max")),
    Spec("embedding_bag_weighted",
         lambda w, p: F.embedding_bag(_t(_BAG_INPUT, w), w, _t(_OFFSETS, w), mode="sum",
                                      per_sample_weights=p),
         _bag_ref(lambda r: r.sum(0)), n_inputs=2, shapes=_fixed((5, 3), (7,)),
         covers=("embedding",)),
]

"""Specs of ``numbagrad/ops/nn_ops.py``: softmax and log-softmax along several dimensions.

Large-magnitude logits (1000, -1000, ``-inf``) are checked by hand in ``test_nn_ops.py``: the
specs draw moderate values, where finite differences are meaningful.
"""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _log_softmax(x, dim):
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _softmax(x, dim):
    return np.exp(_log_softmax(x, dim))


SPECS = [
    Spec("softmax", lambda x: ng.softmax(x, -1), lambda x: _softmax(x, -1), min_dims=1),
    Spec("softmax_dim0", lambda x: ng.softmax(x, 0), lambda x: _softmax(x, 0), min_dims=1,
         covers=("softmax",)),
    Spec("softmax_dim1", lambda x: x.softmax(1), lambda x: _softmax(x, 1), min_dims=2,
         covers=("softmax",)),
    Spec("softmax_0d", lambda x: ng.softmax(x, 0), lambda x: _softmax(x, None), max_dims=0,
         covers=("softmax",)),
    Spec("log_softmax", lambda x: ng.log_softmax(x, -1), lambda x: _log_softmax(x, -1),
         min_dims=1),
    Spec("log_softmax_dim0", lambda x: ng.log_softmax(x, 0), lambda x: _log_softmax(x, 0),
         min_dims=1, covers=("log_softmax",)),
    Spec("log_softmax_dim_middle", lambda x: x.log_softmax(-2), lambda x: _log_softmax(x, -2),
         min_dims=3, covers=("log_softmax",)),
    Spec("log_softmax_dtype", lambda x: ng.log_softmax(x, 0, dtype=ng.float64),
         lambda x: _log_softmax(x, 0), min_dims=1, covers=("log_softmax", "to_copy")),
]

"""Specs of ``numbagrad/ops/scan.py``.

Each scan runs along dim 0 and dim -1 on shapes of at least one dimension. cumprod also gets
inputs holding zeros (its gradient must not divide by them); cummax/cummin get tie-free inputs
(a tie is a kink, where the finite-difference gradient is not the subgradient the op chooses).
"""
import numpy as np

from tests.ops.spec import Spec
from tests.ops.specs_reduce import _at_least, _untie, _with_zeros


def _np_cumextreme(x, axis, largest):
    return (np.maximum if largest else np.minimum).accumulate(x, axis=axis)


def _np_logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


SPECS = [
    Spec("cumsum", lambda x: x.cumsum(0), lambda x: np.cumsum(x, 0), min_dims=1),
    Spec("cumsum_dim-1", lambda x: x.cumsum(-1), lambda x: np.cumsum(x, -1), covers=("cumsum",),
         min_dims=1),
    Spec("cumprod", lambda x: x.cumprod(0), lambda x: np.cumprod(x, 0), low=-1.5, high=1.5,
         min_dims=1),
    Spec("cumprod_dim-1_zeros", lambda x: x.cumprod(-1), lambda x: np.cumprod(x, -1),
         covers=("cumprod",), low=-1.5, high=1.5, shapes=_at_least(1, min_side=2),
         fix=_with_zeros(2)),
    Spec("cummax", lambda x: x.cummax(0).values, lambda x: _np_cumextreme(x, 0, True),
         fix=_untie, min_dims=1),
    Spec("cummin_dim-1", lambda x: x.cummin(-1).values, lambda x: _np_cumextreme(x, -1, False),
         covers=("cummin",), fix=_untie, min_dims=1),
    Spec("logcumsumexp", lambda x: x.logcumsumexp(0), lambda x: _np_logcumsumexp(x, 0),
         min_dims=1),
    Spec("logcumsumexp_dim-1", lambda x: x.logcumsumexp(-1), lambda x: _np_logcumsumexp(x, -1),
         covers=("logcumsumexp",), min_dims=1),
]

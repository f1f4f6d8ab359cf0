"""Specs of ``numbagrad/ops/scatter.py``. Indices and masks are fixed (built inside each
``fn``); the accumulating and reducing ops get repeated indices."""
import numpy as np

import numbagrad as ng
from tests.ops.spec import Spec


def _fixed(*shapes):
    """A ``shapes`` strategy that always gives ``shapes``."""
    return lambda draw: list(shapes)


def _t(a, like):
    return ng.tensor(a, device=like.device)


_ROWS = np.array([2, 0, 2])                   # repeats, for accumulate
_COLS = np.array([1, 3, 1])
_UNIQUE = (np.array([2, 0]), np.array([1, 3]))
_PUT = np.array([[5, -1], [0, 7]])            # flat positions of a (3, 4) input
_MASK = np.array([[True, False, True, False], [False, False, True, True], [True, False, False,
                                                                          False]])
_REDUCE_INDEX = np.array([[1, 0, 1], [1, 2, 0]])  # repeats in every column, for dim 0


def _index_put_ref(x, v, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, (_ROWS, _COLS), v)
    else:
        out[_UNIQUE] = v
    return out


def _put_ref(x, s):
    out = x.copy().reshape(-1)
    out[_PUT.reshape(-1)] = s.reshape(-1)
    return out.reshape(x.shape)


def _masked_scatter_ref(x, s):
    out = x.copy()
    out[_MASK] = s.reshape(-1)[:_MASK.sum()]
    return out


def _scatter_reduce_ref(reduce, include_self):
    def ref(x, src):
        out = x.copy()
        groups = {}
        for i in range(_REDUCE_INDEX.shape[0]):
            for j in range(_REDUCE_INDEX.shape[1]):
                groups.setdefault((_REDUCE_INDEX[i, j], j), []).append(src[i, j])
        for pos, values in groups.items():
            values = values + [x[pos]] if include_self else values
            out[pos] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max,
                        "amin": np.min}[reduce](values)
        return out
    return ref


def _apart(arrays):
    """Ties between and within ``x`` and ``src`` moved apart (a kink of amax/amin)."""
    x, src = arrays
    return [x + 0.0141 * np.arange(x.size).reshape(x.shape),
            src + 0.0173 * np.arange(1, src.size + 1).reshape(src.shape) + 0.005]


def _scatter_reduce_spec(reduce, include_self):
    name = f"scatter_reduce_{reduce}" + ("" if include_self else "_exclude_self")
    return Spec(name, lambda x, s: x.scatter_reduce(0, _t(_REDUCE_INDEX, x), s, reduce,
                                                    include_self=include_self),
                _scatter_reduce_ref(reduce, include_self), 2, shapes=_fixed((3, 4), (2, 3)),
                covers=("scatter_reduce",), low=0.5 if reduce == "prod" else -3.0, fix=_apart)


SPECS = [
    Spec("index_put", lambda x, v: ng.index_put(x, tuple(_t(i, x) for i in _UNIQUE), v),
         lambda x, v: _index_put_ref(x, v, False), 2, shapes=_fixed((3, 4), (2,)),
         covers=("index_put",)),
    Spec("index_put_accumulate",
         lambda x, v: x.index_put((_t(_ROWS, x), _t(_COLS, x)), v, accumulate=True),
         lambda x, v: _index_put_ref(x, v, True), 2, shapes=_fixed((3, 4), (1,)),
         covers=("index_put",)),
    Spec("put", lambda x, s: x.put(_t(_PUT, x), s), _put_ref, 2, shapes=_fixed((3, 4), (2, 2)),
         covers=("index_put",)),
    Spec("masked_scatter", lambda x, s: x.masked_scatter(_t(_MASK, x), s), _masked_scatter_ref,
         2, shapes=_fixed((3, 4), (2, 3)), covers=("index_put", "slice")),
] + [_scatter_reduce_spec(r, inc) for r in ("sum", "prod", "mean", "amax", "amin")
     for inc in (True, False)]

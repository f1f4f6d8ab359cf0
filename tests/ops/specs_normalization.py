"""Specs of ``numbagrad/ops/normalization.py``: the fused ``normalization`` primitive through
batch norm (training), layer norm, group norm and instance norm, each with its weight and bias,
and the composites local response norm and ``normalize``, against NumPy references.

``eps`` is 0.1 in the gradient specs: near-equal values in a small group would otherwise give
``1 / sqrt(var + eps)`` large enough that central differences lose their accuracy.
"""
import numpy as np
from hypothesis import strategies as st

import numbagrad.nn.functional as F
from tests.ops.spec import Spec

EPS = 0.1


def _norm_ref(x, axes, eps=EPS):
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def batch_norm_ref(x, w, b):
    axes = (0,) + tuple(range(2, x.ndim))
    return _norm_ref(x, axes) * _channel(w, x.ndim) + _channel(b, x.ndim)


def instance_norm_ref(x, w, b):
    return _norm_ref(x, tuple(range(2, x.ndim))) * _channel(w, x.ndim) + _channel(b, x.ndim)


def group_norm_ref(x, w, b, groups=2):
    n, c = x.shape[:2]
    xg = x.reshape(n, groups, -1)
    y = _norm_ref(xg, (2,)).reshape(x.shape)
    return y * _channel(w, x.ndim) + _channel(b, x.ndim)


def layer_norm_ref(x, w, b):
    axes = tuple(range(x.ndim - w.ndim, x.ndim))
    return _norm_ref(x, axes) * w + b


def local_response_norm_ref(x, size=3, alpha=0.5, beta=0.75, k=1.0):
    c = x.shape[1]
    sq = x ** 2
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    padded = np.pad(sq, pad)
    total = sum(padded[:, i:i + c] for i in range(size))
    return x / (k + alpha * total / size) ** beta


def normalize_ref(x, p=2.0, dim=1, eps=1e-12):
    norm = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
    return x / np.maximum(norm, eps)


def _channel_shapes(min_rank, max_rank, groups=1):
    def shapes(draw):
        rank = draw(st.integers(min_rank, max_rank))
        c = groups * draw(st.integers(1, 3))
        rest = [draw(st.integers(1, 3)) for _ in range(rank - 2)]
        n = draw(st.integers(1, 3))
        if n * int(np.prod(rest)) < 2:
            rest = rest + [2] if rank > 2 else rest
            n = max(n, 2)
        return [tuple([n, c] + rest), (c,), (c,)]
    return shapes


def _instance_shapes(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rest = [draw(st.integers(2, 4))] + [draw(st.integers(1, 3)) for _ in
                                        range(draw(st.integers(0, 1)))]
    return [tuple([n, c] + rest), (c,), (c,)]


def _layer_shapes(draw):
    lead = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    norm = [draw(st.integers(2, 4))] + [draw(st.integers(1, 3)) for _ in
                                        range(draw(st.integers(0, 1)))]
    return [tuple(lead + norm), tuple(norm), tuple(norm)]


def _lrn_shapes(draw):
    rank = draw(st.integers(3, 4))
    return [tuple(draw(st.integers(1, 4)) for _ in range(rank))]


SPECS = [
    Spec("normalization_batch_norm",
         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=EPS),
         batch_norm_ref, n_inputs=3, shapes=_channel_shapes(2, 4), covers=("normalization",)),
    Spec("normalization_instance_norm",
         lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=EPS),
         instance_norm_ref, n_inputs=3, shapes=_instance_shapes, covers=("normalization",)),
    Spec("normalization_group_norm",
         lambda x, w, b: F.group_norm(x, 2, w, b, eps=EPS),
         group_norm_ref, n_inputs=3, shapes=_channel_shapes(2, 4, groups=2),
         covers=("normalization",)),
    Spec("normalization_layer_norm",
         lambda x, w, b: F.layer_norm(x, tuple(w.shape), w, b, eps=EPS),
         layer_norm_ref, n_inputs=3, shapes=_layer_shapes, covers=("normalization",)),
    Spec("normalization_layer_norm_no_affine",
         lambda x: F.layer_norm(x, (x.shape[-1],), eps=EPS),
         lambda x: _norm_ref(x, (x.ndim - 1,)), min_dims=1, max_dims=3,
         covers=("normalization",)),
    Spec("local_response_norm", lambda x: F.local_response_norm(x, 3, alpha=0.5),
         local_response_norm_ref, shapes=_lrn_shapes, covers=("mul",)),
    Spec("normalize", lambda x: F.normalize(x), normalize_ref, min_dims=2, max_dims=3,
         covers=("div",), kinks=(0.0,), kink_gap=0.1),
    Spec("normalize_p1_dim0", lambda x: F.normalize(x, p=1.0, dim=0), lambda x: normalize_ref(
        x, 1.0, 0), min_dims=1, max_dims=3, covers=("div",), kinks=(0.0,), kink_gap=0.1),
]

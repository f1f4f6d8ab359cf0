"""Specs of ``numbagrad/ops/attention.py``: scaled dot-product attention, plain, causal, with a
float mask (differentiated too), with a bool mask, and broadcast over heads."""
import numpy as np
from hypothesis import strategies as st

import numbagrad as ng
from tests.ops.spec import Spec

_SIDE = st.integers(1, 4)
_SDPA = ng.nn.functional.scaled_dot_product_attention


def _reference(q, k, v, mask=None, causal=False):
    """NumPy attention; a query row with no key left gives zeros (torch's CPU kernel)."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    if causal:
        L, S = scores.shape[-2:]
        scores = np.where(np.tril(np.ones((L, S), bool)), scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    empty = np.isneginf(top)
    w = np.exp(scores - np.where(empty, 0.0, top))
    w = w / np.where(empty, 1.0, np.sum(w, axis=-1, keepdims=True))
    return np.where(empty, 0.0, w @ v)


def _bool_mask(L, S):
    """A fixed pattern with one row fully masked when there are two rows or more."""
    keep = (np.add.outer(np.arange(L), np.arange(S)) % 3) != 1
    if L > 1:
        keep[1] = False
    return keep


def _shapes(mask: bool = False, batch: tuple = (2,)):
    def shapes(draw) -> list:
        L, S, E, Ev = draw(_SIDE), draw(_SIDE), draw(_SIDE), draw(_SIDE)
        out = [batch + (L, E), batch + (S, E), batch + (S, Ev)]
        return out + [(L, S)] if mask else out

    return shapes


_TOL = dict(rtol=1e-4, atol=1e-5)

SPECS = [
    Spec("scaled_dot_product_attention", _SDPA, _reference, 3, shapes=_shapes(), **_TOL),
    Spec("scaled_dot_product_attention_causal", lambda q, k, v: _SDPA(q, k, v, is_causal=True),
         lambda q, k, v: _reference(q, k, v, causal=True), 3, shapes=_shapes(),
         covers=("scaled_dot_product_attention",), **_TOL),
    Spec("scaled_dot_product_attention_float_mask",
         lambda q, k, v, m: _SDPA(q, k, v, attn_mask=m), _reference, 4,
         shapes=_shapes(mask=True), covers=("scaled_dot_product_attention",), **_TOL),
    Spec("scaled_dot_product_attention_bool_mask",
         lambda q, k, v: _SDPA(q, k, v, attn_mask=ng.from_numpy(
             _bool_mask(q.shape[-2], k.shape[-2])).to(q.device)),
         lambda q, k, v: _reference(q, k, v, np.where(
             _bool_mask(q.shape[-2], k.shape[-2]), 0.0, -np.inf)),
         3, shapes=_shapes(), covers=("scaled_dot_product_attention",), **_TOL),
    Spec("scaled_dot_product_attention_heads", _SDPA, _reference, 3,
         shapes=_shapes(batch=(2, 3)), covers=("scaled_dot_product_attention",), **_TOL),
]

"""Scaled dot-product attention: ``softmax(Q K^T * scale + mask) V`` as one fused primitive.

The public function brings every call to one layout with recorded ops (broadcasting the batch
dimensions, repeating key/value heads for grouped-query attention, turning a bool mask into an
additive one), so their gradients come for free; the primitive then sees
``q (N, L, E)``, ``k (N, S, E)``, ``v (N, S, Ev)``, an additive mask and a dropout scale
``(N, L, S)``. Its kernel computes each query row's probabilities once and keeps them for the
vjp, which needs no second softmax.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad import dtypes
from numbagrad.ops.elementwise import cast
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.tensor import Tensor

# torch's C++ names of dtypes, which its attention errors print.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def _sdpa_forward(be, q, k, v, mask, drop, scale, causal):
    out, p = be.scaled_dot_product_attention(q, k, v, mask, drop, scale, causal)
    return out, p


def _sdpa_vjp(be, g, node):
    """With ``ds = p * (dp - sum(dp * p))`` and ``dp = (g V^T) * drop`` per query row:
    ``dq = ds K * scale``, ``dk = ds^T Q * scale``, ``dv = (p * drop)^T g``, ``dmask = ds``."""
    q, k, v, mask, drop = node.inputs
    dq, dk, dv, ds = be.scaled_dot_product_attention_vjp(g, q, k, v, node.extra, drop,
                                                         node.attrs["scale"])
    needs = node.needs
    dmask = unbroadcast(be, ds, mask.shape) if needs[3] else None
    return (dq if needs[0] else None, dk if needs[1] else None, dv if needs[2] else None,
            dmask, None)


SCALED_DOT_PRODUCT_ATTENTION = register(OpDef(
    "scaled_dot_product_attention", _sdpa_forward, _sdpa_vjp,
    kernels=("scaled_dot_product_attention", "scaled_dot_product_attention_vjp"),
    saves_inputs=(0, 1, 2, 4), nondiff=(4,)))


def _broadcast_error(a: tuple, b: tuple) -> RuntimeError | None:
    """torch's broadcasting error for shapes ``a`` and ``b``, or None when they broadcast."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for d in range(n - 1, -1, -1):
        if pa[d] != pb[d] and pa[d] != 1 and pb[d] != 1:
            return RuntimeError(f"The size of tensor a ({pa[d]}) must match the size of tensor "
                                f"b ({pb[d]}) at non-singleton dimension {d}")
    return None


def _broadcast(shapes: list) -> tuple:
    out: tuple = ()
    for s in shapes:
        err = _broadcast_error(out, s)
        if err is not None:
            raise err
        n = max(len(out), len(s))
        pa, pb = (1,) * (n - len(out)) + out, (1,) * (n - len(s)) + tuple(s)
        out = tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(pa, pb))
    return out


def _check(query, key, value, attn_mask, dropout_p, is_causal) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be "
                            f"Tensor, not {type(t).__name__}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_CPP_NAMES.get(query.dtype.name)} key.dtype: {_CPP_NAMES.get(key.dtype.name)} "
            f"and value.dtype: {_CPP_NAMES.get(value.dtype.name)} instead.")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"scaled_dot_product_attention: expected a floating point query, "
                           f"but got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{math.prod(key.shape[:-2])}, {query.shape[-1]}] but got: "
            f"[{math.prod(key.shape[:-2])}, {key.shape[-1]}].")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{math.prod(value.shape[:-2])}, {key.shape[-2]}] but got: "
            f"[{math.prod(value.shape[:-2])}, {value.shape[-2]}].")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' must be "
                            f"Tensor, not {type(attn_mask).__name__}")
        md = attn_mask.dtype
        if not (md == dtypes.bool_ or md == dtypes.float32 or md == query.dtype):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_CPP_NAMES.get(md.name, md.name)} and  query.dtype: "
                f"{_CPP_NAMES.get(query.dtype.name)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _repeat_heads(query, key, value):
    """Grouped-query attention: each key/value head serves ``Hq // Hk`` query heads."""
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if hk != hq:
        key = key.repeat_interleave(hq // hk, dim=-3)
    if hv != hq:
        value = value.repeat_interleave(hq // hv, dim=-3)
    return key, value


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query key^T * scale + mask) value``, one fused kernel per direction.

    Derivative (per query row, ``p`` the probabilities, ``d`` the dropout scale):
    ``ds = p * (dp - sum(dp * p))`` with ``dp = (g value^T) * d``; then
    ``dquery = ds key * scale``, ``dkey = ds^T query * scale``, ``dvalue = (p * d)^T g`` and,
    for a float mask, ``dmask = ds``.

    Parameters
    ----------
    query : Tensor
        ``(..., L, E)``, floating.
    key : Tensor
        ``(..., S, E)``, query's dtype.
    value : Tensor
        ``(..., S, Ev)``, query's dtype. The batch dimensions ``...`` of the three broadcast.
    attn_mask : Tensor, optional
        Broadcastable to ``(..., L, S)``: bool (True = the key takes part) or float (added to
        the scores; float32 or query's dtype). A query row with no key left gives zeros.
    dropout_p : float
        Probability of zeroing each attention probability (the rest scaled by
        ``1 / (1 - p)``), drawn from the default generator as torch's CPU math path draws it
        (the same mask after the same ``manual_seed``). Applied whenever it is
        nonzero, as in torch: pass 0.0 when evaluating.
    is_causal : bool
        Query ``i`` sees keys ``j <= i`` only (the top-left aligned lower triangle).
    scale : float, optional
        Default ``1 / sqrt(E)``.
    enable_gqa : bool
        Let key and value have fewer heads (dim -3) than query, each serving a group of
        query heads.

    Returns
    -------
    Tensor
        ``(..., L, Ev)``.

    Raises
    ------
    RuntimeError
        For mismatched dtypes or sizes, a mask of the wrong dtype or shape, a mask together
        with ``is_causal``, heads that do not divide, or ``dropout_p`` outside ``[0, 1]``
        (torch's messages).

    Examples
    --------
    >>> import numbagrad as torch
    >>> q = k = v = torch.ones(1, 2, 4)
    >>> torch.nn.functional.scaled_dot_product_attention(q, k, v).shape
    numbagrad.Size([1, 2, 4])
    """
    _check(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and value.ndim >= 3:
        key, value = _repeat_heads(query, key, value)
    L, E = query.shape[-2:]
    S, Ev = value.shape[-2:]
    batch = _broadcast([tuple(query.shape[:-2]), tuple(key.shape[:-2]),
                        tuple(value.shape[:-2])])
    if attn_mask is not None:
        err = _broadcast_error(batch + (L, S), tuple(attn_mask.shape))
        if err is not None:
            raise err
    n = math.prod(batch)
    q = query.expand(batch + (L, E)).reshape(n, L, E)
    k = key.expand(batch + (S, E)).reshape(n, S, E)
    v = value.expand(batch + (S, Ev)).reshape(n, S, Ev)
    be = query._backend()
    np_type = q._data.dtype
    if attn_mask is None:
        mask = Tensor._make(be.zeros((0, 0, 0), np_type), query._device)
    else:
        if attn_mask.dtype == dtypes.bool_:
            fill = Tensor._make(be.zeros((), np_type), query._device)
            attn_mask = fill.expand(tuple(attn_mask.shape)).masked_fill(
                attn_mask.logical_not(), -math.inf)
        else:
            attn_mask = cast(attn_mask, query.dtype)
        mask = attn_mask.expand(batch + (L, S)).reshape(n, L, S)
    if dropout_p > 0.0:
        drop = Tensor._make(_dropout_scale(be, query, (n, L, S), np_type, dropout_p),
                            query._device)
    else:
        drop = Tensor._make(be.zeros((0, 0, 0), np_type), query._device)
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    out = apply(SCALED_DOT_PRODUCT_ATTENTION, (q, k, v, mask, drop), scale=scale,
                causal=bool(is_causal))
    return out.reshape(batch + (L, Ev))


def _dropout_scale(be, query, shape: tuple, np_type, p: float):
    """``0`` with probability ``p``, else ``1 / (1 - p)``: on the CPU torch's math path,
    ``empty(shape).bernoulli_(1 - p).div_(1 - p)`` on the ``(..., L, S)`` probabilities, drawn
    from the default generator as torch draws it."""
    if p >= 1.0:
        return be.zeros(shape, np_type)
    if query._device.type == "cuda":  # drawn on the GPU (numba.cuda.random)
        from numbagrad.backends.cuda.random import dropout_mask

        return dropout_mask(shape, np_type, p)
    from numbagrad.random import draw

    op = np.float32 if np_type.itemsize < 4 else np_type.type  # torch's opmath type
    if np_type != np.float16:
        # One kernel draws and scales (a compiled step replays it): the scaling's two values.
        ends = (np.array([0, 1], dtype=np_type).astype(op) / op(1.0 - p)).astype(np_type)
        return draw.bernoulli_select(draw.resolve(None), shape, np_type, 1.0 - p, ends)
    keep = draw.bernoulli_scalar(draw.resolve(None), shape, np_type, 1.0 - p)
    return be.from_host(np.ascontiguousarray((keep.astype(op) / op(1.0 - p)).astype(np_type)))

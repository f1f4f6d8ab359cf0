"""Specs of ``numbagrad/ops/products.py``: each product with shapes drawn to fit.

All of these ops are composites of ``mm``/``bmm``/``matmul`` and elementwise ops, so they cover
those primitives; the specs check the composition (permutes, folds, diagonals, scalings).
"""
import numpy as np
from hypothesis import strategies as st

import numbagrad as ng
from tests.ops.spec import Spec

_SIDE = st.integers(1, 4)

# Sums of a few products of values in [-3, 3]: float32 rounding reaches 1e-5 absolute.
_F32 = {"rtol": 1e-5, "atol": 1e-4}


def _fixed(*letters_shapes):
    """A ``shapes`` strategy for einsum subscripts: one size drawn per letter."""
    def shapes(draw) -> list:
        size = {}
        out = []
        for subs in letters_shapes:
            out.append(tuple(size.setdefault(c, draw(_SIDE)) for c in subs))
        return out

    return shapes


def _einsum(eq: str):
    return lambda *xs: ng.einsum(eq, *xs)


def _np_einsum(eq: str):
    return lambda *xs: np.einsum(eq, *xs)


def _einsum_spec(name: str, eq: str, *subs, covers=("bmm",)):
    return Spec(name, _einsum(eq), _np_einsum(eq), len(subs), covers=covers,
                shapes=_fixed(*subs), **_F32)


def _addmm_ref(c, a, b):
    return 0.5 * c + 2.0 * (a @ b)


def _cross_ref(a, b):
    return np.cross(a, b, axis=-1)


def _cdist_ref(p):
    def ref(a, b):
        d = np.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == np.inf:
            return d.max(-1)
        if p == 0:
            return (d != 0).sum(-1).astype(a.dtype)
        return (d ** p).sum(-1) ** (1.0 / p)

    return ref


def _apart(arrays):
    """``x2`` shifted off ``x1`` by a different amount per column: equal seeds would give
    equal rows (a zero distance), or, with one shift, ties of the largest coordinate."""
    a, b = arrays
    return [a, b + 0.37 + 0.13 * np.arange(b.shape[-1])]


def _cdist_shapes(draw) -> list:
    """``(b, p, m)`` and ``(r, m)`` (the batch broadcasts) or two matrices."""
    p, r, m = draw(_SIDE), draw(_SIDE), draw(_SIDE)
    if draw(st.booleans()):
        return [(draw(_SIDE), p, m), (r, m)]
    return [(p, m), (r, m)]


def _kron_shapes(draw) -> list:
    a = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    b = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    return [a, b]


def _cross_shapes(draw) -> list:
    lead = tuple(draw(st.lists(_SIDE, min_size=0, max_size=2)))
    return [lead + (3,), lead + (3,)]


SPECS = [
    _einsum_spec("einsum_matmul", "ij,jk->ik", "ij", "jk"),
    _einsum_spec("einsum_batched_implicit", "bij,bjk", "bij", "bjk"),
    _einsum_spec("einsum_three", "ij,jk,kl->li", "ij", "jk", "kl"),
    _einsum_spec("einsum_outer", "i,j->ij", "i", "j", covers=("mul",)),
    _einsum_spec("einsum_trace", "ii", "ii", covers=("sum",)),
    _einsum_spec("einsum_diagonal_contract", "iij,jk->ki", "iij", "jk"),
    _einsum_spec("einsum_ellipsis", "...ij,...j->...i", "bij", "bj"),
    _einsum_spec("einsum_sum_unused", "ijk,kl->j", "ijk", "kl"),
    Spec("tensordot", lambda a, b: ng.tensordot(a, b, dims=([0, 2], [1, 0])),
         lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), 2, covers=("mm",),
         shapes=_fixed("ijk", "kil"), **_F32),
    Spec("tensordot_int", lambda a, b: ng.tensordot(a, b, 2),
         lambda a, b: np.tensordot(a, b, 2), 2, covers=("mm",), shapes=_fixed("ijk", "jkl"),
         **_F32),
    Spec("dot", ng.dot, np.dot, 2, covers=("matmul",), shapes=_fixed("i", "i"), **_F32),
    Spec("vdot", ng.vdot, np.vdot, 2, covers=("matmul",), shapes=_fixed("i", "i"), **_F32),
    Spec("mv", ng.mv, np.matmul, 2, covers=("matmul",), shapes=_fixed("ij", "j"), **_F32),
    Spec("outer", ng.outer, np.outer, 2, covers=("mul",), shapes=_fixed("i", "j")),
    Spec("addmm", lambda c, a, b: ng.addmm(c, a, b, beta=0.5, alpha=2.0), _addmm_ref, 3,
         covers=("mm",), shapes=_fixed("k", "ij", "jk"), **_F32),
    Spec("addmv", lambda c, a, b: ng.addmv(c, a, b, beta=0.5, alpha=2.0), _addmm_ref, 3,
         covers=("matmul",), shapes=_fixed("i", "ij", "j"), **_F32),
    Spec("addbmm", lambda c, a, b: ng.addbmm(c, a, b, beta=0.5, alpha=2.0),
         lambda c, a, b: 0.5 * c + 2.0 * (a @ b).sum(0), 3, covers=("mm",),
         shapes=_fixed("ik", "bij", "bjk"), **_F32),
    Spec("baddbmm", lambda c, a, b: ng.baddbmm(c, a, b, beta=0.5, alpha=2.0), _addmm_ref, 3,
         covers=("bmm",), shapes=_fixed("bik", "bij", "bjk"), **_F32),
    Spec("kron", ng.kron, np.kron, 2, covers=("mul",), shapes=_kron_shapes),
    Spec("cross", lambda a, b: ng.cross(a, b, dim=-1), _cross_ref, 2, covers=("mul", "sub"),
         shapes=_cross_shapes, **_F32),
    Spec("cdist", ng.cdist, _cdist_ref(2), 2, covers=("sqrt",), shapes=_cdist_shapes,
         fix=_apart, **_F32),
    Spec("cdist_mm", lambda a, b: ng.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
         _cdist_ref(2), 2, covers=("matmul",), shapes=_cdist_shapes, fix=_apart, rtol=1e-3,
         atol=1e-3),
    Spec("cdist_p1", lambda a, b: ng.cdist(a, b, p=1), _cdist_ref(1), 2, covers=("abs",),
         shapes=_cdist_shapes, fix=_apart, **_F32),
    Spec("cdist_p3", lambda a, b: ng.cdist(a, b, p=3), _cdist_ref(3), 2, covers=("pow",),
         shapes=_cdist_shapes, fix=_apart, **_F32),
    Spec("cdist_pinf", lambda a, b: ng.cdist(a, b, p=float("inf")), _cdist_ref(np.inf), 2,
         covers=("amax",), shapes=_cdist_shapes, fix=_apart, **_F32),
]

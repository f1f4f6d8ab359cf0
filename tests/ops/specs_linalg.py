"""Specs of ``numbagrad/ops/linalg.py``: each matmul variant with shapes drawn to fit."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numbagrad as ng
from tests.ops.spec import Spec

_SIDE = st.integers(1, 4)


def _mm_shapes(draw) -> list:
    """``(m, k), (k, n)``."""
    m, k, n = draw(_SIDE), draw(_SIDE), draw(_SIDE)
    return [(m, k), (k, n)]


def _bmm_shapes(draw) -> list:
    """``(b, m, k), (b, k, n)``."""
    b, m, k, n = draw(_SIDE), draw(_SIDE), draw(_SIDE), draw(_SIDE)
    return [(b, m, k), (b, k, n)]


def _vector_shapes(left: int, right: int):
    """Shapes for a fixed pair of ranks among 1 and 2 (dot, mv and vector-matrix products)."""
    def shapes(draw) -> list:
        m, k, n = draw(_SIDE), draw(_SIDE), draw(_SIDE)
        return [(k,) if left == 1 else (m, k), (k,) if right == 1 else (k, n)]

    return shapes


def _batched_shapes(draw) -> list:
    """Operands of 1 to 4 dimensions, at least one of them 3-D or more, whose batch dimensions
    broadcast (sizes of 1 against n, missing leading dimensions)."""
    m, k, n = draw(_SIDE), draw(_SIDE), draw(_SIDE)
    batch_a, batch_b = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=3)).input_shapes
    rank_a, rank_b = draw(st.sampled_from([(3, 3), (3, 2), (2, 3), (3, 1), (1, 3)]))
    a = (k,) if rank_a == 1 else (batch_a if rank_a == 3 else ()) + (m, k)
    b = (k,) if rank_b == 1 else (batch_b if rank_b == 3 else ()) + (k, n)
    if len(a) < 3 and len(b) < 3:
        b = (2,) + b if rank_b != 1 else b
        a = (2,) + a if len(b) < 3 else a
    return [a, b]


def _linear_shapes(draw) -> list:
    """``input (*, k)`` with 0 to 2 batch dimensions, ``weight (n, k)``, ``bias (n,)``."""
    k, n = draw(_SIDE), draw(_SIDE)
    batch = tuple(draw(st.lists(_SIDE, min_size=0, max_size=2)))
    return [batch + (k,), (n, k), (n,)]



# Sums of up to four products of values in [-3, 3]: float32 rounding reaches 1e-5 absolute.
_F32 = {"rtol": 1e-5, "atol": 1e-4}

SPECS = [
    Spec("mm", ng.mm, np.matmul, 2, shapes=_mm_shapes, **_F32),
    Spec("matmul_2d", ng.matmul, np.matmul, 2, shapes=_mm_shapes, covers=("mm",), **_F32),
    Spec("matmul_operator", lambda a, b: a @ b, np.matmul, 2, shapes=_mm_shapes,
         covers=("mm",), **_F32),
    Spec("matmul_dot", ng.matmul, np.matmul, 2, shapes=_vector_shapes(1, 1), covers=("matmul",),
         **_F32),
    Spec("matmul_mv", ng.matmul, np.matmul, 2, shapes=_vector_shapes(2, 1), covers=("matmul",),
         **_F32),
    Spec("matmul_vm", ng.matmul, np.matmul, 2, shapes=_vector_shapes(1, 2), covers=("matmul",),
         **_F32),
    Spec("matmul", ng.matmul, np.matmul, 2, shapes=_batched_shapes, **_F32),
    Spec("bmm", ng.bmm, np.matmul, 2, shapes=_bmm_shapes, **_F32),
    Spec("linear", ng.nn.functional.linear, lambda x, w, b: np.matmul(x, w.T) + b, 3,
         shapes=_linear_shapes, **_F32),
    Spec("linear_no_bias", ng.nn.functional.linear, lambda x, w: np.matmul(x, w.T), 2,
         shapes=lambda draw: _linear_shapes(draw)[:2], covers=("linear",), **_F32),
]

